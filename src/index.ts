// The public API of spikemesh (re-exports only).
export * from './ir/types.js';
export { inferShapes, layerOutputShape, shapeSize } from './ir/shapes.js';
export { Model, type Backend, type ModelOptions, type ModelInput, type LayerStatistics, type Evaluation } from './model.js';
export { validateModel, ModelError } from './ir/validate.js';
export { serializeModel, deserializeModel, parseModelJson, type ModelJson } from './ir/io.js';
export { saveModel, loadModel, fetchModel } from './ir/files.js';
export { summarize, formatSummary, type ModelSummary, type SummaryRow } from './ir/summary.js';
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
export { GpuModel, type GpuModelOptions, type GpuForwardOptions, type GpuForwardResult, type KernelTiming } from './engine/run.js';
export * from './data/index.js';
export {
  evaluateDataset,
  type Classifier,
  type ComparedAccuracy,
  type DatasetEvaluation,
  type DatasetEvaluationOptions,
  type EvaluatedBatch,
} from './eval/evaluate.js';
export { ConfusionMatrix } from './eval/confusion.js';
export * from './mesh/index.js';
export * from './convert/index.js';
export * from './temporal/index.js';
