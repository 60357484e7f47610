// Shared by the converter tests: seeded random quantized models with realistic BatchNorm
// statistics, and a layer-by-layer comparison of the tfjs model with the integer reference.
import * as tf from '@tensorflow/tfjs';
import { analyze, calibrate, QuantizedReLU, referenceClasses } from '../../src/convert/index.js';
import { inferShapes, poolArea, potentialShape, shapeSize } from '../../src/ir/shapes.js';
import type { InputScaling, ModelSpec, Shape3 } from '../../src/ir/types.js';
import { rescale } from '../../src/reference/activation.js';
import { layerForward } from '../../src/reference/forward.js';

/**
 * Gives every weight a seeded random value (kernels ~ N(0, 1/fan_in)), then sets each
 * BatchNorm's moving statistics from the data it sees (with random gamma, beta; negative gamma
 * where `negativeGamma`), then calibrates the activations on the same data.
 */
export function randomize(model: tf.LayersModel, x: tf.Tensor, seed: number, negativeGamma = false): void {
  let s = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'BatchNormalization') continue;
    const ws = layer.getWeights();
    if (!ws.length) continue;
    layer.setWeights(ws.map((w) => {
      if (w.rank === 1) return tf.randomUniform(w.shape, -0.2, 0.2, 'float32', s++);
      const fanIn = w.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      return tf.randomNormal(w.shape, 0, 1 / Math.sqrt(fanIn), 'float32', s++);
    }));
  }
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const prev = model.layers[model.layers.indexOf(layer) - 1]!;
    const sub = tf.model({ inputs: model.inputs, outputs: prev.output as tf.SymbolicTensor });
    const y = sub.predict(x) as tf.Tensor;
    const axes = y.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(y, axes);
    const c = mean.shape[0]!;
    const magnitude = tf.randomUniform([c], 0.6, 1.6, 'float32', s++);
    const signs = negativeGamma
      ? tf.where(tf.randomUniform([c], 0, 1, 'float32', s++).greater(0.3), tf.onesLike(magnitude), tf.onesLike(magnitude).neg())
      : tf.onesLike(magnitude);
    layer.setWeights([magnitude.mul(signs), tf.randomUniform([c], -0.3, 0.8, 'float32', s++), mean, variance.add(1e-4)]);
  }
  calibrate(model, x);
}

/** Seeded integer images in [0, max]. */
export function randomImages(n: number, shape: Shape3, seed: number, max = 255): Int32Array {
  return Int32Array.from(tf.randomUniform([n * shapeSize(shape)], 0, max + 1, 'int32', seed).dataSync());
}

export interface LayerAgreement {
  name: string;
  total: number;
  /** outputs where the integer level differs from the tfjs level */
  mismatches: number;
  maxDiff: number;
}

export interface Agreement {
  layers: LayerAgreement[];
  /** samples whose argmax of predict() equals the tfjs model's argmax, integer model end to end */
  sameClass: number;
  /** the same with only the last layer on the integer model, fed the tfjs model's levels */
  sameClassLocal: number;
  n: number;
}

/**
 * Runs every IR layer on the tfjs model's own integer input to that layer (so a mismatch stays
 * local), compares its levels with the tfjs levels, and compares the classes end to end.
 */
export async function compareWithTfjs(
  model: tf.LayersModel,
  spec: ModelSpec,
  images: Int32Array,
  n: number,
  scaling: InputScaling,
): Promise<Agreement> {
  const { sources } = await analyze(model, { inputScaling: scaling });
  const shapes = inferShapes(spec.layers);
  const inShape = shapes.inputs[0]!;
  const x = tf.tensor4d(Float32Array.from(images), [n, ...inShape]).sub(scaling.shift).div(scaling.scale);
  const neural = spec.layers.filter((l) => l.kind !== 'InputData');
  const outputs = neural.map((l) => {
    const names = sources[l.name]!;
    return model.getLayer(names[names.length - 1]!).output as tf.SymbolicTensor;
  });
  const probe = tf.model({ inputs: model.inputs, outputs });
  const ys = [probe.predict(x)].flat() as tf.Tensor[];
  const widths = neural.map((l) => {
    const act = sources[l.name]!.map((s) => model.getLayer(s)).find((m) => m instanceof QuantizedReLU) as QuantizedReLU | undefined;
    return act?.levelWidth() ?? null;
  });

  const layers: LayerAgreement[] = [];
  let input = images;
  let lastOut = new Int32Array(0);
  const k0 = spec.layers[0]!.kind === 'InputData' ? 1 : 0;
  let sameClass = 0;
  neural.forEach((layer, j) => {
    const k = k0 + j;
    const inSize = shapeSize(shapes.inputs[k]!);
    const tfOut = ys[j]!.dataSync();
    const outSize = tfOut.length / n;
    const width = widths[j];
    const stat: LayerAgreement = { name: layer.name, total: n * outSize, mismatches: 0, maxDiff: 0 };
    const levels = width ? Int32Array.from(tfOut, (v) => Math.round(v / width)) : null;
    for (let s = 0; s < n; s++) {
      const out = layerForward(layer, input.slice(s * inSize, (s + 1) * inSize), shapes.inputs[k]!);
      if (j === neural.length - 1) {
        if (s === 0) lastOut = new Int32Array(n * outSize);
        lastOut.set(out, s * outSize);
      }
      if (levels) {
        for (let i = 0; i < outSize; i++) {
          const d = Math.abs(out[i]! - levels[s * outSize + i]!);
          if (d) stat.mismatches++;
          stat.maxDiff = Math.max(stat.maxDiff, d);
        }
      }
    }
    layers.push(stat);
    if (levels) input = levels;
  });
  // end to end: the integer model alone, then predict()'s rescaling, against the tfjs classes
  const last = spec.layers[spec.layers.length - 1]!;
  const tfLast = ys[ys.length - 1]!.dataSync();
  const classes = shapeSize(shapes.output);
  const lastIn = shapes.inputs[spec.layers.length - 1]!;
  const area = last.kind === 'FullyConnected' || last.kind === 'InputData' ? 1 : poolArea(last.pooling, potentialShape(last, lastIn));
  const ps = 'predictScale' in last ? last.predictScale : undefined;
  const argmax = (out: Int32Array, s: number) => {
    const value = (o: number) => {
      const p = out[s * classes + o]!;
      return ps ? rescale(p, ps.threshold[o]!, ps.actStep16[o]!, area) : p;
    };
    let best = 0;
    for (let o = 1; o < classes; o++) if (value(o) > value(best)) best = o;
    return best;
  };
  const endToEnd = referenceClasses(spec, images, n);
  let sameClassLocal = 0;
  for (let s = 0; s < n; s++) {
    let bestTf = 0;
    for (let o = 1; o < classes; o++) if (tfLast[s * classes + o]! > tfLast[s * classes + bestTf]!) bestTf = o;
    if (endToEnd[s] === bestTf) sameClass++;
    if (argmax(lastOut, s) === bestTf) sameClassLocal++;
  }
  tf.dispose([x, ...ys]);
  return { layers, sameClass, sameClassLocal, n };
}
