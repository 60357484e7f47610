// Accuracy of tfjs models on integer (8-bit) images, so users can compare the float and the
// quantized model before converting, with the same input scaling the converter uses.
import * as tf from '@tensorflow/tfjs';
import type { InputScaling, Shape3 } from '../model/types.js';

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
