// Options shared by the commands that read a tfjs model: quantization bits and input scaling.
import type { Command } from 'commander';
import type { AlignmentReport, LayerAlignment, QuantizeOptions } from '../../convert.js';
import type { ActBits, InputScaling, WeightBits } from '../../index.js';
import { UsageError } from '../main.js';

export interface TfjsModelOpts {
  wq?: string;
  aq?: string;
  iq?: string;
  perAxis?: boolean;
  align?: boolean;
  scale?: string;
  shift?: string;
  bnFold?: string;
}

export function addQuantizeOptions(cmd: Command): Command {
  return cmd
    .option('--wq <bits>', 'weight bits of the neural layers: 1, 2, 4 or 8 (quantizes the model first)')
    .option('--aq <bits>', 'activation bits: 1, 2 or 4')
    .option('--iq <bits>', 'weight bits of the first layer (on the 8-bit input); default --wq')
    .option('--per-axis', 'one weight scale per output channel (default: one per tensor; a layer with a BatchNorm folded into its weights is always per channel)')
    .option('--bn-fold <where>', 'BatchNormalization folded into the float weights before quantizing (weights: cnn2snn 2.x) '
      + 'or into the integer thresholds and steps (threshold: cnn2snn 1.x, the default until out-of-range '
      + 'act_steps are compensated as cnn2snn does)')
    .option('--align', 'move each BatchNorm gamma/beta by less than a level so the integer thresholds reproduce the quantized model exactly (alignThresholds)');
}

export function addScalingOptions(cmd: Command): Command {
  return cmd
    .option('--scale <s>', 'input scaling: integer input = scale * float input + shift', '1')
    .option('--shift <h>', 'input scaling shift', '0');
}

function bits<T extends number>(flag: string, v: string, allowed: readonly T[]): T {
  const n = Number(v);
  if (!allowed.includes(n as T)) throw new UsageError(`${flag} ${v}: expected ${allowed.join(', ')}`);
  return n as T;
}

type BnFold = NonNullable<QuantizeOptions['bnFold']>;

/** --bn-fold, or undefined when not given (the library's default by model). */
export function bnFoldFrom(o: TfjsModelOpts): BnFold | undefined {
  if (o.bnFold === undefined) return undefined;
  if (o.bnFold !== 'weights' && o.bnFold !== 'threshold') throw new UsageError(`--bn-fold ${o.bnFold}: expected weights or threshold`);
  return o.bnFold;
}

/** The quantization the flags ask for, or undefined when none was given. */
export function quantizationFrom(o: TfjsModelOpts): Omit<QuantizeOptions, 'calibration'> | undefined {
  const bnFold = bnFoldFrom(o);
  if (o.wq === undefined && o.aq === undefined && o.iq === undefined) {
    if (o.perAxis) throw new UsageError('--per-axis needs --wq and --aq');
    return undefined;
  }
  if (o.wq === undefined || o.aq === undefined) throw new UsageError('quantizing needs both --wq and --aq');
  const weightBits = bits<WeightBits>('--wq', o.wq, [1, 2, 4, 8]);
  return {
    weightBits,
    activationBits: bits<ActBits>('--aq', o.aq, [1, 2, 4]),
    inputWeightBits: o.iq === undefined ? weightBits : bits<WeightBits>('--iq', o.iq, [1, 2, 4, 8]),
    perAxis: o.perAxis ?? false,
    ...(bnFold && { bnFold }),
  };
}

export function scalingFrom(o: TfjsModelOpts): InputScaling {
  const scale = Number(o.scale ?? 1);
  const shift = Number(o.shift ?? 0);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UsageError(`--scale ${o.scale}: expected a positive number`);
  if (!Number.isFinite(shift)) throw new UsageError(`--shift ${o.shift}: expected a number`);
  return { scale, shift };
}

/** tfjs prints a banner on first use in Node; the CLI's output is its own. */
export async function quietTfjs(): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  tf.enableProdMode();
}

/** What alignThresholds did to one layer (the --align flag), as one line. */
export function alignmentLine(l: LayerAlignment): string {
  const moved = `level widths moved by ${(100 * l.maxStepChange).toFixed(2)}% at most, first boundaries by ${l.maxThresholdMove.toFixed(2)} potential units`;
  return `align: ${l.layer}${l.batchNorm ? ` (${l.batchNorm})` : ''}: ${l.aligned ? moved : `not aligned: ${l.problems.join('; ')}`}`;
}

export function printAlignment(report: AlignmentReport): void {
  for (const l of report.layers) process.stdout.write(`${alignmentLine(l)}\n`);
}
