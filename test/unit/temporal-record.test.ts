// TemporalOptions.record on the temporal reference: the per-step recording (spikes of a chosen
// layer, the readout layer's state and membrane after every step) agrees with the run's own
// checkpoints and statistics, with the neuron dynamics, and leaves the rest of the run unchanged.
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/ir/files.js';
import { spikingNetFromModel } from '../../src/temporal/from-model.js';
import { VMAX } from '../../src/temporal/neuron.js';
import { simulate } from '../../src/temporal/simulate.js';
import type { Encoding, ResetMode, SpikingNet, TemporalResult } from '../../src/temporal/types.js';
import { mixedModel, randomInput, randomModel } from './temporal-fixtures.js';

const nets: Array<[string, SpikingNet, number]> = [
  ['conv + max pool, conv + average pool, dense (firing readout)', spikingNetFromModel(randomModel(7)), 255],
  ['separable + global average, potentials readout', spikingNetFromModel(mixedModel(3)), 15],
];
const encodings: Encoding[] = [{ kind: 'constant' }, { kind: 'poisson', seed: 11 }];
const resets: ResetMode[] = ['subtract', 'zero'];
const T = 12;

function withoutRecording(r: TemporalResult): Omit<TemporalResult, 'recording'> {
  const { recording: _, ...rest } = r;
  return rest;
}

describe('TemporalOptions.record (reference)', () => {
  for (const [what, net, max] of nets) {
    for (const encoding of encodings) {
      for (const reset of resets) {
        it(`${what} (${encoding.kind}, reset ${reset})`, () => {
          const input = randomInput(net.input.shape, 3, 5, max);
          const opts = { timesteps: T, checkpoints: [2, 7, T], encoding, reset };
          const plain = simulate(net, input, opts);
          const last = net.layers.length - 1;
          const units = plain.units;
          for (let layer = 0; layer <= last; layer++) {
            const r = simulate(net, input, { ...opts, record: { layer } });
            // the recording changes nothing else
            expect(withoutRecording(r)).toEqual(plain);
            const rec = r.recording!;
            const J = net.layers[layer]!.neuronShape.reduce((a, b) => a * b, 1);
            expect(rec.layer).toBe(layer);
            expect(Array.from(rec.neurons)).toEqual(Array.from({ length: J }, (_, j) => j));
            expect(rec.spikes).toHaveLength(T * input.n * J);
            // every neuron recorded: the spikes per step are the run's statistics
            for (let t = 0; t < T; t++) {
              let sum = 0;
              for (let i = t * input.n * J; i < (t + 1) * input.n * J; i++) sum += rec.spikes[i]!;
              expect(sum).toBe(plain.stats.layers[layer]!.spikes[t]);
            }
            // the readout layer after every step; the checkpoints are some of those steps
            expect(rec.steps.map((s) => s.t)).toEqual(Array.from({ length: T }, (_, t) => t + 1));
            for (const c of plain.checkpoints) {
              const s = rec.steps[c.t - 1]!;
              expect([s.count, s.charge, s.firstSpike]).toEqual([c.count, c.charge, c.firstSpike]);
            }
            // the membrane follows the dynamics: v = v0 + charge - count * theta (subtract), or
            // the charge since the last spike (zero), or v0 + charge (a non-firing readout)
            const L = net.layers[last]!;
            const c = L.neuronShape[2];
            for (let t = 0; t < T; t++) {
              const s = rec.steps[t]!;
              for (let i = 0; i < input.n * units; i++) {
                const ch = i % c;
                expect(Math.abs(s.charge[i]!)).toBeLessThan(VMAX);
                let expected: number;
                if (!L.neurons.theta) expected = L.neurons.v0[ch]! + s.charge[i]!;
                else if (reset === 'subtract') expected = L.neurons.v0[ch]! + s.charge[i]! - s.count[i]! * L.neurons.theta[ch]!;
                else {
                  let lastSpike = -1;
                  for (let u = 0; u <= t; u++) if (rec.steps[u]!.count[i]! > (u ? rec.steps[u - 1]!.count[i]! : 0)) lastSpike = u;
                  expected = lastSpike < 0 ? L.neurons.v0[ch]! + s.charge[i]! : s.charge[i]! - rec.steps[lastSpike]!.charge[i]!;
                }
                expect(s.membrane[i]).toBe(expected);
              }
            }
            if (layer === last && L.neurons.theta) {
              // the recorded spikes of the readout layer are the steps where its count grows
              for (let t = 0; t < T; t++) {
                for (let i = 0; i < input.n * units; i++) {
                  const grew = rec.steps[t]!.count[i]! - (t ? rec.steps[t - 1]!.count[i]! : 0);
                  expect(rec.spikes[t * input.n * units + i]).toBe(grew);
                }
              }
            }
          }
        });
      }
    }
  }

  it('records a subset of neurons in the order asked', () => {
    const [, net] = nets[0]!;
    const input = randomInput(net.input.shape, 2, 9, 255);
    const full = simulate(net, input, { timesteps: T, record: { layer: 0 } }).recording!;
    const pick = [37, 0, 5, 200];
    const part = simulate(net, input, { timesteps: T, record: { layer: 0, neurons: pick } }).recording!;
    const J = full.neurons.length;
    expect(Array.from(part.neurons)).toEqual(pick);
    for (let f = 0; f < T * input.n; f++) {
      expect(Array.from(part.spikes.subarray(f * pick.length, (f + 1) * pick.length))).toEqual(pick.map((j) => full.spikes[f * J + j]));
    }
    expect(part.steps).toEqual(full.steps);
  });

  it('refuses a layer or neuron that does not exist', () => {
    const [, net] = nets[0]!;
    const input = randomInput(net.input.shape, 1, 1, 255);
    expect(() => simulate(net, input, { timesteps: 2, record: { layer: 3 } })).toThrow(/record.layer is 3, expected a layer index 0..2/);
    expect(() => simulate(net, input, { timesteps: 2, record: { layer: 2, neurons: [5] } })).toThrow(/record.neurons holds 5, expected neuron indices 0..4 of layer 'fc'/);
  });

  it('records the committed MNIST model on a digit-like input', async () => {
    const net = spikingNetFromModel(await loadModel('models/mnist-cnn-q4.akida.json'));
    const input = randomInput(net.input.shape, 1, 3, 255);
    const r = simulate(net, input, { timesteps: 16, record: { layer: 1, neurons: [0, 1, 2, 3] } });
    expect(r.recording!.spikes).toHaveLength(16 * 4);
    expect(r.recording!.steps).toHaveLength(16);
    expect(r.recording!.steps[15]!.count).toEqual(r.checkpoints[0]!.count);
  });
});
