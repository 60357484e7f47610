// Host-side repacking of IR tensors into the layouts the shaders read. Done once per model,
// at upload (the IR stays in its own layout).
import type { Activation, WeightBits } from '../ir/types.js';

/** Output channels per invocation tile (shaders/lib/tile.wgsl). */
export const TILE = 16;

/** u32 words per pixel of packed u8 activations (4 channels per word). */
export function wordsFor(channels: number): number {
  return Math.ceil(channels / 4);
}

export function tilesFor(channels: number): number {
  return Math.ceil(channels / TILE);
}

/**
 * How a tile kernel reads its weights (shaders/lib/tile.wgsl):
 * - 'nibbles': 4-bit fields (weights of 1, 2, 4 bits), f32 accumulation;
 * - 'bytes': 8-bit fields, f32 accumulation;
 * - 'i8': two's complement bytes, i32 accumulation (when f32 would not be exact).
 * In the f32 encodings the fields below a word's top field are biased by 2^(field bits - 1).
 */
export type WeightEncoding = 'nibbles' | 'bytes' | 'i8';

/** f32 integers are exact below 2^24. */
const F32_EXACT = 2 ** 24;

/**
 * The encoding for weights of `bits` when each output sums at most `terms` products of values
 * up to `maxValue` in magnitude: f32 only while every partial sum of value * field stays exact.
 */
export function chooseEncoding(bits: WeightBits, terms: number, maxValue: number): WeightEncoding {
  const fieldMax = bits <= 4 ? 15 : 255;
  if (terms * maxValue * fieldMax >= F32_EXACT) return 'i8';
  return bits <= 4 ? 'nibbles' : 'bytes';
}

/** The shader flags of an encoding. */
export function encodingFlags(e: WeightEncoding): { F32: boolean; NIBBLES: boolean } {
  return { F32: e !== 'i8', NIBBLES: e === 'nibbles' };
}

/** u32 words per weight row of a tile (one input, 16 output channels). */
export function rowWords(e: WeightEncoding): number {
  return e === 'nibbles' ? 2 : 4;
}

/**
 * Weights as [tile][row] x 16 channels in `encoding` (rowWords(encoding) u32 per row and tile).
 * Channels past `cout` are zero weights. `weight(r, o)` reads the IR.
 */
export function packTileWeights(rows: number, cout: number, encoding: WeightEncoding, weight: (row: number, o: number) => number): Uint32Array {
  const tiles = tilesFor(cout);
  const words = rowWords(encoding);
  const out = new Uint32Array(tiles * rows * words);
  const fieldBits = encoding === 'nibbles' ? 4 : 8;
  const perWord = 32 / fieldBits;
  const mask = (1 << fieldBits) - 1;
  const bias = encoding === 'i8' ? 0 : 1 << (fieldBits - 1);
  for (let tile = 0; tile < tiles; tile++) {
    for (let r = 0; r < rows; r++) {
      const entry = (tile * rows + r) * words;
      for (let k = 0; k < TILE; k++) {
        const o = tile * TILE + k;
        const w = o < cout ? weight(r, o) : 0;
        const slot = k % perWord;
        // the top field of a word is two's complement; the others are biased
        const field = slot === perWord - 1 ? w & mask : (w + bias) & mask;
        out[entry + Math.floor(k / perWord)]! |= field << (slot * fieldBits);
      }
    }
  }
  return out;
}

/** Packs signed bytes 4 per u32 (little-endian, as unpack4xI8 reads them). */
export function packBytes(values: ArrayLike<number>): Uint32Array {
  const bytes = new Int8Array(Math.ceil(values.length / 4) * 4);
  for (let i = 0; i < values.length; i++) bytes[i] = values[i]!;
  return new Uint32Array(bytes.buffer);
}

/**
 * Thresholds and steps padded to whole tiles, read as vec4 per packed output word by
 * shaders/lib/epilogue.wgsl. Padded channels (zero weights, so p = 0) get threshold 0 and step 1,
 * which makes them 0. Without activation the epilogue never reads them, but it binds them.
 */
export function packActivation(act: Activation | null, cout: number): { thresholds: Int32Array; steps: Uint32Array } {
  const n = tilesFor(cout) * TILE;
  const thresholds = new Int32Array(n);
  const steps = new Uint32Array(n).fill(1);
  if (act) {
    thresholds.set(act.threshold.subarray(0, cout));
    for (let c = 0; c < cout; c++) steps[c] = act.actStep16[c]!;
  }
  return { thresholds, steps };
}
