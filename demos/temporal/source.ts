// The networks the page can sweep and the source figures they are compared with: the float
// `mnist-cnn` tfjs model normalised by max, 99.9 percentile or ECC (CN + TRE), calibrated on the
// last 500 digits as `spikemesh sweep` does, or the converted 4-bit integer model. Models and
// the calibration are loaded once and kept.
import * as tf from '@tensorflow/tfjs';
import { calibrateActivations, fetchTfjsModel, floatNetFromTfjs, floatPredict, type Calibration, type FloatNet } from '../../src/convert.js';
import { Model, type Backend, type ImageDataset } from '../../src/index.js';
import { readoutAccuracy, spikingNetFromFloat, spikingNetFromModel, type NormMethod, type SpikingNet } from '../../src/temporal.js';
import { readDigits, type Digits } from './digits.js';

// relative to the page (dev server and static site alike; not bundled by vite)
const FLOAT_URL = (): URL => new URL('../../models/mnist-cnn/model.json', location.href);
export const INTEGER_URL = (): URL => new URL('../../models/mnist-cnn-q4.akida.json', location.href);
/** the float model was trained on pixel / 255 */
const INPUT_SCALE = 1 / 255;
const PERCENTILE = 99.9;
export const CALIBRATION_DIGITS = 500;

export type NetChoice = 'max' | 'percentile' | 'ecc' | 'integer';

/** `label` for the selector, `short` for legends */
export const NET_CHOICES: ReadonlyArray<{ value: NetChoice; label: string; short: string }> = [
  { value: 'ecc', label: 'float mnist-cnn, ECC (CN + TRE 0.5)', short: 'ECC' },
  { value: 'percentile', label: `float mnist-cnn, ${PERCENTILE} percentile`, short: `${PERCENTILE} percentile` },
  { value: 'max', label: 'float mnist-cnn, max', short: 'max' },
  { value: 'integer', label: '4-bit integer mnist-cnn-q4 (Akida)', short: 'integer q4' },
];

export const isNetChoice = (v: string): v is NetChoice => NET_CHOICES.some((c) => c.value === v);

export interface SweptNet {
  net: SpikingNet;
  /** accuracy of the source network (float, or the integer model) on the same digits */
  sourceAccuracy: number;
  /** what the source network is, for the plot legend */
  sourceLabel: string;
}

type Progress = (what: string) => Promise<void>;

/** `p`, with `forget` called when it fails, so that a cached load is tried again next time. */
function retryable<T>(p: Promise<T>, forget: () => void): Promise<T> {
  return p.catch((err: unknown) => {
    forget();
    throw err;
  });
}

export class NetSource {
  private float?: Promise<{ net: FloatNet; calibration: Calibration }>;
  private integer?: Promise<Model>;

  /** `backend`: where the integer model classifies the digits (the CPU reference without WebGPU) */
  constructor(private readonly dataset: () => Promise<ImageDataset>, private readonly backend: Backend = 'webgpu') {}

  /** The spiking net for `choice` and its source network's accuracy on `digits`. */
  async build(choice: NetChoice, digits: Digits, progress: Progress): Promise<SweptNet> {
    if (choice === 'integer') {
      await progress('loading the integer model…');
      this.integer ??= retryable(Model.fetch(INTEGER_URL(), { backend: this.backend }), () => (this.integer = undefined));
      const model = await this.integer;
      await progress(`classifying the digits with the integer model (${this.backend === 'webgpu' ? 'GPU' : 'CPU reference'} forward)…`);
      const batch = { data: Int32Array.from(digits.images), n: digits.n, shape: digits.shape };
      const { accuracy } = await model.evaluate(batch, digits.labels);
      return { net: spikingNetFromModel(model.spec), sourceAccuracy: accuracy, sourceLabel: 'integer model' };
    }
    this.float ??= retryable(this.loadFloat(progress), () => (this.float = undefined));
    const { net, calibration } = await this.float;
    await progress('classifying the digits with the float network (tfjs)…');
    const pred = floatPredict(net, digits.images, digits.n, INPUT_SCALE);
    return {
      net: spikingNetFromFloat(net, calibration, { method: choice satisfies NormMethod, percentile: PERCENTILE, inputScale: INPUT_SCALE }),
      sourceAccuracy: readoutAccuracy(pred, digits.labels).accuracy,
      sourceLabel: 'float network',
    };
  }

  private async loadFloat(progress: Progress): Promise<{ net: FloatNet; calibration: Calibration }> {
    // tfjs's CPU backend: the float figures are those of the CLI (which runs the same backend in
    // Node), whatever WebGL this browser has
    await tf.setBackend('cpu');
    tf.enableProdMode();
    await progress('loading the float model…');
    const net = floatNetFromTfjs(await fetchTfjsModel(FLOAT_URL().href));
    await progress(`reading the last ${CALIBRATION_DIGITS} digits for the calibration…`);
    const dataset = await this.dataset();
    const cal = await readDigits(dataset, dataset.count - CALIBRATION_DIGITS, CALIBRATION_DIGITS);
    await progress(`calibrating on the last ${CALIBRATION_DIGITS} digits (tfjs)…`);
    const calibration = calibrateActivations(net, cal.images, cal.n, INPUT_SCALE, { percentiles: [PERCENTILE] });
    return { net, calibration };
  }
}
