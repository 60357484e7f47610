// The cost estimate: its arithmetic, and how far it lands from the published figures it was
// calibrated on (a regression guard on the parameters, not a validation of the model).
import { describe, expect, it } from 'vitest';
import { inferShapes } from '../../src/ir/shapes.js';
import { estimateCost } from '../../src/mesh/cost.js';
import { AKD1000, TwoNodesIP } from '../../src/mesh/devices.js';
import { MappedModel } from '../../src/mesh/map-model.js';
import { denseOps } from '../../src/mesh/map-parts.js';
import { mapModel } from '../../src/mesh/map.js';
import { expectedStats } from '../../src/mesh/stats.js';
import { akidaNet05, dsCnnKws, ModelBuilder, randomInput } from './map-models.js';

/** Our assumption for the published examples: 30% of every layer's outputs are events. */
const DENSITY = 0.3;
const near = (got: number, published: number, tolerance: number) => Math.abs(got - published) / published < tolerance;

describe('cost model, calibrated on the published examples', () => {
  it('DS-CNN KWS: about 62.5 frames/s', () => {
    const c = new MappedModel(dsCnnKws(), 'AKD1000').estimateAt(DENSITY);
    expect(c.label).toBe('estimate');
    expect(near(c.framesPerSecond, 62.5, 0.1)).toBe(true);
  });

  it('AkidaNet 0.5 at 224x224: about 43.48 frames/s and 23.48 mJ per frame', () => {
    const c = new MappedModel(akidaNet05(), 'AKD1000').estimateAt(DENSITY);
    expect(near(c.framesPerSecond, 43.48, 0.1)).toBe(true);
    expect(near(c.energy.total, 23.48e-3, 0.1)).toBe(true);
  });
});

describe('cost model arithmetic', () => {
  const device = AKD1000();
  const p = device.cost;

  it('time and energy add up their parts; fps is the inverse of the time', () => {
    const m = dsCnnKws();
    const plan = mapModel(m, device);
    const c = estimateCost(plan, m, expectedStats(plan, m, 0.2), device);
    const s = c.seconds;
    expect(s.total).toBeCloseTo(s.host + s.transfer + s.device + s.reload + s.software, 15);
    expect(c.framesPerSecond).toBeCloseTo(1 / s.total, 9);
    expect(c.energy.total).toBeCloseTo(c.energy.static + c.energy.synOps + c.energy.events + c.energy.reload, 15);
    expect(c.energy.static).toBeCloseTo(p.staticPowerW * s.total, 15);
    expect(c.energy.synOps).toBeCloseTo(p.energyPerSynOpJ * c.synOps, 15);
    // input 49x10 bytes in, 33 int32 potentials out
    expect(s.transfer).toBeCloseTo((49 * 10 + 33 * 4) / p.hostBytesPerS, 15);
  });

  it('a pass takes the cycles of its busiest unit', async () => {
    const m = dsCnnKws();
    const mm = new MappedModel(m, device);
    const run = await mm.run(randomInput([49, 10, 1], 2, 255, 4, 0.2));
    const c = mm.estimate(run.stats);
    const cycles = run.stats.parts
      .filter((s) => s.unit !== 'host')
      .map((s) => (s.synOps / (s.unit === 'np' ? p.synOpsPerCycle : p.inputBlockSynOpsPerCycle) + s.eventsIn / p.eventsPerCycle) / run.stats.frames);
    expect(c.passes).toHaveLength(1);
    expect(c.passes[0]!.bottleneck.cycles).toBe(Math.max(...cycles));
    expect(c.seconds.device).toBeCloseTo(Math.max(...cycles) / p.clockHz, 15);
  });

  it('several passes reload the program every batch; larger batches share it', () => {
    const m = akidaNet05();
    const ip = TwoNodesIP();
    const plan = mapModel(m, ip, { mode: 'minimal' });
    const stats = expectedStats(plan, m, DENSITY);
    const one = estimateCost(plan, m, stats, ip);
    const ten = estimateCost(plan, m, stats, ip, { batch: 10 });
    expect(plan.totals.passes).toBeGreaterThan(1);
    expect(one.seconds.reload).toBeCloseTo(plan.totals.programBytes / ip.cost.hostBytesPerS, 12);
    expect(ten.seconds.reload).toBeCloseTo(one.seconds.reload / 10, 12);
    expect(one.passes).toHaveLength(plan.totals.passes);
    // one pass: nothing to reload
    const single = mapModel(m, device);
    expect(estimateCost(single, m, expectedStats(single, m, DENSITY), device).seconds.reload).toBe(0);
  });

  it('software layers cost their dense multiply-adds on the host', () => {
    const m = new ModelBuilder([6, 6, 2], 2).inputData('input', 4).conv('hw', 4).conv('sw', 4, { weightBits: 8 }).build('m');
    const plan = mapModel(m, device);
    const c = estimateCost(plan, m, expectedStats(plan, m, 0.5), device);
    const macs = denseOps(m.layers[2]!, inferShapes(m.layers).inputs[2]!);
    expect(macs).toBe(6 * 6 * 9 * 4 * 4);
    expect(c.seconds.software).toBeCloseTo(macs / p.softwareMacsPerS, 15);
  });

  it('rejects a plan made for another device', () => {
    const m = dsCnnKws();
    const plan = mapModel(m, device);
    expect(() => estimateCost(plan, m, expectedStats(plan, m, 0.3), TwoNodesIP())).toThrow('the plan is for AKD1000, not TwoNodesIP');
  });
});
