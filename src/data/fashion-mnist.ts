// Fashion-MNIST (Zalando, 28 x 28 grey images of clothes, 10 classes) from the IDX files that
// Debian's dataset-fashion-mnist package installs, or from another directory or URL base.
import type { ImageDataset } from './batch.js';
import { idxDataset } from './idx.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

export interface FashionMnistOptions {
  /** 'test' (10,000 images, default) or 'train' (60,000) */
  split?: 'train' | 'test';
  /** directory path or URL holding the four .gz files (default: Debian's location) */
  dir?: string | URL;
}

export function fashionMnistDataset(opts: FashionMnistOptions = {}): Promise<ImageDataset> {
  const split = opts.split ?? 'test';
  if (split !== 'train' && split !== 'test') throw new RangeError(`fashion-mnist split must be 'train' or 'test', got '${split}'`);
  const prefix = split === 'train' ? 'train' : 't10k';
  const dir = opts.dir ?? FASHION_MNIST_DIR;
  const at = (file: string): string | URL =>
    dir instanceof URL ? new URL(file, dir.href.endsWith('/') ? dir : `${dir.href}/`) : `${dir.replace(/\/$/, '')}/${file}`;
  return idxDataset({
    name: `fashion-mnist:${split}`,
    images: at(`${prefix}-images-idx3-ubyte.gz`),
    labels: at(`${prefix}-labels-idx1-ubyte.gz`),
    classes: FASHION_MNIST_CLASSES,
  }).catch((err: Error) => {
    if (/no such file/.test(err.message) && dir === FASHION_MNIST_DIR) {
      throw new Error(`${err.message} (install it with 'apt-get install dataset-fashion-mnist', or run 'npm run setup')`);
    }
    throw err;
  });
}
