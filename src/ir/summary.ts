// Model summary: one JSON-friendly row per layer and an aligned text table, like Akida's
// model.summary(). Shapes come from shapes.ts; nothing here computes layer semantics.
import { inferShapes } from './shapes.js';
import type { ActBits, Layer, LayerKind, ModelSpec, Padding, Pooling, Shape3, WeightBits } from './types.js';

export interface SummaryRow {
  index: number;
  name: string;
  kind: LayerKind;
  inputShape: Shape3;
  outputShape: Shape3;
  /** conv-like layers only */
  kernel: [number, number] | null;
  stride: number | null;
  padding: Padding | null;
  weightBits: WeightBits | null;
  /** bits of the layer's output activations; null for InputData and potentials-only layers */
  actBits: ActBits | null;
  /** bits of the unsigned input, input layers only */
  inputBits: number | null;
  /** e.g. 'max 2x2/2 same', 'average 2x2/2', 'global_avg'; null when none */
  pooling: string | null;
  /** number of weights (depthwise + pointwise for separable layers) */
  parameters: number;
  /** bytes the weights take packed at weightBits each */
  weightBytes: number;
  /** [min, max] of the integer thresholds */
  thresholdRange: [number, number] | null;
  /** [min, max] of act_step (actStep16 / 16) */
  actStepRange: [number, number] | null;
  /** the layer returns potentials (no activation) */
  potentialsOnly: boolean;
}

export interface ModelSummary {
  name: string | null;
  inputShape: Shape3;
  outputShape: Shape3;
  layers: number;
  parameters: number;
  weightBytes: number;
  rows: SummaryRow[];
}

function range(a: ArrayLike<number>, scale = 1): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]! / scale);
    hi = Math.max(hi, a[i]! / scale);
  }
  return [lo, hi];
}

function poolingText(p: Pooling): string | null {
  switch (p.type) {
    case 'none':
      return null;
    case 'global_avg':
      return 'global_avg';
    case 'average':
      return `average ${p.size[0]}x${p.size[1]}/${p.stride.join('x')}`;
    case 'max':
      return `max ${p.size[0]}x${p.size[1]}/${p.stride.join('x')} ${p.padding}`;
  }
}

function row(layer: Layer, index: number, inputShape: Shape3, outputShape: Shape3): SummaryRow {
  const r: SummaryRow = {
    index,
    name: layer.name,
    kind: layer.kind,
    inputShape,
    outputShape,
    kernel: null,
    stride: null,
    padding: null,
    weightBits: null,
    actBits: null,
    inputBits: null,
    pooling: null,
    parameters: 0,
    weightBytes: 0,
    thresholdRange: null,
    actStepRange: null,
    potentialsOnly: false,
  };
  if (layer.kind === 'InputData' || layer.kind === 'InputConvolutional') r.inputBits = layer.inputBits;
  if (layer.kind === 'InputData') return r;
  if (layer.kind !== 'FullyConnected') {
    r.kernel = [layer.kernel[0], layer.kernel[1]];
    r.stride = layer.stride;
    r.padding = layer.padding;
    r.pooling = poolingText(layer.pooling);
  }
  r.weightBits = layer.weightBits;
  r.parameters = layer.kind === 'SeparableConvolutional' ? layer.depthwise.length + layer.pointwise.length : layer.weights.length;
  r.weightBytes = Math.ceil((r.parameters * layer.weightBits) / 8);
  if (layer.activation) {
    r.actBits = layer.activation.bits;
    r.thresholdRange = range(layer.activation.threshold);
    r.actStepRange = range(layer.activation.actStep16, 16);
  } else {
    r.potentialsOnly = true;
  }
  return r;
}

/** Per-layer rows and totals of a (validated) model. */
export function summarize(spec: ModelSpec): ModelSummary {
  const shapes = inferShapes(spec.layers);
  const rows = spec.layers.map((l, k) => row(l, k, shapes.inputs[k]!, shapes.inputs[k + 1] ?? shapes.output));
  return {
    name: spec.name ?? null,
    inputShape: shapes.inputs[0]!,
    outputShape: shapes.output,
    layers: rows.length,
    parameters: rows.reduce((s, r) => s + r.parameters, 0),
    weightBytes: rows.reduce((s, r) => s + r.weightBytes, 0),
    rows,
  };
}

const shape = (s: readonly number[]) => `[${s.join(', ')}]`;
const pair = (r: [number, number] | null) => (r ? (r[0] === r[1] ? String(r[0]) : `${r[0]}..${r[1]}`) : '-');

/** An aligned text table of the rows, headed by the totals when given a whole summary. */
export function formatSummary(summary: ModelSummary | SummaryRow[]): string {
  const rows = Array.isArray(summary) ? summary : summary.rows;
  const header = ['Layer (type)', 'Output shape', 'Kernel', 'Pooling', 'Bits w/a', 'Params', 'Threshold', 'Act step'];
  const cells = rows.map((r) => [
    `${r.name} (${r.kind})`,
    shape(r.outputShape),
    r.kernel ? `${r.kernel[0]}x${r.kernel[1]}/${r.stride} ${r.padding}` : '-',
    r.pooling ?? '-',
    `${r.weightBits ?? '-'}/${r.potentialsOnly ? 'pot' : (r.actBits ?? r.inputBits ?? '-')}`,
    r.parameters.toLocaleString('en-US'),
    pair(r.thresholdRange),
    pair(r.actStepRange),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  // Numbers right-aligned, text left-aligned.
  const line = (row: string[]) =>
    row.map((cell, c) => (c === 5 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  const out: string[] = [];
  if (!Array.isArray(summary)) {
    out.push(
      `Model${summary.name ? ` '${summary.name}'` : ''}: input ${shape(summary.inputShape)} -> output ${shape(summary.outputShape)}, ` +
        `${summary.layers} layers, ${summary.parameters.toLocaleString('en-US')} parameters ` +
        `(${summary.weightBytes.toLocaleString('en-US')} bytes of weights)`,
    );
  }
  out.push(rule('_'), line(header), rule('='));
  for (const c of cells) out.push(line(c));
  out.push(rule('_'));
  return out.join('\n');
}
