import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, pngDirectoryDataset, type ImageBatch, type ImageDataset } from '../../src/data/index.js';

/** Writes a PNG of the given size whose RGBA pixels come from `rgb(x, y)`. */
function writePng(path: string, w: number, h: number, rgb: (x: number, y: number) => [number, number, number], colorType: 0 | 2) {
  const png = new PNG({ width: w, height: h, colorType, inputColorType: 6 });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = rgb(x, y);
      png.data.set([r, g, b, 255], 4 * (y * w + x));
    }
  }
  writeFileSync(path, PNG.sync.write(png, { colorType, inputColorType: 6 }));
}

async function all(ds: ImageDataset, batchSize = 2): Promise<ImageBatch[]> {
  const out: ImageBatch[] = [];
  for await (const b of ds.batches({ batchSize })) out.push(b);
  return out;
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'spikemesh-png-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const grey = (seed: number) => (x: number, y: number): [number, number, number] => {
  const v = (seed * 50 + x * 7 + y * 13) % 256;
  return [v, v, v];
};

describe('PNG directory reader', () => {
  it('labels images by sorted sub-directory name and reads grey PNGs as 1 channel', async () => {
    const dir = join(root, 'classes');
    for (const cls of ['dog', 'cat']) mkdirSync(join(dir, cls), { recursive: true });
    writePng(join(dir, 'dog', 'a.png'), 4, 3, grey(1), 0);
    writePng(join(dir, 'cat', 'b.png'), 4, 3, grey(2), 0);
    writePng(join(dir, 'cat', 'a.png'), 4, 3, grey(3), 0);
    writeFileSync(join(dir, 'cat', 'notes.txt'), 'not an image');
    const ds = await pngDirectoryDataset(dir);
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.count).toBe(3);
    expect(ds.shape).toEqual([3, 4, 1]);
    const batches = await all(ds);
    expect(batches.map((b) => b.n)).toEqual([2, 1]);
    expect(batches.flatMap((b) => [...b.labels!])).toEqual([0, 0, 1]);
    // cat/a.png (seed 3) first, then cat/b.png (seed 2), then dog/a.png (seed 1)
    const expected = [3, 2, 1].flatMap((s) => Array.from({ length: 12 }, (_, i) => grey(s)(i % 4, Math.floor(i / 4))[0]));
    expect(batches.flatMap((b) => [...b.images])).toEqual(expected);
  });

  it('reads colour PNGs as RGB, or as grey (BT.601 luma) when asked', async () => {
    const dir = join(root, 'rgb');
    mkdirSync(dir);
    const rgb = (x: number, y: number): [number, number, number] => [x * 60, y * 100, 255 - x * 30];
    writePng(join(dir, 'one.png'), 3, 2, rgb, 2);
    const [b3] = await all(await pngDirectoryDataset(dir));
    expect(b3!.shape).toEqual([2, 3, 3]);
    expect(b3!.labels).toBeUndefined();
    expect([...b3!.images]).toEqual([0, 0, 255, 60, 0, 225, 120, 0, 195, 0, 100, 255, 60, 100, 225, 120, 100, 195]);
    const [b1] = await all(await pngDirectoryDataset(dir, { channels: 1 }));
    const luma = (r: number, g: number, b: number) => Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    expect([...b1!.images]).toEqual([luma(0, 0, 255), luma(60, 0, 225), luma(120, 0, 195), luma(0, 100, 255), luma(60, 100, 225), luma(120, 100, 195)]);
  });

  it('names the file whose size differs, and rejects mixed or empty directories', async () => {
    const dir = join(root, 'sizes');
    mkdirSync(dir);
    writePng(join(dir, 'a.png'), 4, 4, grey(0), 0);
    writePng(join(dir, 'b.png'), 5, 4, grey(0), 0);
    await expect(all(await pngDirectoryDataset(dir))).rejects.toThrow(`${join(dir, 'b.png')}: image is 5 x 4, expected 4 x 4`);
    mkdirSync(join(dir, 'sub'));
    await expect(pngDirectoryDataset(dir)).rejects.toThrow(/holds both .png files and sub-directories/);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await expect(pngDirectoryDataset(empty)).rejects.toThrow(`${empty}: no .png files found`);
    writeFileSync(join(empty, 'broken.png'), 'not a png');
    await expect(pngDirectoryDataset(empty)).rejects.toThrow(`${join(empty, 'broken.png')}: cannot decode PNG`);
  });

  it('is what openDataset returns for a directory', async () => {
    const ds = await openDataset(join(root, 'classes'));
    expect(ds.classes).toEqual(['cat', 'dog']);
  });
});
