import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrateActivations } from '../../src/temporal/calibrate.js';
import { floatForward, floatInput } from '../../src/temporal/float-forward.js';
import { floatNetFromTfjs } from '../../src/temporal/float-net.js';
import { spikingNetFromFloat } from '../../src/temporal/normalize.js';
import { simulate } from '../../src/temporal/simulate.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Random weights (fixed seed) in every layer; BN statistics made non-trivial. */
function randomize(model: tf.LayersModel, seed: number): tf.LayersModel {
  const rand = lcg(seed);
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (!ws.length) continue;
    const isBn = layer.getClassName() === 'BatchNormalization';
    layer.setWeights(ws.map((w, i) => {
      const n = w.size;
      const v = Float32Array.from({ length: n }, () => {
        if (isBn) return i === 0 ? 0.5 + rand() : i === 1 ? rand() - 0.3 : i === 2 ? rand() - 0.5 : 0.5 + rand();
        return (rand() * 2 - 1) * 0.5;
      });
      return tf.tensor(v, w.shape);
    }));
  }
  return model;
}

function images(n: number, size: number, seed: number): Uint8Array {
  const rand = lcg(seed);
  return Uint8Array.from({ length: n * size }, () => (rand() < 0.4 ? 0 : Math.floor(rand() * 256)));
}

const L = tf.layers;

function cnn(): tf.LayersModel {
  return randomize(tf.sequential({ layers: [
    L.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'c1' }),
    L.maxPooling2d({ poolSize: 2, padding: 'same', name: 'p1' }),
    L.batchNormalization({ name: 'bn1' }),
    L.reLU({ maxValue: 6, name: 'r1' }),
    L.separableConv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 's2' }),
    L.batchNormalization({ name: 'bn2' }),
    L.activation({ activation: 'relu', name: 'a2' }),
    L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'p2' }),
    L.flatten({ name: 'f' }),
    L.dropout({ rate: 0.5, name: 'd' }),
    L.dense({ units: 5, activation: 'softmax', name: 'out' }),
  ] }), 1);
}

describe('float network extraction', () => {
  it('folds BatchNorm, composes separable convolutions and matches model.predict before softmax', () => {
    const model = cnn();
    const net = floatNetFromTfjs(model);
    expect(net.layers.map((l) => l.name)).toEqual(['c1+p1+bn1+r1', 's2+bn2+a2+p2', 'out']);
    expect(net.layers.map((l) => l.output)).toEqual([[4, 4, 4], [1, 1, 6], [1, 1, 5]]);
    const x = floatInput(images(6, 64, 2), 6, net, 1 / 255);
    const ours = floatForward(net, x).softmax().arraySync() as number[][];
    const theirs = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    ours.flat().forEach((v, i) => expect(v).toBeCloseTo(theirs.flat()[i]!, 5));
  });

  it('folds GlobalAveragePooling2D into the dense layer after it', () => {
    const model = randomize(tf.sequential({ layers: [
      L.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, padding: 'valid', activation: 'relu' }),
      L.globalAveragePooling2d({}),
      L.dense({ units: 4 }),
    ] }), 3);
    const net = floatNetFromTfjs(model);
    const x = floatInput(images(3, 50, 4), 3, net, 1 / 255);
    const ours = floatForward(net, x).arraySync() as number[][];
    const theirs = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    ours.flat().forEach((v, i) => expect(v).toBeCloseTo(theirs.flat()[i]!, 5));
  });

  it('names the layer it cannot convert', () => {
    const avg = tf.sequential({ layers: [L.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'c' }), L.averagePooling2d({ poolSize: 2, name: 'avg' })] });
    expect(() => floatNetFromTfjs(avg)).toThrow(/layer 'avg' \(AveragePooling2D\)/);
    const bnAfterRelu = tf.sequential({ layers: [L.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, activation: 'relu' }), L.batchNormalization({ name: 'late' })] });
    expect(() => floatNetFromTfjs(bnAfterRelu)).toThrow(/layer 'late'.*after the ReLU/);
    const tanh = tf.sequential({ layers: [L.dense({ inputShape: [3], units: 2, activation: 'tanh', name: 'th' }), L.dense({ units: 2 })] });
    expect(() => floatNetFromTfjs(tf.sequential({ layers: [L.dense({ inputShape: [3], units: 2 })] }))).not.toThrow();
    expect(() => floatNetFromTfjs(tanh)).toThrow(/layer 'th'.*tanh/);
  });
});

