// Per-NP statistics of a mapped model: events in and out and synaptic operations (SynOps)
// of every part of every layer, measured from a run's layer outputs, or expected from
// assumed event densities (for estimates without data). Definitions: docs/mesh.md.
import { inferShapes, potentialShape, shapeSize, windowGeometry } from '../ir/shapes.js';
import type { IntBatch, Layer, ModelSpec, Shape3 } from '../ir/types.js';
import type { Range } from './map-parts.js';
import type { MappingPlan, Unit } from './map.js';

export interface PartStats {
  layer: number;
  /** index of the part in the layer's parts */
  part: number;
  unit: Unit;
  np: number | null;
  node: number | null;
  sequence: number;
  pass: number;
  /** non-zero values entering the part (its input region), summed over the frames */
  eventsIn: number;
  /** non-zero values it outputs (its channels x columns), summed over the frames */
  eventsOut: number;
  /** one per input event per connected neuron it updates */
  synOps: number;
}

export interface NpStats {
  np: number;
  node: number;
  eventsIn: number;
  eventsOut: number;
  synOps: number;
}

export interface LayerStats {
  layer: number;
  name: string;
  eventsIn: number;
  eventsOut: number;
  synOps: number;
}

export interface PlanStats {
  /** frames (samples) the counts are summed over */
  frames: number;
  /** 'measured' from a run, or 'expected' from assumed densities */
  source: 'measured' | 'expected';
  parts: PartStats[];
  /** NP totals over all passes (an NP reused in several passes adds up) */
  nps: NpStats[];
  layers: LayerStats[];
}

/** How many windows along one axis, among outputs [a, b), read each input position. */
export function coverage(size: number, kernel: number, stride: number, padding: 'same' | 'valid', out: Range): Float64Array {
  const pad = windowGeometry(size, kernel, stride, padding).padBefore;
  const cover = new Float64Array(size);
  for (let o = out[0]; o < out[1]; o++) {
    for (let j = 0; j < kernel; j++) {
      const x = o * stride - pad + j;
      if (x >= 0 && x < size) cover[x]!++;
    }
  }
  return cover;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** Row and column coverage of a conv-like part (its potential columns, all rows). */
function partCoverage(layer: Layer, input: Shape3, potentialCols: Range): { ys: Float64Array; xs: Float64Array } | null {
  if (layer.kind === 'InputData' || layer.kind === 'FullyConnected') return null;
  const rows = potentialShape(layer, input)[0];
  return {
    ys: coverage(input[0], layer.kernel[0], layer.stride, layer.padding, [0, rows]),
    xs: coverage(input[1], layer.kernel[1], layer.stride, layer.padding, potentialCols),
  };
}

/** Non-zero values of one sample inside columns [c0, c1) and channels [f0, f1). */
function countRegion(x: Int32Array, shape: Shape3, cols: Range, chans: Range): number {
  const [h, w, c] = shape;
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let xx = cols[0]; xx < cols[1]; xx++) {
      const base = (y * w + xx) * c;
      for (let ch = chans[0]; ch < chans[1]; ch++) if (x[base + ch] !== 0) n++;
    }
  }
  return n;
}

/** Pointwise work of a separable part: (potential position, channel) pairs whose window holds an event. */
function activeWindows(x: Int32Array, input: Shape3, layer: Layer & { kind: 'SeparableConvolutional' }, potentialCols: Range): number {
  const [h, w, c] = input;
  const gy = windowGeometry(h, layer.kernel[0], layer.stride, layer.padding);
  const gx = windowGeometry(w, layer.kernel[1], layer.stride, layer.padding);
  // per-channel 2D prefix sums of the event indicator
  const ps = new Int32Array((h + 1) * (w + 1) * c);
  const at = (y: number, xx: number, ch: number) => (y * (w + 1) + xx) * c + ch;
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      for (let ch = 0; ch < c; ch++) {
        const v = x[(y * w + xx) * c + ch] !== 0 ? 1 : 0;
        ps[at(y + 1, xx + 1, ch)] = v + ps[at(y, xx + 1, ch)]! + ps[at(y + 1, xx, ch)]! - ps[at(y, xx, ch)]!;
      }
    }
  }
  let n = 0;
  for (let oy = 0; oy < gy.out; oy++) {
    const y0 = Math.max(oy * layer.stride - gy.padBefore, 0);
    const y1 = Math.min(oy * layer.stride - gy.padBefore + layer.kernel[0], h);
    for (let ox = potentialCols[0]; ox < potentialCols[1]; ox++) {
      const x0 = Math.max(ox * layer.stride - gx.padBefore, 0);
      const x1 = Math.min(ox * layer.stride - gx.padBefore + layer.kernel[1], w);
      for (let ch = 0; ch < c; ch++) {
        if (ps[at(y1, x1, ch)]! - ps[at(y0, x1, ch)]! - ps[at(y1, x0, ch)]! + ps[at(y0, x0, ch)]! > 0) n++;
      }
    }
  }
  return n;
}

