import { describe, expect, it } from 'vitest';
import type { IntBatch, ModelSpec } from '../../src/ir/types.js';
import { loadModel } from '../../src/ir/files.js';
import { referenceForward } from '../../src/reference/forward.js';
import { spikingNetFromModel } from '../../src/temporal/from-model.js';
import { maxPoolState, maxPoolStep } from '../../src/temporal/maxpool.js';
import { checkNet, spikingLayer } from '../../src/temporal/net.js';
import { charge, fire, reset, VMAX } from '../../src/temporal/neuron.js';
import { predictions } from '../../src/temporal/readout.js';
import { simulate } from '../../src/temporal/simulate.js';
import { fanOut, synapseMacs } from '../../src/temporal/synops.js';
import type { SpikingNet } from '../../src/temporal/types.js';
import { randomInput, randomModel } from './temporal-fixtures.js';

/** One dense layer: `inputs` inputs -> `units` neurons, gain 1. */
function denseNet(weights: number[], inputs: number, units: number, theta: number[], bias = new Array(units).fill(0), v0 = new Array(units).fill(0)): SpikingNet {
  const layer = spikingLayer('fc', [1, 1, inputs], { kernel: [1, 1], stride: 1, padding: 'valid', filters: units, weights: Int32Array.from(weights), flipped: false }, null,
    { gain: 1, bias: Int32Array.from(bias), theta: Int32Array.from(theta), v0: Int32Array.from(v0) }, null);
  return checkNet({ variant: 'integer', input: { shape: [1, 1, inputs], maxInput: 255 }, layers: [layer], readoutScale: new Float64Array(units).fill(1), sourceMacs: inputs * units });
}

const batch = (data: number[], shape: [number, number, number]): IntBatch => ({ data: Int32Array.from(data), n: data.length / (shape[0] * shape[1] * shape[2]), shape });

describe('neuron step functions', () => {
  it('charge saturates at +-VMAX instead of wrapping', () => {
    expect(charge(5, -7)).toBe(-2);
    expect(charge(VMAX - 1, 10)).toBe(VMAX);
    expect(charge(-VMAX, -(2 ** 30 - 1))).toBe(-VMAX);
  });
  it('fires at v >= theta and resets by subtraction or to zero', () => {
    expect(fire(4, 5)).toBe(false);
    expect(fire(5, 5)).toBe(true);
    expect(reset(7, 5, 'subtract')).toBe(2);
    expect(reset(7, 5, 'zero')).toBe(0);
  });
});

