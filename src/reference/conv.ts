// Integer convolutions of the reference: plain loops, NHWC, one sample at a time.
import { windowGeometry } from '../model/shapes.js';
import type { Padding, Shape3 } from '../model/types.js';

export interface ConvGeometry {
  input: Shape3;
  kernel: [number, number];
  stride: number;
  padding: Padding;
}

/**
 * Potentials of a full convolution, [oh][ow][cout].
 * weights [kh][kw][cin][cout]; `flipped` applies them as a true convolution (Akida storage).
 */
export function convPotentials(
  x: Int32Array,
  g: ConvGeometry,
  weights: Int8Array | Int32Array,
  cout: number,
  flipped: boolean,
): { data: Int32Array; shape: Shape3 } {
  const [h, w, cin] = g.input;
  const [kh, kw] = g.kernel;
  const gy = windowGeometry(h, kh, g.stride, g.padding);
  const gx = windowGeometry(w, kw, g.stride, g.padding);
  const out = new Int32Array(gy.out * gx.out * cout);
  for (let oy = 0; oy < gy.out; oy++) {
    for (let ox = 0; ox < gx.out; ox++) {
      const o = (oy * gx.out + ox) * cout;
      for (let i = 0; i < kh; i++) {
        const iy = oy * g.stride + i - gy.padBefore;
        if (iy < 0 || iy >= h) continue;
        for (let j = 0; j < kw; j++) {
          const ix = ox * g.stride + j - gx.padBefore;
          if (ix < 0 || ix >= w) continue;
          const wi = flipped ? kh - 1 - i : i;
          const wj = flipped ? kw - 1 - j : j;
          for (let c = 0; c < cin; c++) {
            const v = x[(iy * w + ix) * cin + c]!;
            if (v === 0) continue;
            const wb = ((wi * kw + wj) * cin + c) * cout;
            for (let f = 0; f < cout; f++) out[o + f]! += v * weights[wb + f]!;
          }
        }
      }
    }
  }
  return { data: out, shape: [gy.out, gx.out, cout] };
}

/** Depthwise potentials, weights [kh][kw][c] stored flipped. */
export function depthwisePotentials(
  x: Int32Array,
  g: ConvGeometry,
  weights: Int8Array,
): { data: Int32Array; shape: Shape3 } {
  const [h, w, c] = g.input;
  const [kh, kw] = g.kernel;
  const gy = windowGeometry(h, kh, g.stride, g.padding);
  const gx = windowGeometry(w, kw, g.stride, g.padding);
  const out = new Int32Array(gy.out * gx.out * c);
  for (let oy = 0; oy < gy.out; oy++) {
    for (let ox = 0; ox < gx.out; ox++) {
      for (let i = 0; i < kh; i++) {
        const iy = oy * g.stride + i - gy.padBefore;
        if (iy < 0 || iy >= h) continue;
        for (let j = 0; j < kw; j++) {
          const ix = ox * g.stride + j - gx.padBefore;
          if (ix < 0 || ix >= w) continue;
          const wb = ((kh - 1 - i) * kw + (kw - 1 - j)) * c;
          for (let ch = 0; ch < c; ch++) {
            out[(oy * gx.out + ox) * c + ch]! += x[(iy * w + ix) * c + ch]! * weights[wb + ch]!;
          }
        }
      }
    }
  }
  return { data: out, shape: [gy.out, gx.out, c] };
}

/** Dense potentials over a flat input, weights [inputs][units]. */
export function densePotentials(x: Int32Array, weights: Int8Array, units: number): Int32Array {
  const out = new Int32Array(units);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === 0) continue;
    const base = i * units;
    for (let u = 0; u < units; u++) out[u]! += v * weights[base + u]!;
  }
  return out;
}
