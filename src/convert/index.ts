// tfjs import: quantization-aware layers, quantize, convert, check, model files.
// The room's API for tests and benchmarks; the public entry is src/convert.ts (`spikemesh/convert`).
export {
  QuantizedConv2D,
  QuantizedDense,
  QuantizedDepthwiseConv2D,
  QuantizedReLU,
  QuantizedSeparableConv2D,
  quantizeWeights,
  stepWidth,
  isQuantizedLayer,
  type WeightQuantizer,
} from './qlayers.js';
export { quantize, calibrate, type QuantizeOptions } from './quantize.js';
export { convert, analyze, type ConvertOptions, type ConversionResult, type FoldRecord } from './convert.js';
export { alignThresholds, type AlignmentReport, type LayerAlignment } from './align.js';
export { check, formatReport, type CompatibilityReport, type CheckOptions } from './check.js';
export { hardwareIssues } from './hardware.js';
export { ConversionError, formatCompatibilityIssue, type CompatibilityIssue, type IssueKind } from './issues.js';
export { foldActivation, foldPredictScale, alignBatchNorm, type FoldInput, type BatchNormParams, type AlignedBatchNorm } from './fold.js';
export { loadTfjsModel, fetchTfjsModel, saveTfjsModel, modelFromArtifacts } from './tfjs-io.js';
export { imagesToTensor, predictClasses, classAccuracy, compareAccuracy, referenceClasses } from './evaluate.js';
