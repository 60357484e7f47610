// The temporal (rate-coded integrate-and-fire) mode: the spiking network it runs and what a run
// returns. DESIGN.md section 4 is the contract; docs/temporal.md explains the choices.
// Every number a neuron sees is an integer, for both variants: the integer variant comes from
// the spikemesh IR (Akida-quantized), the float variant from a float tfjs model whose weights
// are converted to fixed point after normalisation (docs/temporal.md, "Why integers").
import type { Padding, Pooling, Shape3 } from '../ir/types.js';

export type Variant = 'integer' | 'float';
export type ResetMode = 'subtract' | 'zero';
export type ReadoutKind = 'count' | 'potential' | 'first-spike';

/**
 * How the input image becomes the first layer's input at every timestep.
 * - constant: the integer image itself is the input every step (a constant current; for Akida
 *   models this is the 8-bit input of InputData/InputConvolutional);
 * - poisson: input index i spikes at step t with probability x_i / maxInput (a Bernoulli draw
 *   per step, the discrete-time Poisson process), from the counter-based RNG (rng.ts), so the
 *   spikes depend only on (seed, sample, t, i): same on CPU and GPU, and chunking-independent.
 */
export type Encoding = { kind: 'constant' } | { kind: 'poisson'; seed: number };

/** Synaptic weights in the IR's convolution layout; a dense layer is a 'valid' conv whose kernel covers its input. */
export interface Synapse {
  kernel: [number, number];
  stride: number;
  padding: Padding;
  filters: number;
  /** [kh][kw][cin][cout] */
  weights: Int8Array | Int32Array;
  /** applied as a true convolution (Akida's stored layout), else as a cross-correlation (Keras) */
  flipped: boolean;
}

/** Window of a max pooling over spike counts. */
export interface MaxPool {
  size: [number, number];
  stride: [number, number];
  padding: Padding;
}

/**
 * Integrate-and-fire neurons of one layer, per output channel c:
 *   v += gain * synaptic + bias[c]   (saturating at +-VMAX, neuron.ts)
 *   spike when v >= theta[c]; then v -= theta[c] (subtract) or v = 0 (zero)
 * v starts at v0[c] (TRE: a fraction of theta).
 */
export interface Neurons {
  gain: number;
  bias: Int32Array;
  /** null: the layer never fires (a potentials-only readout layer) */
  theta: Int32Array | null;
  v0: Int32Array;
}

export interface SpikingLayer {
  name: string;
  /** shape of the spikes (or, for the first layer with a constant input, of the values) it receives */
  input: Shape3;
  synapse: Synapse;
  /** shape of the synaptic input (the convolution's output) */
  potential: Shape3;
  /** Akida average / global average pooling: window sums of the synaptic input before the neurons */
  sumPool: Extract<Pooling, { type: 'average' } | { type: 'global_avg' }> | null;
  /** shape of the neurons (after sumPool) */
  neuronShape: Shape3;
  neurons: Neurons;
  /** max pooling of the spikes, by running maximum of spike counts (docs/temporal.md) */
  maxPool: MaxPool | null;
  /** shape of the spikes the layer sends on (after maxPool) */
  output: Shape3;
}

export interface SpikingNet {
  variant: Variant;
  name?: string;
  input: {
    shape: Shape3;
    /**
     * Input values are integers 0..maxInput. A constant current delivers the value itself;
     * a rate-coded spike stands for maxInput (the first layer's gain is multiplied by it).
     */
    maxInput: number;
  };
  layers: SpikingLayer[];
  /** the last layer's charge (summed current) times readoutScale[c] / t estimates the source network's output */
  readoutScale: Float64Array;
  /** multiply-accumulates of one sample through the source network (conv and dense connections) */
  sourceMacs: number;
  /** how the net was made: method, lambdas, fixed-point bits, ... */
  metadata?: Record<string, unknown>;
}

export interface TemporalOptions {
  timesteps: number;
  /** default constant */
  encoding?: Encoding;
  /** default subtract */
  reset?: ResetMode;
  /** steps (1..timesteps) after which the readouts are recorded; default [timesteps] */
  checkpoints?: number[];
  /** global index of the first sample of the batch (the RNG counter), default 0 */
  sampleOffset?: number;
  /**
   * Record the run step by step (for plots of one or a few samples: the recording holds
   * T x n x neurons spikes): the spikes of layer `layer` (before its max pooling) at every
   * step, restricted to `neurons` (indices into the layer's neuronShape, NHWC; default all),
   * and the readout (last) layer's state after every step. Returned as TemporalResult.recording.
   */
  record?: TemporalRecordOptions;
}

export interface TemporalRecordOptions {
  /** index of the layer whose spikes are recorded */
  layer: number;
  /** neuron indices within the layer (NHWC flat index into neuronShape); default every neuron */
  neurons?: number[];
}

/** The readout layer after step t: Readouts plus its membrane potential ([n][neurons], NHWC). */
export interface RecordedStep extends Readouts {
  /** membrane potential v after step t (after a reset), per sample and neuron */
  membrane: Int32Array;
}

export interface TemporalRecording {
  layer: number;
  /** the recorded neurons of that layer (indices into its neuronShape, NHWC) */
  neurons: Int32Array;
  /** spikes[(t * n + s) * neurons.length + j]: 1 when neuron neurons[j] of sample s fired at step t (0-based) */
  spikes: Uint8Array;
  /** the readout layer after each step: steps[t - 1] is its state after t steps, t = 1..T */
  steps: RecordedStep[];
}

/** The last layer's state after `t` steps, per sample and neuron ([n][neurons], NHWC). */
export interface Readouts {
  t: number;
  /** spikes emitted so far */
  count: Int32Array;
  /** summed current without reset: the membrane potential of a non-firing integrator */
  charge: Int32Array;
  /** step (0-based) of the first spike, -1 if none yet */
  firstSpike: Int32Array;
}

/** Totals over the samples of a run, per timestep. */
export interface LayerStats {
  name: string;
  /** neurons per sample */
  neurons: number;
  /** spikes of the layer's neurons at each step (before max pooling), summed over samples */
  spikes: Float64Array;
  /** synaptic operations its output spikes caused in the next layer at each step (spike x fan-out) */
  synops: Float64Array;
}

export interface TemporalStats {
  /** the encoded input (rate coding: its spikes and their SynOps into the first layer; constant: zeros) */
  input: LayerStats;
  layers: LayerStats[];
  /** per sample: multiply-accumulates of the first layer done once on a constant input (0 for rate coding) */
  inputMacs: number;
}

export interface TemporalResult {
  n: number;
  /** neurons of the last layer per sample */
  units: number;
  checkpoints: Readouts[];
  stats: TemporalStats;
  /** present when TemporalOptions.record asked for it */
  recording?: TemporalRecording;
}
