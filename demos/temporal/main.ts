// The temporal-mode page: sweeps a spiking version of the MNIST CNN over T timesteps on WebGPU
// (the library's sweep(): one simulation, read at every checkpoint), plots accuracy and SynOps
// against T with uPlot, overlays runs of other methods, and lists each run's checkpoints and
// per-layer firing rates. Published as window.__temporal for test/browser/temporal-demo.test.ts.
import { defaultDevice, GpuRunner, mnistDataset, type DeviceInfo, type ImageDataset } from '../../src/index.js';
import { sweep, type Encoding, type SweepReport, type TemporalBackend } from '../../src/temporal.js';
import { $, adapterName, showAdapter, showError } from '../shared/page.js';
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
}

export interface TemporalDemoState {
  ready: boolean;
  adapter?: DeviceInfo;
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

const state: TemporalDemoState = { ready: false, running: false, runs: [] };
window.__temporal = state;

function fail(err: unknown): void {
  state.error = showError('temporal demo', err);
}

/** Lets the browser paint (a status line) before synchronous work such as the tfjs calibration. */
const paint = () => new Promise<void>((r) => setTimeout(r, 0));

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

async function runSweep(runner: GpuRunner, source: NetSource, dataset: () => Promise<ImageDataset>, plots: SweepPlots): Promise<void> {
  const settings = readSettings();
  const status = $('run-status');
  const progress = $<HTMLProgressElement>('progress');
  const say = async (text: string) => {
    status.textContent = text;
    await paint();
  };
  progress.value = 0;
  await say('loading the digits…');
  const digits = await readDigits(await dataset(), 0, settings.digits);
  const { net, sourceAccuracy, sourceLabel } = await source.build(settings.net, digits, say);
  const images = { data: Int32Array.from(digits.images), n: digits.n, shape: digits.shape };
  const encoding: Encoding = settings.encoding === 'poisson' ? { kind: 'poisson', seed: settings.seed } : { kind: 'constant' };
  const batchSize = Math.max(25, Math.ceil(digits.n / 20));
  const once = async (backend: TemporalBackend, phase: string) => {
    await say(`${phase}: 0 / ${digits.n} digits`);
    return sweep(net, images, digits.labels, {
      timesteps: settings.timesteps,
      encoding,
      backend,
      runner: backend === 'webgpu' ? runner : undefined,
      batchSize,
      onProgress: (done, total) => {
        progress.value = done / total;
        status.textContent = `${phase}: ${done} / ${total} digits`;
      },
    }, sourceAccuracy);
  };
  const report = await once(settings.backend, `${settings.backend} sweep, T = ${settings.timesteps}`);
  const run: TemporalRun = { label: runLabel(settings, digits.n), sourceLabel, settings, report };
  if (settings.compare) {
    const other: TemporalBackend = settings.backend === 'webgpu' ? 'reference' : 'webgpu';
    const again = await once(other, `${other} (comparison)`);
    run.comparison = { backend: other, report: again, equal: results(again) === results(report) };
  }
  state.runs = $<HTMLInputElement>('overlay').checked ? [...state.runs, run] : [run];
  state.plotted = plots.show(state.runs);
  showRuns(state.runs);
  showComparison(run);
  status.textContent = `${run.label}: ${report.n} digits x ${report.timesteps} steps in ${report.seconds.toFixed(1)} s (${report.backend})`;
}

function setupForm(runner: GpuRunner): void {
  let data: Promise<ImageDataset> | undefined;
  const dataset = () => (data ??= mnistDataset());
  const source = new NetSource(dataset);
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
    runSweep(runner, source, dataset, plots)
      .catch(fail)
      .finally(() => {
        button.disabled = false;
        state.running = false;
      });
  });
}

async function main(): Promise<void> {
  const acquired = await defaultDevice();
  state.adapter = acquired.info;
  showAdapter($<HTMLTableElement>('adapter'), acquired.info);
  setupForm(new GpuRunner(acquired.device));
  const status = $('status');
  status.textContent = `ready on ${adapterName(acquired.info)}`;
  status.className = 'pass';
  state.ready = true;
}

main().catch(fail);
