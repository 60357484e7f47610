// The temporal-mode page: sweeps a spiking version of the MNIST CNN over T timesteps on WebGPU
// (the library's sweep(): one simulation, read at every checkpoint), plots accuracy and SynOps
// against T with uPlot, overlays runs of other methods, and lists each run's checkpoints and
// per-layer firing rates. Published as window.__temporal for test/browser/temporal-demo.test.ts.
import { GpuRunner, type DeviceInfo, type ImageDataset } from '../../src/index.js';
import { sweep, type Encoding, type SweepReport, type TemporalBackend } from '../../src/temporal.js';
import { chooseBackend } from '../shared/backend.js';
import { megabytes, mnistDigits } from '../shared/digits.js';
import { $, adapterName, secs, showAdapter, showError, StopButton, Stopped, Waiting } from '../shared/page.js';
import { readDigits } from './digits.js';
import { SweepPlots, type PlottedChart } from './plot.js';
import { isNetChoice, NET_CHOICES, NetSource, type NetChoice } from './source.js';
import { checkpointTable, layerTable } from './tables.js';

export interface RunSettings {
  net: NetChoice;
  digits: number;
  timesteps: number;
  encoding: 'constant' | 'poisson';
  seed: number;
  backend: TemporalBackend;
  /** also run the other backend on the same net and digits */
  compare: boolean;
}

export interface TemporalRun {
  label: string;
  sourceLabel: string;
  settings: RunSettings;
  report: SweepReport;
  /** the other backend's report on the same net and digits, and whether its results are equal */
  comparison?: { backend: TemporalBackend; report: SweepReport; equal: boolean };
  /** wall-clock seconds: the whole wait (downloads, model, calibration, sweeps), and the sweep's first batch and the rest */
  timing: { totalSeconds: number; prepareSeconds: number; firstBatch: { n: number; seconds: number }; steadyDigitsPerSecond: number | null };
}

export interface TemporalDemoState {
  ready: boolean;
  /** 'webgpu', or 'reference' where the browser has no WebGPU */
  backend?: TemporalBackend;
  adapter?: DeviceInfo;
  /** runs stopped by the Stop button */
  stopped: number;
  running: boolean;
  /** runs shown in the plots, oldest first */
  runs: TemporalRun[];
  /** what the two uPlot charts hold */
  plotted?: { accuracy: PlottedChart; synops: PlottedChart };
  error?: string;
}

declare global {
  interface Window {
    __temporal?: TemporalDemoState;
  }
}

const state: TemporalDemoState = { ready: false, running: false, runs: [], stopped: 0 };
window.__temporal = state;

function fail(err: unknown): void {
  state.error = showError('temporal demo', err);
}

/** Everything a sweep computes, without the time it took and the backend that computed it. */
function results(r: SweepReport): string {
  return JSON.stringify([r.rows, r.layers, r.input, r.perStep, r.sourceMacs]);
}

