// Spikes over time: one digit through a spiking MNIST net, recorded step by step by the temporal
// engine (TemporalOptions.record) on WebGPU (simulateGpu) or on the CPU reference (simulate):
// a raster of a chosen layer's spikes, the readout layer's membrane potentials with the
// threshold, and the class decision after every step, with play / pause / step. Published as
// window.__spikes for test/browser/spikes-demo.test.ts.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { GpuRunner, Model, type DeviceInfo } from '../../src/index.js';
import {
  readoutPredictions,
  simulate,
  simulateGpu,
  spikingNetFromModel,
  type Encoding,
  type ReadoutKind,
  type ResetMode,
  type SpikingNet,
  type TemporalResult,
} from '../../src/temporal.js';
import { chooseBackend } from '../shared/backend.js';
import { megabytes, mnistDigits } from '../shared/digits.js';
import { $, adapterName, secs, showAdapter, showError, Waiting } from '../shared/page.js';
import { DrawingPad } from '../mnist/drawing-pad.js';
import { toMnist } from '../mnist/preprocess.js';
import { drawDigit } from '../mnist/views.js';

const INTEGER_PATH = '../../models/mnist-cnn-q4.akida.json';
/** rows of the raster at most: larger layers show their most active neurons */
export const MAX_ROWS = 256;
const CLASS_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface SpikesRun {
  net: 'integer' | 'ecc';
  backend: 'webgpu' | 'reference';
  /** what was run: 'drawing' or 'test digit #k' */
  source: string;
  digitIndex: number | null;
  input: number[];
  timesteps: number;
  encoding: string;
  reset: ResetMode;
  readout: ReadoutKind;
  layer: number;
  layerName: string;
  /** neurons in the layer */
  layerNeurons: number;
  /** the neurons shown in the raster (indices into the layer's neuronShape, NHWC), top to bottom */
  shown: number[];
  /** raster[row][t]: the shown neuron's spike at step t (0-based), from the recording */
  raster: number[][];
  /** neurons of the layer that fired at least once */
  active: number;
  /** the readout layer's membrane after each step, per output neuron: membrane[t][k] */
  membrane: number[][];
  /** per output neuron, or null when the readout layer never fires */
  threshold: number[] | null;
  /** class decided after 1..T steps */
  decisions: number[];
  seconds: number;
}

export interface SpikesDemoState {
  ready: boolean;
  backend?: 'webgpu' | 'reference';
  adapter?: DeviceInfo;
  running: boolean;
  runs: number;
  run?: SpikesRun;
  /** the step shown (1..T) */
  step: number;
  playing: boolean;
  error?: string;
}

declare global {
  interface Window {
    __spikes?: SpikesDemoState;
  }
}

const state: SpikesDemoState = { ready: false, running: false, runs: 0, step: 0, playing: false };
window.__spikes = state;

function fail(err: unknown): void {
  state.running = false;
  state.error = showError('spikes demo', err);
}

interface Nets {
  integer?: Promise<SpikingNet>;
  ecc?: Promise<SpikingNet>;
}

/** The digit to run: drawn or picked. */
let digit: { pixels: Uint8Array; source: string; index: number | null } | undefined;

function setDigit(pixels: Uint8Array, source: string, index: number | null): void {
  digit = { pixels, source, index };
  drawDigit($<HTMLCanvasElement>('input'), pixels);
  $('digit-source').textContent = source;
}

// ---- the views -------------------------------------------------------------------------------

/** The raster's rows: every neuron, or the MAX_ROWS most active (ties: lowest index), grouped by channel. */
function pickRows(res: TemporalResult, size: number, channels: number, T: number): { rows: number[]; active: number } {
  const rec = res.recording!;
  const counts = new Int32Array(size);
  for (let t = 0; t < T; t++) for (let j = 0; j < size; j++) counts[j]! += rec.spikes[t * size + j]!;
  const active = counts.reduce((a, c) => a + (c > 0 ? 1 : 0), 0);
  let rows = Array.from({ length: size }, (_, j) => j);
  if (size > MAX_ROWS) rows = rows.sort((a, b) => counts[b]! - counts[a]! || a - b).slice(0, MAX_ROWS);
  rows.sort((a, b) => (a % channels) - (b % channels) || a - b);
  return { rows, active };
}

