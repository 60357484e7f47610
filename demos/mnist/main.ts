// The MNIST page: loads the committed converted model with Model.fetch, classifies what is drawn
// (input, class probabilities, every layer's spike map) and runs the test set. Runs on WebGPU,
// or, where the browser has none, on the CPU reference backend after the visitor agrees
// (demos/shared/backend.ts). What it shows is also published as window.__mnist for the browser
// tests (test/browser/mnist-demo.test.ts, no-webgpu.test.ts, static-site.test.ts).
import { Model, shapeSize, summarize, type Backend, type DeviceInfo, type ImageDataset } from '../../src/index.js';
import { chooseBackend } from '../shared/backend.js';
import { megabytes, mnistDigits } from '../shared/digits.js';
import { $, adapterName, showAdapter, showError, StopButton, Waiting, secs } from '../shared/page.js';
import { DrawingPad } from './drawing-pad.js';
import { toMnist } from './preprocess.js';
import { showSpikeMaps, type LayerMap } from './spike-maps.js';
import { runTestSet, type Misclassified, type TestSetRun } from './test-set.js';
import { showConfusion, showMisclassified, showStatistics } from './test-set-view.js';
import { drawDigit, showScores } from './views.js';

/** relative to the page (dev server and static site alike; not bundled by vite) */
const MODEL_PATH = '../../models/mnist-cnn-q4.akida.json';

export interface Classified {
  /** what was classified: 'drawing' or 'test digit #<index>' */
  source: string;
  /** the 28 x 28 input fed to the model */
  input: number[];
  scores: number[];
  /** softmax of the scores, as shown */
  probabilities: number[];
  predicted: number;
  layers: LayerMap[];
  ms: number;
}

export interface MnistDemoState {
  ready: boolean;
  /** 'webgpu', or 'reference' where the browser has no WebGPU */
  backend?: Backend;
  adapter?: DeviceInfo;
  /** classifications so far (the latest is in `classified`) */
  classifications: number;
  classified?: Classified;
  /** times Clear was pressed */
  cleared: number;
  testSet?: Omit<TestSetRun, 'confusion' | 'misclassified'> & {
    confusion: number[][];
    misclassified: number[];
    /** the run used the weight-specialised kernels, compiled in this many seconds (0: already compiled) */
    specialized?: { compileSeconds: number };
  };
  /** the test set is running */
  testRunning: boolean;
  error?: string;
}

declare global {
  interface Window {
    __mnist?: MnistDemoState;
  }
}

const state: MnistDemoState = { ready: false, classifications: 0, cleared: 0, testRunning: false };
window.__mnist = state;

function fail(err: unknown): void {
  state.error = showError('mnist demo', err);
}

/**
 * Model work runs one job at a time (a stroke that ends during a test-set run waits for it), so
 * the model's statistics cover exactly one job and no two forwards share its buffers.
 */
let queue: Promise<unknown> = Promise.resolve();
function serial<T>(job: () => Promise<T>): Promise<T> {
  const next = queue.then(job);
  queue = next.catch(() => undefined);
  return next;
}

/** Classification requests are numbered; a Clear voids the ones still pending. */
let generation = 0;

function classify(model: Model, input: Uint8Array, source: string): void {
  const mine = generation;
  serial(async () => {
    if (mine !== generation) return;
    const t0 = performance.now();
    const layers = await model.forwardAll(input);
    const ms = performance.now() - t0;
    if (mine !== generation) return; // cleared meanwhile
    const last = layers[layers.length - 1]!;
    // predict() * metadata.outputScale is the float model's logits (the converter records the
    // unit its rescaled potentials are in): their softmax reads as the float model's would
    const outputScale = Number((model.spec.metadata as { outputScale?: unknown } | undefined)?.outputScale ?? 1) || 1;
    const scores = Array.from(model.rescaleOutput(last).data, (v) => v * outputScale);
    const predicted = model.classesOf(last)[0]!;
    drawDigit($<HTMLCanvasElement>('input'), input);
    const probabilities = showScores($('scores'), scores, predicted);
    $('predicted').textContent = String(predicted);
    $('confidence').textContent = `${(100 * probabilities[predicted]!).toFixed(1)}%`;
    $('source').textContent = source;
    $('timing').textContent = model.backend === 'webgpu'
      ? `${ms.toFixed(1)} ms on the GPU (every layer read back)`
      : `${ms.toFixed(1)} ms on the CPU reference backend`;
    const maps = showSpikeMaps($('maps'), layers, summarize(model.spec).rows);
    state.classified = { source, input: Array.from(input), scores, probabilities, predicted, layers: maps, ms };
    state.classifications++;
  }).catch(fail);
}

