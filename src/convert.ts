// `spikemesh/convert`: everything that needs tfjs (re-exports only): quantization-aware layers,
// quantize, convert, the compatibility check, threshold alignment, tfjs model files, float-model
// evaluation, and the float network of the temporal mode read from a tfjs model.

// quantization-aware layers and quantize
export {
  QuantizedConv2D,
  QuantizedDense,
  QuantizedDepthwiseConv2D,
  QuantizedReLU,
  QuantizedSeparableConv2D,
  isQuantizedLayer,
  type QuantizedConv2DArgs,
  type QuantizedDenseArgs,
  type QuantizedDepthwiseConv2DArgs,
  type QuantizedReLUArgs,
  type WeightQuantizer,
} from './convert/qlayers.js';
export { quantize, type QuantizeOptions } from './convert/quantize.js';

// conversion to a spikemesh model, threshold alignment, the compatibility check
export { convert, analyze, type ConvertOptions, type ConversionResult, type FoldRecord } from './convert/convert.js';
export { alignThresholds, type AlignmentReport, type LayerAlignment } from './convert/align.js';
export {
  check as checkCompatibility,
  formatReport as formatCompatibilityReport,
  type CompatibilityReport,
  type CheckOptions,
  CHECK_QUANTIZATION,
} from './convert/check.js';
export { hardwareIssues } from './convert/hardware.js';
export { ConversionError, formatCompatibilityIssue, type CompatibilityIssue, type IssueKind } from './convert/issues.js';

// building and adapting quantization-aware models: layer blocks (cnn2snn's conv_block, ...),
// a new input size, fine-tuning on a dataset
export { convBlock, separableConvBlock, denseBlock, type BlockOptions, type ConvBlockOptions, type DenseBlockOptions } from './convert/layer-blocks.js';
export { reshape, type ReshapeSize } from './convert/reshape.js';
export { finetune, type FinetuneOptions, type FinetuneProgress, type FinetuneHistory, type TrainingBackend } from './convert/finetune.js';

// the converted integer model as ONNX, bit-exact in onnxruntime (docs/onnx-export.md)
export { exportOnnx, ONNX_EXPORT_OPSET, type OnnxExportOptions } from './io/onnx-export.js';

// source models in any format: tfjs model.json, Keras .keras / .h5, ONNX (docs/io.md)
export { loadSourceModel, type LoadedModel, type LoadOptions, type SourceFormat } from './convert/source.js';
export { type BnFold } from './convert/quantize.js';

// tfjs model files
export { loadTfjsModel, fetchTfjsModel, saveTfjsModel } from './convert/tfjs-io.js';

// float (tfjs) models beside the converted one
export { imagesToTensor, predictClasses, classAccuracy, compareAccuracy, referenceClasses } from './convert/evaluate.js';

// the temporal mode's float source: a tfjs model read as a FloatNet, its activations measured
// (spikingNetFromFloat in `spikemesh/temporal` turns both into a SpikingNet)
export { floatNetFromTfjs } from './temporal/float-net.js';
export { calibrateActivations } from './temporal/calibrate.js';
export { floatPredict } from './temporal/float-forward.js';
export type { Calibration } from './temporal/calibrate.js';
export type { FloatLayer, FloatNet } from './temporal/float-net.js';