const MARGIN = { left: 58, bottom: 34, top: 6, right: 8 };

function drawRaster(run: SpikesRun, step: number): void {
  const canvas = $<HTMLCanvasElement>('raster');
  const T = run.timesteps;
  const rows = run.shown.length;
  const cw = Math.max(2, Math.floor(640 / T));
  const ch = Math.max(2, Math.min(12, Math.floor(360 / rows)));
  canvas.width = MARGIN.left + T * cw + MARGIN.right;
  canvas.height = MARGIN.top + rows * ch + MARGIN.bottom;
  canvas.style.maxWidth = `${canvas.width}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  // steps not played yet are shaded
  ctx.fillStyle = '#f0f0f3';
  ctx.fillRect(MARGIN.left + step * cw, MARGIN.top, (T - step) * cw, rows * ch);
  for (let r = 0; r < rows; r++) {
    const line = run.raster[r]!;
    for (let t = 0; t < T; t++) {
      if (!line[t]) continue;
      ctx.fillStyle = t < step ? '#111' : '#b8b8c0';
      ctx.fillRect(MARGIN.left + t * cw, MARGIN.top + r * ch, Math.max(1, cw - (cw > 3 ? 1 : 0)), Math.max(1, ch - (ch > 3 ? 1 : 0)));
    }
  }
  // the current step
  ctx.strokeStyle = '#d62728';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(MARGIN.left + step * cw - 0.5, MARGIN.top);
  ctx.lineTo(MARGIN.left + step * cw - 0.5, MARGIN.top + rows * ch);
  ctx.stroke();
  // axes
  ctx.fillStyle = '#333';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  const every = Math.max(1, Math.ceil(T / 8));
  for (let t = 0; t < T; t += every) ctx.fillText(String(t + 1), MARGIN.left + t * cw + cw / 2, MARGIN.top + rows * ch + 12);
  ctx.fillText('timestep t (1 … T)', MARGIN.left + (T * cw) / 2, canvas.height - 4);
  ctx.save();
  ctx.translate(12, MARGIN.top + (rows * ch) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`neuron (${rows} rows)`, 0, 0);
  ctx.restore();
  ctx.textAlign = 'right';
  const rowEvery = Math.max(1, Math.ceil(rows / 8));
  for (let r = 0; r < rows; r += rowEvery) ctx.fillText(`#${run.shown[r]}`, MARGIN.left - 4, MARGIN.top + r * ch + ch / 2 + 4);
}

let membranePlot: uPlot | undefined;

