// Class decisions from the last layer's readouts. Ties are broken by the next readout so that
// early checkpoints (few spikes, many ties) still decide sensibly, then by the lowest index.
import type { Readouts, ReadoutKind } from './types.js';

/** The potential readout of neuron i: charge * readoutScale[channel]. */
function potential(r: Readouts, i: number, scale: Float64Array): number {
  return r.charge[i]! * scale[i % scale.length]!;
}

/** Predicted class per sample (argmax over the last layer's neurons). */
export function predictions(r: Readouts, units: number, scale: Float64Array, kind: ReadoutKind): Int32Array {
  const n = r.count.length / units;
  const out = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const base = s * units;
    let best = 0;
    for (let u = 1; u < units; u++) {
      if (better(r, base + u, base + best, scale, kind)) best = u;
    }
    out[s] = best;
  }
  return out;
}

/** Whether neuron a ranks strictly above neuron b. */
function better(r: Readouts, a: number, b: number, scale: Float64Array, kind: ReadoutKind): boolean {
  if (kind === 'count' && r.count[a] !== r.count[b]) return r.count[a]! > r.count[b]!;
  if (kind === 'first-spike' && r.firstSpike[a] !== r.firstSpike[b]) {
    const fa = r.firstSpike[a]!, fb = r.firstSpike[b]!;
    if (fa < 0) return false;
    if (fb < 0) return true;
    return fa < fb;
  }
  return potential(r, a, scale) > potential(r, b, scale);
}

/** Fraction of samples whose prediction equals the label. */
export function accuracy(pred: Int32Array, labels: ArrayLike<number>): { correct: number; accuracy: number } {
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) correct++;
  return { correct, accuracy: pred.length ? correct / pred.length : 0 };
}