describe('simulate (hand-checked)', () => {
  it('integrates a constant current: I = 3, theta = 5', () => {
    const net = denseNet([3], 1, 1, [5]);
    const r = simulate(net, batch([1], [1, 1, 1]), { timesteps: 5, checkpoints: [1, 2, 3, 4, 5] });
    // subtract: v = 3, 6->1 (spike), 4, 7->2 (spike), 5->0 (spike)
    expect(r.checkpoints.map((c) => c.count[0])).toEqual([0, 1, 1, 2, 3]);
    expect(r.checkpoints.map((c) => c.charge[0])).toEqual([3, 6, 9, 12, 15]);
    expect(r.checkpoints.map((c) => c.firstSpike[0])).toEqual([-1, 1, 1, 1, 1]);
    const z = simulate(net, batch([1], [1, 1, 1]), { timesteps: 5, reset: 'zero', checkpoints: [1, 2, 3, 4, 5] });
    // zero: v = 3, 6->0 (spike), 3, 6->0 (spike), 3
    expect(z.checkpoints.map((c) => c.count[0])).toEqual([0, 1, 1, 2, 2]);
  });

  it('starts from v0 (TRE) and adds the bias every step', () => {
    // I = 2*1 - 1 = 1 per step, theta 4, v0 2: v = 3, 4->0 (spike), 1, 2, 3, 4->0 (spike)
    const net = denseNet([2], 1, 1, [4], [-1], [2]);
    const r = simulate(net, batch([1], [1, 1, 1]), { timesteps: 6, checkpoints: [1, 2, 5, 6] });
    expect(r.checkpoints.map((c) => c.count[0])).toEqual([0, 1, 1, 2]);
    expect(r.checkpoints.map((c) => c.firstSpike[0])).toEqual([-1, 1, 1, 1]);
  });

  it('counts SynOps as spikes times fan-out and records the constant input MACs', () => {
    // two dense layers 2 -> 2 -> 3: every spike of layer 0 costs 3 SynOps
    const l0 = spikingLayer('a', [1, 1, 2], { kernel: [1, 1], stride: 1, padding: 'valid', filters: 2, weights: Int32Array.from([1, 0, 0, 1]), flipped: false }, null,
      { gain: 1, bias: new Int32Array(2), theta: Int32Array.from([2, 3]), v0: new Int32Array(2) }, null);
    const l1 = spikingLayer('b', [1, 1, 2], { kernel: [1, 1], stride: 1, padding: 'valid', filters: 3, weights: new Int32Array(6).fill(1), flipped: false }, null,
      { gain: 1, bias: new Int32Array(3), theta: new Int32Array(3).fill(100), v0: new Int32Array(3) }, null);
    const net = checkNet({ variant: 'integer', input: { shape: [1, 1, 2], maxInput: 255 }, layers: [l0, l1], readoutScale: new Float64Array(3).fill(1), sourceMacs: 10 });
    const r = simulate(net, batch([1, 1], [1, 1, 2]), { timesteps: 6 });
    // neuron 0 (theta 2) spikes at t = 1, 3, 5; neuron 1 (theta 3) at t = 2, 5
    expect(Array.from(r.stats.layers[0]!.spikes)).toEqual([0, 1, 1, 1, 0, 2]);
    expect(Array.from(r.stats.layers[0]!.synops)).toEqual([0, 3, 3, 3, 0, 6]);
    expect(r.stats.inputMacs).toBe(4);
    expect(Array.from(r.checkpoints[0]!.charge)).toEqual([5, 5, 5]);
  });
});

describe('max pooling by spike counts', () => {
  it('spikes when the running maximum of the window counts grows', () => {
    const state = maxPoolState([1, 2, 1], [1, 1, 1]);
    const pool = { size: [1, 2] as [number, number], stride: [1, 2] as [number, number], padding: 'valid' as const };
    const trains = [[1, 0], [0, 1], [0, 1], [1, 0], [1, 1], [0, 0]];
    const out = trains.map((s) => {
      const o = new Int32Array(1);
      maxPoolStep(Int32Array.from(s), [1, 2, 1], pool, [1, 1, 1], state, o);
      return o[0];
    });
    // counts (a, b): (1,0) (1,1) (1,2) (2,2) (3,3) (3,3); max 1 1 2 2 3 3
    expect(out).toEqual([1, 0, 1, 0, 1, 0]);
  });
});

describe('fan-out and MACs', () => {
  it('counts the connections of a 3x3 same convolution', () => {
    const syn = { kernel: [3, 3] as [number, number], stride: 1, padding: 'same' as const, filters: 2, weights: new Int32Array(18), flipped: false };
    expect(Array.from(fanOut([3, 3, 1], syn))).toEqual([8, 12, 8, 12, 18, 12, 8, 12, 8]);
    expect(synapseMacs([3, 3, 1], syn)).toBe(98);
    const dense = { kernel: [2, 2] as [number, number], stride: 1, padding: 'valid' as const, filters: 5, weights: new Int32Array(40), flipped: false };
    expect(synapseMacs([2, 2, 2], dense)).toBe(40);
  });
});

