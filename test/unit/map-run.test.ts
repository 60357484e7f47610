// Running the mapped model: dispatches follow the sequence/pass plan, results equal the
// unmapped forward, and the per-NP statistics match counts made another way.
import { describe, expect, it } from 'vitest';
import { inferShapes, potentialShape, shapeSize, windowGeometry } from '../../src/ir/shapes.js';
import type { IntBatch, Layer, ModelSpec, Shape3 } from '../../src/ir/types.js';
import { referenceForward } from '../../src/reference/forward.js';
import { AKD1000 } from '../../src/mesh/devices.js';
import type { PartShape } from '../../src/mesh/map-parts.js';
import { runPlan } from '../../src/mesh/map-run.js';
import { mapModel, type MappingPlan } from '../../src/mesh/map.js';
import { expectedStats, measureStats } from '../../src/mesh/stats.js';
import { mulberry32, pick, randInt } from '../helpers/builders.js';
import { randomInput as randomModelInput, randomModel } from '../helpers/random-model.js';
import { tinyMesh } from './map-meshes.js';
import { dsCnnKws, GAP, MAX2, ModelBuilder, randomInput } from './map-models.js';

/** CNPs of 3 columns and 2 neurons, 4 NPs: bands, groups and passes everywhere. */
const tiny = tinyMesh('tiny', 2, 3, 2);

/** A random model whose layers mostly pass the AKD1000 checks. */
function hardwareFriendly(seed: number): ModelSpec {
  const r = mulberry32(seed);
  const same = { kernel: [3, 3] as [number, number], padding: 'same' as const };
  return randomModel(seed, {
    inputShape: [randInt(r, 5, 9), randInt(r, 5, 14), pick(r, [1, 3])],
    maxChannels: 7,
    thresholds: 'typical',
    layers: [
      { kind: 'InputConvolutional', ...same, weightBits: 4, pooling: 'none' },
      { kind: 'Convolutional', ...same, stride: pick(r, [1, 2]), weightBits: 4, pooling: pick(r, ['none', 'max'] as const) },
      { kind: 'SeparableConvolutional', ...same, stride: 1, weightBits: 2, pooling: 'none' },
      { kind: 'Convolutional', kernel: [1, 1], padding: 'same', stride: 1, weightBits: 4, pooling: 'global_avg' },
      { kind: 'FullyConnected', weightBits: 2 },
    ],
  });
}

function checkDispatchOrder(plan: MappingPlan, dispatches: Awaited<ReturnType<typeof runPlan>>['dispatches']): void {
  // sequence by sequence, pass by pass
  for (let i = 1; i < dispatches.length; i++) {
    const a = dispatches[i - 1]!;
    const b = dispatches[i]!;
    expect(b.sequence > a.sequence || (b.sequence === a.sequence && b.pass >= a.pass)).toBe(true);
  }
  // every part exactly once, on its planned NP and pass
  const planned = plan.layers.flatMap((l, k) => l.parts.map((p, j) => `${k}/${j}/${p.pass}/${p.np}/${l.sequence}`)).sort();
  expect(dispatches.map((d) => `${d.layer}/${d.part}/${d.pass}/${d.np}/${d.sequence}`).sort()).toEqual(planned);
}

describe('runPlan equals the unmapped forward', () => {
  it('DS-CNN on AKD1000', async () => {
    const m = dsCnnKws();
    const plan = mapModel(m, AKD1000());
    const x = randomInput([49, 10, 1], 3, 255, 21, 0.1);
    const run = await runPlan(plan, m, x);
    const ref = referenceForward(m, x, true);
    expect(run.output.data).toEqual(ref.output.data);
    run.layers.forEach((l, k) => expect(l.data).toEqual(ref.layers![k]!.data));
    checkDispatchOrder(plan, run.dispatches);
    expect(run.dispatches).toHaveLength(66);
  });

  it('seeded random models on a tiny mesh (bands, filter groups, passes, software layers)', async () => {
    let multiPass = 0;
    let software = 0;
    for (let seed = 1; seed <= 40; seed++) {
      // odd seeds: anything (software layers); even seeds: layers within the hardware limits
      const m = seed % 2 ? randomModel(seed, { maxChannels: 7, thresholds: 'typical' }) : hardwareFriendly(seed);
      const shape = inferShapes(m.layers).inputs[0]!;
      const first = m.layers[0]!;
      const bits = first.kind === 'InputData' || first.kind === 'InputConvolutional' ? first.inputBits : 8;
      const x = randomModelInput(seed, shape, 2, bits);
      for (const mode of ['allNps', 'minimal'] as const) {
        const plan = mapModel(m, tiny, { mode });
        const run = await runPlan(plan, m, x);
        const ref = referenceForward(m, x, true);
        run.layers.forEach((l, k) => expect(l.data, `seed ${seed} ${mode} layer ${k}`).toEqual(ref.layers![k]!.data));
        checkDispatchOrder(plan, run.dispatches);
        if (plan.totals.passes > plan.sequences.filter((s) => s.backend === 'hardware').length) multiPass++;
        if (plan.totals.softwareLayers > 0) software++;
      }
    }
    // the seeds exercise what the test claims
    expect(multiPass).toBeGreaterThan(10);
    expect(software).toBeGreaterThan(5);
  });

  it('rejects a plan of another model', async () => {
    const plan = mapModel(dsCnnKws(), AKD1000());
    const other = new ModelBuilder([8, 8, 1], 1).inputConv('c', 4).build('other');
    await expect(runPlan(plan, other, randomInput([8, 8, 1], 1, 9, 1))).rejects.toThrow(/does not describe this model/);
  });
});

