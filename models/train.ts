// Trains the committed reference models. Run once: `npx vite-node models/train.ts [stage]`,
// stage = all (default) or one of the stages below, in this order. Tests never retrain; they
// load the files this script writes.
//
//   float: the float MNIST CNN (CNN2SNN style), 4 epochs  -> models/mnist-cnn/
//   bn:    recompute its BatchNorm statistics exactly     -> models/mnist-cnn/
//   more:  4 more epochs at lower rates, statistics again -> models/mnist-cnn/
//   q4:    quantize it (4-bit weights and activations, 8-bit input-layer weights),
//          fine-tune with the quantization-aware layers,
//          align its BatchNorms with integer thresholds  -> models/mnist-cnn-q4/
//          and convert it to the spikemesh IR            -> models/mnist-cnn-q4.akida.json + .bin
//   align: only the last two steps, on the saved q4 model (not part of `all`: q4 does them)
//
// Data: the 10,000 digits of the `mnist` package, split per class (first 80% train, last 20%
// held out). The tfjs CPU backend is slow (pure JS): the network is small and epochs few.
import * as tf from '@tensorflow/tfjs';
import { alignThresholds, classAccuracy, analyze, convert, loadTfjsModel, predictClasses, quantize, QuantizedReLU, saveTfjsModel } from '../src/convert/index.js';
import { quantizeWeights } from '../src/convert/qlayers.js';
import { mulberry32 } from '../src/data/rng.js';
import { saveModel } from '../src/ir/files.js';
import { mnistHeldOut, mnistTrain, strided, type Digits } from './mnist.js';

// TRAIN_DIR (output directory) and TRAIN_LIMIT (batches per epoch) exist for dry runs only.
const HERE = process.env.TRAIN_DIR ? `${process.env.TRAIN_DIR.replace(/\/$/, '')}/` : new URL('.', import.meta.url).pathname;
const LIMIT = Number(process.env.TRAIN_LIMIT ?? Infinity);
const SEED = 20261123;
const BATCH = 64;

/** The float model. Pooling sits before BatchNorm (the CNN2SNN block order): BN and ReLU then
 * run on 4x fewer values, and non-negative gammas keep max pooling exchangeable with the
 * activation, which the integer model applies after thresholding. */
export function buildFloatModel(): tf.Sequential {
  const L = tf.layers;
  let seed = SEED;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  const bn = (name: string) => L.batchNormalization({ name, gammaConstraint: tf.constraints.nonNeg() });
  return tf.sequential({
    name: 'mnist_cnn',
    layers: [
      L.inputLayer({ name: 'input', inputShape: [28, 28, 1] }),
      L.conv2d({ name: 'conv1', filters: 16, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init() }),
      L.maxPooling2d({ name: 'pool1', poolSize: 2, padding: 'same' }),
      bn('bn1'),
      L.reLU({ name: 'relu1', maxValue: 6 }),
      L.conv2d({ name: 'conv2', filters: 32, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init() }),
      L.maxPooling2d({ name: 'pool2', poolSize: 2, padding: 'same' }),
      bn('bn2'),
      L.reLU({ name: 'relu2', maxValue: 6 }),
      L.separableConv2d({
        name: 'sep3', filters: 64, kernelSize: 3, padding: 'same', useBias: false,
        depthwiseInitializer: init(), pointwiseInitializer: init(),
      }),
      L.maxPooling2d({ name: 'pool3', poolSize: 2, padding: 'same' }),
      bn('bn3'),
      L.reLU({ name: 'relu3', maxValue: 6 }),
      L.flatten({ name: 'flatten' }),
      L.dropout({ name: 'dropout', rate: 0.25, seed: SEED }),
      L.dense({ name: 'dense', units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }),
    ],
  });
}

/** 8-bit images -> the float input the models see: x / 255 (so inputScaling is {scale: 255, shift: 0}). */
export function toInput(images: Uint8Array, n: number): tf.Tensor4D {
  return tf.tidy(() => tf.tensor4d(images, [n, 28, 28, 1], 'int32').toFloat().div(255));
}

