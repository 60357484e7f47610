// Integer convolutions of the reference: plain loops, NHWC, one sample at a time.
import { windowGeometry } from '../ir/shapes.js';
import type { Padding, Shape3 } from '../ir/types.js';

export interface ConvGeometry {
  input: Shape3;
  kernel: [number, number];
  stride: number;
  padding: Padding;
  /**
   * The input value 'same' padding pads with (InputConvolutional's padValue, cnn2snn's
   * padding_value); 0 when absent.
   */
  padValue?: number;
}

/**
 * Potentials [oh][ow][channels] of a window op: addTap(out, ob, pixel, tap) for every kernel tap
 * that falls inside the input, output position by output position, where ob = (oy * ow + ox) *
 * channels, pixel = iy * w + ix, and tap = the weight tap ky * kw + kx applied there, mirrored
 * when `flipped` (a true convolution of weights stored flipped).
 */
function windowPotentials(
  g: ConvGeometry,
  channels: number,
  flipped: boolean,
  addTap: (out: Int32Array, ob: number, pixel: number, tap: number) => void,
  /** a tap outside the input (padding), when the padding is not zero */
  padTap?: (out: Int32Array, ob: number, tap: number) => void,
): { data: Int32Array; shape: Shape3 } {
  const [h, w] = g.input;
  const [kh, kw] = g.kernel;
  const gy = windowGeometry(h, kh, g.stride, g.padding);
  const gx = windowGeometry(w, kw, g.stride, g.padding);
  const out = new Int32Array(gy.out * gx.out * channels);
  for (let oy = 0; oy < gy.out; oy++) {
    for (let ox = 0; ox < gx.out; ox++) {
      const ob = (oy * gx.out + ox) * channels;
      for (let i = 0; i < kh; i++) {
        const iy = oy * g.stride + i - gy.padBefore;
        const rowOut = iy < 0 || iy >= h;
        if (rowOut && !padTap) continue;
        for (let j = 0; j < kw; j++) {
          const ix = ox * g.stride + j - gx.padBefore;
          const tap = flipped ? (kh - 1 - i) * kw + (kw - 1 - j) : i * kw + j;
          if (rowOut || ix < 0 || ix >= w) {
            padTap?.(out, ob, tap);
            continue;
          }
          addTap(out, ob, iy * w + ix, tap);
        }
      }
    }
  }
  return { data: out, shape: [gy.out, gx.out, channels] };
}

// The multiply-adds of a tap are functions of their arguments, not closure bodies: V8 would
// reload the closure's captured arrays on every multiply-add (measured 1.4x slower).

/** out[ob + f] += x[xb + c] * w[wb + c * cout + f] for c < cin, f < cout: one conv tap (zero inputs skipped). */
function convTap(out: Int32Array, ob: number, x: Int32Array, xb: number, w: Int8Array | Int32Array, wb: number, cin: number, cout: number): void {
  for (let c = 0; c < cin; c++) {
    const v = x[xb + c]!;
    if (v === 0) continue;
    const wc = wb + c * cout;
    for (let f = 0; f < cout; f++) out[ob + f]! += v * w[wc + f]!;
  }
}

/** out[ob + ch] += x[xb + ch] * w[wb + ch] for ch < c: one depthwise tap. */
function depthwiseTap(out: Int32Array, ob: number, x: Int32Array, xb: number, w: Int8Array, wb: number, c: number): void {
  for (let ch = 0; ch < c; ch++) out[ob + ch]! += x[xb + ch]! * w[wb + ch]!;
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
  const cin = g.input[2];
  const pad = g.padValue ?? 0;
  let padTap: ((out: Int32Array, ob: number, tap: number) => void) | undefined;
  if (pad !== 0 && g.padding === 'same') {
    // a padded position holds `pad` in every input channel: pad * (the tap's weights summed over cin)
    const taps = g.kernel[0] * g.kernel[1];
    const sums = new Int32Array(taps * cout);
    for (let t = 0; t < taps; t++) {
      for (let c = 0; c < cin; c++) for (let f = 0; f < cout; f++) sums[t * cout + f]! += weights[(t * cin + c) * cout + f]!;
    }
    padTap = (out, ob, tap) => {
      for (let f = 0; f < cout; f++) out[ob + f]! += pad * sums[tap * cout + f]!;
    };
  }
  return windowPotentials(g, cout, flipped, (out, ob, pixel, tap) => convTap(out, ob, x, pixel * cin, weights, tap * cin * cout, cin, cout), padTap);
}

/** Depthwise potentials, weights [kh][kw][c] stored flipped. */
export function depthwisePotentials(x: Int32Array, g: ConvGeometry, weights: Int8Array): { data: Int32Array; shape: Shape3 } {
  const c = g.input[2];
  return windowPotentials(g, c, true, (out, ob, pixel, tap) => depthwiseTap(out, ob, x, pixel * c, weights, tap * c, c));
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