/** SynOps of one sample's input events for a part. */
function partSynOps(layer: Layer, input: Shape3, x: Int32Array, potentialCols: Range, inputCols: Range, neurons: number, eventsIn: number): number {
  if (layer.kind === 'InputData') return 0;
  if (layer.kind === 'FullyConnected') return eventsIn * neurons;
  const cov = partCoverage(layer, input, potentialCols)!;
  const [h, w, c] = input;
  let weighted = 0;
  for (let y = 0; y < h; y++) {
    const cy = cov.ys[y]!;
    if (cy === 0) continue;
    for (let xx = inputCols[0]; xx < inputCols[1]; xx++) {
      const cx = cov.xs[xx]!;
      if (cx === 0) continue;
      const base = (y * w + xx) * c;
      let events = 0;
      for (let ch = 0; ch < c; ch++) if (x[base + ch] !== 0) events++;
      weighted += events * cy * cx;
    }
  }
  if (layer.kind === 'SeparableConvolutional') return weighted + activeWindows(x, input, layer, potentialCols) * neurons;
  return weighted * neurons;
}

function aggregate(plan: MappingPlan, model: ModelSpec, parts: PartStats[], frames: number, source: PlanStats['source']): PlanStats {
  const byNp = new Map<number, NpStats>();
  for (const p of parts) {
    if (p.np === null) continue;
    const s = byNp.get(p.np) ?? { np: p.np, node: p.node!, eventsIn: 0, eventsOut: 0, synOps: 0 };
    s.eventsIn += p.eventsIn;
    s.eventsOut += p.eventsOut;
    s.synOps += p.synOps;
    byNp.set(p.np, s);
  }
  const layers = model.layers.map((l, k) => {
    const own = parts.filter((p) => p.layer === k);
    return {
      layer: k,
      name: l.name,
      eventsIn: own.reduce((t, p) => t + p.eventsIn, 0),
      eventsOut: own.reduce((t, p) => t + p.eventsOut, 0),
      synOps: own.reduce((t, p) => t + p.synOps, 0),
    };
  });
  return { frames, source, parts, nps: [...byNp.values()].sort((a, b) => a.np - b.np), layers };
}

function checkPlan(plan: MappingPlan, model: ModelSpec): void {
  if (plan.layers.length !== model.layers.length || plan.layers.some((m, k) => m.name !== model.layers[k]!.name)) {
    throw new RangeError(`the mapping plan (of '${plan.model ?? 'unnamed'}') does not describe this model's layers`);
  }
}

/**
 * Counts of a run: `outputs[k]` is layer k's output batch (ForwardResult.layers), `input`
 * the model input. Every part's events and SynOps, summed over the batch.
 */