describe('calibration and normalisation', () => {
  const model = cnn();
  const net = floatNetFromTfjs(model);
  const calib = images(40, 64, 5);

  it('measures the maximum activation of every layer (checked against the tfjs layer outputs)', () => {
    const cal = calibrateActivations(net, calib, 40, 1 / 255, { percentiles: [99.9, 50] });
    const x = floatInput(calib, 40, net, 1 / 255);
    // the activation (after ReLU, before pooling) of layer 2 is the output of 'a2'
    const a2 = tf.model({ inputs: model.inputs, outputs: model.getLayer('a2').output as tf.SymbolicTensor });
    expect(cal.max[1]).toBeCloseTo((a2.predict(x) as tf.Tensor).max().dataSync()[0]!, 5);
    expect(cal.maxInput).toBe(Math.max(...calib));
    const p50 = cal.percentiles.get(50)!, p999 = cal.percentiles.get(99.9)!;
    for (let k = 0; k < 3; k++) {
      expect(p50[k]).toBeLessThan(p999[k]!);
      expect(p999[k]).toBeLessThanOrEqual(cal.max[k]!);
    }
  });

  it('rates approach the float activations: |count * lambda / T - a| <= lambda / T, and lambda / 2T with TRE', () => {
    const one = randomize(tf.sequential({ layers: [L.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', useBias: true })] }), 8);
    const fnet = floatNetFromTfjs(one);
    const data = images(4, 36, 9);
    const cal = calibrateActivations(fnet, data, 4, 1 / 255);
    const x = floatInput(data, 4, fnet, 1 / 255);
    const a = (one.predict(x) as tf.Tensor).dataSync();
    const T = 100;
    for (const [method, bound] of [['max', 1], ['ecc', 0.5]] as const) {
      const snn = spikingNetFromFloat(fnet, cal, { method });
      const r = simulate(snn, { data: Int32Array.from(data), n: 4, shape: [6, 6, 1] }, { timesteps: T });
      const lambda = cal.max[0]!;
      let worst = 0;
      a.forEach((ai, i) => (worst = Math.max(worst, Math.abs((r.checkpoints[0]!.count[i]! * lambda) / T - ai))));
      // fixed point: each weight is off by at most half a unit of 1/alpha thresholds, times 9 inputs of up to 255
      const alpha = snn.layers[0]!.neurons.theta![0]!;
      expect(worst).toBeLessThanOrEqual(lambda * (bound / T + (0.5 * 9 * 255 + 0.5) / alpha));
      expect(worst).toBeGreaterThan(0);
    }
  });

  it('the potential readout converges to the float outputs as T grows', () => {
    const cal = calibrateActivations(net, calib, 40, 1 / 255, { percentiles: [99.9] });
    const test = images(8, 64, 6);
    const x = floatInput(test, 8, net, 1 / 255);
    const logits = floatForward(net, x).dataSync();
    const input = { data: Int32Array.from(test), n: 8, shape: [8, 8, 1] as [number, number, number] };
    for (const method of ['max', 'percentile', 'ecc'] as const) {
      const snn = spikingNetFromFloat(net, cal, { method });
      const r = simulate(snn, input, { timesteps: 512, checkpoints: [16, 512] });
      const err = r.checkpoints.map((c) => {
        let e = 0;
        c.charge.forEach((q, i) => (e += Math.abs((q * snn.readoutScale[0]!) / c.t - logits[i]!)));
        return e / c.charge.length;
      });
      expect(err[1]).toBeLessThan(err[0]! / 4);
    }
  });
});
