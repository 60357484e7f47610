// The MNIST page: loads the committed converted model with Model.fetch, classifies what is drawn
// (input, class scores, every layer's spike map) and runs the test set. What it shows is also
// published as window.__mnist for the browser test (test/browser/mnist-demo.test.ts).
import { defaultDevice, mnistDataset, Model, shapeSize, summarize, type DeviceInfo, type ImageDataset } from '../../src/index.js';
import { $, adapterName, showAdapter, showError } from '../shared/page.js';
import { DrawingPad } from './drawing-pad.js';
import { toMnist } from './preprocess.js';
import { showSpikeMaps, type LayerMap } from './spike-maps.js';
import { runTestSet, type Misclassified, type TestSetRun } from './test-set.js';
import { showConfusion, showMisclassified, showStatistics } from './test-set-view.js';
import { drawDigit, showScores } from './views.js';

const MODEL_URL = new URL('../../models/mnist-cnn-q4.akida.json', import.meta.url);

export interface Classified {
  /** what was classified: 'drawing' or 'test digit #<index>' */
  source: string;
  /** the 28 x 28 input fed to the model */
  input: number[];
  scores: number[];
  predicted: number;
  layers: LayerMap[];
  ms: number;
}

export interface MnistDemoState {
  ready: boolean;
  adapter?: DeviceInfo;
  /** classifications so far (the latest is in `classified`) */
  classifications: number;
  classified?: Classified;
  testSet?: Omit<TestSetRun, 'confusion' | 'misclassified'> & {
    confusion: number[][];
    misclassified: number[];
    /** the run used the weight-specialised kernels, compiled in this many seconds (0: already compiled) */
    specialized?: { compileSeconds: number };
  };
  error?: string;
}

declare global {
  interface Window {
    __mnist?: MnistDemoState;
  }
}

const state: MnistDemoState = { ready: false, classifications: 0 };
window.__mnist = state;

function fail(err: unknown): void {
  state.error = showError('mnist demo', err);
}

/**
 * GPU work runs one job at a time (a stroke that ends during a test-set run waits for it), so
 * the model's statistics cover exactly one job and no two forwards share its buffers.
 */
let queue: Promise<unknown> = Promise.resolve();
function serial<T>(job: () => Promise<T>): Promise<T> {
  const next = queue.then(job);
  queue = next.catch(() => undefined);
  return next;
}

function classify(model: Model, input: Uint8Array, source: string): void {
  serial(async () => {
    const t0 = performance.now();
    const layers = await model.forwardAll(input);
    const ms = performance.now() - t0;
    const last = layers[layers.length - 1]!;
    const scores = Array.from(model.rescaleOutput(last).data);
    const predicted = model.classesOf(last)[0]!;
    drawDigit($<HTMLCanvasElement>('input'), input);
    showScores($('scores'), scores, predicted);
    $('predicted').textContent = String(predicted);
    $('source').textContent = source;
    $('timing').textContent = `${ms.toFixed(1)} ms on the GPU (every layer read back)`;
    const maps = showSpikeMaps($('maps'), layers, summarize(model.spec).rows);
    state.classified = { source, input: Array.from(input), scores, predicted, layers: maps, ms };
    state.classifications++;
  }).catch(fail);
}

