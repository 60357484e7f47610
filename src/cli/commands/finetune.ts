// `spikemesh finetune <model.json> --data <dataset> --epochs N -o <dir>`: the cnn2snn workflow's
// step between quantize and convert. Fine-tunes a quantization-aware tfjs model (from `spikemesh
// quantize`) with Adam on a labelled dataset, with a progress bar, and writes the tfjs model
// (model.json + weights.bin, atomically as a pair). --backend webgpu (and auto, which looks at
// the adapter) needs the GPU, so the command then runs in the GPU child; --backend cpu does not.
import type { Command } from 'commander';
import type { FinetuneHistory, FinetuneProgress, TrainingBackend } from '../../convert.js';
import type { ImageDataset } from '../../index.js';
import { testPause } from '../child.js';
import { UsageError, needsGpu } from '../main.js';
import { progressBar } from '../progress.js';
import { checkDataArg, checkOutputDirectory } from './paths.js';
import { addScalingOptions, quietTfjs, scalingFrom } from './tfjs-options.js';
import { loadSource } from './model-file.js';

interface FinetuneFlags {
  data: string;
  epochs: string;
  limit?: string;
  batch: string;
  lr: string;
  backend: string;
  scale?: string;
  shift?: string;
  output: string;
}

const BACKENDS: readonly TrainingBackend[] = ['auto', 'cpu', 'webgpu'];

