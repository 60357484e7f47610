// Changed sites (src/engine/sites.ts): the summed-area-table test equals a pixel-by-pixel walk
// of each site's window (or lists more sites, never fewer, where a stride above the kernel
// leaves gaps between the taps) on random geometries (kernels, strides, paddings, pooling windows
// that overlap, leave gaps or reach past the image) and random masks; the blank output as
// stored, its repetition and its spikes. (The changed pixels of the model input come from
// GpuModel's input packing: test/gpu/sites.test.ts.)
import { describe, expect, it } from 'vitest';
import { BLANK_PIECE_BYTES, BlankOutput, changedSites, PixelBits, type SiteGeometry } from '../../src/engine/sites.js';
import { mulberry32, randInt } from '../helpers/builders.js';

/** Whether pooled site (oy, ox) reads a changed pixel, walking every conv position and tap. */
function walk(mask: Uint8Array, s: number, g: SiteGeometry, oy: number, ox: number): boolean {
  let positions = 0;
  let changed = false;
  for (let py = 0; py < g.pool.size[0]; py++) {
    for (let px = 0; px < g.pool.size[1]; px++) {
      const cy = oy * g.pool.stride[0] - g.pool.padTop + py;
      const cx = ox * g.pool.stride[1] - g.pool.padLeft + px;
      if (cy < 0 || cy >= g.convH || cx < 0 || cx >= g.convW) continue;
      positions++;
      for (let ky = 0; ky < g.kernel[0]; ky++) {
        for (let kx = 0; kx < g.kernel[1]; kx++) {
          const iy = cy * g.stride - g.padTop + ky;
          const ix = cx * g.stride - g.padLeft + kx;
          if (iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW && mask[(s * g.inH + iy) * g.inW + ix]) changed = true;
        }
      }
    }
  }
  // a window without conv positions is always listed (the kernel decides, as without a list)
  return changed || positions === 0;
}

/** Small maps, or (wide) rows of several 32-bit words with pooling windows up to 40 wide. */
function randomGeometry(rng: () => number, wide = false): SiteGeometry {
  const inH = randInt(rng, 1, 13);
  const inW = wide ? randInt(rng, 30, 100) : randInt(rng, 1, 13);
  const kernel: [number, number] = [randInt(rng, 1, 5), randInt(rng, 1, 5)];
  const stride = randInt(rng, 1, 2);
  const padTop = randInt(rng, 0, kernel[0] - 1);
  const padLeft = randInt(rng, 0, kernel[1] - 1);
  const convH = Math.max(1, Math.floor((inH + 2 * padTop - kernel[0]) / stride) + 1);
  const convW = Math.max(1, Math.floor((inW + 2 * padLeft - kernel[1]) / stride) + 1);
  const size: [number, number] = [randInt(rng, 1, 3), wide ? randInt(rng, 1, 40) : randInt(rng, 1, 3)];
  const pstride: [number, number] = [randInt(rng, 1, 3), randInt(rng, 1, 3)];
  const pool = { size, stride: pstride, padTop: randInt(rng, 0, size[0] - 1), padLeft: randInt(rng, 0, size[1] - 1), sum: false };
  // one more output than the windows need: the last may hold no conv position
  const outH = Math.ceil((convH + pool.padTop) / pstride[0]) + 1;
  const outW = Math.ceil((convW + pool.padLeft) / pstride[1]) + 1;
  return { inH, inW, kernel, stride, padTop, padLeft, convH, convW, pool, outH, outW };
}

describe('changedSites', () => {
  it('equals a pixel-by-pixel walk of every window (300 random geometries and masks)', () => {
    const rng = mulberry32(71);
    let listed = 0;
    let skipped = 0;
    for (let c = 0; c < 300; c++) {
      const g = randomGeometry(rng, c % 3 === 0);
      const n = randInt(rng, 1, 3);
      // sparse, dense, empty or full masks
      const density = [0, 0.02, 0.1, 0.5, 1][c % 5]!;
      const mask = Uint8Array.from({ length: n * g.inH * g.inW }, () => (rng() < density ? 1 : 0));
      const got = changedSites(PixelBits.fromMask(mask, n, g.inH, g.inW), g);
      const want: number[] = [];
      for (let s = 0; s < n; s++) {
        for (let oy = 0; oy < g.outH; oy++) {
          for (let ox = 0; ox < g.outW; ox++) if (walk(mask, s, g, oy, ox)) want.push((s * g.outH + oy) * g.outW + ox);
        }
      }
      const sites = Array.from(got.sites);
      expect(Array.from({ length: n * g.outH * g.outW }, (_, i) => i).filter((i) => got.next.has(Math.floor(i / (g.outH * g.outW)), Math.floor(i / g.outW) % g.outH, i % g.outW))).toEqual(sites);
      if (g.stride <= Math.min(...g.kernel)) {
        expect(sites, JSON.stringify({ c, g, n })).toEqual(want);
      } else {
        // a stride above the kernel leaves rows or columns between the taps that the window's
        // bounding box includes: more sites listed (computed, not skipped), never fewer
        expect(sites.filter((x) => want.includes(x)), JSON.stringify({ c, g, n })).toEqual(want);
      }
      expect(got.n).toBe(n);
      listed += want.length;
      skipped += n * g.outH * g.outW - want.length;
    }
    // both outcomes occur often
    expect(listed).toBeGreaterThan(1000);
    expect(skipped).toBeGreaterThan(1000);
  });

  it('rejects changed pixels of the wrong size', () => {
    const g = randomGeometry(mulberry32(3));
    expect(() => changedSites(new PixelBits(1, g.inH + 1, g.inW), g)).toThrow(/changed pixels of \d+ x \d+, expected \d+ x \d+/);
  });
});

