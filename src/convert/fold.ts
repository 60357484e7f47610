// BatchNorm and bias folding into integer thresholds and steps (DESIGN.md section 3).
// Pure arithmetic on float64: no tfjs here, so the rules can be tested in isolation.
//
// Per output channel o the float network computes, from the integer potential p:
//   c = p / (sf * a) + bias                      (a: scale of the integer input, sf: weight scale)
//   z = g * (c - mu) + beta,   g = gamma / sqrt(var + eps)      (identity without BatchNorm)
//   level = clip(ceil(z / w - 1/2), 0, 2^bits - 1)              (QuantizedReLU, level width w)
// level >= n + 1  <=>  z > (n + 1/2) w  <=>  sigma*p > X0 + (n + 1/2) S, with sigma = sign(g),
//   X0 = sigma * sf * a * (mu - bias - beta / g),   S = sf * a * w / |g|.
// The Akida rule gives level >= n + 1 <=> p > T + n * s. So: a negative g negates the channel's
// weights (sigma), s = S (in 1/16 fixed point), and the threshold carries the half step that turns
// the float rounding into Akida's ceiling: T = floor(X0 + S/2). Taking the floor after adding the
// half step makes the first level (spike or no spike) exact, since p is an integer; DESIGN's
// floor(X0) + round(S/2) can be one unit off there. The step is expressed for the layer's own
// levels (types.ts): a QuantizedReLU keeps its trainable step in 4-bit units (Akida's act_step
// convention), and stepWidth() applies the 2^(4 - act_bits) between the two.
// Higher boundaries: T is an integer, so T + n*s can miss floor(X0 + (n + 1/2) S) by one unit;
// the step is picked among the 16ths to keep as many of them as possible (bestStep16).

import { MAX_ACT_STEP16 } from '../ir/types.js';

/** Largest act_step: MAX_ACT_STEP16 (src/ir/types.ts) in 16ths, 65535.9375. */
export const MAX_ACT_STEP = MAX_ACT_STEP16 / 16;

export interface BatchNormParams {
  gamma: ArrayLike<number>;
  beta: ArrayLike<number>;
  mean: ArrayLike<number>;
  variance: ArrayLike<number>;
  epsilon: number;
}

export interface FoldInput {
  /** integer input = a * float input (1 / level width of the previous activation, or the input scale) */
  a: number;
  /** weight scale factor per output channel */
  sf: ArrayLike<number>;
  /** float bias per output channel (0 without bias) */
  bias: ArrayLike<number>;
  bn?: BatchNormParams;
}

export interface FoldedChannels {
  /** +1, or -1 where the channel's weights must be negated (negative BatchNorm gamma) */
  sign: Int8Array;
  threshold: Int32Array;
  actStep16: Uint32Array;
  /** the exact step S before rounding to 1/16 */
  step: Float64Array;
  /** one message per channel that cannot be represented */
  problems: string[];
}

interface Affine {
  sign: number;
  /** X0 of the header */
  x0: number;
  /** sf * a / |g|: potential units per unit of z */
  gain: number;
}

function affine(f: FoldInput, o: number, problems: string[]): Affine | null {
  let g = 1;
  let mu = 0;
  let beta = 0;
  if (f.bn) {
    g = f.bn.gamma[o]! / Math.sqrt(f.bn.variance[o]! + f.bn.epsilon);
    mu = f.bn.mean[o]!;
    beta = f.bn.beta[o]!;
    if (g === 0 || !Number.isFinite(g)) {
      problems.push(`channel ${o}: BatchNormalization scale gamma/sqrt(var + eps) is ${g}, the channel carries no signal`);
      return null;
    }
  }
  const sign = g < 0 ? -1 : 1;
  const sfa = f.sf[o]! * f.a;
  return { sign, x0: sign * sfa * (mu - f.bias[o]! - beta / g), gain: sfa / Math.abs(g) };
}

function channels(f: FoldInput): number {
  return f.sf.length;
}

/**
 * Thresholds and steps for an activation of `bits` bits and level width `width` (float units
 * of z). `area` is the pooling area A when average/global pooling precedes the activation
 * (the integer model then compares the pooled sum with A*T + n*A*s).
 *
 * The step: act_step is a 16th of a potential unit at best, so round(16 S) can move the upper
 * level boundaries by up to n/32. Since potentials are integers, a boundary only matters
 * through its floor; among the 16ths that keep every boundary's floor where the float model
 * puts it, we take the one nearest 16 S, and round(16 S) when none does.
 * With 1 bit only the threshold matters (any p > T gives 1): the step is clamped to the
 * 16-bit range instead of reported.
 */
