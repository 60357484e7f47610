// Virtual Akida devices as data: a mesh of nodes, each holding a few neural processors (NPs)
// of declared kinds. defineMesh() checks a description and builds the device the mapper uses.
// The numbers of the known devices, their sources and which are assumptions: devices.ts and
// docs/mesh.md.
import type { LayerKind } from '../ir/types.js';

/** The data-processing layers an NP can run (InputData needs none; InputConvolutional uses the input block). */
export type NpLayerKind = Extract<LayerKind, 'Convolutional' | 'SeparableConvolutional' | 'FullyConnected'>;

/** A kind of neural processor and what one NP of that kind holds. */
export interface NpKind {
  /** e.g. 'CNP' (convolutional), 'FNP' (fully connected) */
  name: string;
  /** layer kinds an NP of this kind runs */
  layers: NpLayerKind[];
  /** neurons (filters or units) one NP holds */
  maxNeurons: number;
  /** weight memory of one NP, bytes (weights are packed at their bit width) */
  weightBytes: number;
  /**
   * Columns of potentials one NP computes (conv-like layers); a wider layer is split into
   * column bands. Infinity for kinds without a column limit.
   */
  maxColumns: number;
}

/**
 * The dedicated input convolution block (Akida's data-to-event converter): runs the
 * InputConvolutional layer without using NPs. Limits from the AKD1000 constraints table.
 */
export interface InputBlock {
  minWidth: number;
  maxWidth: number;
  minHeight: number;
  /** most filters, by input channels then kernel size */
  maxFilters: Record<1 | 3, Record<3 | 5 | 7, number>>;
}

export interface NpSlot {
  /** global NP id, 0-based in node order */
  id: number;
  node: number;
  /** position in its node */
  index: number;
  /** NP kinds this slot can be configured as */
  kinds: string[];
}

export interface MeshNode {
  id: number;
  col: number;
  row: number;
  nps: NpSlot[];
}

/** Program size model (bytes), see docs/mesh.md. */
export interface ProgramModel {
  /** per sequence: header, DMA descriptors */
  sequenceBytes: number;
  /** per layer: layer registers */
  layerBytes: number;
  /** per NP (or the input block) used: NP configuration */
  npBytes: number;
  /** per neuron: threshold (4 bytes) and act_step (2 bytes) */
  neuronBytes: number;
}

/** Parameters of the throughput and energy estimate (cost.ts, docs/mesh.md). */
export interface CostModel {
  /** NP clock, Hz */
  clockHz: number;
  /** synaptic operations one NP performs per cycle */
  synOpsPerCycle: number;
  /** input events one NP takes in per cycle */
  eventsPerCycle: number;
  /** synaptic operations of the input block per cycle */
  inputBlockSynOpsPerCycle: number;
  /** fixed host and driver time per frame, s */
  hostOverheadS: number;
  /** host <-> device bandwidth for inputs, outputs and programs, bytes/s */
  hostBytesPerS: number;
  /** host CPU speed for software layers, multiply-adds/s */
  softwareMacsPerS: number;
  /** floor power of the device while it runs, W */
  staticPowerW: number;
  /** energy per synaptic operation, J */
  energyPerSynOpJ: number;
  /** energy per event moved into or out of an NP over the mesh, J */
  energyPerEventJ: number;
  /** energy per program byte loaded, J */
  energyPerProgramByteJ: number;
}

/** One number of a device description and where it comes from. */
export interface DeviceFact {
  what: string;
  value: string;
  source: string;
  /** true when the number is ours, not published */
  assumption: boolean;
}

export interface DeviceSpec {
  name: string;
  description: string;
  /** mesh size in nodes */
  cols: number;
  rows: number;
  nodes: MeshNode[];
  /** every NP, by id */
  nps: NpSlot[];
  npKinds: Record<string, NpKind>;
  inputBlock: InputBlock | null;
  /** spreading a layer over more NPs never leaves fewer neurons than this on one NP */
  minNeuronsPerNp: number;
  program: ProgramModel;
  cost: CostModel;
  facts: DeviceFact[];
}

/** What a user writes to describe a mesh (also the JSON accepted by `spikemesh map --device file.json`). */
export interface MeshDescription {
  name: string;
  description?: string;
  /** nodes per mesh row and number of rows */
  cols: number;
  rows: number;
  /** kinds each NP slot of a node can take, one entry per slot; the same for every node */
  nodeSlots: string[][];
  npKinds: NpKind[];
  inputBlock?: InputBlock | null;
  minNeuronsPerNp?: number;
  program?: Partial<ProgramModel>;
  cost?: Partial<CostModel>;
  facts?: DeviceFact[];
}

export const NP_LAYER_KINDS: readonly NpLayerKind[] = ['Convolutional', 'SeparableConvolutional', 'FullyConnected'];

/** Used when a description leaves them out: the AKD1000 numbers (devices.ts documents them). */
export const DEFAULT_PROGRAM: ProgramModel = { sequenceBytes: 256, layerBytes: 64, npBytes: 880, neuronBytes: 6 };

export const DEFAULT_COST: CostModel = {
  clockHz: 300e6,
  synOpsPerCycle: 3,
  eventsPerCycle: 1,
  inputBlockSynOpsPerCycle: 64,
  hostOverheadS: 16e-3,
  hostBytesPerS: 100e6,
  softwareMacsPerS: 1e9,
  staticPowerW: 0.9,
  energyPerSynOpJ: 20e-12,
  energyPerEventJ: 50e-12,
  energyPerProgramByteJ: 1e-9,
};