function readSettings(): RunSettings {
  const int = (id: string, what: string, min: number): number => {
    const v = $<HTMLInputElement>(id).valueAsNumber;
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${what}: expected a whole number >= ${min}`);
    return v;
  };
  const net = $<HTMLSelectElement>('net').value;
  if (!isNetChoice(net)) throw new RangeError(`unknown network '${net}'`);
  return {
    net,
    digits: int('digits', 'digits', 1),
    timesteps: int('timesteps', 'timesteps', 1),
    encoding: $<HTMLSelectElement>('encoding').value === 'poisson' ? 'poisson' : 'constant',
    seed: int('seed', 'seed', 0),
    backend: $<HTMLSelectElement>('backend').value === 'reference' ? 'reference' : 'webgpu',
    compare: $<HTMLInputElement>('compare').checked,
  };
}

function runLabel(s: RunSettings, n: number): string {
  const net = NET_CHOICES.find((c) => c.value === s.net)!.short;
  const input = s.encoding === 'poisson' ? `Poisson (seed ${s.seed})` : 'constant';
  return `${net}, ${input}, ${n} digits`;
}

function showRuns(runs: TemporalRun[]): void {
  $('runs').replaceChildren(
    ...runs.map((run, i) => {
      const d = document.createElement('details');
      d.open = i === runs.length - 1;
      const s = document.createElement('summary');
      const r = run.report;
      s.textContent = `${run.label}: T = ${r.timesteps}, ${r.backend}, ${r.seconds.toFixed(1)} s`;
      d.append(s, checkpointTable(r), layerTable(r));
      return d;
    }),
  );
}

function showComparison(run: TemporalRun): void {
  const el = $('reference-result');
  const c = run.comparison;
  el.textContent = c
    ? `${c.backend} backend: ${c.equal ? 'the same' : 'DIFFERENT'} accuracies, SynOps and spikes at every checkpoint and step (${c.report.seconds.toFixed(1)} s)`
    : '';
  el.className = c ? (c.equal ? 'pass' : 'fail') : 'pending';
}

async function runSweep(runner: GpuRunner | undefined, source: NetSource, dataset: (wait: Waiting) => Promise<ImageDataset>, plots: SweepPlots, stop: StopButton): Promise<void> {
  const settings = readSettings();
  const status = $('run-status');
  const progress = $<HTMLProgressElement>('progress');
  const wait = new Waiting(status);
  const say = (text: string) => wait.say(text);
  try {
    progress.value = 0;
    await say('loading the digits…');
    const digits = await readDigits(await dataset(wait), 0, settings.digits);
    progress.removeAttribute('value'); // indeterminate while the model loads and calibrates
    const { net, sourceAccuracy, sourceLabel } = await source.build(settings.net, digits, say);
    const prepareSeconds = wait.seconds;
    const images = { data: Int32Array.from(digits.images), n: digits.n, shape: digits.shape };
    const encoding: Encoding = settings.encoding === 'poisson' ? { kind: 'poisson', seed: settings.seed } : { kind: 'constant' };
    const batchSize = Math.max(settings.backend === 'reference' ? 5 : 25, Math.ceil(digits.n / 20));
    let firstBatch = { n: 0, seconds: 0 };
    let steady: number | null = null;
    const once = async (backend: TemporalBackend, phase: string, timed: boolean) => {
      progress.value = 0;
      await say(`${phase}: 0 / ${digits.n} digits`);
      const t0 = performance.now();
      return sweep(net, images, digits.labels, {
        timesteps: settings.timesteps,
        encoding,
        backend,
        runner: backend === 'webgpu' ? runner : undefined,
        batchSize,
        onProgress: (done, total) => {
          const s = (performance.now() - t0) / 1000;
          if (timed) {
            if (!firstBatch.n) firstBatch = { n: done, seconds: s };
            else steady = (done - firstBatch.n) / (s - firstBatch.seconds);
          }
          progress.value = done / total;
          const rate = timed && steady !== null ? `, ${steady.toFixed(1)} digits/s after the first batch` : '';
          void say(`${phase}: ${done} / ${total} digits${rate}`);
          // Stop: ends the sweep after this batch (sweep() lets the error through and frees its buffers)
          stop.check();
        },
      }, sourceAccuracy);
    };
    const report = await once(settings.backend, `${settings.backend} sweep, T = ${settings.timesteps}`, true);
    const run: TemporalRun = {
      label: runLabel(settings, digits.n), sourceLabel, settings, report,
      timing: { totalSeconds: 0, prepareSeconds, firstBatch, steadyDigitsPerSecond: steady },
    };
    if (settings.compare) {
      const other: TemporalBackend = settings.backend === 'webgpu' ? 'reference' : 'webgpu';
      const again = await once(other, `${other} (comparison)`, false);
      run.comparison = { backend: other, report: again, equal: results(again) === results(report) };
    }
    run.timing.totalSeconds = wait.seconds;
    state.runs = $<HTMLInputElement>('overlay').checked ? [...state.runs, run] : [run];
    state.plotted = plots.show(state.runs);
    showRuns(state.runs);
    showComparison(run);
    const rate = steady === null ? 'one batch' : `first batch of ${firstBatch.n} (warm-up) ${secs(firstBatch.seconds)}, then ${(steady as number).toFixed(1)} digits/s`;
    wait.done(`${run.label}: ${report.n} digits x ${report.timesteps} steps (${report.backend}): ${secs(run.timing.totalSeconds)} in all = `
      + `${secs(prepareSeconds)} loading and preparing + ${secs(report.seconds)} sweep (${rate})`
      + (run.comparison ? ` + ${secs(run.comparison.report.seconds)} comparison` : ''));
  } catch (err) {
    if (err instanceof Stopped) {
      state.stopped++;
      progress.value = 0;
      wait.done(`stopped after ${secs(wait.seconds)}; the partial run is not plotted`);
      return;
    }
    wait.done('');
    throw err;
  }
}

function setupForm(runner: GpuRunner | undefined): void {
  const dataset = (wait: Waiting) => mnistDigits((p) => {
    $<HTMLProgressElement>('progress').value = p.total ? p.loaded / p.total : 0;
    void wait.say(`downloading the test digits: ${megabytes(p)}`);
  });
  const source = new NetSource(() => mnistDigits(), runner ? 'webgpu' : 'reference');
  const stop = new StopButton($<HTMLButtonElement>('stop'));
  if (!runner) {
    // no WebGPU: the reference backend only, on few digits
    const backend = $<HTMLSelectElement>('backend');
    backend.value = 'reference';
    backend.disabled = true;
    $<HTMLInputElement>('compare').disabled = true;
    $<HTMLInputElement>('digits').value = '20';
    $<HTMLInputElement>('timesteps').value = '32';
  }
  const plots = new SweepPlots($('plot-accuracy'), $('plot-synops'));
  $<HTMLSelectElement>('net').replaceChildren(...NET_CHOICES.map((c) => new Option(c.label, c.value)));
  const encoding = $<HTMLSelectElement>('encoding');
  encoding.addEventListener('change', () => ($<HTMLInputElement>('seed').disabled = encoding.value !== 'poisson'));
  $('clear').addEventListener('click', () => {
    state.runs = [];
    state.plotted = undefined;
    plots.clear();
    showRuns([]);
  });
  const button = $<HTMLButtonElement>('run');
  button.disabled = false;
  $<HTMLFormElement>('sweep-form').addEventListener('submit', (e) => {
    e.preventDefault();
    button.disabled = true;
    state.running = true;
    stop.start();
    runSweep(runner, source, dataset, plots, stop)
      .catch(fail)
      .finally(() => {
        button.disabled = false;
        state.running = false;
        stop.end();
      });
  });
}

async function main(): Promise<void> {
  const status = $('status');
  status.textContent = 'requesting a WebGPU adapter…';
  const backend = await chooseBackend('sweeps of about 20 digits to T = 32 take seconds to a minute');
  state.backend = backend.kind;
  if (backend.kind === 'webgpu') {
    state.adapter = backend.acquired.info;
    showAdapter($<HTMLTableElement>('adapter'), backend.acquired.info);
    setupForm(new GpuRunner(backend.acquired.device));
    status.textContent = `ready on ${adapterName(backend.acquired.info)}`;
  } else {
    showAdapter($<HTMLTableElement>('adapter'), null);
    setupForm(undefined);
    status.textContent = 'ready on the CPU reference backend (no WebGPU)';
  }
  status.className = 'pass';
  state.ready = true;
}

main().catch(fail);
