// Accuracy of tfjs models on integer (8-bit) images, so users can compare the float and the
// quantized model before converting, with the same input scaling the converter uses.
import * as tf from '@tensorflow/tfjs';
import { inferShapes, poolArea, potentialShape, shapeSize } from '../ir/shapes.js';
import type { InputScaling, ModelSpec, Shape3 } from '../ir/types.js';
import { rescale } from '../reference/activation.js';
import { referenceForward } from '../reference/forward.js';

/** Integer images [n, h, w, c] -> the float tensor the tfjs model sees: (x - shift) / scale. */
export function imagesToTensor(images: ArrayLike<number>, n: number, shape: Shape3, scaling: InputScaling): tf.Tensor4D {
  return tf.tidy(() =>
    tf.tensor4d(Float32Array.from(images), [n, ...shape]).sub(scaling.shift).div(scaling.scale) as tf.Tensor4D,
  );
}

/** argmax of the model output per sample, in batches. */
export function predictClasses(model: tf.LayersModel, x: tf.Tensor, batchSize = 256): Int32Array {
  const n = x.shape[0]!;
  const out = new Int32Array(n);
  for (let s = 0; s < n; s += batchSize) {
    const k = Math.min(batchSize, n - s);
    const cls = tf.tidy(() => {
      const y = model.predict(x.slice(s, k), { batchSize }) as tf.Tensor;
      return y.reshape([k, -1]).argMax(-1).dataSync();
    });
    out.set(cls, s);
  }
  return out;
}

/** Fraction of samples whose predicted class equals the label. */
export function classAccuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length) throw new RangeError(`accuracy: ${predicted.length} predictions for ${labels.length} labels`);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return labels.length ? correct / labels.length : 0;
}

/** Accuracy of each named model on the same inputs (e.g. { float, quantized }). */
export function compareAccuracy(
  models: Record<string, tf.LayersModel>,
  x: tf.Tensor,
  labels: ArrayLike<number>,
): Record<string, number> {
  return Object.fromEntries(Object.entries(models).map(([name, m]) => [name, classAccuracy(predictClasses(m, x), labels)]));
}

/**
 * argmax of predict() of a converted model, on the integer reference (slow, exact): the last
 * layer's potentials rescaled by its predictScale, or its activations. `images` holds n integer
 * inputs, NHWC. For the WebGPU engine use the Model API instead.
 */
export function referenceClasses(spec: ModelSpec, images: ArrayLike<number>, n: number, chunk = 250): Int32Array {
  const shapes = inferShapes(spec.layers);
  const inShape = shapes.inputs[0]!;
  const size = shapeSize(inShape);
  const classes = shapeSize(shapes.output);
  const last = spec.layers[spec.layers.length - 1]!;
  const ps = last.kind === 'InputData' ? undefined : last.predictScale;
  const area = last.kind === 'InputData' || last.kind === 'FullyConnected'
    ? 1
    : poolArea(last.pooling, potentialShape(last, shapes.inputs[spec.layers.length - 1]!));
  const out = new Int32Array(n);
  for (let s = 0; s < n; s += chunk) {
    const k = Math.min(chunk, n - s);
    const data = Int32Array.from({ length: k * size }, (_, i) => images[s * size + i]!);
    const y = referenceForward(spec, { data, n: k, shape: inShape }).output.data;
    for (let i = 0; i < k; i++) {
      let best = 0;
      let bestV = -Infinity;
      for (let o = 0; o < classes; o++) {
        const p = y[i * classes + o]!;
        const v = ps ? rescale(p, ps.threshold[o]!, ps.actStep16[o]!, area) : p;
        if (v > bestV) {
          bestV = v;
          best = o;
        }
      }
      out[s + i] = best;
    }
  }
  return out;
}
