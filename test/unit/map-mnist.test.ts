// The committed MNIST model (models/mnist-cnn-q4.akida.json) on the virtual devices: what maps
// to hardware and why the rest does not, and the mapped run on real digits.
import { describe, expect, it } from 'vitest';
import { mnistHeldOut, strided } from '../../models/mnist.js';
import { loadModel } from '../../src/ir/files.js';
import { inferShapes } from '../../src/ir/shapes.js';
import { referenceForward } from '../../src/reference/forward.js';
import { AKD1000, TwoNodesIP } from '../../src/mesh/devices.js';
import { estimateCost } from '../../src/mesh/cost.js';
import { runPlan } from '../../src/mesh/map-run.js';
import { mapModel, MappingError } from '../../src/mesh/map.js';

const MODEL = new URL('../../models/mnist-cnn-q4.akida.json', import.meta.url).pathname;

describe('the committed MNIST model', async () => {
  const spec = await loadModel(MODEL);
  const kinds = spec.layers.map((l) => l.kind);
  const last = spec.layers.length - 1;

  it('maps its convolutions to AKD1000 hardware; the FullyConnected on a 4x4 input runs in software', () => {
    expect(inferShapes(spec.layers).inputs[last]!.slice(0, 2)).toEqual([4, 4]);
    const plan = mapModel(spec, AKD1000());
    expect(kinds[0]).toBe('InputConvolutional');
    expect(kinds[last]).toBe('FullyConnected');
    plan.layers.slice(0, last).forEach((l) => expect(l.backend, l.name).toBe('hardware'));
    expect(plan.layers[last]!.backend).toBe('software');
    expect(plan.layers[last]!.issues.map((i) => i.rule).sort()).toEqual(['fc/after-max-pool', 'fc/spatial']);
    expect(plan.sequences.map((s) => [s.backend, s.passes])).toEqual([
      ['hardware', 1],
      ['software', 1],
    ]);
    expect(plan.layers[0]!.parts.map((p) => p.unit)).toEqual(['input-block']);
  });

  it('hwOnly names the layer and the reasons', () => {
    expect(() => mapModel(spec, AKD1000(), { hwOnly: true })).toThrow(MappingError);
    expect(() => mapModel(spec, AKD1000(), { hwOnly: true })).toThrow(`layer ${last} '${spec.layers[last]!.name}': input 4x4x64; FullyConnected needs a 1x1 spatial input`);
  });

  it('on TwoNodesIP the hardware layers still fit one pass in minimal mode', () => {
    const plan = mapModel(spec, TwoNodesIP(), { mode: 'minimal' });
    expect(plan.totals.passes).toBe(1);
    expect(plan.totals.nps).toBeLessThanOrEqual(8);
  });

  it('the mapped run on held-out digits equals the unmapped forward, with per-NP statistics', async () => {
    const digits = strided(mnistHeldOut(), 8);
    const x = { data: Int32Array.from(digits.images), n: digits.n, shape: [28, 28, 1] as [number, number, number] };
    const device = AKD1000();
    const plan = mapModel(spec, device);
    const run = await runPlan(plan, spec, x);
    const ref = referenceForward(spec, x, true);
    expect(run.output.data).toEqual(ref.output.data);
    expect(run.stats.layers.map((l) => l.eventsOut)).toEqual(ref.spikes);
    expect(run.stats.nps.length).toBe(plan.totals.distinctNps);
    const c = estimateCost(plan, spec, run.stats, device);
    expect(c.label).toBe('estimate');
    expect(c.seconds.software).toBeGreaterThan(0);
  });
});
