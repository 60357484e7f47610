// Aligning a quantized tfjs model with the integer contract before conversion.
//
// The integer model compares an integer potential with T + n * act_step (T an integer, act_step
// a 16th of a unit at best); the quantized float model puts its level boundaries anywhere. When
// an activation level spans tens of potential units, no (T, act_step) pair can follow all 15
// boundaries of a 4-bit activation, and a few levels per thousand come out one off. Moving each
// channel's BatchNorm gamma and beta by a fraction of a level (fold.ts, alignBatchNorm) makes the
// boundaries representable, so the converted model reproduces the aligned float model exactly,
// and the float model stays the one users fine-tune and evaluate. This is the last step of the
// cnn2snn workflow here: quantize, fine-tune, align, convert (evaluate after aligning).
import * as tf from '@tensorflow/tfjs';
import { analyze, type ConvertOptions } from './convert.js';
import { alignBatchNorm } from './fold.js';

export interface LayerAlignment {
  /** IR layer name */
  layer: string;
  /** the BatchNormalization whose gamma and beta moved; null when the layer has none */
  batchNorm: string | null;
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
 * Moves the BatchNorm parameters of every quantized activation's layer, in place, so that
 * `convert(model, options)` reproduces the model's levels exactly (see the header). Layers
 * without BatchNorm keep their parameters and are reported as not aligned. Evaluate the model
 * after aligning: its accuracy is the one the integer model has.
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
      layers.push({ layer: r.layer, batchNorm: null, aligned: false, maxStepChange: 0, maxThresholdMove: 0,
        problems: ['no BatchNormalization carries a per-channel scale to align; some levels may differ by one'] });
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
