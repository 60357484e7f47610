// Runs a mapped model the way the plan schedules it: sequence by sequence, pass by pass,
// each part of a layer dispatched on its own (its output channels as a one-layer model),
// its output columns written into the layer output. Then the per-NP statistics.
import { inferShapes, shapeSize } from '../ir/shapes.js';
import type { ForwardResult, IntBatch, Layer, ModelSpec, Shape3 } from '../ir/types.js';
import { referenceForward } from '../reference/forward.js';
import type { Range } from './map-parts.js';
import type { MappingPlan, Unit } from './map.js';
import { measureStats, type PlanStats } from './stats.js';
import { unknownKind } from '../ir/types.js';

/** Runs a whole (small) model on a batch; the default is the integer reference. */
export type ForwardFn = (spec: ModelSpec, input: IntBatch) => ForwardResult | Promise<ForwardResult>;

export interface Dispatch {
  sequence: number;
  pass: number;
  layer: number;
  /** index in the layer's parts */
  part: number;
  unit: Unit;
  np: number | null;
  filters: Range;
  cols: Range;
}

export interface PlanRun {
  output: IntBatch;
  /** every layer's output */
  layers: IntBatch[];
  /** parts in the order they ran */
  dispatches: Dispatch[];
  stats: PlanStats;
}

function slice<T extends Int8Array | Int32Array | Uint32Array>(a: T, rows: number, cols: number, r: Range): T {
  const n = r[1] - r[0];
  const out = new (a.constructor as new (len: number) => T)(rows * n);
  for (let i = 0; i < rows; i++) out.set(a.subarray(i * cols + r[0], i * cols + r[1]) as T, i * n);
  return out;
}

/** The layer restricted to output channels `r` (channels are independent, so this is exact). */
export function sliceNeurons(layer: Layer, r: Range): Layer {
  if (layer.kind === 'InputData') return layer;
  const n = r[1] - r[0];
  const full = layer.kind === 'FullyConnected' ? layer.units : layer.filters;
  if (r[0] === 0 && r[1] === full) return layer;
  const act = layer.activation && {
    bits: layer.activation.bits,
    threshold: layer.activation.threshold.slice(r[0], r[1]),
    actStep16: layer.activation.actStep16.slice(r[0], r[1]),
  };
  const predictScale = layer.predictScale && {
    threshold: layer.predictScale.threshold.slice(r[0], r[1]),
    actStep16: layer.predictScale.actStep16.slice(r[0], r[1]),
  };
  const common = { activation: act, ...(predictScale ? { predictScale } : {}) };
  switch (layer.kind) {
    case 'InputConvolutional':
    case 'Convolutional':
      return { ...layer, ...common, filters: n, weights: slice(layer.weights, layer.weights.length / full, full, r) };
    case 'SeparableConvolutional':
      return { ...layer, ...common, filters: n, pointwise: slice(layer.pointwise, layer.pointwise.length / full, full, r) };
    case 'FullyConnected':
      return { ...layer, ...common, units: n, weights: slice(layer.weights, layer.weights.length / full, full, r) };
    default:
      return unknownKind(layer);
  }
}

/** Bits of the values entering layer k (what its one-layer model declares as input). */
function inputBits(layers: Layer[], k: number): number {
  const prev = layers[k - 1]!;
  if (prev.kind === 'InputData') return prev.inputBits;
  if (!prev.activation) throw new Error(`layer ${k - 1} '${prev.name}' returns potentials but is not the last layer`);
  return prev.activation.bits;
}

/** One-layer models per model, kept so a forward that compiles per model (the GPU) does it once. */
const partModels = new WeakMap<ModelSpec, Map<string, ModelSpec>>();

/** Layer k, channels r, as a model of its own (an InputData of the layer's input first). */
function partModel(model: ModelSpec, k: number, inShape: Shape3, r: Range): ModelSpec {
  let cache = partModels.get(model);
  if (!cache) partModels.set(model, (cache = new Map()));
  const key = `${k}:${r[0]}:${r[1]}`;
  let spec = cache.get(key);
  if (!spec) cache.set(key, (spec = buildPartModel(model, k, inShape, r)));
  return spec;
}

function buildPartModel(model: ModelSpec, k: number, inShape: Shape3, r: Range): ModelSpec {
  const layer = sliceNeurons(model.layers[k]!, r);
  if (k === 0) return { version: 1, name: `${model.name ?? 'model'}:${layer.name}`, layers: [layer] };
  return {
    version: 1,
    name: `${model.name ?? 'model'}:${layer.name}[${r[0]}:${r[1]}]`,
    layers: [{ name: `${layer.name}:input`, kind: 'InputData', inputShape: inShape, inputBits: inputBits(model.layers, k) }, layer],
  };
}

/** Default forward: the integer reference. */
export const referenceForwardFn: ForwardFn = (spec, input) => referenceForward(spec, input);