export function measureStats(plan: MappingPlan, model: ModelSpec, input: IntBatch, outputs: IntBatch[]): PlanStats {
  checkPlan(plan, model);
  if (outputs.length !== model.layers.length) {
    throw new RangeError(`measureStats needs every layer's output (${model.layers.length}), got ${outputs.length}`);
  }
  const parts: PartStats[] = [];
  plan.layers.forEach((m, k) => {
    const layer = model.layers[k]!;
    const inBatch = k === 0 ? input : outputs[k - 1]!;
    const outBatch = outputs[k]!;
    const inSize = shapeSize(inBatch.shape);
    const outSize = shapeSize(outBatch.shape);
    m.parts.forEach((part, j) => {
      const s: PartStats = { layer: k, part: j, unit: part.unit, np: part.np, node: part.node, sequence: m.sequence, pass: part.pass, eventsIn: 0, eventsOut: 0, synOps: 0 };
      const neurons = part.filters[1] - part.filters[0];
      for (let n = 0; n < input.n; n++) {
        const x = inBatch.data.subarray(n * inSize, (n + 1) * inSize);
        const y = outBatch.data.subarray(n * outSize, (n + 1) * outSize);
        const evIn = countRegion(x, inBatch.shape, part.inputCols, [0, inBatch.shape[2]]);
        s.eventsIn += evIn;
        s.eventsOut += countRegion(y, outBatch.shape, part.cols, part.filters);
        s.synOps += partSynOps(layer, inBatch.shape, x, part.potentialCols, part.inputCols, neurons, evIn);
      }
      parts.push(s);
    });
  });
  return aggregate(plan, model, parts, input.n, 'measured');
}

/**
 * Expected counts per frame when a fraction `density[k]` of layer k's outputs are non-zero
 * (`inputDensity` for the model input), events independent and uniform.
 */
export function expectedStats(plan: MappingPlan, model: ModelSpec, density: number | number[], inputDensity = 1): PlanStats {
  checkPlan(plan, model);
  const shapes = inferShapes(model.layers);
  const dOut = (k: number) => (typeof density === 'number' ? density : (density[k] ?? NaN));
  for (let k = 0; k < model.layers.length; k++) {
    const d = dOut(k);
    if (!(d >= 0 && d <= 1)) throw new RangeError(`density of layer ${k} is ${d}, expected a number in [0, 1]`);
  }
  const parts: PartStats[] = [];
  plan.layers.forEach((m, k) => {
    const layer = model.layers[k]!;
    const input = shapes.inputs[k]!;
    const output = shapes.inputs[k + 1] ?? shapes.output;
    const dIn = k === 0 ? inputDensity : dOut(k - 1);
    m.parts.forEach((part, j) => {
      const neurons = part.filters[1] - part.filters[0];
      const eventsIn = dIn * input[0] * (part.inputCols[1] - part.inputCols[0]) * input[2];
      const eventsOut = dOut(k) * output[0] * (part.cols[1] - part.cols[0]) * neurons;
      let synOps = 0;
      if (layer.kind === 'FullyConnected') synOps = eventsIn * neurons;
      else if (layer.kind !== 'InputData') {
        const cov = partCoverage(layer, input, part.potentialCols)!;
        const weighted = dIn * input[2] * sum(cov.ys) * sum(cov.xs);
        if (layer.kind === 'SeparableConvolutional') {
          const taps = layer.kernel[0] * layer.kernel[1];
          const rows = potentialShape(layer, input)[0];
          const windows = rows * (part.potentialCols[1] - part.potentialCols[0]) * input[2];
          synOps = weighted + windows * (1 - (1 - dIn) ** taps) * neurons;
        } else synOps = weighted * neurons;
      }
      parts.push({ layer: k, part: j, unit: part.unit, np: part.np, node: part.node, sequence: m.sequence, pass: part.pass, eventsIn, eventsOut, synOps });
    });
  });
  return aggregate(plan, model, parts, 1, 'expected');
}

/** Per-NP table: NP, node, layer(s), events in/out and SynOps per frame. */
export function formatNpStats(stats: PlanStats, layerNames: string[]): string {
  const f = Math.max(stats.frames, 1);
  const per = (v: number) => (v / f).toLocaleString('en-US', { maximumFractionDigits: 1 });
  const rows = stats.parts
    .filter((p) => p.unit !== 'host')
    .map((p) => [
      p.unit === 'np' ? `NP ${p.np}` : 'input block',
      p.node === null ? '-' : String(p.node),
      layerNames[p.layer] ?? String(p.layer),
      `${p.sequence}/${p.pass}`,
      per(p.eventsIn),
      per(p.eventsOut),
      per(p.synOps),
    ]);
  const header = ['Unit', 'Node', 'Layer', 'Seq/pass', 'Events in', 'Events out', 'SynOps'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => (c >= 4 ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ').trimEnd();
  const title = `Per-NP statistics (${stats.source}, per frame over ${stats.frames} frame${stats.frames === 1 ? '' : 's'})`;
  return [title, line(header), ...rows.map(line)].join('\n');
}
