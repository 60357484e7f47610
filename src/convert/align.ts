// Aligning a quantized tfjs model with the integer contract before conversion.
//
// The integer model compares an integer potential with T + n * act_step (T an integer, act_step
// a 16th of a unit at best); the quantized float model puts its level boundaries anywhere. When
// an activation level spans tens of potential units, no (T, act_step) pair can follow all 15
// boundaries of a 4-bit activation, and a few levels per thousand come out one off. Moving each
// channel's boundaries by a fraction of a level makes them representable, so the converted model
// reproduces the aligned float model exactly, and the float model stays the one users fine-tune
// and evaluate. With BatchNorm, its gamma and beta move (fold.ts, alignBatchNorm). Without, the
// layer's kernel is rescaled (per output channel under a per-axis quantizer, as a whole under a
// per-tensor one; the integer weights do not change, only their scale factor sf) and its bias
// carries the threshold; a layer without bias keeps X0 and takes a step S' with
// X0 + S'/2 = T + 1/(2A). This is the last step of the cnn2snn workflow here: quantize,
// fine-tune, align, convert (evaluate after aligning).
import * as tf from '@tensorflow/tfjs';
import { analyze, type ConvertOptions, type FoldRecord } from './convert.js';
import { alignBatchNorm, MAX_ACT_STEP, type FoldInput } from './fold.js';
import { QuantizedConv2D, QuantizedDense, QuantizedSeparableConv2D } from './qlayers.js';

export interface LayerAlignment {
  /** IR layer name */
  layer: string;
  /** the BatchNormalization whose gamma and beta moved; null when the layer has none */
  batchNorm: string | null;
  /** without BatchNorm: the tfjs layer whose kernel (and bias) were rescaled */
  rescaled?: string;
  aligned: boolean;
  /** largest relative change of a level width, |S' - S| / S */
  maxStepChange: number;
  /** largest move of a first level boundary, in potential units */
  maxThresholdMove: number;
  /** why some or all channels were left as they were */
  problems: string[];
}

export interface AlignmentReport {
  layers: LayerAlignment[];
}

/**
 * Moves, in place, the BatchNorm parameters (or, without BatchNorm, the kernel scale and bias)
 * of every quantized activation's layer so that `convert(model, options)` reproduces the model's
 * levels exactly (see the header). Evaluate the model after aligning: its accuracy is the one the
 * integer model has.
 */
export async function alignThresholds(model: tf.LayersModel, options: Omit<ConvertOptions, 'quantization'> = {}): Promise<AlignmentReport> {
  const result = await analyze(model, options);
  if (!result.spec) {
    const list = result.issues.map((i) => `${i.layer}: ${i.message}`).join('; ');
    throw new Error(`alignThresholds: the model does not convert (${list})`);
  }
  const layers: LayerAlignment[] = [];
  for (const r of result.folds) {
    if (!r.batchNorm) {
      layers.push(alignKernel(model, r, result.sources[r.layer] ?? []));
      continue;
    }
    const cfg = r.batchNorm.getConfig();
    if (cfg.scale === false || cfg.center === false) {
      layers.push({ layer: r.layer, batchNorm: r.batchNorm.name, aligned: false, maxStepChange: 0, maxThresholdMove: 0,
        problems: [`BatchNormalization '${r.batchNorm.name}' has no ${cfg.scale === false ? 'gamma' : 'beta'} (scale/center false); some levels may differ by one`] });
      continue;
    }
    const a = alignBatchNorm(r.fold, r.width, r.bits, r.area);
    setGammaBeta(r.batchNorm, a.gamma, a.beta);
    layers.push({ layer: r.layer, batchNorm: r.batchNorm.name, aligned: a.problems.length === 0,
      maxStepChange: a.maxStepChange, maxThresholdMove: a.maxThresholdMove, problems: a.problems });
  }
  return { layers };
}

type OutputLayer = QuantizedConv2D | QuantizedSeparableConv2D | QuantizedDense;

/** A scale per output channel for the kernel, and the new bias (null: the layer has none). */
export interface KernelAlignment {
  scale: Float64Array;
  bias: Float64Array | null;
  maxStepChange: number;
  maxThresholdMove: number;
  problems: string[];
}

/**
 * The kernel scale m (per output channel) and bias that align a layer without BatchNorm. Scaling
 * the kernel by m divides sf, so the step S = sf * a * w becomes S / m. `bias` is the layer's own
 * bias (null without); `fold.bias` may differ from it by terms proportional to 1/sf (the input
 * shift, a depthwise bias), which scale with m.
 * With a bias, this is alignBatchNorm on an identity BatchNorm: gamma' becomes m, and beta' the
 * bias change. Without, X0 = -sf * a * fold.bias does not move with m, so S' is the step nearest S
 * with X0 + S'/2 = T + 1/(2A), T an integer (and 16 S' whole for 2 and 4 bits); the boundaries
 * A (X0 + (n + 1/2) S') then lie half a unit above A T + n A S'.
 */
