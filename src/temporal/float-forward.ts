// The float network's forward pass, with tfjs ops: the source of the activation statistics that
// normalisation needs (calibrate), and of the float accuracy a sweep compares against.
import * as tf from '@tensorflow/tfjs';
import type { FloatLayer, FloatNet } from './float-net.js';

/** 8-bit images (NHWC) as the float input the model was trained on: x * inputScale. */
export function floatInput(images: ArrayLike<number>, n: number, net: FloatNet, inputScale: number): tf.Tensor4D {
  const [h, w, c] = net.input;
  return tf.tidy(() => tf.tensor4d(Float32Array.from(images), [n, h, w, c]).mul(inputScale));
}

function layerValue(layer: FloatLayer, x: tf.Tensor4D): tf.Tensor4D {
  const [h, w, c] = layer.input;
  const dense = layer.padding === 'valid' && layer.kernel[0] === h && layer.kernel[1] === w;
  const bias = tf.tensor1d(layer.bias);
  const z = dense
    ? x.reshape([x.shape[0], h * w * c]).matMul(tf.tensor2d(layer.weights, [h * w * c, layer.filters])).add(bias).reshape([x.shape[0], 1, 1, layer.filters])
    : tf.conv2d(x, tf.tensor4d(layer.weights, [layer.kernel[0], layer.kernel[1], c, layer.filters]), layer.stride, layer.padding).add(bias);
  if (!layer.relu) return z as tf.Tensor4D;
  return (layer.reluMax === null ? z.relu() : z.clipByValue(0, layer.reluMax)) as tf.Tensor4D;
}

/**
 * Runs the float net; `visit(k, a)` sees every layer's activation (after ReLU, before pooling;
 * the last layer's value is its pre-softmax output). Returns the last layer's output.
 */
export function floatForward(net: FloatNet, x: tf.Tensor4D, visit?: (k: number, a: tf.Tensor4D) => void): tf.Tensor2D {
  return tf.tidy(() => {
    let a = x;
    net.layers.forEach((layer, k) => {
      const v = layerValue(layer, a);
      visit?.(k, v);
      a = layer.maxPool ? tf.maxPool(v, layer.maxPool.size, layer.maxPool.stride, layer.maxPool.padding) : v;
    });
    return a.reshape([x.shape[0], -1]) as tf.Tensor2D;
  });
}

/** Class predictions of the float net (argmax of its last layer). */
export function floatPredict(net: FloatNet, images: Uint8Array | Int32Array, n: number, inputScale: number, batchSize = 250): Int32Array {
  const out = new Int32Array(n);
  const size = net.input[0] * net.input[1] * net.input[2];
  for (let s = 0; s < n; s += batchSize) {
    const m = Math.min(batchSize, n - s);
    const pred = tf.tidy(() => {
      const x = floatInput(images.subarray(s * size, (s + m) * size), m, net, inputScale);
      return floatForward(net, x).argMax(-1).dataSync();
    });
    out.set(pred, s);
  }
  return out;
}

/** The float multiply-accumulates of one sample. */
export function floatMacs(net: FloatNet): number {
  return net.layers.reduce((a, l) => a + l.macs, 0);
}