/** Clear: the drawing, the prediction, the scores and the spike maps. */
function clearAll(pad: DrawingPad): void {
  generation++;
  pad.clear();
  const input = $<HTMLCanvasElement>('input');
  input.getContext('2d')!.clearRect(0, 0, input.width, input.height);
  $('predicted').textContent = '–';
  $('confidence').textContent = '';
  $('scores').replaceChildren();
  $('source').textContent = '';
  $('timing').textContent = '';
  $('maps').replaceChildren();
  state.classified = undefined;
  state.cleared++;
}

function setupTestSet(model: Model, pad: DrawingPad): void {
  let specialized: Model | undefined;
  const reference = model.backend === 'reference';
  const button = $<HTMLButtonElement>('test-run');
  const stop = new StopButton($<HTMLButtonElement>('test-stop'));
  if (reference) {
    // on the CPU the model is the reference: no comparison, no shaders; small runs
    for (const id of ['test-reference', 'test-specialize']) $<HTMLInputElement>(id).disabled = true;
    $<HTMLInputElement>('test-n').value = '100';
    $<HTMLInputElement>('test-batch').value = '25';
    $<HTMLTableCellElement>('test-forward-rate').previousElementSibling!.textContent = 'digits/s inside model.forward (whole run, CPU reference)';
  }
  button.disabled = false;
  $<HTMLFormElement>('test-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const limit = $<HTMLInputElement>('test-n').valueAsNumber;
    const batchSize = $<HTMLInputElement>('test-batch').valueAsNumber;
    const compare = !reference && $<HTMLInputElement>('test-reference').checked;
    const specialize = !reference && $<HTMLInputElement>('test-specialize').checked;
    const status = $('test-status');
    const progress = $<HTMLProgressElement>('test-progress');
    if (!(limit >= 1 && batchSize >= 1)) {
      status.textContent = 'digits and batch must be positive whole numbers';
      return;
    }
    button.disabled = true;
    state.testSet = undefined;
    state.testRunning = true;
    stop.start();
    const wait = new Waiting(status);
    void (async () => {
      await wait.say('downloading the test digits…');
      const data: ImageDataset = await mnistDigits((p) => {
        progress.value = p.total ? p.loaded / p.total : 0;
        void wait.say(`downloading the test digits: ${megabytes(p)}`);
      });
      const total = Math.min(limit, data.count);
      progress.value = 0;
      const referenceModel = compare ? new Model(model.spec, { backend: 'reference' }) : undefined;
      let compileSeconds = 0;
      if (specialize && !specialized) {
        await wait.say('compiling the weights into the shaders…');
        progress.removeAttribute('value'); // indeterminate
        const t0 = performance.now();
        const m = new Model(model.spec, { backend: 'webgpu', specialize: 'auto' });
        await serial(() => m.forward(new Uint8Array(shapeSize(m.inputShape))));
        compileSeconds = (performance.now() - t0) / 1000;
        specialized = m;
        progress.value = 0;
      }
      const runner = specialize ? specialized! : model;
      await wait.say(`0 / ${total} digits`);
      const run = await serial(() => runTestSet(runner, data, {
        limit: total,
        batchSize,
        reference: referenceModel,
        stop: () => stop.requested,
        onProgress: (p) => {
          progress.value = p.done / p.total;
          void wait.say(`${p.done} / ${p.total} digits`);
          $('test-accuracy').textContent = `${((100 * p.correct) / p.done).toFixed(2)}% (${p.correct} / ${p.done})`;
          $('test-rate').textContent = p.steadySamplesPerSecond === undefined ? 'after the first batch…' : p.steadySamplesPerSecond.toFixed(0);
        },
      }));
      wait.done();
      showResult(model, pad, run, specialize ? { compileSeconds } : undefined);
    })()
      .catch((err: unknown) => {
        wait.done('');
        fail(err);
      })
      .finally(() => {
        button.disabled = false;
        state.testRunning = false;
        stop.end();
      });
  });
}