export function foldActivation(f: FoldInput, width: number, bits: number, area = 1): FoldedChannels {
  const n = channels(f);
  const out: FoldedChannels = {
    sign: new Int8Array(n).fill(1),
    threshold: new Int32Array(n),
    actStep16: new Uint32Array(n),
    step: new Float64Array(n),
    problems: [],
  };
  const levels = 2 ** bits - 1;
  for (let o = 0; o < n; o++) {
    const af = affine(f, o, out.problems);
    if (!af) continue;
    const s = af.gain * width;
    // boundary n of the pooled sum (n = 0: the threshold itself, half a step above X0)
    const boundary = (k: number) => Math.floor(area * (af.x0 + (k + 0.5) * s));
    const t = area === 1 ? boundary(0) : Math.round(boundary(0) / area);
    let s16 = Math.round(s * 16);
    if (bits === 1) {
      s16 = Math.min(Math.max(s16, 1), MAX_ACT_STEP16);
    } else {
      s16 = bestStep16(s16, levels, area, t, boundary);
    }
    out.sign[o] = af.sign;
    out.step[o] = s;
    if (!(s16 >= 1 && s16 <= MAX_ACT_STEP16)) {
      out.problems.push(
        `channel ${o}: act_step ${fmt(s)} is outside [1/16, ${MAX_ACT_STEP}] (fixed point with 4 fractional bits): ` +
          (s > MAX_ACT_STEP
            ? 'one activation level spans too many potential units; use fewer weight bits for this layer, ' +
              'more activation bits, or a narrower activation range'
            : 'one activation level spans less than 1/16 potential unit; use more weight bits or a wider activation range'),
      );
      continue;
    }
    if (!(Math.abs(t) < 2 ** 31)) {
      out.problems.push(`channel ${o}: threshold ${fmt(t)} does not fit in int32`);
      continue;
    }
    out.threshold[o] = t;
    out.actStep16[o] = s16;
  }
  return out;
}

/**
 * The 16th nearest `s16` that keeps every level boundary k (1 <= k < levels) of the integer rule,
 * floor(A*T + k*A*s16/16), on the float model's boundary(k); when no 16th keeps them all (the
 * integer threshold can be up to one unit off the real one), the one within one potential unit
 * of `s16` that keeps the most.
 */
function bestStep16(s16: number, levels: number, area: number, t: number, boundary: (k: number) => number): number {
  const bounds = Array.from({ length: levels - 1 }, (_, i) => boundary(i + 1));
  let lo = 1;
  let hi = MAX_ACT_STEP16;
  bounds.forEach((b, i) => {
    const k = i + 1;
    lo = Math.max(lo, Math.ceil((16 * (b - area * t)) / (k * area)));
    hi = Math.min(hi, Math.ceil((16 * (b + 1 - area * t)) / (k * area)) - 1);
  });
  if (lo <= hi) return Math.min(Math.max(s16, lo), hi);
  let best = s16;
  let bestKept = -1;
  for (let d = 0; d <= 16; d++) {
    for (const c of d === 0 ? [s16] : [s16 - d, s16 + d]) {
      if (c < 1 || c > MAX_ACT_STEP16) continue;
      const kept = bounds.filter((b, i) => Math.floor(area * t + ((i + 1) * area * c) / 16) === b).length;
      if (kept > bestKept) {
        bestKept = kept;
        best = c;
      }
    }
  }
  return best;
}

export interface FoldedPredictScale extends FoldedChannels {
  /** float units of z per predict() unit: predict() * unit = the float layer's output z */
  unit: number;
}

function emptyPredictScale(n: number, problems: string[], unit: number): FoldedPredictScale {
  return { sign: new Int8Array(n).fill(1), threshold: new Int32Array(n), actStep16: new Uint32Array(n), step: new Float64Array(n), problems, unit };
}

/** Stores channel o's threshold and step, or reports a threshold beyond int32 (named `what`). */
function storeChannel(out: FoldedPredictScale, o: number, t: number, s16: number, what: string): void {
  if (!(Math.abs(t) < 2 ** 31)) {
    out.problems.push(`channel ${o}: ${what} ${fmt(t)} does not fit in int32`);
    return;
  }
  out.threshold[o] = t;
  out.actStep16[o] = s16;
}

/**
 * predict()'s normalised unit puts the largest channel's step near this (a 16-bit step, as
 * before act_step's range reached 65535.9375), so converted models keep their predict scale.
 */
const PREDICT_STEP16 = 65535;

/**
 * Constants for predict() on a last layer without activation: (p - T) / s = z / unit for every
 * channel. `unit` is chosen so the largest step is just below the 16-bit limit, which keeps the
 * relative rounding error of every step small; the thresholds are rounded to the nearest unit.
 */
