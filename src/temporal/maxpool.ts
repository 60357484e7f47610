// Max pooling of spike trains by the running maximum of spike counts: the pooled neuron spikes
// at step t exactly when max over its window of (spikes so far) grows. Its count is then the
// window's largest count at every step, so its rate is the max of the input rates, which is
// what max pooling of ReLU activations asks for. WGSL twin: shaders/temporal_maxpool.wgsl.
import { windowGeometry } from '../ir/shapes.js';
import type { Shape3 } from '../ir/types.js';
import type { MaxPool } from './types.js';

export interface MaxPoolState {
  /** spike counts of the pooled layer's input neurons */
  counts: Int32Array;
  /** running maximum per pooled neuron */
  max: Int32Array;
}

export function maxPoolState(input: Shape3, output: Shape3): MaxPoolState {
  return { counts: new Int32Array(input[0] * input[1] * input[2]), max: new Int32Array(output[0] * output[1] * output[2]) };
}

/** One step: counts += spikes, then the pooled spikes. Out-of-bounds ('same' padding) positions never win. */
export function maxPoolStep(spikes: Int32Array, input: Shape3, pool: MaxPool, output: Shape3, state: MaxPoolState, out: Int32Array): void {
  const [h, w, c] = input;
  for (let i = 0; i < spikes.length; i++) state.counts[i]! += spikes[i]!;
  const py = windowGeometry(h, pool.size[0], pool.stride[0], pool.padding).padBefore;
  const px = windowGeometry(w, pool.size[1], pool.stride[1], pool.padding).padBefore;
  for (let oy = 0; oy < output[0]; oy++) {
    for (let ox = 0; ox < output[1]; ox++) {
      for (let ch = 0; ch < c; ch++) {
        let m = 0;
        for (let i = 0; i < pool.size[0]; i++) {
          const iy = oy * pool.stride[0] + i - py;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < pool.size[1]; j++) {
            const ix = ox * pool.stride[1] + j - px;
            if (ix < 0 || ix >= w) continue;
            m = Math.max(m, state.counts[(iy * w + ix) * c + ch]!);
          }
        }
        const o = (oy * output[1] + ox) * c + ch;
        out[o] = m > state.max[o]! ? 1 : 0;
        state.max[o] = m;
      }
    }
  }
}
