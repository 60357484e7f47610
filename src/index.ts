// The public API of spikemesh (re-exports only).
export * from './model/types.js';
export { inferShapes, layerOutputShape, shapeSize } from './model/shapes.js';
export { Model, type Backend, type ModelOptions, type ModelInput, type LayerStatistics, type Evaluation } from './model/model.js';
export { validateModel, ModelError } from './model/validate.js';
export { serializeModel, deserializeModel, parseModelJson, type ModelJson } from './model/io.js';
export { saveModel, loadModel, fetchModel } from './model/files.js';
export { summarize, formatSummary, type ModelSummary, type SummaryRow } from './model/summary.js';
export { referenceForward, activate, rescale } from './reference/index.js';
export {
  acquireDevice,
  defaultDevice,
  setDefaultDevice,
  wrapDevice,
  GpuRunner,
  type AcquiredDevice,
  type DeviceInfo,
} from './gpu/index.js';
export { GpuModel, type GpuModelOptions, type GpuForwardOptions, type GpuForwardResult, type KernelTiming } from './scheduler/run.js';
export * from './data/index.js';
export {
  evaluateDataset,
  type Classifier,
  type ComparedAccuracy,
  type DatasetEvaluation,
  type DatasetEvaluationOptions,
  type EvaluatedBatch,
} from './scheduler/evaluate.js';
export { ConfusionMatrix } from './scheduler/confusion.js';
export * from './scheduler/mesh-api.js';
export * from './convert/index.js';
export * from './temporal/index.js';
