// The mapper: parts tile every layer, NP limits hold, column bands read the right input
// columns, sequences and passes follow the plan rules, the published DS-CNN figures.
import { describe, expect, it } from 'vitest';
import { inferShapes, potentialShape } from '../../src/ir/shapes.js';
import type { IntBatch, ModelSpec } from '../../src/ir/types.js';
import { layerForward } from '../../src/reference/forward.js';
import { AKD1000, AKD1000_DESCRIPTION, TwoNodesIP } from '../../src/mesh/devices.js';
import { denseOps } from '../../src/mesh/map-parts.js';
import { mapModel, type MappingPlan } from '../../src/mesh/map.js';
import { defineMesh, type DeviceSpec } from '../../src/mesh/mesh.js';
import { randomModel } from '../helpers/random-model.js';
import { tinyMesh } from './map-meshes.js';
import { akidaNet05, dsCnnKws, GAP, MAX2, ModelBuilder, randomInput } from './map-models.js';

const akd = AKD1000();
const data = (h: number, w: number, c: number) => new ModelBuilder([h, w, c], 3).inputData('input', 4);

/** Structural invariants every plan must satisfy. */
function checkInvariants(plan: MappingPlan, model: ModelSpec, device: DeviceSpec): void {
  const shapes = inferShapes(model.layers);
  const seen = new Map<string, number>();
  plan.layers.forEach((m, k) => {
    const layer = model.layers[k]!;
    const out = shapes.inputs[k + 1] ?? shapes.output;
    if (layer.kind === 'InputData') {
      expect(m.parts).toEqual([]);
      return;
    }
    // the parts tile [0, C) x [0, W) exactly once
    const cover = new Uint8Array(out[1] * out[2]);
    for (const p of m.parts) {
      for (let x = p.cols[0]; x < p.cols[1]; x++) for (let c = p.filters[0]; c < p.filters[1]; c++) cover[x * out[2] + c]!++;
    }
    expect([...new Set(cover)]).toEqual([1]);
    for (const p of m.parts) {
      expect(p.unit).toBe(m.backend === 'software' ? 'host' : layer.kind === 'InputConvolutional' ? 'input-block' : 'np');
      if (p.unit !== 'np') continue;
      const kind = device.npKinds[p.npKind!]!;
      expect(kind.layers).toContain(layer.kind);
      expect(device.nps[p.np!]!.kinds).toContain(kind.name);
      expect(p.node).toBe(device.nps[p.np!]!.node);
      expect(p.weightBytes).toBeLessThanOrEqual(kind.weightBytes);
      expect(p.filters[1] - p.filters[0]).toBeLessThanOrEqual(kind.maxNeurons);
      expect(p.filters[1] - p.filters[0]).toBeGreaterThan(0);
      expect(p.potentialCols[1] - p.potentialCols[0]).toBeLessThanOrEqual(kind.maxColumns);
      // an NP holds one part per pass
      const key = `${m.sequence}/${p.pass}/${p.np}`;
      expect(seen.has(key)).toBe(false);
      seen.set(key, k);
      expect(p.pass).toBeLessThan(plan.sequences[m.sequence]!.passes);
    }
    // a layer never starts before the previous one has finished
    const prev = plan.layers[k - 1];
    if (prev && prev.sequence === m.sequence && prev.parts.length && m.parts.length) {
      expect(Math.min(...m.parts.map((p) => p.pass))).toBeGreaterThanOrEqual(Math.max(...prev.parts.map((p) => p.pass)));
    }
  });
  // sequences: maximal runs of one backend, consecutive layers
  plan.sequences.forEach((s, i) => {
    for (const k of s.layers) expect(plan.layers[k]!.backend).toBe(s.backend);
    if (i > 0) expect(plan.sequences[i - 1]!.backend).not.toBe(s.backend);
  });
  expect(plan.sequences.flatMap((s) => s.layers)).toEqual(model.layers.map((_, k) => k));
}

describe('map: published DS-CNN example', () => {
  const plan = mapModel(dsCnnKws(), akd);

  it('uses 65 NPs in one sequence and one pass, like the published mapping', () => {
    expect(plan.totals).toMatchObject({ hardwareLayers: 6, softwareLayers: 0, sequences: 1, passes: 1, nps: 65 });
    expect(plan.layers[0]!.parts.map((p) => p.unit)).toEqual(['input-block']);
  });

  it('program size lands within 5% of the published 88,748 bytes (the size model is calibrated on it)', () => {
    expect(Math.abs(plan.totals.programBytes - 88748) / 88748).toBeLessThan(0.05);
  });

  it('satisfies the plan invariants', () => checkInvariants(plan, dsCnnKws(), akd));
});

