// `spikemesh`: the public API of the engine, without tfjs (re-exports only).
// The other entries: `spikemesh/convert` (src/convert.ts: everything that needs tfjs),
// `spikemesh/temporal` (src/temporal.ts) and `spikemesh/mesh` (src/mesh.ts).

// the model
export { Model, type Backend, type ModelOptions, type ModelInput, type Evaluation } from './model.js';

// the IR: types, shapes, validation, files, summary
export type {
  ActBits,
  Activation,
  ConvParams,
  ConvolutionalLayer,
  ForwardResult,
  FullyConnectedLayer,
  InputConvolutionalLayer,
  InputDataLayer,
  InputScaling,
  IntBatch,
  Layer,
  LayerBase,
  LayerKind,
  LayerStatistics,
  ModelSpec,
  Padding,
  Pooling,
  PredictScale,
  SeparableConvolutionalLayer,
  Shape3,
  WeightBits,
} from './ir/types.js';
export { inferShapes, layerOutputShape, shapeSize } from './ir/shapes.js';
export { validateModel, ModelError, type ModelErrorLocation } from './ir/validate.js';
export { serializeModel, deserializeModel, parseModelJson, type ModelJson, type LayerJson, type ManifestEntry, type SerializeOptions } from './ir/io.js';
export { saveModel, loadModel, fetchModel } from './ir/files.js';
export { summarize, formatSummary, type ModelSummary, type SummaryRow } from './ir/summary.js';

// the integer reference (the oracle of the GPU engine)
export { referenceForward, type ReferenceResult } from './reference/forward.js';

// WebGPU: the device, shared by every model, and the GPU engine under Model
export {
  acquireDevice,
  defaultDevice,
  setDefaultDevice,
  wrapDevice,
  type AcquiredDevice,
  type AcquireOptions,
  type DeviceInfo,
} from './gpu/device.js';
// GpuModel.create, the temporal GpuSpikingNet/sweep and the mesh's gpuForward take one
export { GpuRunner } from './gpu/runner.js';
export { GpuModel, type GpuModelOptions, type GpuForwardOptions, type GpuForwardResult, type KernelTiming } from './engine/run.js';
export type { Specialization } from './engine/specialize.js';

// datasets
export { toIntBatch, type BatchOptions, type ImageBatch, type ImageDataset } from './data/batch.js';
export type { ByteSource } from './data/bytes.js';
export { idxDataset, type IdxSources } from './data/idx.js';
export { mnistDataset } from './data/mnist.js';
export { fashionMnistDataset, FASHION_MNIST_CLASSES, type FashionMnistOptions } from './data/fashion-mnist.js';
export { pngDirectoryDataset, type PngDirectoryOptions } from './data/png-dir.js';
export { openDataset } from './data/open.js';
export { openJsonlWriter, type JsonlWriter } from './data/jsonl.js';

// evaluation on datasets
export {
  evaluateDataset,
  type Classifier,
  type ComparedAccuracy,
  type DatasetEvaluation,
  type DatasetEvaluationOptions,
  type EvaluatedBatch,
  type EvaluatedModel,
} from './eval/evaluate.js';
export { ConfusionMatrix } from './eval/confusion.js';
