// Connection counting for the energy comparison of the ECC paper: a spike costs one synaptic
// operation per outgoing connection (SynOps), a float layer one MAC per connection.
import { windowGeometry } from '../ir/shapes.js';
import type { Shape3 } from '../ir/types.js';
import type { Synapse } from './types.js';

/** Connections of one input position along one axis: output positions whose window covers it. */
function coverage(size: number, kernel: number, stride: number, padding: 'same' | 'valid'): Uint32Array {
  const g = windowGeometry(size, kernel, stride, padding);
  const cover = new Uint32Array(size);
  for (let o = 0; o < g.out; o++) {
    for (let k = 0; k < kernel; k++) {
      const i = o * stride + k - g.padBefore;
      if (i >= 0 && i < size) cover[i]!++;
    }
  }
  return cover;
}

/** Fan-out of every input pixel (y * W + x) of a synapse: connections to its outputs, all channels the same. */
export function fanOut(input: Shape3, s: Synapse): Uint32Array {
  const [h, w] = input;
  const cy = coverage(h, s.kernel[0], s.stride, s.padding);
  const cx = coverage(w, s.kernel[1], s.stride, s.padding);
  const out = new Uint32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = cy[y]! * cx[x]! * s.filters;
  return out;
}

/** Multiply-accumulates of a synapse on one sample: every connection once (padding excluded). */
export function synapseMacs(input: Shape3, s: Synapse): number {
  let total = 0;
  for (const f of fanOut(input, s)) total += f;
  return total * input[2];
}