describe('map: splitting', () => {
  it('splits filters when one NP cannot hold them (minimal: fewest groups the memory allows)', () => {
    const m = data(6, 6, 64).conv('big', 300, { kernel: 3 }).build('m');
    const plan = mapModel(m, akd, { mode: 'minimal' });
    const bytesPerFilter = (3 * 3 * 64 * 4) / 8;
    const perNp = Math.min(akd.npKinds.CNP!.maxNeurons, Math.floor(akd.npKinds.CNP!.weightBytes / bytesPerFilter));
    expect(plan.layers[1]!.filterGroups).toBe(Math.ceil(300 / perNp));
    expect(plan.layers[1]!.parts.map((p) => p.filters)).toEqual([
      [0, 150],
      [150, 300],
    ]);
    checkInvariants(plan, m, akd);
  });

  it('splits wide layers into column bands with their input halo', () => {
    const m = data(4, 100, 2).conv('s1', 4).conv('s2', 4, { stride: 2 }).conv('pooled', 4, { pooling: MAX2 }).conv('k7', 4, { kernel: 7 }).build('m');
    const plan = mapModel(m, akd, { mode: 'minimal' });
    const [, s1, s2, pooled, k7] = plan.layers;
    expect(s1!.parts.map((p) => [p.cols, p.inputCols])).toEqual([
      [[0, 32], [0, 33]],
      [[32, 64], [31, 65]],
      [[64, 96], [63, 97]],
      [[96, 100], [95, 100]],
    ]);
    // stride 2: 50 potential columns, 2 bands of at most 32
    expect(s2!.parts.map((p) => p.cols)).toEqual([
      [0, 32],
      [32, 50],
    ]);
    // 'same' with stride 2 on 100 columns pads 0 before and 1 after: potential 32 reads input 64-66
    expect(s2!.parts[1]!.inputCols).toEqual([64, 100]);
    // 50 -> max pool 2x2/2 -> 25 output columns: a band of 16 pooled columns needs 32 potential columns
    expect(pooled!.parts.map((p) => [p.cols, p.potentialCols])).toEqual([
      [[0, 16], [0, 32]],
      [[16, 25], [32, 50]],
    ]);
    expect(k7!.parts.map((p) => p.inputCols)).toEqual([[0, 25]]);
    checkInvariants(plan, m, akd);
  });

  it('global average pooling keeps all columns on one NP', () => {
    const m = data(4, 32, 2).conv('gap', 8, { pooling: GAP }).build('m');
    const plan = mapModel(m, akd, { mode: 'minimal' });
    expect(plan.layers[1]!.bands).toBe(1);
  });
});

/** Zeroing the input outside a part's input columns leaves the part's outputs unchanged. */
function checkHalo(model: ModelSpec, plan: MappingPlan, x: IntBatch): number {
  const shapes = inferShapes(model.layers);
  let checked = 0;
  let input = x.data;
  model.layers.forEach((layer, k) => {
    const inShape = shapes.inputs[k]!;
    const out = layerForward(layer, input, inShape);
    const outShape = shapes.inputs[k + 1] ?? shapes.output;
    for (const p of plan.layers[k]!.parts) {
      if (p.inputCols[0] === 0 && p.inputCols[1] === inShape[1]) continue;
      const masked = input.slice();
      for (let i = 0; i < masked.length; i++) {
        const col = Math.floor(i / inShape[2]) % inShape[1];
        if (col < p.inputCols[0] || col >= p.inputCols[1]) masked[i] = 0;
      }
      const got = layerForward(layer, masked, inShape);
      for (let y = 0; y < outShape[0]; y++) {
        for (let c = p.cols[0]; c < p.cols[1]; c++) {
          for (let f = p.filters[0]; f < p.filters[1]; f++) {
            const i = (y * outShape[1] + c) * outShape[2] + f;
            if (got[i] !== out[i]) throw new Error(`layer ${k} part cols [${p.cols}]: output ${i} is ${got[i]} with the input masked, ${out[i]} without`);
          }
        }
      }
      checked++;
    }
    input = out;
  });
  return checked;
}

describe('map: column band halos are exact', () => {
  it('conv strides, kernels, max pooling (stride 1 and 2), separable', () => {
    const mesh = tinyMesh('narrow', 8, 5, 64);
    const m = new ModelBuilder([7, 23, 3], 5)
      .inputConv('in', 4, { kernel: 5, stride: 1, threshold: 200, step16: 16 * 300 })
      .conv('c3', 4, { threshold: 0, step16: 16 * 40 })
      .conv('c3s2', 4, { stride: 2, pooling: { type: 'max', size: [2, 2], stride: [1, 1], padding: 'same' }, threshold: 0, step16: 16 * 40 })
      .separable('s7', 4, { kernel: 7, threshold: 0, step16: 16 * 40 })
      .conv('c5', 4, { kernel: 5, pooling: MAX2, threshold: 0, step16: 16 * 40 })
      .conv('c1', 3, { kernel: 1, actBits: null })
      .build('halo');
    const plan = mapModel(m, mesh, { mode: 'minimal' });
    expect(plan.layers.slice(2).every((l) => l.bands > 1)).toBe(true);
    const x = randomInput([7, 23, 3], 1, 255, 9, 0.2);
    expect(checkHalo(m, plan, x)).toBeGreaterThan(10);
    checkInvariants(plan, m, mesh);
  });
});

