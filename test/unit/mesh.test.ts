// Virtual devices as data: the built-in meshes, user meshes and their validation.
import { describe, expect, it } from 'vitest';
import { AKD1000, AKD1000_DESCRIPTION, deviceNames, getDevice, listDevices, resolveDevice, TwoNodesIP } from '../../src/mesh/devices.js';
import { mapModel } from '../../src/mesh/map.js';
import { defineMesh, MeshError, type MeshDescription } from '../../src/mesh/mesh.js';
import { dsCnnKws } from './map-models.js';

describe('built-in devices', () => {
  it('AKD1000: 80 NPs in 20 nodes of 4 on a 5x4 mesh, each NP a CNP or an FNP', () => {
    const d = AKD1000();
    expect(d.nps).toHaveLength(80);
    expect(d.nodes).toHaveLength(20);
    expect(d.nodes.every((n) => n.nps.length === 4)).toBe(true);
    expect(d.nps.map((n) => n.id)).toEqual([...Array(80).keys()]);
    expect(d.nps.every((n) => d.nodes[n.node]!.nps.includes(n))).toBe(true);
    expect(new Set(d.nodes.map((n) => `${n.col},${n.row}`)).size).toBe(20);
    expect(d.nps.every((n) => n.kinds.join() === 'CNP,FNP')).toBe(true);
    expect(d.inputBlock?.maxFilters[3][7]).toBe(32);
  });

  it('TwoNodesIP: 8 NPs in 2 nodes', () => {
    const d = TwoNodesIP();
    expect([d.nps.length, d.nodes.length]).toEqual([8, 2]);
  });

  it('every device says which numbers are assumptions and where the others come from', () => {
    for (const d of listDevices()) {
      expect(d.facts.some((f) => f.assumption)).toBe(true);
      expect(d.facts.some((f) => !f.assumption)).toBe(true);
      for (const f of d.facts) expect(f.source.length).toBeGreaterThan(3);
    }
  });

  it('looks devices up by name, case-insensitively, and names the known ones otherwise', () => {
    expect(deviceNames()).toEqual(['AKD1000', 'TwoNodesIP']);
    expect(getDevice('akd1000').name).toBe('AKD1000');
    expect(() => getDevice('AKD1500')).toThrow("unknown device 'AKD1500', expected one of AKD1000, TwoNodesIP");
  });
});

describe('user-defined meshes', () => {
  const desc: MeshDescription = {
    name: 'my-mesh',
    cols: 3,
    rows: 2,
    nodeSlots: [['CNP'], ['CNP'], ['FNP']],
    npKinds: [
      { name: 'CNP', layers: ['Convolutional', 'SeparableConvolutional'], maxNeurons: 64, weightBytes: 8192, maxColumns: 16 },
      { name: 'FNP', layers: ['FullyConnected'], maxNeurons: 128, weightBytes: 16384, maxColumns: Infinity },
    ],
    inputBlock: AKD1000_DESCRIPTION.inputBlock,
  };

  it('lays out nodes x NPs row-major, with the declared kinds', () => {
    const d = defineMesh(desc);
    expect(d.nps).toHaveLength(18);
    expect(d.nodes[4]).toMatchObject({ id: 4, col: 1, row: 1 });
    expect(d.nps[5]).toMatchObject({ id: 5, node: 1, index: 2, kinds: ['FNP'] });
    expect(d.cost).toEqual(AKD1000().cost);
  });

  it('maps a model on it (FullyConnected only on FNP slots)', () => {
    const d = defineMesh(desc);
    const plan = mapModel(dsCnnKws(), d, { mode: 'minimal' });
    expect(plan.layers[5]!.parts.every((p) => d.nps[p.np!]!.kinds.includes('FNP'))).toBe(true);
    expect(plan.totals.hardwareLayers).toBe(6);
  });

  it('accepts the JSON form: no column limit written as null', () => {
    const json = JSON.parse(JSON.stringify({ ...desc, npKinds: desc.npKinds.map((k) => ({ ...k, maxColumns: Number.isFinite(k.maxColumns) ? k.maxColumns : null })) }));
    expect(resolveDevice(json).npKinds.FNP!.maxColumns).toBe(Infinity);
  });

  it.each([
    [{ cols: 0 }, "mesh 'my-mesh': cols is 0, expected an integer >= 1"],
    [{ nodeSlots: [['CNP'], ['XNP']] }, "mesh 'my-mesh': nodeSlots[1] names NP kind \"XNP\", declared kinds are CNP, FNP"],
    [{ nodeSlots: [] }, "mesh 'my-mesh': nodeSlots must list the kinds of each NP of a node"],
    [{ npKinds: [{ ...desc.npKinds[0]!, layers: ['InputConvolutional'] }] }, "npKinds[0] 'CNP'.layers has \"InputConvolutional\", expected one of Convolutional, SeparableConvolutional, FullyConnected"],
    [{ npKinds: [desc.npKinds[0]!, desc.npKinds[0]!] }, "NP kind 'CNP' is declared twice"],
    [{ npKinds: [{ ...desc.npKinds[0]!, weightBytes: 0 }, desc.npKinds[1]!] }, "npKinds[0] 'CNP'.weightBytes is 0, expected an integer >= 1"],
    [{ cost: { clockHz: 0 } }, "mesh 'my-mesh': cost.clockHz is 0, expected a number > 0"],
    [{ cost: { staticPowerW: -1 } }, "mesh 'my-mesh': cost.staticPowerW must be a finite number >= 0"],
  ] as Array<[Partial<MeshDescription>, string]>)('rejects %o', (change, message) => {
    expect(() => defineMesh({ ...desc, ...change })).toThrow(MeshError);
    expect(() => defineMesh({ ...desc, ...change })).toThrow(message);
  });
});