/** SynOps by gathering: for each potential of the part, each tap reading an event, times its neurons. */
function gatherSynOps(layer: Layer, input: Shape3, x: Int32Array, part: PartShape): number {
  const n = part.filters[1] - part.filters[0];
  const nz = (y: number, xx: number, c: number) => x[(y * input[1] + xx) * input[2] + c] !== 0;
  if (layer.kind === 'FullyConnected') {
    let e = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== 0) e++;
    return e * n;
  }
  if (layer.kind === 'InputData') return 0;
  const [ph] = potentialShape(layer, input);
  const gy = windowGeometry(input[0], layer.kernel[0], layer.stride, layer.padding);
  const gx = windowGeometry(input[1], layer.kernel[1], layer.stride, layer.padding);
  let taps = 0;
  let windows = 0;
  for (let oy = 0; oy < ph; oy++) {
    for (let ox = part.potentialCols[0]; ox < part.potentialCols[1]; ox++) {
      for (let c = 0; c < input[2]; c++) {
        let any = false;
        for (let i = 0; i < layer.kernel[0]; i++) {
          for (let j = 0; j < layer.kernel[1]; j++) {
            const iy = oy * layer.stride + i - gy.padBefore;
            const ix = ox * layer.stride + j - gx.padBefore;
            if (iy >= 0 && iy < input[0] && ix >= 0 && ix < input[1] && nz(iy, ix, c)) {
              taps++;
              any = true;
            }
          }
        }
        if (any) windows++;
      }
    }
  }
  return layer.kind === 'SeparableConvolutional' ? taps + windows * n : taps * n;
}

describe('per-NP statistics', () => {
  const model = new ModelBuilder([6, 11, 3], 4)
    .inputConv('in', 6, { kernel: 3, threshold: 300, step16: 16 * 200 })
    .conv('conv', 5, { stride: 2, threshold: 5, step16: 16 * 10 })
    .separable('sep', 4, { kernel: 5, pooling: MAX2, threshold: 5, step16: 16 * 10 })
    .conv('gap', 4, { kernel: 1, pooling: GAP, threshold: 0, step16: 16 * 4 })
    .dense('fc', 3, 4, { actBits: null })
    .build('stats');
  const x = randomInput([6, 11, 3], 2, 255, 5, 0.3);

  it('events and SynOps per part match counts made by gathering', async () => {
    const plan = mapModel(model, tiny, { mode: 'minimal' });
    const run = await runPlan(plan, model, x);
    const ref = referenceForward(model, x, true);
    const shapes = inferShapes(model.layers);
    run.stats.parts.forEach((s) => {
      const layer = model.layers[s.layer]!;
      const part = plan.layers[s.layer]!.parts[s.part]!;
      const inShape = shapes.inputs[s.layer]!;
      const inBatch: IntBatch = s.layer === 0 ? x : ref.layers![s.layer - 1]!;
      let synOps = 0;
      for (let n = 0; n < x.n; n++) {
        const size = shapeSize(inShape);
        synOps += gatherSynOps(layer, inShape, inBatch.data.subarray(n * size, (n + 1) * size), part);
      }
      expect(s.synOps, `layer ${s.layer} part ${s.part}`).toBe(synOps);
      expect(s.np).toBe(part.np);
    });
    // events out of a layer's parts add up to its spikes
    model.layers.forEach((_, k) => {
      expect(run.stats.layers[k]!.eventsOut).toBe(ref.spikes[k]);
    });
    // NP totals add up the parts they ran, over passes
    for (const np of run.stats.nps) {
      const own = run.stats.parts.filter((p) => p.np === np.np);
      expect(np.synOps).toBe(own.reduce((t, p) => t + p.synOps, 0));
      expect(np.eventsIn).toBe(own.reduce((t, p) => t + p.eventsIn, 0));
    }
    expect(run.stats.frames).toBe(2);
    expect(run.stats.parts.some((p) => p.pass > 0)).toBe(true);
  });

  it('expected statistics at density 1 equal the measured ones when every value fires', async () => {
    // thresholds far below every potential: every output is non-zero, as the density says
    const firing = new ModelBuilder([5, 6, 1], 8)
      .inputConv('in', 3, { kernel: 3, threshold: -500_000 })
      .conv('c', 4, { threshold: -500_000 })
      .separable('s', 4, { kernel: 3, stride: 2, threshold: -500_000 })
      .conv('g', 2, { kernel: 1, pooling: GAP, threshold: -500_000 })
      .dense('fc', 3, 2, { threshold: -500_000 })
      .build('firing');
    const plan = mapModel(firing, tiny, { mode: 'minimal' });
    expect(plan.totals.softwareLayers).toBe(0);
    expect(plan.layers[1]!.bands).toBeGreaterThan(1);
    const ones = randomInput([5, 6, 1], 1, 200, 3, 0);
    const measured = measureStats(plan, firing, ones, referenceForward(firing, ones, true).layers!);
    const expected = expectedStats(plan, firing, 1, 1);
    expect(expected.parts.map((p) => [p.eventsIn, p.eventsOut, p.synOps])).toEqual(measured.parts.map((p) => [p.eventsIn, p.eventsOut, p.synOps]));
  });
});

describe('plans for GPU-sized models stay cheap to check', () => {
  it('measureStats rejects a missing layer output', () => {
    const m: ModelSpec = dsCnnKws();
    const plan = mapModel(m, AKD1000());
    expect(() => measureStats(plan, m, randomInput([49, 10, 1], 1, 255, 1), [])).toThrow(/needs every layer's output \(6\), got 0/);
  });
});
