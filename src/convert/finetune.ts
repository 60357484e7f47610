// finetune(): quantization-aware training of a quantized tfjs model (from quantize()) on an
// image dataset: the cnn2snn workflow's step between quantize and convert. Adam, sparse
// categorical cross-entropy, progress per batch. docs/finetune.md has the backend measurements.
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/batch.js';
import { defaultDevice } from '../gpu/device.js';
import type { InputScaling } from '../ir/types.js';
import { imagesToTensor } from './evaluate.js';

export type TrainingBackend = 'auto' | 'cpu' | 'webgpu';

export interface FinetuneProgress {
  /** 1-based */
  epoch: number;
  /** 1-based, within the epoch */
  batch: number;
  batches: number;
  /** of this batch */
  loss: number;
  accuracy: number;
  /** over the epoch so far */
  samplesPerSecond: number;
}

export interface FinetuneOptions {
  epochs: number;
  /** train on the first `limit` images of the dataset (default all) */
  limit?: number;
  /** default 32 */
  batchSize?: number;
  /** Adam's learning rate (default 1e-4: the weights are already trained) */
  learningRate?: number;
  /** float input = (x - shift) / scale from the 8-bit images, as convert() maps it; default { scale: 1, shift: 0 } */
  inputScaling?: InputScaling;
  /**
   * 'auto' (default): tfjs's WebGPU backend on spikemesh's device when that is a hardware GPU,
   * else the CPU backend (faster than WebGPU on SwiftShader, docs/finetune.md)
   */
  backend?: TrainingBackend;
  onBatch?(progress: FinetuneProgress): void;
}

export interface FinetuneHistory {
  backend: 'cpu' | 'webgpu';
  batches: FinetuneProgress[];
  /** mean loss and accuracy per epoch */
  epochs: Array<{ epoch: number; loss: number; accuracy: number; seconds: number }>;
}

/**
 * Fine-tunes `model` in place. The model's output may be probabilities (a softmax last) or
 * logits. Afterwards its weights are back on the backend that was active before the call.
 */
export async function finetune(model: tf.LayersModel, dataset: ImageDataset, options: FinetuneOptions): Promise<FinetuneHistory> {
  if (!Number.isInteger(options.epochs) || options.epochs < 1) throw new RangeError(`finetune: epochs must be a positive integer, got ${options.epochs}`);
  const batchSize = options.batchSize ?? 32;
  const total = Math.min(options.limit ?? dataset.count, dataset.count);
  const scaling = options.inputScaling ?? { scale: 1, shift: 0 };
  const previous = tf.getBackend();
  const backend = await selectBackend(options.backend ?? 'auto');
  const optimizer = tf.train.adam(options.learningRate ?? 1e-4);
  const loss = lossOf(model);
  const history: FinetuneHistory = { backend, batches: [], epochs: [] };
  const batches = Math.ceil(total / batchSize);
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const start = performance.now();
      let seen = 0;
      let sumLoss = 0;
      let sumCorrect = 0;
      let batch = 0;
      for await (const b of dataset.batches({ batchSize, limit: total })) {
        if (!b.labels) throw new Error(`finetune: dataset '${dataset.name}' has no labels`);
        const x = imagesToTensor(b.images, b.n, b.shape, scaling);
        const y = tf.tensor1d(b.labels, 'int32');
        const step = trainStep(model, optimizer, loss, x, y);
        const [l, c] = await Promise.all([step.loss.data(), step.correct.data()]);
        tf.dispose([x, y, step.loss, step.correct]);
        batch++;
        seen += b.n;
        sumLoss += l[0]! * b.n;
        sumCorrect += c[0]!;
        const p: FinetuneProgress = { epoch, batch, batches, loss: l[0]!, accuracy: c[0]! / b.n,
          samplesPerSecond: seen / ((performance.now() - start) / 1000) };
        history.batches.push(p);
        options.onBatch?.(p);
      }
      history.epochs.push({ epoch, loss: sumLoss / seen, accuracy: sumCorrect / seen, seconds: (performance.now() - start) / 1000 });
    }
  } finally {
    optimizer.dispose();
    if (backend !== previous) await restoreWeights(model, previous);
  }
  return history;
}

type Loss = (labels: tf.Tensor1D, output: tf.Tensor2D) => tf.Scalar;

/** Sparse categorical cross-entropy on probabilities (softmax last) or on logits. */
function lossOf(model: tf.LayersModel): Loss {
  const last = model.layers[model.layers.length - 1]!;
  const cfg = last.getConfig();
  const probabilities = cfg.activation === 'softmax' || last.getClassName() === 'Softmax';
  return probabilities
    ? (labels, p) => tf.oneHot(labels, p.shape[1]).mul(p.clipByValue(1e-7, 1).log()).sum(-1).mean().neg() as tf.Scalar
    : (labels, logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
}

/** One Adam step; returns the batch loss and the number of correct argmax predictions. */
export function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, loss: Loss, x: tf.Tensor, y: tf.Tensor1D): { loss: tf.Scalar; correct: tf.Scalar } {
  let correct: tf.Scalar | undefined;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const cost = optimizer.minimize(() => {
    const out = (model.apply(x, { training: true }) as tf.Tensor).reshape([x.shape[0]!, -1]) as tf.Tensor2D;
    correct = tf.keep(out.argMax(-1).equal(y).sum().toFloat() as tf.Scalar);
    return loss(y, out);
  }, true, vars)!;
  return { loss: cost, correct: correct! };
}

/** Gradients of the batch loss for every trainable weight (for checking one backend against another). */
export function lossGradients(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor1D): { loss: tf.Scalar; grads: tf.Tensor[] } {
  const loss = lossOf(model);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => loss(y, (model.apply(x, { training: true }) as tf.Tensor).reshape([x.shape[0]!, -1]) as tf.Tensor2D), vars);
  return { loss: value, grads: vars.map((v) => grads[v.name]!) };
}

/**
 * Makes the training backend active. 'webgpu' runs tfjs's WebGPU backend on spikemesh's device
 * (DESIGN.md section 6; in Node, navigator.gpu is set from Dawn before the backend starts).
 */
export async function selectBackend(choice: TrainingBackend): Promise<'cpu' | 'webgpu'> {
  let name: 'cpu' | 'webgpu' = 'cpu';
  if (choice !== 'cpu') {
    const acquired = await defaultDevice();
    if (choice === 'webgpu' || !acquired.info.software) {
      name = 'webgpu';
      if (tf.getBackend() !== 'webgpu') {
        const g = globalThis as { navigator?: { gpu?: GPU } };
        g.navigator ??= {} as { gpu?: GPU };
        g.navigator.gpu ??= acquired.gpu;
        const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
        if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
        tf.registerBackend('webgpu', () => new WebGPUBackend(acquired.device, acquired.adapter.info));
      }
    }
  }
  if (!(await tf.setBackend(name))) throw new Error(`finetune: tfjs backend '${name}' did not initialise`);
  await tf.ready();
  return name;
}

/** Reads the weights back (asynchronously: WebGPU cannot read synchronously in Node) and moves them to `backend`. */
async function restoreWeights(model: tf.LayersModel, backend: string): Promise<void> {
  const values = await Promise.all(model.weights.map((w) => w.read().data()));
  const shapes = model.weights.map((w) => w.shape as number[]);
  await tf.setBackend(backend);
  model.weights.forEach((w, i) => {
    const t = tf.tensor(values[i]!, shapes[i]!, w.dtype);
    w.write(t);
    t.dispose();
  });
}
