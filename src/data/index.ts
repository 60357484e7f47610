// Dataset readers: IDX (MNIST format), the `mnist` package, Fashion-MNIST, PNG directories.
// The room's API for tests and benchmarks; the public entry is src/index.ts (`spikemesh`).
export { batchPlan, toIntBatch, DEFAULT_BATCH_SIZE, type BatchOptions, type ImageBatch, type ImageDataset } from './batch.js';
export { isGzip, type ByteReader, type ByteSource } from './bytes.js';
export { openBytes } from './source.js';
export { idxDataset, readIdxHeader, type IdxHeader, type IdxSources } from './idx.js';
export { mnistDataset } from './mnist.js';
export { fashionMnistDataset, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, type FashionMnistOptions } from './fashion-mnist.js';
export { pngDirectoryDataset, type PngDirectoryOptions } from './png-dir.js';
export { openDataset, idxLabelsPath, DATASET_HELP } from './open.js';
export { openJsonlWriter, type JsonlWriter } from './jsonl.js';
