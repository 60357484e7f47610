// The mapped model on the WebGPU engine (SwiftShader here): part by part, as planned, the
// outputs equal the unmapped reference forward bit for bit.
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDevice, GpuRunner } from '../../src/gpu/index.js';
import { referenceForward } from '../../src/reference/forward.js';
import { AKD1000_DESCRIPTION } from '../../src/mesh/devices.js';
import { gpuForward } from '../../src/mesh/map-gpu.js';
import { runPlan } from '../../src/mesh/map-run.js';
import { mapModel } from '../../src/mesh/map.js';
import { tinyMesh } from '../unit/map-meshes.js';
import { GAP, MAX2, ModelBuilder, randomInput } from '../unit/map-models.js';

/** Narrow NPs of few neurons, 4 of them: bands, filter groups and passes. */
const narrow = tinyMesh('narrow', 2, 4, 3, { fnpNeurons: 2, base: AKD1000_DESCRIPTION });

let forward: ReturnType<typeof gpuForward> | undefined;
afterAll(async () => {
  await forward?.dispose();
});

describe('runPlan on the GPU', () => {
  it('equals the unmapped reference forward, layer by layer', async () => {
    const { device } = await defaultDevice();
    forward = gpuForward(new GpuRunner(device));
    const m = new ModelBuilder([6, 10, 1], 13)
      .inputConv('in', 4, { kernel: 3, threshold: 150, step16: 16 * 150 })
      .conv('c', 5, { threshold: 5, step16: 16 * 10, pooling: { type: 'max', size: [2, 2], stride: [1, 1], padding: 'same' } })
      .separable('s', 4, { stride: 2, threshold: 5, step16: 16 * 10 })
      .conv('soft', 4, { weightBits: 8, threshold: 5, step16: 16 * 10, pooling: MAX2 })
      .conv('g', 4, { kernel: 1, pooling: GAP, threshold: 0, step16: 16 * 4 })
      .dense('fc', 5, 4, { actBits: null })
      .build('gpu-map');
    const plan = mapModel(m, narrow, { mode: 'minimal' });
    expect(plan.totals.passes).toBeGreaterThan(plan.sequences.filter((s) => s.backend === 'hardware').length);
    expect(plan.layers[3]!.backend).toBe('software');
    const x = randomInput([6, 10, 1], 3, 255, 17, 0.2);
    const run = await runPlan(plan, m, x, forward);
    const ref = referenceForward(m, x, true);
    run.layers.forEach((l, k) => expect(l.data, `layer ${k}`).toEqual(ref.layers![k]!.data));
    expect(run.stats.layers.map((l) => l.eventsOut)).toEqual(ref.spikes);
  });
});
