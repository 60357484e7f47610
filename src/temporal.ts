// `spikemesh/temporal`: the temporal (rate-coded integrate-and-fire) mode, without tfjs
// (re-exports only; DESIGN.md section 4, docs/temporal.md). A float tfjs source is read by
// floatNetFromTfjs and calibrateActivations of `spikemesh/convert`.
export type {
  Encoding,
  LayerStats,
  MaxPool,
  Neurons,
  Readouts,
  ReadoutKind,
  RecordedStep,
  TemporalRecording,
  TemporalRecordOptions,
  ResetMode,
  SpikingLayer,
  SpikingNet,
  Synapse,
  TemporalOptions,
  TemporalResult,
  TemporalStats,
  Variant,
} from './temporal/types.js';

// spiking nets: from a spikemesh model, from a calibrated float net, or built by hand
export { spikingNetFromModel } from './temporal/from-model.js';
export { spikingNetFromFloat, DEFAULT_PERCENTILE, type NormMethod, type NormOptions } from './temporal/normalize.js';
export type { FloatLayer, FloatNet } from './temporal/float-net.js';
export type { Calibration } from './temporal/calibrate.js';
export { checkNet, spikingLayer } from './temporal/net.js';

// simulation: the integer reference and the GPU pipeline
export { simulate } from './temporal/simulate.js';
export { GpuSpikingNet, simulateGpu, type ChunkPlan, type GpuTemporalOptions } from './temporal/gpu.js';
export { accuracy as readoutAccuracy, predictions as readoutPredictions } from './temporal/readout.js';

// sweeps over timesteps and their formats
export {
  defaultCheckpoints,
  sweep,
  type LayerSummary as SweepLayerSummary,
  type SweepOptions,
  type SweepReport,
  type SweepRow,
  type TemporalBackend,
} from './temporal/sweep.js';
export { formatSweepTable, sweepCsv, sweepSvg } from './temporal/sweep-format.js';
