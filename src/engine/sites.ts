// Changed sites: the output positions of a layer that can differ from its output for a blank
// (all-zero) model input. Images often have blank backgrounds (MNIST: 62% of the first layer's
// pooled windows, 26% of the second's), and a window whose input equals the blank input's
// gives the blank output there, known in advance (the reference run once on a blank sample).
// So the specialised kernels run over a list of the changed sites only (shaders/
// conv_specialized.wgsl, variant SITES) and the other sites get the blank output.
// Which sites change is geometry alone, tracked on the host from the model input (GpuModel
// marks its changed pixels while it packs it): an input pixel is changed where a channel is not zero; an
// output site is changed where its window (pooling window x conv taps) holds a changed input
// pixel. The changed pixels are kept as bit rows (PixelBits): a window is the OR of its input
// rows, masked to its columns, a few word operations per site.
// The window is taken as its bounding box, so a stride above the kernel (rows or columns
// between the taps) can list a site that is not changed: computed, never wrong.
import type { Shape3 } from '../ir/types.js';
import type { ConvKernelParams } from '../kernels/conv.js';
import { wordsFor } from '../kernels/pack.js';

/** Where a layer's windows lie (a conv-like layer with its pooling; a dense layer is a valid conv over its whole input). */
export type SiteGeometry = Pick<
  ConvKernelParams,
  'inH' | 'inW' | 'kernel' | 'stride' | 'padTop' | 'padLeft' | 'convH' | 'convW' | 'pool' | 'outH' | 'outW'
>;

/**
 * Changed pixels of n maps of h x w, as bit rows: pixel (s, y, x) is bit x & 31 of word
 * (s * h + y) * rowWords + (x >> 5).
 */
export class PixelBits {
  readonly rowWords: number;

  constructor(readonly n: number, readonly h: number, readonly w: number, readonly bits = new Uint32Array(n * h * Math.ceil(w / 32))) {
    this.rowWords = Math.ceil(w / 32);
    if (bits.length !== n * h * this.rowWords) throw new RangeError(`PixelBits: ${bits.length} words, expected ${n} x ${h} x ${this.rowWords}`);
  }

  /** From one byte per pixel (1: changed). */
  static fromMask(mask: ArrayLike<number>, n: number, h: number, w: number): PixelBits {
    const out = new PixelBits(n, h, w);
    for (let i = 0; i < n * h * w; i++) if (mask[i]) out.set(Math.floor(i / (h * w)), Math.floor(i / w) % h, i % w);
    return out;
  }

  set(s: number, y: number, x: number): void {
    this.bits[(s * this.h + y) * this.rowWords + (x >>> 5)]! |= 1 << (x & 31);
  }

  has(s: number, y: number, x: number): boolean {
    return ((this.bits[(s * this.h + y) * this.rowWords + (x >>> 5)]! >>> (x & 31)) & 1) === 1;
  }

  /** Samples [a, b) (a view, no copy). */
  samples(a: number, b: number): PixelBits {
    const size = this.h * this.rowWords;
    return new PixelBits(b - a, this.h, this.w, this.bits.subarray(a * size, b * size));
  }
}

/** The changed output sites of a layer for n samples. */
export interface ChangedSites {
  /** pooled pixel indices (s * outH + y) * outW + x, ascending */
  sites: Uint32Array<ArrayBuffer>;
  /** the changed output pixels (the next layer's input) */
  next: PixelBits;
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

/** The sites of a layer whose window holds a changed pixel of its input (n maps of inH x inW). */
export function changedSites(changed: PixelBits, g: SiteGeometry): ChangedSites {
  const { inH, inW, outH, outW } = g;
  const n = changed.n;
  if (changed.h !== inH || changed.w !== inW) throw new RangeError(`changedSites: changed pixels of ${changed.h} x ${changed.w}, expected ${inH} x ${inW}`);
  const rows = spans(outH, g.pool.size[0], g.pool.stride[0], g.pool.padTop, g.convH, g.kernel[0], g.stride, g.padTop, inH);
  const cols = spans(outW, g.pool.size[1], g.pool.stride[1], g.pool.padLeft, g.convW, g.kernel[1], g.stride, g.padLeft, inW);
  // per output column: the (word, mask) pairs of its input columns, flat, [colStart[x], colStart[x + 1])
  const colStart = new Int32Array(outW + 1);
  const words: number[] = [];
  const masks: number[] = [];
  cols.forEach((c, ox) => {
    for (let x = c.lo; x < c.hi; ) {
      const word = x >>> 5;
      const end = Math.min(c.hi, (word + 1) * 32);
      words.push(word);
      masks.push(end - x === 32 ? 0xffffffff : (((1 << (end - x)) - 1) << (x & 31)) >>> 0);
      x = end;
    }
    colStart[ox + 1] = words.length;
  });
  const colWord = Int32Array.from(words);
  const colMask = Uint32Array.from(masks);
  const always = Uint8Array.from(cols, (c) => (c.always ? 1 : 0));
  const rw = changed.rowWords;
  const bits = changed.bits;
  const rowOr = new Uint32Array(rw);
  const next = new PixelBits(n, outH, outW);
  const nextBits = next.bits;
  const sites = new Uint32Array(n * outH * outW);
  let count = 0;
  // (plain loops and incremental indices: this runs over every site of every forward pass)
  for (let s = 0, site = 0, nextRow = 0; s < n; s++) {
    for (let oy = 0; oy < outH; oy++, nextRow += next.rowWords) {
      const r = rows[oy]!;
      // the window rows' changed pixels, ORed
      for (let j = 0; j < rw; j++) rowOr[j] = 0;
      for (let y = r.lo; y < r.hi; y++) {
        const base = (s * inH + y) * rw;
        for (let j = 0; j < rw; j++) rowOr[j]! |= bits[base + j]!;
      }
      // branch-free (whether a site changes is data: a branch on it mispredicts): each site is
      // written, and kept by advancing `count` by its bit
      const rowAlways = r.always ? 1 : 0;
      let acc = 0;
      for (let ox = 0; ox < outW; ox++, site++) {
        let hit = rowAlways | always[ox]!;
        for (let k = colStart[ox]!, end = colStart[ox + 1]!; k < end; k++) hit |= rowOr[colWord[k]!]! & colMask[k]!;
        const bit = (hit | -hit) >>> 31;
        sites[count] = site;
        count += bit;
        acc |= bit << (ox & 31);
        if ((ox & 31) === 31 || ox === outW - 1) {
          nextBits[nextRow + (ox >>> 5)] = acc;
          acc = 0;
        }
      }
    }
  }
  return { sites: sites.subarray(0, count), next, n };
}

/** Bytes of blank output BlankOutput.pieces hands out at once. */
export const BLANK_PIECE_BYTES = 4 * 2 ** 20;

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

  /**
   * The blank output of n samples as pieces of at most BLANK_PIECE_BYTES (one sample if it is
   * larger), to write one after the other: the host keeps one piece, not a whole chunk's output.
   * The pieces share a cached array; write each before asking for the next.
   */
  *pieces(n: number): Generator<{ sample: number; data: Uint32Array<ArrayBuffer> }> {
    const per = Math.max(1, Math.min(n, Math.floor(BLANK_PIECE_BYTES / this.words.byteLength)));
    const size = per * this.words.length;
    if (this.repeated.length < size) {
      this.repeated = new Uint32Array(size);
      for (let i = 0; i < size; i += this.words.length) this.repeated.set(this.words, i);
    }
    for (let sample = 0; sample < n; sample += per) {
      yield { sample, data: this.repeated.subarray(0, Math.min(per, n - sample) * this.words.length) };
    }
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