describe('PixelBits', () => {
  it('holds one bit per pixel in rows of 32-bit words; samples are views', () => {
    const rng = mulberry32(5);
    const [n, h, w] = [3, 4, 70];
    const mask = Uint8Array.from({ length: n * h * w }, () => (rng() < 0.3 ? 1 : 0));
    const bits = PixelBits.fromMask(mask, n, h, w);
    expect(bits.rowWords).toBe(3);
    expect(bits.bits.length).toBe(n * h * 3);
    for (let i = 0; i < mask.length; i++) expect(bits.has(Math.floor(i / (h * w)), Math.floor(i / w) % h, i % w)).toBe(mask[i] === 1);
    const tail = bits.samples(1, 3);
    expect(tail.n).toBe(2);
    for (let i = 0; i < 2 * h * w; i++) expect(tail.has(Math.floor(i / (h * w)), Math.floor(i / w) % h, i % w)).toBe(mask[h * w + i] === 1);
    expect(() => new PixelBits(2, 2, 40, new Uint32Array(3))).toThrow(/3 words, expected 2 x 2 x 2/);
  });
});

describe('BlankOutput', () => {
  it('packs activations as u8 per channel, counts spikes per pixel, repeats over samples', () => {
    // 1 x 2 pixels, 5 channels: packed into 2 words per pixel
    const out = Int32Array.from([0, 3, 0, 0, 15, 0, 0, 0, 0, 0]);
    const b = new BlankOutput(out, [1, 2, 5], true);
    expect(b.wordsPerPixel).toBe(2);
    expect(Array.from(b.words)).toEqual([3 << 8, 15, 0, 0]);
    expect(Array.from(b.spikes)).toEqual([2, 0]);
    expect(b.zero).toBe(false);
    expect(b.total).toBe(2);
    const pieces = (n: number) => [...b.pieces(n)].map(({ sample, data }) => [sample, Array.from(data)]);
    expect(pieces(2)).toEqual([[0, [3 << 8, 15, 0, 0, 3 << 8, 15, 0, 0]]]);
    expect(pieces(1)).toEqual([[0, [3 << 8, 15, 0, 0]]]);
    // sites listed (computed): 0 and 3 (sample 1, pixel 1); the others keep the blank output
    expect(b.spikesBesides(Uint32Array.from([0, 3]), 2)).toBe(2);
    expect(b.spikesBesides(new Uint32Array(0), 3)).toBe(6);
  });

  it('hands a large blank output out in pieces of at most BLANK_PIECE_BYTES (one sample when a sample is larger)', () => {
    // 64 x 64 x 64 potentials: 1 MiB per sample, 4 samples per piece
    const big = new BlankOutput(new Int32Array(64 * 64 * 64).fill(-2), [64, 64, 64], false);
    const pieces = [...big.pieces(10)];
    expect(pieces.map((p) => [p.sample, p.data.byteLength])).toEqual([[0, 4 * 2 ** 20], [4, 4 * 2 ** 20], [8, 2 * 2 ** 20]]);
    expect(BLANK_PIECE_BYTES).toBe(4 * 2 ** 20);
    expect(pieces[2]!.data.every((w) => w === 2 ** 32 - 2)).toBe(true);
    // a sample above the piece size: one sample per piece
    const huge = new BlankOutput(new Int32Array(128 * 128 * 80), [128, 128, 80], false);
    expect([...huge.pieces(3)].map((p) => p.sample)).toEqual([0, 1, 2]);
  });

  it('keeps potentials as i32 (negative ones too); all zero is flagged', () => {
    const b = new BlankOutput(Int32Array.from([-4, 0, 9]), [1, 1, 3], false);
    expect(Array.from(new Int32Array(b.words.buffer))).toEqual([-4, 0, 9]);
    expect(b.total).toBe(2);
    const zero = new BlankOutput(new Int32Array(8), [2, 2, 2], true);
    expect(zero.zero).toBe(true);
    expect(zero.spikesBesides(new Uint32Array(0), 5)).toBe(0);
  });
});