function drawMembrane(run: SpikesRun): void {
  const target = $('plot-membrane');
  membranePlot?.destroy();
  const T = run.timesteps;
  const x = Array.from({ length: T }, (_, t) => t + 1);
  const units = run.membrane[0]?.length ?? 0;
  // with a threshold, potentials are drawn in thresholds (v / theta), the threshold at 1
  const scaled = run.threshold !== null;
  const series: uPlot.Series[] = [{ label: 'step' }];
  const data: Array<Array<number | null>> = [x];
  for (let k = 0; k < units; k++) {
    series.push({ label: `class ${k}`, stroke: CLASS_COLOURS[k % CLASS_COLOURS.length], width: 1.5, value: (_u, v) => (v === null ? '–' : v.toFixed(scaled ? 3 : 0)) });
    data.push(run.membrane.map((m) => (scaled ? m[k]! / run.threshold![k]! : m[k]!)));
  }
  if (scaled) {
    series.push({ label: 'threshold θ', stroke: '#000', width: 1, dash: [6, 4], points: { show: false } });
    data.push(x.map(() => 1));
  }
  const playhead = (u: uPlot) => {
    const px = u.valToPos(state.step, 'x', true);
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = '#d62728';
    ctx.beginPath();
    ctx.moveTo(px, u.bbox.top);
    ctx.lineTo(px, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  };
  membranePlot = new uPlot({
    title: scaled ? 'Membrane potential of each output neuron, in thresholds' : 'Membrane potential of each output neuron (the readout never fires)',
    width: Math.max(320, Math.min(target.clientWidth || 800, 900)),
    height: 280,
    scales: { x: { time: false } },
    axes: [
      { label: 'timestep t' },
      { label: scaled ? 'v / θ (thresholds)' : 'v (integer units)', size: 80 },
    ],
    series,
    hooks: { draw: [playhead] },
  }, data as uPlot.AlignedData, target);
}

function showStep(step: number): void {
  const run = state.run;
  if (!run) return;
  state.step = Math.max(1, Math.min(run.timesteps, step));
  $<HTMLInputElement>('scrub').value = String(state.step);
  $('step-label').textContent = `step ${state.step} / ${run.timesteps}`;
  const d = run.decisions[state.step - 1]!;
  const final = run.decisions[run.timesteps - 1]!;
  $('decision').innerHTML = '';
  const b = document.createElement('b');
  b.textContent = String(d);
  $('decision').append(`Decision after ${state.step} step${state.step === 1 ? '' : 's'} (${run.readout} readout): `, b,
    d === final ? ' (the final class)' : ` (final: ${final})`);
  $('decision').className = '';
  drawRaster(run, state.step);
  membranePlot?.redraw(false, false);
}

/** "steps 1–3: 4, steps 4–32: 7" */
function showTimeline(run: SpikesRun): void {
  const parts: string[] = [];
  let start = 0;
  for (let t = 1; t <= run.decisions.length; t++) {
    if (t === run.decisions.length || run.decisions[t] !== run.decisions[start]) {
      parts.push(`${start + 1 === t ? `step ${t}` : `steps ${start + 1}–${t}`}: ${run.decisions[start]}`);
      start = t;
    }
  }
  $('timeline').textContent = `The decision over time: ${parts.join('; ')}.`;
  $('timeline').className = 'caption';
}

// ---- running ---------------------------------------------------------------------------------

async function netFor(choice: 'integer' | 'ecc', nets: Nets, backend: 'webgpu' | 'reference', wait: Waiting): Promise<SpikingNet> {
  if (choice === 'integer') {
    nets.integer ??= Model.fetch(new URL(INTEGER_PATH, location.href), { backend }).then((m) => spikingNetFromModel(m.spec));
    return nets.integer.catch((err: unknown) => {
      nets.integer = undefined;
      throw err;
    });
  }
  nets.ecc ??= (async () => {
    await wait.say('loading tfjs and the float model…');
    const { NetSource } = await import('../temporal/source.js');
    const source = new NetSource(() => mnistDigits((p) => void wait.say(`downloading the test digits (for the calibration): ${megabytes(p)}`)), backend);
    const one = { images: new Uint8Array(784), labels: new Int32Array(1), n: 1, shape: [28, 28, 1] as [number, number, number] };
    return (await source.build('ecc', one, (text) => wait.say(text))).net;
  })().catch((err: unknown) => {
    nets.ecc = undefined;
    throw err;
  });
  return nets.ecc;
}

async function run(runner: GpuRunner | undefined, nets: Nets): Promise<void> {
  if (!digit) throw new Error('draw a digit or pick a test digit first');
  const status = $('run-status');
  const progress = $<HTMLProgressElement>('progress');
  const wait = new Waiting(status);
  try {
    progress.removeAttribute('value');
    const choice = $<HTMLSelectElement>('net').value === 'ecc' ? 'ecc' : 'integer';
    const T = $<HTMLInputElement>('timesteps').valueAsNumber;
    if (!Number.isInteger(T) || T < 1 || T > 1024) throw new RangeError('timesteps: a whole number from 1 to 1024');
    const poisson = $<HTMLSelectElement>('encoding').value === 'poisson';
    const seed = $<HTMLInputElement>('seed').valueAsNumber;
    const encoding: Encoding = poisson ? { kind: 'poisson', seed: Number.isInteger(seed) && seed >= 0 ? seed : 1 } : { kind: 'constant' };
    const reset = $<HTMLSelectElement>('reset').value as ResetMode;
    const readout = $<HTMLSelectElement>('readout').value as ReadoutKind;
    const backend = runner && $<HTMLSelectElement>('backend').value === 'webgpu' ? 'webgpu' : 'reference';
    await wait.say('loading the network…');
    const net = await netFor(choice, nets, runner ? 'webgpu' : 'reference', wait);
    const layer = Math.min(Number($<HTMLSelectElement>('layer').value) || 0, net.layers.length - 1);
    const L = net.layers[layer]!;
    const size = L.neuronShape[0] * L.neuronShape[1] * L.neuronShape[2];
    const input = { data: Int32Array.from(digit.pixels), n: 1, shape: net.input.shape };
    const opts = { timesteps: T, encoding, reset, record: { layer } };
    await wait.say(`simulating ${T} steps on ${backend === 'webgpu' ? 'the GPU' : 'the CPU reference'} (recording every step)…`);
    const t0 = performance.now();
    const res = backend === 'webgpu' ? await simulateGpu(runner!, net, input, opts) : simulate(net, input, opts);
    const seconds = (performance.now() - t0) / 1000;
    const rec = res.recording!;
    const { rows, active } = pickRows(res, size, L.neuronShape[2], T);
    const last = net.layers[net.layers.length - 1]!;
    const theta = last.neurons.theta;
    const units = res.units;
    const c = last.neuronShape[2];
    state.run = {
      net: choice,
      backend,
      source: digit.source,
      digitIndex: digit.index,
      input: Array.from(digit.pixels),
      timesteps: T,
      encoding: poisson ? `poisson (seed ${(encoding as { seed: number }).seed})` : 'constant',
      reset,
      readout,
      layer,
      layerName: L.name,
      layerNeurons: size,
      shown: rows,
      raster: rows.map((j) => Array.from({ length: T }, (_, t) => rec.spikes[t * size + j]!)),
      active,
      membrane: rec.steps.map((s) => Array.from(s.membrane)),
      threshold: theta ? Array.from({ length: units }, (_, k) => theta[k % c]!) : null,
      decisions: rec.steps.map((s) => readoutPredictions(s, units, net.readoutScale, readout)[0]!),
      seconds,
    };
    const r = state.run;
    $('raster-caption').textContent = `${L.name}: ${size.toLocaleString('en')} neurons (${L.neuronShape.join('×')}), ${active.toLocaleString('en')} fired at least once. `
      + (size > MAX_ROWS ? `Showing the ${MAX_ROWS} most active, ` : 'Showing every neuron, ')
      + 'grouped by channel (row label: the neuron\'s NHWC index). Black: a spike at that step; grey: a spike after the current step (red line); shaded: steps not played yet.';
    $('membrane-caption').textContent = r.threshold
      ? 'The readout layer fires: each line is v / θ of one output neuron (θ its threshold, the dashed line at 1); a neuron that reaches it spikes and is reset ' + (reset === 'subtract' ? 'by subtracting θ.' : 'to zero.')
      : 'The readout layer never fires (a potential readout): each line is the membrane potential v of one output neuron, in the integer units of the model; there is no threshold to draw.';
    drawMembrane(r);
    showTimeline(r);
    const scrub = $<HTMLInputElement>('scrub');
    scrub.max = String(T);
    for (const id of ['play', 'step', 'step-back', 'scrub']) $<HTMLButtonElement>(id).disabled = false;
    showStep(T);
    progress.value = 1;
    state.runs++;
    wait.done(`${r.source}: ${T} steps of ${choice === 'integer' ? 'the integer net' : 'the ECC float net'} on ${backend === 'webgpu' ? 'WebGPU' : 'the CPU reference'} in ${secs(seconds)} (${secs(wait.seconds)} with loading); final class ${r.decisions[T - 1]}`);
  } catch (err) {
    progress.value = 0;
    wait.done('');
    throw err;
  }
}

function setupPlayer(): void {
  let timer: ReturnType<typeof setInterval> | undefined;
  const play = $<HTMLButtonElement>('play');
  const pause = () => {
    clearInterval(timer);
    timer = undefined;
    state.playing = false;
    play.textContent = 'Play';
  };
  play.addEventListener('click', () => {
    if (timer) return pause();
    if (!state.run) return;
    if (state.step >= state.run.timesteps) showStep(1);
    state.playing = true;
    play.textContent = 'Pause';
    const interval = Math.max(30, Math.min(250, 4000 / state.run.timesteps));
    timer = setInterval(() => {
      if (!state.run || state.step >= state.run.timesteps) return pause();
      showStep(state.step + 1);
    }, interval);
  });
  $('step').addEventListener('click', () => {
    pause();
    showStep(state.step + 1);
  });
  $('step-back').addEventListener('click', () => {
    pause();
    showStep(state.step - 1);
  });
  $<HTMLInputElement>('scrub').addEventListener('input', (e) => {
    pause();
    showStep(Number((e.target as HTMLInputElement).value));
  });
}

async function main(): Promise<void> {
  const status = $('status');
  status.textContent = 'requesting a WebGPU adapter…';
  const backend = await chooseBackend('one digit to T = 32 takes about a second');
  state.backend = backend.kind;
  const runner = backend.kind === 'webgpu' ? new GpuRunner(backend.acquired.device) : undefined;
  showAdapter($<HTMLTableElement>('adapter'), backend.kind === 'webgpu' ? backend.acquired.info : null);
  if (backend.kind === 'webgpu') state.adapter = backend.acquired.info;
  else {
    const sel = $<HTMLSelectElement>('backend');
    sel.value = 'reference';
    sel.disabled = true;
  }
  const nets: Nets = {};
  // the layer selector: the integer net's layers (the float net has the same four blocks)
  const names = ['conv1', 'conv2', 'sep3', 'dense (readout)'];
  $<HTMLSelectElement>('layer').replaceChildren(...names.map((n, i) => new Option(n, String(i), i === 1, i === 1)));
  const encoding = $<HTMLSelectElement>('encoding');
  encoding.addEventListener('change', () => ($<HTMLInputElement>('seed').disabled = encoding.value !== 'poisson'));

  const pad = new DrawingPad($<HTMLCanvasElement>('pad'), () => {
    const input = toMnist(pad.ink());
    if (input.some((v) => v > 0)) setDigit(input, 'drawing', null);
  });
  $('clear').addEventListener('click', () => {
    pad.clear();
    digit = undefined;
    const input = $<HTMLCanvasElement>('input');
    input.getContext('2d')!.clearRect(0, 0, input.width, input.height);
    $('digit-source').textContent = 'draw a digit, or pick a test digit';
  });
  const use = $<HTMLButtonElement>('use-digit');
  use.disabled = false;
  use.addEventListener('click', () => {
    const wait = new Waiting($('digit-source'));
    const k = $<HTMLInputElement>('digit-index').valueAsNumber;
    void (async () => {
      await wait.say('downloading the test digits…');
      const data = await mnistDigits((p) => void wait.say(`downloading the test digits: ${megabytes(p)}`));
      if (!Number.isInteger(k) || k < 0 || k >= data.count) throw new RangeError(`test digit: a whole number from 0 to ${data.count - 1}`);
      for await (const b of data.batches({ limit: k + 1, batchSize: k + 1 })) {
        const pixels = b.images.slice(k * 784, (k + 1) * 784);
        wait.done();
        pad.showDigit(pixels);
        setDigit(pixels, `test digit #${k} (label ${b.labels![k]})`, k);
      }
    })().catch((err: unknown) => {
      wait.done('');
      fail(err);
    });
  });
  setupPlayer();
  const button = $<HTMLButtonElement>('run');
  button.disabled = false;
  $<HTMLFormElement>('spikes-form').addEventListener('submit', (e) => {
    e.preventDefault();
    button.disabled = true;
    state.running = true;
    run(runner, nets)
      .catch(fail)
      .finally(() => {
        button.disabled = false;
        state.running = false;
      });
  });
  status.textContent = backend.kind === 'webgpu' ? `ready on ${adapterName(backend.acquired.info)}` : 'ready on the CPU reference backend (no WebGPU)';
  status.className = 'pass';
  state.ready = true;
}

main().catch(fail);
