// Seeded random models and inputs for GPU-vs-reference bit-equality tests and benchmarks.
// Every layer kind, weight bits 1/2/4/8, act bits 1/2/4, thresholds from typical to negative
// and huge, steps 1..2^20-1, padding, strides, every pooling type, a last layer with or without
// activation, odd sizes. Models stay inside validateModel's int32/u32 bounds (the GPU's).
import { convOutputShape, inferShapes, poolArea, poolOutputShape, potentialShape, shapeSize } from '../../src/ir/shapes.js';
import type {
  ActBits,
  Activation,
  IntBatch,
  Layer,
  ModelSpec,
  Padding,
  Pooling,
  Shape3,
  WeightBits,
} from '../../src/ir/types.js';
import { maxPotentials, validateModel } from '../../src/ir/validate.js';
import { MAX_ACT_STEP16 } from '../../src/ir/types.js';
import { mulberry32, pick, randInt } from './builders.js';

export { mulberry32 };

export type Rng = () => number;

/** How thresholds and steps are drawn. */
export type ThresholdMode =
  /** per channel: mostly typical, some negative, huge, tiny or huge steps */
  | 'mixed'
  /** around the potentials' spread: a realistic share of zeros */
  | 'typical'
  /** below every potential with step 1/16: every output saturates */
  | 'saturate'
  /** above every potential: no output fires */
  | 'silent';

/** A layer to generate; unset fields are drawn at random. */
export type LayerRecipe =
  | {
      kind: 'InputConvolutional' | 'Convolutional' | 'SeparableConvolutional';
      kernel?: [number, number];
      stride?: number;
      padding?: Padding;
      filters?: number;
      weightBits?: WeightBits;
      pooling?: Pooling['type'] | Pooling;
      /** false: no activation (only honoured on the last layer) */
      activation?: boolean;
      actBits?: ActBits;
      thresholds?: ThresholdMode;
    }
  | {
      kind: 'FullyConnected';
      units?: number;
      weightBits?: WeightBits;
      activation?: boolean;
      actBits?: ActBits;
      thresholds?: ThresholdMode;
    }
  | { kind: 'InputData' };

export interface RandomModelOptions {
  /** input shape [h, w, c]; random small (odd sizes included) when absent */
  inputShape?: Shape3;
  /** bits of the unsigned input (default 8) */
  inputBits?: number;
  /** the layers in order, the first an input kind; random (1 input + 0..3 layers) when absent */
  layers?: LayerRecipe[];
  /** largest filters / units drawn (default 20) */
  maxChannels?: number;
  /** default threshold mode of layers that do not set one (default 'mixed') */
  thresholds?: ThresholdMode;
}

const WEIGHT_BITS: readonly WeightBits[] = [1, 2, 4, 8];
const ACT_BITS: readonly ActBits[] = [1, 2, 4];
const I32 = 2 ** 31;
const U32 = 2 ** 32;

function weightMax(bits: WeightBits): number {
  return bits === 1 ? 1 : 2 ** (bits - 1) - 1;
}

/** Weights of a bit width: 1 bit is {-1, +1}; others in [-kmax, kmax], zeros included. */
export function randomWeights(rng: Rng, n: number, bits: WeightBits): Int8Array {
  const kmax = weightMax(bits);
  return Int8Array.from({ length: n }, () => (bits === 1 ? (rng() < 0.5 ? -1 : 1) : randInt(rng, -kmax, kmax)));
}

function randomPooling(rng: Rng, pot: Shape3, kind?: Pooling['type']): Pooling {
  const [h, w] = pot;
  const type = kind ?? pick(rng, ['none', 'none', 'max', 'max', 'average', 'global_avg'] as const);
  if (type === 'none' || type === 'global_avg') return { type };
  const size: [number, number] = [randInt(rng, 1, Math.min(3, h)), randInt(rng, 1, Math.min(3, w))];
  if (rng() < 0.6) {
    size[0] = Math.min(2, h);
    size[1] = Math.min(2, w);
  }
  const stride: [number, number] = rng() < 0.6 ? [size[0], size[1]] : [randInt(rng, 1, 3), randInt(rng, 1, 3)];
  if (type === 'average') return { type, size, stride };
  return { type, size, stride, padding: pick(rng, ['same', 'valid'] as const) };
}

/** A kernel size that fits the input for `valid`, from the sizes a layer kind allows. */
function randomKernel(rng: Rng, input: Shape3, sizes: number[], padding: Padding): [number, number] {
  const fit = (d: number) => sizes.filter((k) => padding === 'same' || k <= d);
  const ky = fit(input[0]);
  const kx = fit(input[1]);
  const k = pick(rng, ky.length ? ky : [1]);
  // mostly square, sometimes not
  return rng() < 0.85 && kx.includes(k) ? [k, k] : [k, pick(rng, kx.length ? kx : [1])];
}