export function foldPredictScale(f: FoldInput): FoldedPredictScale {
  const n = channels(f);
  const problems: string[] = [];
  const affines = Array.from({ length: n }, (_, o) => affine(f, o, problems));
  const maxGain = Math.max(...affines.map((af) => af?.gain ?? 0));
  const unit = maxGain > 0 ? (PREDICT_STEP16 - 15) / 16 / maxGain : 1;
  const out = emptyPredictScale(n, problems, unit);
  affines.forEach((af, o) => {
    if (!af) return;
    const s = af.gain * unit;
    const s16 = Math.round(s * 16);
    const t = Math.round(af.x0);
    out.sign[o] = af.sign;
    out.step[o] = s;
    if (s16 < 1) {
      problems.push(`channel ${o}: its scale is ${fmt(maxGain / af.gain)} times below the largest channel's, too small for a 16-bit step`);
      return;
    }
    storeChannel(out, o, t, s16, 'offset');
  });
  return out;
}

/**
 * cnn2snn's constants for a last layer without activation (weights_ops.py, legacy path):
 * threshold floor(-a*sf*b) and act_step a*sf, with no 2^(bits-4) factor, so predict()'s
 * (p - T) / act_step is the float layer's output z in its own units (`unit` 1). Generalised to a
 * BatchNorm folded into thresholds: T = floor(X0), act_step = sf*a/|g| (the gain). The IR holds
 * act_step in 16ths, round(16 * a*sf); a channel whose act_step falls outside [1/16, 65535.9375]
 * is reported (cnn2snn would clip it: out-of-range handling is issue 23's item 2).
 */
export function foldAkidaPredictScale(f: FoldInput): FoldedPredictScale {
  const n = channels(f);
  const problems: string[] = [];
  const out = emptyPredictScale(n, problems, 1);
  for (let o = 0; o < n; o++) {
    const af = affine(f, o, problems);
    if (!af) continue;
    const s16 = Math.round(af.gain * 16);
    const t = Math.floor(af.x0);
    out.sign[o] = af.sign;
    out.step[o] = af.gain;
    if (!(s16 >= 1 && s16 <= MAX_ACT_STEP16)) {
      problems.push(`channel ${o}: act_step a*sf = ${fmt(af.gain)} is outside [1/16, ${MAX_ACT_STEP}]`);
      continue;
    }
    storeChannel(out, o, t, s16, 'threshold');
  }
  return out;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6);
}

/** BatchNorm parameters that put a channel's level boundaries where integer thresholds can follow. */
export interface AlignedBatchNorm {
  gamma: Float64Array;
  beta: Float64Array;
  /** the largest relative change of a channel's level width in potential units, |S' - S| / S */
  maxStepChange: number;
  /** the largest move of a channel's first boundary, in potential units */
  maxThresholdMove: number;
  /** channels left as they were, with the reason */
  problems: string[];
}

/**
 * Aligns the quantized float model with the integer contract (align.ts). Per channel, BatchNorm's
 * gamma and beta are moved so that the step S becomes a whole number s of potential units and
 * every level boundary X0 + (n + 1/2) S falls half a unit above the integer T + n s (of the pooled
 * sum under average pooling). Integer potentials then cross the float boundaries exactly where
 * they cross Akida's p > T + n s, and float rounding in the float model (half a unit away) cannot
 * change a level. Without this, an integer T and a 16th-of-a-unit step cannot follow the 15 real
 * boundaries of a 4-bit activation when S spans tens of units: some levels come out one off.
 * With 1 bit only the first boundary counts and S is kept.
 */
export function alignBatchNorm(f: FoldInput, width: number, bits: number, area = 1): AlignedBatchNorm {
  const bn = f.bn;
  if (!bn) throw new Error('alignBatchNorm: the channel scale lives in BatchNorm; this layer has none');
  const n = channels(f);
  const out: AlignedBatchNorm = {
    gamma: Float64Array.from(bn.gamma),
    beta: Float64Array.from(bn.beta),
    maxStepChange: 0,
    maxThresholdMove: 0,
    problems: [],
  };
  for (let o = 0; o < n; o++) {
    const af = affine(f, o, out.problems);
    if (!af) continue;
    const s = af.gain * width;
    const aligned = bits === 1 ? s : Math.round(s);
    if (aligned < 1 || aligned > MAX_ACT_STEP) {
      out.problems.push(`channel ${o}: act_step ${fmt(s)} potential units cannot become a whole number in [1, ${MAX_ACT_STEP}]`);
      continue;
    }
    const t = Math.round(af.x0 + s / 2 - 0.5 / area);
    const x0 = t + 0.5 / area - aligned / 2;
    const sfa = f.sf[o]! * f.a;
    const g = (af.sign * sfa * width) / aligned;
    out.gamma[o] = g * Math.sqrt(bn.variance[o]! + bn.epsilon);
    out.beta[o] = g * (bn.mean[o]! - f.bias[o]! - (af.sign * x0) / sfa);
    out.maxStepChange = Math.max(out.maxStepChange, Math.abs(aligned - s) / s);
    out.maxThresholdMove = Math.max(out.maxThresholdMove, Math.abs(x0 + aligned / 2 - (af.x0 + s / 2)));
  }
  return out;
}