function setupTestSet(model: Model, pad: DrawingPad): void {
  let dataset: Promise<ImageDataset> | undefined;
  // the same model with its weights compiled into the conv shaders, built on first use
  let specialized: Model | undefined;
  const button = $<HTMLButtonElement>('test-run');
  button.disabled = false;
  $<HTMLFormElement>('test-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const limit = $<HTMLInputElement>('test-n').valueAsNumber;
    const batchSize = $<HTMLInputElement>('test-batch').valueAsNumber;
    const compare = $<HTMLInputElement>('test-reference').checked;
    const specialize = $<HTMLInputElement>('test-specialize').checked;
    const status = $('test-status');
    const progress = $<HTMLProgressElement>('test-progress');
    if (!(limit >= 1 && batchSize >= 1)) {
      status.textContent = 'digits and batch must be positive whole numbers';
      return;
    }
    button.disabled = true;
    state.testSet = undefined;
    void (async () => {
      status.textContent = 'loading the digits…';
      dataset ??= mnistDataset();
      const data = await dataset;
      const total = Math.min(limit, data.count);
      status.textContent = `0 / ${total}`;
      progress.value = 0;
      const reference = compare ? new Model(model.spec, { backend: 'reference' }) : undefined;
      let compileSeconds = 0;
      if (specialize && !specialized) {
        status.textContent = 'compiling the weights into the shaders…';
        const t0 = performance.now();
        const m = new Model(model.spec, { backend: 'webgpu', specialize: 'auto' });
        await serial(() => m.forward(new Uint8Array(shapeSize(m.inputShape))));
        compileSeconds = (performance.now() - t0) / 1000;
        specialized = m;
      }
      const runner = specialize ? specialized! : model;
      const run = await serial(() => runTestSet(runner, data, {
        limit: total,
        batchSize,
        reference,
        onProgress: (p) => {
          progress.value = p.done / p.total;
          status.textContent = `${p.done} / ${p.total}`;
          $('test-accuracy').textContent = `${((100 * p.correct) / p.done).toFixed(2)}% (${p.correct} / ${p.done})`;
          $('test-rate').textContent = p.samplesPerSecond.toFixed(0);
        },
      }));
      showResult(model, pad, run, specialize ? { compileSeconds } : undefined);
    })()
      .catch(fail)
      .finally(() => (button.disabled = false));
  });
}

function showResult(model: Model, pad: DrawingPad, run: TestSetRun, specialized?: { compileSeconds: number }): void {
  const compiled = !specialized ? '' : specialized.compileSeconds > 0
    ? `, weights compiled into the shaders in ${specialized.compileSeconds.toFixed(1)} s`
    : ', weights compiled into the shaders';
  $('test-status').textContent = `${run.n} digits in ${run.seconds.toFixed(1)} s${compiled}`;
  $('test-accuracy').textContent = `${(100 * run.accuracy).toFixed(2)}% (${run.correct} / ${run.n})`;
  $('test-rate').textContent = run.samplesPerSecond.toFixed(0);
  const ref = run.reference;
  let same = 0;
  if (ref) for (let i = 0; i < run.n; i++) if (ref.predictions[i] === run.predictions[i]) same++;
  const refCell = $('test-reference-result');
  refCell.textContent = ref
    ? `same class on ${same} / ${run.n}; integer outputs differ on ${ref.outputsDiffer}`
    : 'not compared';
  refCell.className = ref ? (same === run.n && ref.outputsDiffer === 0 ? 'num pass' : 'num fail') : 'num';
  showConfusion($<HTMLTableElement>('confusion'), run.confusion);
  showStatistics($<HTMLTableElement>('test-spikes'), run.statistics);
  showMisclassified($('errors'), run.misclassified, (m: Misclassified) => {
    pad.showDigit(m.pixels);
    classify(model, m.pixels, `test digit #${m.index} (label ${m.label})`);
    $('pad').scrollIntoView({ behavior: 'smooth', block: 'center' });
  });
  const { confusion, misclassified, ...rest } = run;
  state.testSet = { ...rest, confusion: confusion.rows(), misclassified: misclassified.map((m) => m.index), ...(specialized && { specialized }) };
}

async function main(): Promise<void> {
  const acquired = await defaultDevice();
  state.adapter = acquired.info;
  showAdapter($<HTMLTableElement>('adapter'), acquired.info);
  $('status').textContent = 'loading the model…';
  const model = await Model.fetch(MODEL_URL, { backend: 'webgpu' });
  $('summary').textContent = model.summary();
  // one blank digit builds the GPU pipelines now, so the first stroke and the first test-set
  // rate do not pay for shader compilation
  $('status').textContent = 'compiling the GPU pipelines…';
  await model.forward(new Uint8Array(shapeSize(model.inputShape)));
  model.resetStatistics();
  const pad = new DrawingPad($<HTMLCanvasElement>('pad'), () => {
    const input = toMnist(pad.ink());
    if (input.some((v) => v > 0)) classify(model, input, 'drawing');
  });
  $('clear').addEventListener('click', () => pad.clear());
  setupTestSet(model, pad);
  const status = $('status');
  status.textContent = `ready: ${model.spec.name ?? 'the model'} on ${adapterName(acquired.info)}`;
  status.className = 'pass';
  state.ready = true;
}

main().catch(fail);