/**
 * Runs `input` through the model following the plan and returns every layer's output, the
 * dispatch order and the per-NP statistics. The result equals the unmapped forward: each
 * part computes its channels, and the parts of a layer tile its output exactly once.
 */
export async function runPlan(plan: MappingPlan, model: ModelSpec, input: IntBatch, forward: ForwardFn = referenceForwardFn): Promise<PlanRun> {
  if (plan.layers.length !== model.layers.length || plan.layers.some((m, k) => m.name !== model.layers[k]!.name)) {
    throw new RangeError(`the mapping plan (of '${plan.model ?? 'unnamed'}') does not describe this model's layers`);
  }
  const shapes = inferShapes(model.layers);
  const outShape = (k: number) => shapes.inputs[k + 1] ?? shapes.output;
  const outputs: IntBatch[] = model.layers.map((_, k) => ({ data: new Int32Array(input.n * shapeSize(outShape(k))), n: input.n, shape: outShape(k) }));
  const written = model.layers.map((_, k) => new Uint8Array(input.n * shapeSize(outShape(k))));
  const done = model.layers.map(() => false);
  const dispatches: Dispatch[] = [];

  const inputOf = (k: number): IntBatch => {
    if (k === 0) return input;
    if (!done[k - 1]) throw new Error(`plan order: layer ${k} '${model.layers[k]!.name}' runs before layer ${k - 1} is complete`);
    return outputs[k - 1]!;
  };

  /** Runs channels r of layer k and writes output columns `cols` of them. */
  const scatter = (k: number, r: Range, cols: Range[], res: IntBatch) => {
    const [h, w, c] = outShape(k);
    const n = r[1] - r[0];
    if (res.n !== input.n || res.shape[0] !== h || res.shape[1] !== w || res.shape[2] !== n) {
      throw new Error(`layer ${k} '${model.layers[k]!.name}' channels [${r}]: the forward returned shape [${res.shape}] x ${res.n}, expected [${h},${w},${n}] x ${input.n}`);
    }
    for (let s = 0; s < input.n; s++) {
      for (let y = 0; y < h; y++) {
        for (const band of cols) {
          for (let x = band[0]; x < band[1]; x++) {
            const src = ((s * h + y) * w + x) * n;
            const dst = ((s * h + y) * w + x) * c + r[0];
            outputs[k]!.data.set(res.data.subarray(src, src + n), dst);
            for (let i = 0; i < n; i++) written[k]![dst + i]!++;
          }
        }
      }
    }
  };

  const runParts = async (k: number, sequence: number, pass: number | null) => {
    const m = plan.layers[k]!;
    const layer = model.layers[k]!;
    if (layer.kind === 'InputData') {
      // checks the input range (on hardware the host does this when it sends the events)
      const res = await forward(partModel(model, k, input.shape, [0, 0]), input);
      outputs[k] = res.output;
      written[k]!.fill(1);
      done[k] = true;
      return;
    }
    const parts = m.parts.map((p, j) => ({ p, j })).filter(({ p }) => pass === null || p.pass === pass);
    // parts with the same channels (column bands) share one dispatch of those channels
    const groups = new Map<string, typeof parts>();
    for (const e of parts) {
      const key = `${e.p.filters[0]}:${e.p.filters[1]}`;
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    const x = inputOf(k);
    for (const group of groups.values()) {
      const r = group[0]!.p.filters;
      const res = await forward(partModel(model, k, x.shape, r), x);
      scatter(k, r, group.map((e) => e.p.cols), res.output);
      for (const { p, j } of group) {
        dispatches.push({ sequence, pass: p.pass, layer: k, part: j, unit: p.unit, np: p.np, filters: p.filters, cols: p.cols });
      }
    }
    const lastPass = Math.max(...m.parts.map((p) => p.pass));
    if (pass === null || pass === lastPass) done[k] = true;
  };

  for (const seq of plan.sequences) {
    if (seq.backend === 'software') {
      for (const k of seq.layers) await runParts(k, seq.index, null);
      continue;
    }
    for (let pass = 0; pass < seq.passes; pass++) {
      for (const k of seq.layers) {
        const m = plan.layers[k]!;
        if (m.kind === 'InputData' ? pass === 0 : m.parts.some((p) => p.pass === pass)) await runParts(k, seq.index, pass);
      }
    }
  }

  written.forEach((w, k) => {
    for (let i = 0; i < w.length; i++) {
      if (w[i] !== 1) {
        throw new Error(`plan coverage: output ${i} of layer ${k} '${model.layers[k]!.name}' was written ${w[i]} times, expected once`);
      }
    }
  });
  const stats = measureStats(plan, model, input, outputs);
  return { output: outputs[outputs.length - 1]!, layers: outputs, dispatches, stats };
}
