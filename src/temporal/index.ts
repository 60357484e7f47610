// The temporal (rate-coded integrate-and-fire) mode: DESIGN.md section 4, docs/temporal.md.
// The room's API for tests and benchmarks; the public entry is src/temporal.ts (`spikemesh/temporal`).
export type {
  Encoding, LayerStats, MaxPool, Neurons, Readouts, ReadoutKind, ResetMode, SpikingLayer, SpikingNet, Synapse,
  TemporalOptions, TemporalResult, TemporalStats, Variant,
} from './types.js';
export { charge, current, fire, reset, MAX_CURRENT, VMAX } from './neuron.js';
export { bernoulli, mix32, spikeProbability23, spikeRandom } from './rng.js';
export { checkNet, readoutUnits, spikingLayer } from './net.js';
export { spikingNetFromModel } from './from-model.js';
export { floatNetFromTfjs, type FloatLayer, type FloatNet } from './float-net.js';
export { floatForward, floatInput, floatMacs, floatPredict } from './float-forward.js';
export { calibrateActivations, type Calibration } from './calibrate.js';
export { spikingNetFromFloat, methodLambdas, DEFAULT_PERCENTILE, type NormMethod, type NormOptions } from './normalize.js';
export { simulate, synapticInput } from './simulate.js';
export { GpuSpikingNet, simulateGpu, type ChunkPlan, type GpuTemporalOptions } from './gpu.js';
export { accuracy as readoutAccuracy, predictions } from './readout.js';
export { fanOut, synapseMacs } from './synops.js';
export { defaultCheckpoints, sweep, type LayerSummary, type SweepOptions, type SweepReport, type SweepRow, type TemporalBackend } from './sweep.js';
export { formatSweepTable, sweepCsv, sweepSvg } from './sweep-format.js';
