// The known virtual devices (Akida's AKD1000() and TwoNodesIP()) as mesh descriptions, and
// the lookup by name. Every number carries its source; the ones marked assumption are ours
// (the NP layout of AKD1000 is not public). docs/mesh.md explains them.
import { defineMesh, type DeviceFact, type DeviceSpec, type InputBlock, type MeshDescription, type NpKind } from './mesh.js';

/** Full citations in docs/mesh.md. */
const HW_CONSTRAINTS = 'BrainChip "Akida 1.0 Hardware constraints"';
const REFERENCES = 'references/README.md';

/** InputConvolutional limits of Akida 1.0 (published). */
const AKIDA1_INPUT_BLOCK: InputBlock = {
  minWidth: 5,
  maxWidth: 256,
  minHeight: 5,
  maxFilters: { 1: { 3: 512, 5: 192, 7: 96 }, 3: { 3: 192, 5: 64, 7: 32 } },
};

const CNP: NpKind = {
  name: 'CNP',
  layers: ['Convolutional', 'SeparableConvolutional'],
  maxNeurons: 256,
  weightBytes: 64 * 1024,
  maxColumns: 32,
};

const FNP: NpKind = {
  name: 'FNP',
  layers: ['FullyConnected'],
  maxNeurons: 1024,
  weightBytes: 64 * 1024,
  maxColumns: Infinity,
};

/** Facts shared by every Akida 1.0 mesh defined here. */
const AKIDA1_FACTS: DeviceFact[] = [
  { what: 'InputConvolutional on a dedicated input block (no NP)', value: 'width 5-256, height >= 5, 1 or 3 channels', source: HW_CONSTRAINTS, assumption: false },
  { what: 'InputConvolutional max filters (1 ch / 3 ch)', value: '3x3: 512/192, 5x5: 192/64, 7x7: 96/32', source: HW_CONSTRAINTS, assumption: false },
  { what: 'layer rules (kernels, strides, pooling, bit widths)', value: 'see docs/mesh.md, "Hardware constraints"', source: `${HW_CONSTRAINTS}; ${REFERENCES}`, assumption: false },
  { what: 'FullyConnected inputs', value: '<= 57,334 (1x1 spatial)', source: `${HW_CONSTRAINTS}; ${REFERENCES}`, assumption: false },
  { what: 'NP kinds', value: 'every NP slot can act as a CNP (Convolutional, SeparableConvolutional) or an FNP (FullyConnected)', source: 'ours: the NP kinds per node are not public', assumption: true },
  { what: 'CNP columns', value: '32 potential columns per NP; wider layers split into column bands', source: 'ours, inferred from the published global average pooling width limit [1:32]', assumption: true },
  { what: 'NP weight memory', value: '64 KiB per NP (weights packed at their bit width)', source: 'ours', assumption: true },
  { what: 'neurons per NP', value: 'CNP 256, FNP 1024', source: 'ours', assumption: true },
  { what: 'spreading granularity', value: '>= 4 neurons per NP', source: 'ours, chosen so the DS-CNN KWS example maps to the published 65 NPs', assumption: true },
  { what: 'program size model', value: '256 B per sequence + 64 B per layer + 880 B per NP + 6 B per neuron + packed weights', source: 'ours, calibrated on the DS-CNN KWS example (88,748 bytes published)', assumption: true },
  { what: 'cost model parameters', value: 'see docs/mesh.md, "Cost model"', source: 'ours, calibrated on the published DS-CNN (62.5 fps) and AkidaNet 0.5 (43.48 fps, 23.48 mJ/frame) figures', assumption: true },
];

export const AKD1000_DESCRIPTION: MeshDescription = {
  name: 'AKD1000',
  description: 'BrainChip AKD1000 SoC: 80 NPs in 20 nodes of 4 on a 5x4 mesh, with the input convolution block',
  cols: 5,
  rows: 4,
  nodeSlots: [
    ['CNP', 'FNP'],
    ['CNP', 'FNP'],
    ['CNP', 'FNP'],
    ['CNP', 'FNP'],
  ],
  npKinds: [CNP, FNP],
  inputBlock: AKIDA1_INPUT_BLOCK,
  minNeuronsPerNp: 4,
  facts: [
    { what: 'neural processors', value: '80', source: `${REFERENCES}; BrainChip akida_examples overview`, assumption: false },
    { what: 'nodes', value: '20 nodes of 4 NPs', source: 'ours: "NPs arranged in nodes on a mesh" is published, the split is not', assumption: true },
    { what: 'mesh shape', value: '5 x 4 nodes', source: 'ours', assumption: true },
    ...AKIDA1_FACTS,
  ],
};

export const TWO_NODES_IP_DESCRIPTION: MeshDescription = {
  name: 'TwoNodesIP',
  description: 'Akida 1.0 IP with two nodes of 4 NPs (8 NPs) and the input convolution block',
  cols: 2,
  rows: 1,
  nodeSlots: AKD1000_DESCRIPTION.nodeSlots,
  npKinds: [CNP, FNP],
  inputBlock: AKIDA1_INPUT_BLOCK,
  minNeuronsPerNp: 4,
  facts: [
    { what: 'device', value: 'Akida\'s TwoNodesIP() virtual device', source: 'akida-user-guide.txt, "Virtual Devices"', assumption: false },
    { what: 'nodes', value: '2 nodes of 4 NPs (same node as AKD1000)', source: 'ours', assumption: true },
    { what: 'input block', value: 'present, with the AKD1000 limits', source: 'ours', assumption: true },
    { what: 'cost model', value: 'the AKD1000 parameters', source: 'ours', assumption: true },
    ...AKIDA1_FACTS,
  ],
};

const KNOWN: Record<string, MeshDescription> = {
  AKD1000: AKD1000_DESCRIPTION,
  TwoNodesIP: TWO_NODES_IP_DESCRIPTION,
};

/** Names of the built-in virtual devices. */
export function deviceNames(): string[] {
  return Object.keys(KNOWN);
}

/** A built-in virtual device by name (case-insensitive). */
export function getDevice(name: string): DeviceSpec {
  const key = Object.keys(KNOWN).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) throw new RangeError(`unknown device '${name}', expected one of ${deviceNames().join(', ')} (or a mesh description)`);
  return defineMesh(KNOWN[key]!);
}

export function AKD1000(): DeviceSpec {
  return getDevice('AKD1000');
}

export function TwoNodesIP(): DeviceSpec {
  return getDevice('TwoNodesIP');
}

/** Built-in devices, for listings. */
export function listDevices(): DeviceSpec[] {
  return deviceNames().map(getDevice);
}

/** A device given by name, by mesh description, or already built. */
export function resolveDevice(device: DeviceSpec | MeshDescription | string): DeviceSpec {
  if (typeof device === 'string') return getDevice(device);
  if ('nps' in device && Array.isArray(device.nps)) return device;
  return defineMesh(device as MeshDescription);
}