export class MeshError extends Error {
  override name = 'MeshError';
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new MeshError(`${what} is ${JSON.stringify(v)}, expected an integer >= 1`);
  }
  return v;
}

function positive(v: unknown, what: string, allowInfinity = false): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v <= 0 || (!allowInfinity && !Number.isFinite(v))) {
    throw new MeshError(`${what} is ${JSON.stringify(v)}, expected a number > 0`);
  }
  return v;
}

function checkNpKind(k: NpKind, i: number, mesh: string): NpKind {
  const where = `mesh '${mesh}': npKinds[${i}]`;
  if (!k || typeof k.name !== 'string' || k.name === '') throw new MeshError(`${where}.name must be a non-empty string`);
  const at = `${where} '${k.name}'`;
  if (!Array.isArray(k.layers) || k.layers.length === 0) {
    throw new MeshError(`${at}.layers must list at least one of ${NP_LAYER_KINDS.join(', ')}`);
  }
  for (const l of k.layers) {
    if (!NP_LAYER_KINDS.includes(l)) {
      throw new MeshError(`${at}.layers has ${JSON.stringify(l)}, expected one of ${NP_LAYER_KINDS.join(', ')}`);
    }
  }
  return {
    name: k.name,
    layers: [...k.layers],
    maxNeurons: positiveInt(k.maxNeurons, `${at}.maxNeurons`),
    weightBytes: positiveInt(k.weightBytes, `${at}.weightBytes`),
    // JSON has no Infinity: a missing or null maxColumns means no column limit
    maxColumns: k.maxColumns == null ? Infinity : positive(k.maxColumns, `${at}.maxColumns`, true),
  };
}

/** Checks a mesh description and lays the NPs out node by node, row-major over the mesh. */
export function defineMesh(desc: MeshDescription): DeviceSpec {
  if (!desc || typeof desc.name !== 'string' || desc.name === '') throw new MeshError('a mesh needs a non-empty name');
  const name = desc.name;
  const cols = positiveInt(desc.cols, `mesh '${name}': cols`);
  const rows = positiveInt(desc.rows, `mesh '${name}': rows`);
  if (!Array.isArray(desc.npKinds) || desc.npKinds.length === 0) {
    throw new MeshError(`mesh '${name}': npKinds must list at least one NP kind`);
  }
  const npKinds: Record<string, NpKind> = {};
  desc.npKinds.forEach((k, i) => {
    const kind = checkNpKind(k, i, name);
    if (npKinds[kind.name]) throw new MeshError(`mesh '${name}': NP kind '${kind.name}' is declared twice`);
    npKinds[kind.name] = kind;
  });
  if (!Array.isArray(desc.nodeSlots) || desc.nodeSlots.length === 0) {
    throw new MeshError(`mesh '${name}': nodeSlots must list the kinds of each NP of a node (at least one NP)`);
  }
  desc.nodeSlots.forEach((slot, i) => {
    if (!Array.isArray(slot) || slot.length === 0) {
      throw new MeshError(`mesh '${name}': nodeSlots[${i}] must list at least one NP kind`);
    }
    for (const k of slot) {
      if (!npKinds[k]) {
        throw new MeshError(
          `mesh '${name}': nodeSlots[${i}] names NP kind ${JSON.stringify(k)}, declared kinds are ${Object.keys(npKinds).join(', ')}`,
        );
      }
    }
  });
  const nodes: MeshNode[] = [];
  const nps: NpSlot[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const node: MeshNode = { id: nodes.length, col: c, row: r, nps: [] };
      desc.nodeSlots.forEach((kinds, index) => {
        const np: NpSlot = { id: nps.length, node: node.id, index, kinds: [...kinds] };
        node.nps.push(np);
        nps.push(np);
      });
      nodes.push(node);
    }
  }
  const program = { ...DEFAULT_PROGRAM, ...desc.program };
  for (const [k, v] of Object.entries(program)) {
    if (typeof v !== 'number' || !(v >= 0)) throw new MeshError(`mesh '${name}': program.${k} must be a number >= 0`);
  }
  const cost = { ...DEFAULT_COST, ...desc.cost };
  for (const [k, v] of Object.entries(cost)) {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
      throw new MeshError(`mesh '${name}': cost.${k} must be a finite number >= 0`);
    }
  }
  for (const k of ['clockHz', 'synOpsPerCycle', 'eventsPerCycle', 'inputBlockSynOpsPerCycle', 'hostBytesPerS', 'softwareMacsPerS'] as const) {
    positive(cost[k], `mesh '${name}': cost.${k}`);
  }
  return {
    name,
    description: desc.description ?? `user-defined mesh: ${cols}x${rows} nodes of ${desc.nodeSlots.length} NPs`,
    cols,
    rows,
    nodes,
    nps,
    npKinds,
    inputBlock: desc.inputBlock ?? null,
    minNeuronsPerNp: desc.minNeuronsPerNp === undefined ? 1 : positiveInt(desc.minNeuronsPerNp, `mesh '${name}': minNeuronsPerNp`),
    program,
    cost,
    facts: desc.facts ?? [],
  };
}

/** Kinds of this device that can run a layer kind. */
export function kindsFor(device: DeviceSpec, layer: NpLayerKind): NpKind[] {
  return Object.values(device.npKinds).filter((k) => k.layers.includes(layer));
}
