// Changed sites: the output positions of a layer that can differ from its output for a blank
// (all-zero) model input. Images often have blank backgrounds (MNIST: 62% of the first layer's
// pooled windows, 26% of the second's), and a window whose input equals the blank input's
// gives the blank output there, known in advance (the reference run once on a blank sample).
// So the specialised kernels run over a list of the changed sites only (shaders/
// conv_specialized.wgsl, variant SITES) and the other sites get the blank output.
// Which sites change is geometry alone, tracked on the host from the model input (GpuModel
// marks its changed pixels while it packs it): an input pixel is changed where a channel is not zero; an
// output site is changed where its window (pooling window x conv taps) holds a changed input
// pixel. A summed-area table of the changed pixels per sample gives each window in four lookups.
// The window is taken as its bounding box, so a stride above the kernel (rows or columns
// between the taps) can list a site that is not changed: computed, never wrong.
import type { Shape3 } from '../model/types.js';
import type { ConvKernelParams } from './conv.js';
import { wordsFor } from './pack.js';

/** Where a layer's windows lie (a conv-like layer with its pooling; a dense layer is a valid conv over its whole input). */
export type SiteGeometry = Pick<
  ConvKernelParams,
  'inH' | 'inW' | 'kernel' | 'stride' | 'padTop' | 'padLeft' | 'convH' | 'convW' | 'pool' | 'outH' | 'outW'
>;

/** The changed output sites of a layer for n samples. */
export interface ChangedSites {
  /** pooled pixel indices (s * outH + y) * outW + x, ascending */
  sites: Uint32Array<ArrayBuffer>;
  /** per output pixel of every sample: 1 where changed (the next layer's input) */
  mask: Uint8Array;
  /** samples */
  n: number;
}

/** Input rows (or columns) [lo, hi) that output row (or column) o reads. */
interface Span {
  lo: number;
  hi: number;
  /** the pooling window holds no conv position: always listed, so the kernel decides as without a list */
  always: boolean;
}

function spans(out: number, poolSize: number, poolStride: number, poolPad: number, conv: number, kernel: number, stride: number, pad: number, input: number): Span[] {
  return Array.from({ length: out }, (_, o) => {
    const c0 = Math.max(0, o * poolStride - poolPad);
    const c1 = Math.min(conv, o * poolStride - poolPad + poolSize);
    if (c0 >= c1) return { lo: 0, hi: 0, always: true };
    return { lo: Math.max(0, c0 * stride - pad), hi: Math.min(input, (c1 - 1) * stride - pad + kernel), always: false };
  });
}

/** The sites of a layer whose window holds a changed pixel of its input `mask` (n x inH x inW). */
export function changedSites(mask: Uint8Array, n: number, g: SiteGeometry): ChangedSites {
  const { inH, inW, outH, outW } = g;
  if (mask.length !== n * inH * inW) throw new RangeError(`changedSites: a mask of ${mask.length} pixels, expected ${n} x ${inH * inW}`);
  const rows = spans(outH, g.pool.size[0], g.pool.stride[0], g.pool.padTop, g.convH, g.kernel[0], g.stride, g.padTop, inH);
  const cols = spans(outW, g.pool.size[1], g.pool.stride[1], g.pool.padLeft, g.convW, g.kernel[1], g.stride, g.padLeft, inW);
  const side = inW + 1;
  // sat[(y + 1) * side + x + 1]: changed pixels in rows <= y, columns <= x (row 0 and column 0 stay 0)
  const sat = new Int32Array((inH + 1) * side);
  const sites = new Uint32Array(n * outH * outW);
  const out = new Uint8Array(n * outH * outW);
  let count = 0;
  for (let s = 0, i = 0; s < n; s++) {
    for (let y = 0, k = side + 1; y < inH; y++, k++) {
      let row = 0;
      for (let x = 0; x < inW; x++, k++) {
        row += mask[i++]!;
        sat[k] = sat[k - side]! + row;
      }
    }
    for (let oy = 0, site = s * outH * outW; oy < outH; oy++) {
      const r = rows[oy]!;
      for (let ox = 0; ox < outW; ox++, site++) {
        const c = cols[ox]!;
        const changed = r.always || c.always
          || sat[r.hi * side + c.hi]! - sat[r.lo * side + c.hi]! - sat[r.hi * side + c.lo]! + sat[r.lo * side + c.lo]! > 0;
        if (changed) {
          sites[count++] = site;
          out[site] = 1;
        }
      }
    }
  }
  return { sites: sites.subarray(0, count), mask: out, n };
}

/** A layer's output for a blank model input, as the GPU stores it, and what filling it costs. */
export class BlankOutput {
  /** stored u32 words of one sample's output: packed u8 activations or i32 potentials per pixel */
  readonly words: Uint32Array;
  readonly wordsPerPixel: number;
  /** non-zero outputs of each pixel */
  readonly spikes: Int32Array;
  /** every word is 0 (clear the buffer instead of writing it) */
  readonly zero: boolean;
  /** non-zero outputs of one sample */
  readonly total: number;
  /** `words` repeated over the most samples asked for so far */
  private repeated: Uint32Array<ArrayBuffer> = new Uint32Array(0);

  /** `output`: one sample's NHWC output of the layer (the reference's), `packed` as u8 activations. */
  constructor(output: Int32Array, shape: Shape3, packed: boolean) {
    const [h, w, c] = shape;
    this.wordsPerPixel = packed ? wordsFor(c) : c;
    this.spikes = new Int32Array(h * w);
    const bytes = new Uint8Array(h * w * this.wordsPerPixel * 4);
    const words = new Uint32Array(bytes.buffer);
    for (let pixel = 0; pixel < h * w; pixel++) {
      for (let ch = 0; ch < c; ch++) {
        const v = output[pixel * c + ch]!;
        if (packed) bytes[pixel * this.wordsPerPixel * 4 + ch] = v;
        else words[pixel * c + ch] = v;
        if (v !== 0) this.spikes[pixel]!++;
      }
    }
    this.words = words;
    this.zero = words.every((x) => x === 0);
    this.total = this.spikes.reduce((a, b) => a + b, 0);
  }

  /** The blank output of n samples (a cached array; do not modify). */
  samples(n: number): Uint32Array<ArrayBuffer> {
    const size = n * this.words.length;
    if (this.repeated.length < size) {
      this.repeated = new Uint32Array(size);
      for (let i = 0; i < size; i += this.words.length) this.repeated.set(this.words, i);
    }
    return this.repeated.subarray(0, size);
  }

  /** Spikes of the blank output at every site of n samples but the listed ones. */
  spikesBesides(sites: Uint32Array, n: number): number {
    if (this.total === 0) return 0;
    const pixels = this.spikes.length;
    let listed = 0;
    for (let i = 0; i < sites.length; i++) listed += this.spikes[sites[i]! % pixels]!;
    return n * this.total - listed;
  }
}