/**
 * Thresholds and steps around the spread of the potentials (estimated from the fan-in, the
 * input range and the weight range), kept inside the int32/u32 bounds with pooling area A.
 */
function randomActivation(
  rng: Rng,
  bits: ActBits,
  maxP: Float64Array,
  spread: number,
  area: number,
  mode: ThresholdMode,
): Activation {
  const cout = maxP.length;
  const levels = (1 << bits) - 1;
  const threshold = new Int32Array(cout);
  const actStep16 = new Uint32Array(cout);
  const stepCap = Math.min(MAX_ACT_STEP16, Math.floor((U32 - 1) / (17 * area)));
  for (let c = 0; c < cout; c++) {
    const tCap = Math.max(0, Math.floor((I32 - 1 - maxP[c]! * area) / area) - 1);
    const m = mode === 'mixed' ? pick(rng, ['typical', 'typical', 'typical', 'typical', 'negative', 'huge', 'tiny-step', 'huge-step'] as const) : mode;
    let t: number;
    let s16: number;
    switch (m) {
      case 'saturate':
        t = -Math.min(tCap, Math.ceil(maxP[c]!) + 1);
        s16 = 1;
        break;
      case 'silent':
        t = Math.min(tCap, Math.ceil(maxP[c]!) + 1);
        s16 = randInt(rng, 1, stepCap);
        break;
      case 'negative':
        t = -Math.min(tCap, randInt(rng, 1, Math.ceil(spread * 3) + 1));
        s16 = Math.round(16 * spread * (0.1 + rng()) / levels) || 1;
        break;
      case 'huge':
        t = rng() < 0.5 ? tCap : -tCap;
        s16 = randInt(rng, 1, stepCap);
        break;
      case 'tiny-step':
        t = Math.round(spread * (rng() - 0.3));
        s16 = randInt(rng, 1, 4);
        break;
      case 'huge-step':
        t = Math.round(spread * (rng() - 0.5));
        s16 = stepCap;
        break;
      default:
        t = Math.round(spread * (rng() * 1.5 - 0.3));
        s16 = Math.round((16 * spread * (0.05 + rng())) / levels) || 1;
    }
    threshold[c] = Math.max(-tCap, Math.min(tCap, t));
    actStep16[c] = Math.max(1, Math.min(stepCap, s16));
  }
  return { bits, threshold, actStep16 };
}

/** Rough standard deviation of a potential: sqrt(fan-in * E[x^2] * E[w^2]). */
function spreadOf(fanIn: number, maxInput: number, bits: WeightBits): number {
  const k = weightMax(bits);
  return Math.sqrt(fanIn * (maxInput * maxInput) * 0.25 * (k * k) / 3) + 1;
}

/**
 * A random valid model. With `layers`, each recipe fixes what it sets; without, an input layer
 * and 0..3 more layers are drawn. The last layer keeps or drops its activation as told
 * (random when unset); others always have one.
 */