describe('sweep checkpoints', () => {
  const model = randomModel(7);
  const net = spikingNetFromModel(model);
  const input = randomInput(net.input.shape, 3, 11);
  for (const encoding of [{ kind: 'constant' as const }, { kind: 'poisson' as const, seed: 42 }]) {
    for (const reset of ['subtract', 'zero'] as const) {
      it(`equals separate runs at each T (${encoding.kind}, reset ${reset})`, () => {
        const checkpoints = [1, 2, 4, 8, 16];
        const sweep = simulate(net, input, { timesteps: 16, checkpoints, encoding, reset });
        for (const [i, t] of checkpoints.entries()) {
          const single = simulate(net, input, { timesteps: t, encoding, reset });
          expect(single.checkpoints[0]).toEqual(sweep.checkpoints[i]);
          sweep.stats.layers.forEach((l, k) => {
            expect(Array.from(single.stats.layers[k]!.spikes)).toEqual(Array.from(l.spikes.subarray(0, t)));
            expect(Array.from(single.stats.layers[k]!.synops)).toEqual(Array.from(l.synops.subarray(0, t)));
          });
        }
      });
    }
  }

  it('a poisson run does not depend on how the batch is split (counter-based RNG)', () => {
    const encoding = { kind: 'poisson' as const, seed: 3 };
    const all = simulate(net, input, { timesteps: 8, encoding });
    const size = input.data.length / input.n;
    for (let s = 0; s < input.n; s++) {
      const one = simulate(net, { data: input.data.slice(s * size, (s + 1) * size), n: 1, shape: input.shape }, { timesteps: 8, encoding, sampleOffset: s });
      expect(Array.from(one.checkpoints[0]!.count)).toEqual(Array.from(all.checkpoints[0]!.count.subarray(s * all.units, (s + 1) * all.units)));
    }
    const other = simulate(net, input, { timesteps: 8, encoding: { kind: 'poisson', seed: 4 } });
    expect(Array.from(other.stats.input.spikes)).not.toEqual(Array.from(all.stats.input.spikes));
  });
});

describe('integer variant (IR -> integrate-and-fire)', () => {
  it('fires at the rate of the unquantized Akida activation, floor(T * 16 (p - T_h) / theta)', () => {
    const model = randomModel(5);
    // the potentials of the first layer, from the integer reference with activation removed
    const first = model.layers[0]!;
    if (first.kind !== 'InputConvolutional' || !first.activation) throw new Error('test model: expected InputConvolutional with activation');
    const bare: ModelSpec = { ...model, layers: [{ ...first, activation: null, pooling: { type: 'none' } }] };
    const net = spikingNetFromModel({ ...model, layers: [{ ...first, pooling: { type: 'none' } }] });
    const input = randomInput(net.input.shape, 2, 9);
    const p = referenceForward(bare, input).output.data;
    const T = 64;
    const r = simulate(net, input, { timesteps: T });
    const act = first.activation;
    const M = 2 ** act.bits - 1;
    let active = 0;
    p.forEach((pj, j) => {
      const c = j % first.filters;
      const current = 16 * (pj - act.threshold[c]!);
      const theta = act.actStep16[c]! * M;
      const expected = Math.min(T, Math.max(0, Math.floor((T * current) / theta)));
      expect(r.checkpoints[0]!.count[j]).toBe(expected);
      if (expected > 0 && expected < T) active++;
    });
    expect(active).toBeGreaterThan(5);
  });

  it('counts the source network\'s MACs with separable layers as depthwise taps plus pointwise products', async () => {
    const net = spikingNetFromModel(await loadModel(new URL('../../models/mnist-cnn-q4.akida.json', import.meta.url).pathname));
    // 'same' 3x3 windows over n pixels cover 3n - 2 taps per axis (padding excluded):
    // conv1 82^2 x 1 x 16, conv2 40^2 x 16 x 32, sep3 19^2 x 32 (depthwise) + 7^2 x 32 x 64, dense 1024 x 10
    expect(net.sourceMacs).toBe(82 * 82 * 16 + 40 * 40 * 16 * 32 + (19 * 19 * 32 + 49 * 32 * 64) + 1024 * 10);
  });

  it('rejects a net whose currents could overflow int32, naming the layer', () => {
    const net = denseNet([3], 1, 1, [5]);
    net.layers[0]!.neurons.gain = 2 ** 24;
    expect(() => checkNet(net)).toThrow(/layer 'fc'.*current/);
  });
});

describe('readout decisions', () => {
  it('breaks count ties by the potential, and first-spike ties likewise', () => {
    const r = { t: 4, count: Int32Array.from([2, 2, 1]), charge: Int32Array.from([5, 9, 20]), firstSpike: Int32Array.from([1, 2, 0]) };
    const scale = new Float64Array(3).fill(1);
    expect(Array.from(predictions(r, 3, scale, 'count'))).toEqual([1]);
    expect(Array.from(predictions(r, 3, scale, 'potential'))).toEqual([2]);
    expect(Array.from(predictions(r, 3, scale, 'first-spike'))).toEqual([2]);
  });
});