/** A batch with every digit shifted by up to 2 pixels (zero fill), for augmentation. */
function shiftedBatch(d: Digits, idx: number[], rand: () => number): Uint8Array {
  const out = new Uint8Array(idx.length * 784);
  idx.forEach((i, k) => {
    const dy = Math.floor(rand() * 5) - 2;
    const dx = Math.floor(rand() * 5) - 2;
    for (let y = 0; y < 28; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= 28) continue;
      for (let x = 0; x < 28; x++) {
        const sx = x - dx;
        if (sx >= 0 && sx < 28) out[k * 784 + y * 28 + x] = d.images[i * 784 + sy * 28 + sx]!;
      }
    }
  });
  return out;
}

export function accuracy(model: tf.LayersModel, d: Digits): number {
  const x = toInput(d.images, d.n);
  const acc = classAccuracy(predictClasses(model, x), d.labels);
  x.dispose();
  return acc;
}

async function fit(model: tf.LayersModel, train: Digits, test: Digits, epochs: number, lr: (e: number) => number, seed: number) {
  const rand = mulberry32(seed); // seeded: shuffles and augmentation are reproducible
  const optimizer = tf.train.adam(lr(0));
  model.compile({ optimizer, loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) });
  for (let e = 0; e < epochs; e++) {
    (optimizer as unknown as { learningRate: number }).learningRate = lr(e);
    const order = Array.from({ length: train.n }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const t0 = Date.now();
    let loss = 0;
    let batches = 0;
    for (let b = 0; b + BATCH <= order.length && batches < LIMIT; b += BATCH) {
      const idx = order.slice(b, b + BATCH);
      const x = toInput(shiftedBatch(train, idx, rand), idx.length);
      const y = tf.oneHot(tf.tensor1d(idx.map((i) => train.labels[i]!), 'int32'), 10);
      loss += (await model.trainOnBatch(x, y)) as number;
      batches++;
      tf.dispose([x, y]);
      if (batches % 25 === 0) log(`  epoch ${e + 1} batch ${batches}: loss ${(loss / batches).toFixed(4)} (${((Date.now() - t0) / batches / 1000).toFixed(2)} s/batch)`);
    }
    log(`epoch ${e + 1}/${epochs}: lr ${lr(e)} loss ${(loss / batches).toFixed(4)} held-out accuracy ${(accuracy(model, test) * 100).toFixed(2)}% (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
}

function log(msg: string) {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

async function trainFloat() {
  const train = mnistTrain();
  const test = mnistHeldOut();
  log(`float model: ${train.n} training digits, ${test.n} held out`);
  const model = buildFloatModel();
  await fit(model, train, test, 4, (e) => [1e-3, 1e-3, 5e-4, 2.5e-4][e]!, SEED);
  await saveTfjsModel(model, `${HERE}mnist-cnn`);
  log(`saved ${HERE}mnist-cnn`);
}

/**
 * Sets every BatchNormalization's moving mean and variance to the exact statistics of its
 * input over `d` (in order, each seeing the already corrected layers before it). With few
 * training steps the moving averages (momentum 0.99) still remember their initial values.
 */
function recalibrateBatchNorm(model: tf.LayersModel, d: Digits): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const prev = model.layers[model.layers.indexOf(layer) - 1]!;
    const probe = tf.model({ inputs: model.inputs, outputs: prev.output as tf.SymbolicTensor });
    let sum: tf.Tensor | null = null;
    let sumSq: tf.Tensor | null = null;
    let count = 0;
    for (let s = 0; s < d.n; s += 500) {
      const n = Math.min(500, d.n - s);
      const [a, b, c] = tf.tidy(() => {
        const y = probe.predict(toInput(d.images.subarray(s * 784, (s + n) * 784), n)) as tf.Tensor;
        const axes = y.shape.slice(0, -1).map((_, i) => i);
        return [y.sum(axes), y.square().sum(axes), y.size / y.shape[y.rank - 1]!];
      }) as [tf.Tensor, tf.Tensor, number];
      sum = sum ? tf.tidy(() => sum!.add(a)) : a.clone();
      sumSq = sumSq ? tf.tidy(() => sumSq!.add(b)) : b.clone();
      count += c;
      tf.dispose([a, b]);
    }
    const [gamma, beta] = layer.getWeights();
    const mean = sum!.div(count);
    const variance = sumSq!.div(count).sub(mean.square());
    layer.setWeights([gamma!, beta!, mean, variance]);
    log(`  ${layer.name}: moving statistics recomputed over ${d.n} digits`);
  }
}

/** Largest act_step the converter may produce, with headroom below the 16-bit limit (4095.94). */
const ACT_STEP_LIMIT = 4000;

/**
 * Narrows any activation whose level, seen from the integer potentials, would span more than
 * ACT_STEP_LIMIT potential units (act_step = sf * a * width / |gamma / sigma|): with 8-bit
 * input weights on 8-bit pixels the first layer's potentials are very fine. The narrowed step
 * is frozen so fine-tuning adapts the weights to it. Returns the layers it changed.
 */
function fitActivationSteps(model: tf.LayersModel): string[] {
  const changed: string[] = [];
  let a = 255; // the input scale
  let sf: Float64Array | null = null;
  let g: Float64Array | null = null;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'QuantizedConv2D' || cls === 'QuantizedDense' || cls === 'QuantizedSeparableConv2D') {
      const q = (layer as unknown as { quantizer: { bits: 1 | 2 | 4 | 8; perAxis: boolean } }).quantizer;
      const kernel = layer.weights.find((w) => /(pointwise_)?kernel$/.test(w.originalName) && !w.originalName.endsWith('depthwise_kernel'))!;
      const { q: ints, sf: s } = quantizeWeights(kernel.read(), q);
      const cout = kernel.shape[kernel.shape.length - 1]!;
      let dwScale = 1;
      if (cls === 'QuantizedSeparableConv2D') {
        const dw = quantizeWeights(layer.weights.find((w) => w.originalName.endsWith('depthwise_kernel'))!.read(), { bits: q.bits, perAxis: false });
        dwScale = dw.sf.dataSync()[0]!;
        tf.dispose([dw.q, dw.sf]);
      }
      const sv = s.dataSync();
      sf = Float64Array.from({ length: cout }, (_, o) => sv[sv.length === 1 ? 0 : o]! * dwScale);
      g = new Float64Array(cout).fill(1);
      tf.dispose([ints, s]);
    } else if (cls === 'BatchNormalization' && g) {
      const [gamma, , , variance] = layer.getWeights().map((t) => t.dataSync());
      const eps = Number(layer.getConfig().epsilon);
      g = g.map((_, o) => gamma![o]! / Math.sqrt(variance![o]! + eps));
    } else if (layer instanceof QuantizedReLU && sf && g) {
      let width = layer.levelWidth();
      const limit = Math.min(...Array.from(sf, (s, o) => (ACT_STEP_LIMIT * Math.abs(g![o]!)) / (s * a)));
      if (width > limit) {
        log(`  ${layer.name}: level width ${width.toPrecision(4)} -> ${limit.toPrecision(4)} (act_step limit), frozen`);
        width = limit;
        layer.step.write(tf.scalar(width * 2 ** (layer.bits - 4)));
        layer.freezeStep();
        changed.push(layer.name);
      }
      a = 1 / width;
      sf = g = null;
    }
  }
  return changed;
}

/** The float stage saved the raw moving averages; this stage replaces them (see recalibrateBatchNorm). */
async function fixFloatBatchNorm() {
  const train = mnistTrain();
  const test = mnistHeldOut();
  const model = await loadTfjsModel(`${HERE}mnist-cnn/model.json`);
  log(`float model as trained: held-out accuracy ${(accuracy(model, test) * 100).toFixed(2)}%`);
  recalibrateBatchNorm(model, train);
  log(`float model, BatchNorm statistics recomputed: held-out accuracy ${(accuracy(model, test) * 100).toFixed(2)}%`);
  await saveTfjsModel(model, `${HERE}mnist-cnn`);
}

/** Four more float epochs from the saved model at lower rates (four left it undertrained), then
 * exact BatchNorm statistics again. */
async function trainFloatMore() {
  const train = mnistTrain();
  const test = mnistHeldOut();
  const model = await loadTfjsModel(`${HERE}mnist-cnn/model.json`);
  await fit(model, train, test, 4, (e) => [5e-4, 5e-4, 2.5e-4, 1e-4][e]!, SEED + 2);
  recalibrateBatchNorm(model, train);
  log(`float model after 8 epochs, BatchNorm statistics recomputed: held-out accuracy ${(accuracy(model, test) * 100).toFixed(2)}%`);
  await saveTfjsModel(model, `${HERE}mnist-cnn`);
}

async function trainQuantized() {
  const train = mnistTrain();
  const test = mnistHeldOut();
  const float = await loadTfjsModel(`${HERE}mnist-cnn/model.json`);
  log(`float model: held-out accuracy ${(accuracy(float, test) * 100).toFixed(2)}%`);
  const calibration = strided(train, 512);
  const x = toInput(calibration.images, calibration.n);
  const model = quantize(float, { weightBits: 4, activationBits: 4, inputWeightBits: 8, calibration: x });
  x.dispose();
  log(`quantized (4-bit weights and activations, 8-bit input weights), before fine-tuning: held-out ${(accuracy(model, test) * 100).toFixed(2)}%`);
  fitActivationSteps(model);
  log(`after fitting the act_step range: held-out ${(accuracy(model, test) * 100).toFixed(2)}%`);
  await fit(model, train, test, 2, (e) => [2e-4, 1e-4][e]!, SEED + 1);
  recalibrateBatchNorm(model, train);
  log(`after fine-tuning, BatchNorm statistics recomputed: held-out ${(accuracy(model, test) * 100).toFixed(2)}%`);
  if (fitActivationSteps(model).length) log(`after re-fitting the act_step range: held-out ${(accuracy(model, test) * 100).toFixed(2)}%`);
  await alignAndConvert(model);
}

/** Aligns the quantized model's BatchNorms with integer thresholds (src/convert/align.ts), saves
 * it and its conversion. Run alone on a saved q4 model: `npx vite-node models/train.ts align`. */
async function alignAndConvert(model?: tf.LayersModel) {
  const test = mnistHeldOut();
  model ??= await loadTfjsModel(`${HERE}mnist-cnn-q4/model.json`);
  log(`quantized, before aligning: held-out ${(accuracy(model, test) * 100).toFixed(2)}%`);
  const aligned = await alignThresholds(model, { inputScaling: { scale: 255, shift: 0 } });
  for (const l of aligned.layers) {
    log(`  ${l.layer}: ${l.aligned ? 'aligned' : 'not aligned'}, level widths moved by ${(l.maxStepChange * 100).toFixed(2)}% at most, ` +
      `first boundaries by ${l.maxThresholdMove.toFixed(2)} potential units${l.problems.length ? `; ${l.problems.join('; ')}` : ''}`);
  }
  log(`quantized, aligned: held-out ${(accuracy(model, test) * 100).toFixed(2)}%`);
  await saveTfjsModel(model, `${HERE}mnist-cnn-q4`);
  log(`saved ${HERE}mnist-cnn-q4`);
  const report = await analyze(model, { inputScaling: { scale: 255, shift: 0 } });
  for (const i of report.issues) log(`  conversion issue: ${i.layer}: ${i.message}`);
  const spec = await convert(model, { inputScaling: { scale: 255, shift: 0 }, name: 'mnist-cnn-q4' });
  await saveModel(spec, `${HERE}mnist-cnn-q4.akida.json`);
  log(`saved ${HERE}mnist-cnn-q4.akida.json (+ .bin); run models/accuracy.ts for the figures`);
}

const stage = process.argv[2] ?? 'all';
if (!['float', 'bn', 'more', 'q4', 'align', 'all'].includes(stage)) throw new Error(`stage '${stage}': expected float, bn, more, q4, align or all`);
if (stage === 'float' || stage === 'all') await trainFloat();
if (stage === 'bn' || stage === 'all') await fixFloatBatchNorm();
if (stage === 'more' || stage === 'all') await trainFloatMore();
if (stage === 'q4' || stage === 'all') await trainQuantized();
if (stage === 'align') await alignAndConvert();