export function randomModel(seed: number, opts: RandomModelOptions = {}): ModelSpec {
  const rng = mulberry32(seed);
  const maxCh = opts.maxChannels ?? 20;
  const inputShape: Shape3 = opts.inputShape ?? [randInt(rng, 3, 13), randInt(rng, 3, 13), pick(rng, [1, 3, 1, 3, 2, 5])];
  const inputBits = opts.inputBits ?? 8;
  const recipes: LayerRecipe[] = opts.layers ?? [
    { kind: pick(rng, ['InputData', 'InputConvolutional'] as const) },
    ...Array.from({ length: randInt(rng, 0, 3) }, () => ({ kind: pick(rng, ['Convolutional', 'Convolutional', 'SeparableConvolutional', 'FullyConnected'] as const) })),
  ];
  const layers: Layer[] = [];
  let input = inputShape;
  let maxInput = 2 ** inputBits - 1;
  recipes.forEach((r, index) => {
    const name = `L${index}`;
    const isLast = index === recipes.length - 1;
    if (index === 0 && r.kind !== 'InputData' && r.kind !== 'InputConvolutional') {
      throw new Error(`randomModel: the first recipe must be an input kind, got ${r.kind}`);
    }
    const mode = ('thresholds' in r && r.thresholds) || opts.thresholds || 'mixed';
    const wantAct = !isLast || !('activation' in r) || r.activation === undefined ? (isLast ? rng() < 0.6 : true) : r.activation;
    const actBits = ('actBits' in r && r.actBits) || pick(rng, ACT_BITS);
    let layer: Layer;
    switch (r.kind) {
      case 'InputData':
        layer = { name, kind: 'InputData', inputShape, inputBits };
        break;
      case 'InputConvolutional':
      case 'Convolutional':
      case 'SeparableConvolutional': {
        const isInput = r.kind === 'InputConvolutional';
        const padding = r.padding ?? pick(rng, ['same', 'valid'] as const);
        const kernel = r.kernel ?? randomKernel(rng, input, isInput ? [3, 5, 7] : r.kind === 'SeparableConvolutional' ? [3, 5] : [1, 3, 5, 7], padding);
        const stride = r.stride ?? (isInput ? randInt(rng, 1, 3) : pick(rng, [1, 1, 2]));
        const filters = r.filters ?? randInt(rng, 1, maxCh);
        const weightBits = r.weightBits ?? pick(rng, WEIGHT_BITS);
        const pot = convOutputShape(input, kernel, stride, padding, filters);
        const common = { name, kernel, stride, padding, filters, weightBits, pooling: { type: 'none' } as Pooling, activation: null };
        const cin = input[2];
        if (r.kind === 'SeparableConvolutional') {
          layer = {
            ...common, kind: r.kind,
            depthwise: randomWeights(rng, kernel[0] * kernel[1] * cin, weightBits),
            pointwise: randomWeights(rng, cin * filters, weightBits),
          };
        } else {
          const weights = randomWeights(rng, kernel[0] * kernel[1] * cin * filters, weightBits);
          layer = isInput
            ? { ...common, kind: 'InputConvolutional', inputShape, inputBits, weights }
            : { ...common, kind: 'Convolutional', weights };
        }
        const fanIn = r.kind === 'SeparableConvolutional' ? kernel[0] * kernel[1] * cin * 2 : kernel[0] * kernel[1] * cin;
        const maxP = maxPotentials(layer, input, maxInput);
        // Sum pooling multiplies the potentials by the area: fall back to max pooling past int32.
        let pooling = typeof r.pooling === 'object' ? r.pooling : randomPooling(rng, pot, r.pooling);
        if (Math.max(...maxP) * poolArea(pooling, pot) * 2 >= I32) pooling = randomPooling(rng, pot, 'max');
        layer.pooling = pooling;
        const area = poolArea(pooling, pot);
        if (wantAct || !isLast) {
          layer.activation = randomActivation(rng, actBits, maxP, spreadOf(fanIn, maxInput, weightBits) * Math.sqrt(area) , area, mode);
        }
        break;
      }
      case 'FullyConnected': {
        const units = r.units ?? randInt(rng, 1, maxCh);
        const weightBits = r.weightBits ?? pick(rng, WEIGHT_BITS);
        layer = { name, kind: 'FullyConnected', units, weightBits, weights: randomWeights(rng, shapeSize(input) * units, weightBits), activation: null };
        if (wantAct || !isLast) {
          const maxP = maxPotentials(layer, input, maxInput);
          layer.activation = randomActivation(rng, actBits, maxP, spreadOf(shapeSize(input), maxInput, weightBits), 1, mode);
        }
        break;
      }
    }
    layers.push(layer);
    input = layer.kind === 'InputData' ? input : poolOutputShape(potentialShape(layer, input), 'pooling' in layer ? layer.pooling : { type: 'none' });
    if (layer.kind !== 'InputData' && layer.activation) maxInput = (1 << layer.activation.bits) - 1;
  });
  // The generator's own check: anything it draws must be a valid model.
  return validateModel({ version: 1, name: `random-${seed}`, layers }, `randomModel(${seed})`);
}

export interface RandomInputOptions {
  /** share of zero values (default 0.3) */
  zeros?: number;
  /** share of maximum values (default 0.05) */
  saturate?: number;
}

/** A random unsigned integer batch [n][h][w][c] with values in [0, 2^bits - 1]. */
export function randomInput(seed: number, shape: Shape3, n: number, bits = 8, opts: RandomInputOptions = {}): IntBatch {
  const rng = mulberry32(seed);
  const max = 2 ** bits - 1;
  const zeros = opts.zeros ?? 0.3;
  const saturate = opts.saturate ?? 0.05;
  const data = new Int32Array(n * shapeSize(shape));
  for (let i = 0; i < data.length; i++) {
    const u = rng();
    data[i] = u < zeros ? 0 : u < zeros + saturate ? max : randInt(rng, 1, max);
  }
  return { data, n, shape };
}

/** The input of a model: its shape and bits. */
export function modelInput(spec: ModelSpec): { shape: Shape3; bits: number } {
  const first = spec.layers[0] as { inputShape: Shape3; inputBits: number };
  return { shape: first.inputShape, bits: first.inputBits };
}

/** Output shape of a model (re-exported for tests). */
export function outputShape(spec: ModelSpec): Shape3 {
  return inferShapes(spec.layers).output;
}
