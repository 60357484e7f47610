// TemporalOptions.record on the GPU pipeline equals the reference's recording bit for bit:
// the recorded layer's spikes at every step, the readout layer's count, charge, first spike
// and membrane after every step, across chunk boundaries in samples and steps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDevice, GpuRunner } from '../../src/gpu/index.js';
import { loadModel } from '../../src/ir/files.js';
import { spikingNetFromModel } from '../../src/temporal/from-model.js';
import { simulateGpu } from '../../src/temporal/gpu.js';
import { spikingLayer, checkNet } from '../../src/temporal/net.js';
import { simulate } from '../../src/temporal/simulate.js';
import type { Encoding, ResetMode, SpikingNet, TemporalOptions } from '../../src/temporal/types.js';
import { largeKernelModel, mixedModel, randomInput, randomModel } from '../unit/temporal-fixtures.js';

let runner: GpuRunner;
beforeAll(async () => {
  runner = new GpuRunner((await defaultDevice()).device);
});
afterAll(() => runner.dispose());

/** One dense layer only (the readout is layer 0: with a constant input its synaptic input is per sample). */
function singleLayer(): SpikingNet {
  const inputs = 6, units = 3;
  const weights = Int32Array.from({ length: inputs * units }, (_, i) => ((i * 7) % 11) - 4);
  const layer = spikingLayer('fc', [1, 1, inputs], { kernel: [1, 1], stride: 1, padding: 'valid', filters: units, weights, flipped: false }, null,
    { gain: 1, bias: Int32Array.from([3, -2, 0]), theta: Int32Array.from([400, 300, 500]), v0: Int32Array.from([10, 0, 200]) }, null);
  return checkNet({ variant: 'integer', input: { shape: [1, 1, inputs], maxInput: 255 }, layers: [layer], readoutScale: new Float64Array(units).fill(1), sourceMacs: inputs * units });
}

async function expectSameRecording(net: SpikingNet, max: number, opts: TemporalOptions, chunks: Array<{ maxSamplesPerChunk?: number; maxStepsPerChunk?: number }>): Promise<void> {
  const input = randomInput(net.input.shape, 5, 23, max);
  const cpu = simulate(net, input, opts);
  const rec = cpu.recording!;
  expect(rec.spikes.some((b) => b === 1)).toBe(true);
  for (const chunk of chunks) {
    const gpu = await simulateGpu(runner, net, input, opts, chunk);
    const g = gpu.recording!;
    expect(g.layer).toBe(rec.layer);
    expect(Array.from(g.neurons)).toEqual(Array.from(rec.neurons));
    expect(Array.from(g.spikes)).toEqual(Array.from(rec.spikes));
    expect(g.steps.length).toBe(rec.steps.length);
    g.steps.forEach((s, t) => {
      const r = rec.steps[t]!;
      expect(s.t).toBe(r.t);
      expect(Array.from(s.count)).toEqual(Array.from(r.count));
      expect(Array.from(s.charge)).toEqual(Array.from(r.charge));
      expect(Array.from(s.firstSpike)).toEqual(Array.from(r.firstSpike));
      expect(Array.from(s.membrane)).toEqual(Array.from(r.membrane));
    });
    // the asked checkpoints are still returned, and equal
    expect(gpu.checkpoints.map((c) => c.t)).toEqual(cpu.checkpoints.map((c) => c.t));
    gpu.checkpoints.forEach((c, i) => {
      expect(Array.from(c.count)).toEqual(Array.from(cpu.checkpoints[i]!.count));
      expect(Array.from(c.charge)).toEqual(Array.from(cpu.checkpoints[i]!.charge));
    });
    gpu.stats.layers.forEach((l, k) => expect(Array.from(l.spikes)).toEqual(Array.from(cpu.stats.layers[k]!.spikes)));
  }
}

const encodings: Encoding[] = [{ kind: 'constant' }, { kind: 'poisson', seed: 99 }];
const resets: ResetMode[] = ['subtract', 'zero'];

describe('temporal recording: GPU pipeline == reference (bit-exact)', () => {
  const cases: Array<[string, SpikingNet, number, number[]]> = [
    ['conv + max pool, conv + average pool, dense', spikingNetFromModel(randomModel(7)), 255, [0, 1, 2]],
    ['separable + global average, potentials readout', spikingNetFromModel(mixedModel(3)), 15, [0, 1]],
    ['large kernels, global average of 36 positions', spikingNetFromModel(largeKernelModel(5)), 255, [1]],
    ['one dense layer (the readout is the first layer)', singleLayer(), 255, [0]],
  ];
  for (const [what, net, max, layers] of cases) {
    for (const encoding of encodings) {
      for (const reset of resets) {
        it(`${what} (${encoding.kind}, reset ${reset})`, async () => {
          for (const layer of layers) {
            const size = net.layers[layer]!.neuronShape.reduce((a, b) => a * b, 1);
            // every neuron, then a scattered subset in a chosen order
            for (const neurons of [undefined, [size - 1, 0, Math.floor(size / 3), Math.floor(size / 2)]]) {
              await expectSameRecording(net, max, { timesteps: 13, checkpoints: [4, 13], encoding, reset, sampleOffset: 2, record: { layer, neurons } },
                [{}, { maxSamplesPerChunk: 2, maxStepsPerChunk: 5 }]);
            }
          }
        });
      }
    }
  }

  it('the committed MNIST model, one digit-like input, T = 40', async () => {
    const net = spikingNetFromModel(await loadModel('models/mnist-cnn-q4.akida.json'));
    await expectSameRecording(net, 255, { timesteps: 40, record: { layer: 0 } }, [{}, { maxStepsPerChunk: 16 }]);
  });
});