function int(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} ${v}: expected an integer >= ${min}`);
  return n;
}

/**
 * `-o`: the directory of the tfjs model (model.json + weights.bin), as `quantize` writes it;
 * `<dir>/model.json` names the same directory.
 */
export function tfjsOutputDir(output: string): string {
  const named = /(^|[\\/])model\.json$/.test(output);
  if (!named && /\.(json|bin)$/.test(output)) {
    throw new UsageError(`-o ${output}: a tfjs model is written as <dir>/model.json + <dir>/weights.bin: give the directory`);
  }
  const dir = named ? output.slice(0, -'model.json'.length) || '.' : output;
  return dir.replace(/(.)[\\/]+$/, '$1');
}

/**
 * The dataset, with a turn of the event loop before each batch: tfjs's CPU backend and an
 * in-memory dataset resolve every await of a training step as a microtask, so without it a
 * signal (Ctrl-C) would only be handled once training is over.
 */
function yielding(dataset: ImageDataset): ImageDataset {
  return {
    name: dataset.name,
    count: dataset.count,
    shape: dataset.shape,
    classes: dataset.classes,
    async *batches(opts) {
      for await (const b of dataset.batches(opts)) {
        await new Promise((resolve) => setImmediate(resolve));
        yield b;
      }
    },
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const seconds = (s: number) => (s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);

export function register(program: Command): void {
  const cmd = program
    .command('finetune')
    .description('fine-tune a quantized (quantization-aware) tfjs model on a labelled dataset (Adam, cross-entropy); '
      + 'the step between quantize and convert')
    .argument('<model>', 'tfjs model.json from `spikemesh quantize` (its weights beside it)')
    .requiredOption('--data <dataset>', "labelled training images: 'fashion-mnist:train', 'mnist', 'fashion-mnist[:test]', a PNG directory (one sub-directory per class), or an IDX images file")
    .requiredOption('--epochs <n>', 'passes over the training images')
    .option('--limit <n>', 'train on the first n images (default: all)')
    .option('--batch <n>', 'images per training step', '32')
    .option('--lr <x>', "Adam's learning rate (small: the weights are already trained)", '0.0001')
    .option('--backend <b>', 'tfjs backend: auto (WebGPU on a hardware GPU, else cpu, which is faster on a software adapter), cpu or webgpu', 'auto')
    .requiredOption('-o, --output <dir>', 'directory for the fine-tuned model.json + weights.bin');
  addScalingOptions(cmd).action(async (path: string, f: FinetuneFlags) => {
    // usage errors (exit 2) first, then the output path (exit 1), both before any work
    const epochs = int('--epochs', f.epochs, 1);
    const limit = f.limit === undefined ? undefined : int('--limit', f.limit, 1);
    const batchSize = int('--batch', f.batch, 1);
    const learningRate = Number(f.lr);
    if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new UsageError(`--lr ${f.lr}: expected a positive number`);
    if (!BACKENDS.includes(f.backend as TrainingBackend)) throw new UsageError(`--backend ${f.backend}: expected ${BACKENDS.join(', ')}`);
    const backend = f.backend as TrainingBackend;
    const inputScaling = scalingFrom(f);
    await checkDataArg('--data', f.data);
    const dir = tfjsOutputDir(f.output);
    await checkOutputDirectory('-o', dir, 'fine-tuned model', ['model.json', 'weights.bin']);
    if (backend !== 'cpu') needsGpu();
    await testPause('setup');

    const { openDataset } = await import('../../index.js');
    const dataset = await openDataset(f.data);
    await quietTfjs();
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const { saveTfjsModel, finetune, isQuantizedLayer } = await import('../../convert.js');
    const model = await loadSource(path);
    if (!model.layers.some((l) => isQuantizedLayer(l))) {
      throw new Error(`${path} is a float tfjs model: quantize it first (spikemesh quantize ${path} --wq 4 --aq 4 --iq 8), then fine-tune the quantized model`);
    }
    const want = model.inputs[0]!.shape.slice(1);
    if (want.length !== 3 || dataset.shape.some((d, i) => want[i] !== null && d !== want[i])) {
      throw new Error(`dataset '${dataset.name}' has images of shape [${dataset.shape}], the model expects [${want}]`);
    }
    const outputs = model.outputs[0]!.shape;
    const units = outputs[outputs.length - 1];
    if (dataset.classes && typeof units === 'number' && dataset.classes.length > units) {
      throw new Error(`dataset '${dataset.name}' has ${dataset.classes.length} classes, the model has ${units} outputs`);
    }

    const total = Math.min(limit ?? dataset.count, dataset.count);
    const batches = Math.ceil(total / batchSize);
    const out = process.stdout;
    out.write(`fine-tuning ${path} (${model.name}) on ${dataset.name}: ${total} of ${dataset.count} images, ${epochs} epoch${epochs > 1 ? 's' : ''} `
      + `of ${batches} batch${batches > 1 ? 'es' : ''} of ${batchSize}, Adam lr ${learningRate}, input = (pixel - ${inputScaling.shift}) / ${inputScaling.scale}\n`);
    if (/^fashion-mnist(:test)?$/.test(f.data)) {
      out.write(`note: ${dataset.name} is the test split; fine-tune on fashion-mnist:train and keep the test images for eval\n`);
    }
    const bar = await progressBar(epochs * total, 'samples', process.stderr, {
      format: 'epoch {epoch} {bar} batch {batch} | loss {loss} | acc {acc} | {rate} samples/s | ETA {eta_formatted}',
      fields: { epoch: `1/${epochs}`, batch: `0/${batches}`, loss: '-', acc: '-' },
    });
    // the epoch's mean loss and accuracy, for its line (batches are batchSize images but the last)
    let sum = { n: 0, loss: 0, correct: 0 };
    const onBatch = (p: FinetuneProgress) => {
      const n = Math.min(batchSize, total - (p.batch - 1) * batchSize);
      sum = { n: sum.n + n, loss: sum.loss + p.loss * n, correct: sum.correct + p.accuracy * n };
      bar.update((p.epoch - 1) * total + sum.n, {
        epoch: `${p.epoch}/${epochs}`, batch: `${p.batch}/${p.batches}`, loss: p.loss.toFixed(4), acc: pct(p.accuracy), rate: p.samplesPerSecond.toFixed(1),
      });
      if (p.batch === p.batches) {
        bar.log(`epoch ${p.epoch}/${epochs}: loss ${(sum.loss / sum.n).toFixed(4)}, accuracy ${pct(sum.correct / sum.n)}, ${p.samplesPerSecond.toFixed(1)} samples/s`);
        sum = { n: 0, loss: 0, correct: 0 };
      }
    };
    let history: FinetuneHistory;
    try {
      history = await finetune(model, yielding(dataset), { epochs, limit, batchSize, learningRate, inputScaling, backend, onBatch });
    } finally {
      bar.stop();
    }
    await testPause('commit');
    await saveTfjsModel(model, dir);
    const last = history.epochs[history.epochs.length - 1]!;
    const time = history.epochs.reduce((s, e) => s + e.seconds, 0);
    out.write(`trained on tfjs ${history.backend} in ${seconds(time)} (${((epochs * total) / time).toFixed(1)} samples/s)\n`);
    out.write(`final (epoch ${last.epoch}, on the training images): loss ${last.loss.toFixed(4)}, accuracy ${pct(last.accuracy)}\n`);
    out.write(`wrote ${dir}/model.json and ${dir}/weights.bin\n`);
  });
}