export function alignKernelScale(fold: FoldInput, bias: ArrayLike<number> | null, width: number, bits: number, area = 1): KernelAlignment {
  const n = fold.sf.length;
  if (bias) {
    const identity = { gamma: new Float64Array(n).fill(1), beta: new Float64Array(n), mean: new Float64Array(n), variance: new Float64Array(n).fill(1), epsilon: 0 };
    const a = alignBatchNorm({ ...fold, bn: identity }, width, bits, area);
    return { scale: a.gamma, bias: Float64Array.from(a.beta, (b, o) => a.gamma[o]! * bias[o]! + b),
      maxStepChange: a.maxStepChange, maxThresholdMove: a.maxThresholdMove, problems: a.problems };
  }
  const out: KernelAlignment = { scale: new Float64Array(n).fill(1), bias: null, maxStepChange: 0, maxThresholdMove: 0, problems: [] };
  for (let o = 0; o < n; o++) {
    const sfa = fold.sf[o]! * fold.a;
    const x0 = -sfa * fold.bias[o]!;
    const s = sfa * width;
    const aligned = stepWithoutBias(x0, s, bits, area);
    if (typeof aligned === 'string') {
      out.problems.push(`channel ${o}: ${aligned}`);
      continue;
    }
    out.scale[o] = s / aligned;
    out.maxStepChange = Math.max(out.maxStepChange, Math.abs(aligned - s) / s);
    out.maxThresholdMove = Math.max(out.maxThresholdMove, Math.abs(aligned - s) / 2);
  }
  return out;
}

/** S' of alignKernelScale for a layer without bias, or why there is none. */
function stepWithoutBias(x0: number, s: number, bits: number, area: number): number | string {
  const whole = (v: number) => Math.abs(v - Math.round(v)) < 1e-6;
  const t0 = Math.round(x0 + s / 2 - 0.5 / area);
  const min = bits === 1 ? 1 / 16 : 1;
  const candidates = [t0, t0 - 1, t0 + 1].map((t) => 2 * (t - x0) + 1 / area).filter((c) => c >= min && c <= MAX_ACT_STEP);
  if (bits > 1 && !whole(2 * area * x0)) return `the layer has no bias to put its threshold (X0 = ${x0.toPrecision(6)}) half a unit above an integer; add a bias`;
  const usable = candidates.filter((c) => bits === 1 || whole(16 * c));
  if (!usable.length) {
    return candidates.length
      ? `without a bias, no act_step in 16ths puts every boundary of the ${area}-sum half a unit above an integer; add a bias`
      : `act_step ${s.toPrecision(6)} potential units cannot be aligned within [1, ${MAX_ACT_STEP}]`;
  }
  return usable.reduce((best, c) => (Math.abs(c - s) < Math.abs(best - s) ? c : best));
}

/** Rescales the kernel and bias of an IR layer without BatchNorm (alignKernelScale). */
function alignKernel(model: tf.LayersModel, r: FoldRecord, sources: string[]): LayerAlignment {
  const report: LayerAlignment = { layer: r.layer, batchNorm: null, aligned: false, maxStepChange: 0, maxThresholdMove: 0, problems: [] };
  const target = sources.map((s) => model.getLayer(s)).reverse()
    .find((l): l is OutputLayer => l instanceof QuantizedConv2D || l instanceof QuantizedSeparableConv2D || l instanceof QuantizedDense);
  if (!target) {
    report.problems.push('no quantized layer holds the output kernel; some levels may differ by one');
    return report;
  }
  report.rescaled = target.name;
  const kernel = target instanceof QuantizedSeparableConv2D ? target.pointwiseKernel : target.kernel;
  const bias = target.bias ? Float64Array.from(target.bias.read().dataSync()) : null;
  const a = alignKernelScale(r.fold, bias, r.width, r.bits, r.area);
  report.problems.push(...a.problems);
  if (!target.quantizer.perAxis && a.scale.some((m) => Math.abs(m - a.scale[0]!) > 1e-12 * a.scale[0]!)) {
    report.problems.push(`'${target.name}' has one weight scale for all channels (per tensor) but the channels need different ones; quantize per axis`);
    return report;
  }
  tf.tidy(() => {
    kernel.write(kernel.read().mul(tf.tensor1d(Float32Array.from(a.scale))));
    if (target.bias && a.bias) target.bias.write(tf.tensor1d(Float32Array.from(a.bias)));
  });
  return { ...report, aligned: a.problems.length === 0, maxStepChange: a.maxStepChange, maxThresholdMove: a.maxThresholdMove };
}

/** Writes gamma and beta of a BatchNormalization, keeping its other weights. */
function setGammaBeta(bn: tf.layers.Layer, gamma: Float64Array, beta: Float64Array): void {
  for (const w of bn.weights) {
    const name = w.originalName.split('/').pop();
    if (name !== 'gamma' && name !== 'beta') continue;
    const t = tf.tensor1d(Float32Array.from(name === 'gamma' ? gamma : beta));
    w.write(t);
    t.dispose();
  }
}
