import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDevice, GpuRunner } from '../../src/gpu/index.js';
import { calibrateActivations } from '../../src/temporal/calibrate.js';
import { floatNetFromTfjs } from '../../src/temporal/float-net.js';
import { spikingNetFromModel } from '../../src/temporal/from-model.js';
import { GpuSpikingNet, simulateGpu } from '../../src/temporal/gpu.js';
import { spikingNetFromFloat } from '../../src/temporal/normalize.js';
import { simulate } from '../../src/temporal/simulate.js';
import type { Encoding, ResetMode, SpikingNet, TemporalResult } from '../../src/temporal/types.js';
import { largeKernelModel, lcg, mixedModel, randomInput, randomModel } from '../unit/temporal-fixtures.js';

let runner: GpuRunner;
beforeAll(async () => {
  runner = new GpuRunner((await defaultDevice()).device);
  await tf.setBackend('cpu');
});
afterAll(() => runner.dispose());

/** Tolerance-free: every readout and every statistic. */
function expectSame(gpu: TemporalResult, cpu: TemporalResult): void {
  expect(gpu.checkpoints.map((c) => c.t)).toEqual(cpu.checkpoints.map((c) => c.t));
  gpu.checkpoints.forEach((c, i) => {
    expect(Array.from(c.count)).toEqual(Array.from(cpu.checkpoints[i]!.count));
    expect(Array.from(c.charge)).toEqual(Array.from(cpu.checkpoints[i]!.charge));
    expect(Array.from(c.firstSpike)).toEqual(Array.from(cpu.checkpoints[i]!.firstSpike));
  });
  for (const [g, r] of [[gpu.stats.input, cpu.stats.input], ...gpu.stats.layers.map((l, k) => [l, cpu.stats.layers[k]!] as const)] as const) {
    expect(Array.from(g.spikes)).toEqual(Array.from(r.spikes));
    expect(Array.from(g.synops)).toEqual(Array.from(r.synops));
  }
  expect(gpu.stats.inputMacs).toBe(cpu.stats.inputMacs);
}

function activity(r: TemporalResult): number {
  return r.stats.layers.reduce((a, l) => a + l.spikes.reduce((x, y) => x + y, 0), 0);
}

const encodings: Encoding[] = [{ kind: 'constant' }, { kind: 'poisson', seed: 2026 }];
const resets: ResetMode[] = ['subtract', 'zero'];

describe('temporal GPU pipeline == reference (integer variant, bit-exact)', () => {
  const cases: Array<[string, SpikingNet, number]> = [
    ['conv + max pool, conv + average pool, dense', spikingNetFromModel(randomModel(7)), 255],
    ['input data 4-bit, 40 channels, overlapping same max pool, separable + global average, potentials readout', spikingNetFromModel(mixedModel(3)), 15],
    ['kernels and windows too large to unroll: 5x5 same conv, 3x3 conv over 36 channels, global average of 36 positions', spikingNetFromModel(largeKernelModel(5)), 255],
  ];
  for (const [what, net, max] of cases) {
    for (const encoding of encodings) {
      for (const reset of resets) {
        it(`${what} (${encoding.kind}, reset ${reset})`, async () => {
          const input = randomInput(net.input.shape, 5, 17, max);
          const opts = { timesteps: 20, checkpoints: [1, 3, 8, 20], encoding, reset, sampleOffset: 4 };
          const cpu = simulate(net, input, opts);
          expect(activity(cpu)).toBeGreaterThan(0);
          expectSame(await simulateGpu(runner, net, input, opts), cpu);
          // chunk boundaries in samples and steps change nothing
          expectSame(await simulateGpu(runner, net, input, opts, { maxSamplesPerChunk: 2, maxStepsPerChunk: 3 }), cpu);
        });
      }
    }
  }
});

describe('temporal GPU pipeline == reference (float variant, spike counts without tolerance)', () => {
  it('a normalised tfjs CNN, ECC and percentile, Poisson input', async () => {
    const L = tf.layers;
    const model = tf.sequential({ layers: [
      L.conv2d({ inputShape: [10, 10, 1], filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 33, kernelSize: 3, padding: 'valid', activation: 'relu' }),
      L.flatten(),
      L.dense({ units: 4 }),
    ] });
    const rand = lcg(5);
    for (const layer of model.layers) {
      const ws = layer.getWeights();
      if (ws.length) layer.setWeights(ws.map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => rand() - 0.45), w.shape)));
    }
    const fnet = floatNetFromTfjs(model);
    const data = randomInput([10, 10, 1], 12, 8);
    const images = Uint8Array.from(data.data);
    const cal = calibrateActivations(fnet, images.subarray(0, 800), 8, 1 / 255, { percentiles: [99.9] });
    for (const method of ['ecc', 'percentile'] as const) {
      const net = spikingNetFromFloat(fnet, cal, { method });
      const input = { data: data.data.subarray(800), n: 4, shape: [10, 10, 1] as [number, number, number] };
      const opts = { timesteps: 24, checkpoints: [4, 24], encoding: { kind: 'poisson', seed: 9 } as const };
      const cpu = simulate(net, input, opts);
      expect(activity(cpu)).toBeGreaterThan(0);
      expectSame(await simulateGpu(runner, net, input, opts, { maxStepsPerChunk: 10 }), cpu);
    }
  });
});

describe('bounded memory', () => {
  it('runs T = 1,000 steps on a batch of 1,000 within the chunk budget, equal to the reference', async () => {
    // a net small enough for a CPU adapter: 2x2 input, one dense layer of 2 neurons
    const net = spikingNetFromModel({
      version: 1,
      layers: [
        { name: 'in', kind: 'InputData', inputShape: [2, 2, 1], inputBits: 8 },
        { name: 'fc', kind: 'FullyConnected', units: 2, weightBits: 4, weights: Int8Array.from([3, -1, 2, 5, -2, 4, 1, 1]),
          activation: { bits: 4, threshold: Int32Array.from([20, 50]), actStep16: Uint32Array.from([500, 900]) } },
      ],
    });
    const input = randomInput([2, 2, 1], 1000, 21);
    const chunkBytes = 1024 * 1024;
    const g = new GpuSpikingNet(runner, net, { chunkBytes });
    expect(g.plan(1000, 1000, 3).steps).toBeLessThan(1000);
    g.dispose();
    // every buffer the run asks for stays within the chunk limit
    let largest = 0;
    const acquire = runner.acquire.bind(runner);
    runner.acquire = (bytes, usage, label) => {
      if (label.startsWith('temporal:')) largest = Math.max(largest, bytes);
      return acquire(bytes, usage, label);
    };
    try {
      for (const encoding of [{ kind: 'poisson', seed: 1 }, { kind: 'constant' }] as const) {
        const opts = { timesteps: 1000, checkpoints: [10, 100, 1000], encoding };
        const before = runner.allocatedBytes;
        const gpu = await simulateGpu(runner, net, input, opts, { chunkBytes });
        expect(runner.allocatedBytes - before).toBeLessThanOrEqual(16 * chunkBytes);
        const cpu = simulate(net, input, opts);
        expect(activity(cpu)).toBeGreaterThan(0);
        expectSame(gpu, cpu);
      }
    } finally {
      runner.acquire = acquire;
    }
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(chunkBytes);
  });
});