describe('map: passes and sequences', () => {
  it('a model too large for one pass maps to several, the fewest possible', () => {
    const m = akidaNet05();
    const ip = TwoNodesIP();
    const plan = mapModel(m, ip, { mode: 'minimal' });
    const parts = plan.layers.reduce((t, l) => t + l.parts.filter((p) => p.unit === 'np').length, 0);
    expect(plan.totals.sequences).toBe(1);
    expect(plan.totals.passes).toBe(Math.ceil(parts / ip.nps.length));
    expect(plan.totals.passes).toBeGreaterThan(1);
    expect(plan.totals.distinctNps).toBe(ip.nps.length);
    checkInvariants(plan, m, ip);
  });

  it('one layer larger than the device spreads over passes', () => {
    const mesh = tinyMesh('two', 1, 32, 4);
    const m = data(4, 4, 2).conv('wide', 20).build('m');
    const plan = mapModel(m, mesh, { mode: 'minimal' });
    expect(plan.layers[1]!.parts).toHaveLength(5);
    expect(plan.layers[1]!.passes).toEqual([0, 1, 2]);
    checkInvariants(plan, m, mesh);
  });

  it('allNps spreads over spare NPs without adding passes and lowers the busiest NP load', () => {
    const shapesOf = (m: ModelSpec) => inferShapes(m.layers).inputs;
    for (const m of [dsCnnKws(), akidaNet05()]) {
      const min = mapModel(m, akd, { mode: 'minimal' });
      const all = mapModel(m, akd, { mode: 'allNps' });
      expect(all.totals.passes).toBe(min.totals.passes);
      expect(all.totals.nps).toBeGreaterThan(min.totals.nps);
      expect(all.totals.distinctNps).toBeLessThanOrEqual(akd.nps.length);
      const busiest = (plan: MappingPlan) =>
        Math.max(
          ...plan.layers.flatMap((l, k) =>
            l.parts.filter((p) => p.unit === 'np').map((p) => denseOps(m.layers[k]!, shapesOf(m)[k]!, p.potentialCols, p.filters[1] - p.filters[0])),
          ),
        );
      expect(busiest(all)).toBeLessThan(busiest(min));
      checkInvariants(all, m, akd);
    }
  });

  it('keeps a hardware layer between software layers on hardware (more hardware layers before fewer sequences)', () => {
    const m = data(6, 6, 2).conv('sw_1', 4, { weightBits: 8 }).conv('hw', 4).conv('sw_2', 4, { weightBits: 8 }).build('m');
    const plan = mapModel(m, akd);
    expect(plan.layers.map((l) => l.backend)).toEqual(['software', 'software', 'hardware', 'software']);
    expect(plan.sequences.map((s) => s.name)).toEqual(['SW/input-sw_1', 'HW/hw', 'SW/sw_2']);
    expect(plan.totals).toMatchObject({ hardwareLayers: 1, softwareLayers: 2, sequences: 3, passes: 1 });
  });

  it('places parts only on slots of their kind, keeping versatile slots for later', () => {
    const mesh = defineMesh({
      ...AKD1000_DESCRIPTION,
      name: 'split-kinds',
      cols: 2,
      rows: 1,
      nodeSlots: [['CNP'], ['CNP', 'FNP'], ['FNP'], ['CNP']],
    });
    const m = data(4, 4, 2).conv('a', 8).conv('b', 8, { pooling: GAP }).dense('d', 3, 8).build('m');
    const plan = mapModel(m, mesh, { mode: 'minimal' });
    const slot = (l: number) => mesh.nps[plan.layers[l]!.nps[0]!]!;
    expect(slot(1).kinds).toEqual(['CNP']);
    expect(slot(2).kinds).toEqual(['CNP']);
    expect(slot(3).kinds).toEqual(['FNP']);
    checkInvariants(plan, m, mesh);
  });
});

describe('map: random models', () => {
  it('every plan satisfies the invariants (seeded models, two meshes, both modes)', () => {
    const meshes = [akd, tinyMesh('tiny', 2, 3, 2, { weightBytes: 64 })];
    for (let seed = 1; seed <= 60; seed++) {
      const m = randomModel(seed, { maxChannels: 12 });
      for (const mesh of meshes) {
        for (const mode of ['allNps', 'minimal'] as const) {
          const plan = mapModel(m, mesh, { mode });
          checkInvariants(plan, m, mesh);
          // potentials of a part stay inside the layer
          plan.layers.forEach((l, k) => {
            const layer = m.layers[k]!;
            if (layer.kind === 'InputData' || layer.kind === 'FullyConnected') return;
            const pw = potentialShape(layer, inferShapes(m.layers).inputs[k]!)[1];
            for (const p of l.parts) expect(p.potentialCols[1]).toBeLessThanOrEqual(pw);
          });
        }
      }
    }
  });
});