function showResult(model: Model, pad: DrawingPad, run: TestSetRun, specialized?: { compileSeconds: number }): void {
  const compiled = !specialized ? '' : specialized.compileSeconds > 0
    ? `, weights compiled into the shaders in ${specialized.compileSeconds.toFixed(1)} s`
    : ', weights compiled into the shaders';
  const stopped = run.stopped ? ' (stopped)' : '';
  $('test-status').textContent = `${run.n} digits in ${run.seconds.toFixed(1)} s${stopped}${compiled}`;
  $('test-accuracy').textContent = run.n ? `${(100 * run.accuracy).toFixed(2)}% (${run.correct} / ${run.n})` : '–';
  $('test-warmup').textContent = run.warmup.n ? `${run.warmup.n} digits in ${secs(run.warmup.seconds)}` : '–';
  $('test-rate').textContent = run.steadySamplesPerSecond === null ? '– (one batch only)' : run.steadySamplesPerSecond.toFixed(0);
  $('test-forward-rate').textContent = run.samplesPerSecond.toFixed(0);
  const ref = run.reference;
  let same = 0;
  if (ref) for (let i = 0; i < run.n; i++) if (ref.predictions[i] === run.predictions[i]) same++;
  const refCell = $('test-reference-result');
  refCell.textContent = ref
    ? `same class on ${same} / ${run.n}; integer outputs differ on ${ref.outputsDiffer}`
    : model.backend === 'reference' ? 'the model runs on the reference itself' : 'not compared';
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
  const status = $('status');
  const wait = new Waiting(status);
  await wait.say('requesting a WebGPU adapter…');
  const backend = await chooseBackend('drawing works; test runs of about 100 digits take seconds');
  state.backend = backend.kind;
  if (backend.kind === 'webgpu') state.adapter = backend.acquired.info;
  showAdapter($<HTMLTableElement>('adapter'), backend.kind === 'webgpu' ? backend.acquired.info : null);
  await wait.say('loading the model…');
  const model = await Model.fetch(new URL(MODEL_PATH, location.href), { backend: backend.kind });
  $('summary').textContent = model.summary();
  if (backend.kind === 'webgpu') {
    // one blank digit builds the GPU pipelines now, so the first stroke and the first test-set
    // rate do not pay for shader compilation
    await wait.say('compiling the GPU pipelines…');
    await model.forward(new Uint8Array(shapeSize(model.inputShape)));
    model.resetStatistics();
  }
  const pad = new DrawingPad($<HTMLCanvasElement>('pad'), () => {
    const input = toMnist(pad.ink());
    if (input.some((v) => v > 0)) classify(model, input, 'drawing');
  });
  $('clear').addEventListener('click', () => clearAll(pad));
  setupTestSet(model, pad);
  wait.done(backend.kind === 'webgpu'
    ? `ready: ${model.spec.name ?? 'the model'} on ${adapterName(backend.acquired.info)} (${secs(wait.seconds)})`
    : `ready: ${model.spec.name ?? 'the model'} on the CPU reference backend (no WebGPU)`);
  status.className = 'pass';
  state.ready = true;
}

main().catch(fail);
