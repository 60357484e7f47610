// tfjs import: quantization-aware layers, quantize, convert, check, model files.
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
export { convert, analyze, type ConvertOptions, type ConversionResult } from './convert.js';
export { check, formatReport, type CompatibilityReport } from './check.js';
export { hardwareIssues, AKD1000 } from './hardware.js';
export { ConversionError, formatIssue, type CompatibilityIssue, type IssueKind } from './issues.js';
export { foldActivation, foldPredictScale, type FoldInput, type BatchNormParams } from './fold.js';
export { loadTfjsModel, fetchTfjsModel, saveTfjsModel, modelFromArtifacts } from './tfjs-io.js';
export { imagesToTensor, predictClasses, accuracy, compareAccuracy } from './evaluate.js';
