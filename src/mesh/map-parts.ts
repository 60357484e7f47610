// How one layer splits over NPs: by output channels (filter groups, limited by an NP's
// neurons and weight memory) and by output columns (column bands, limited by the columns of
// potentials an NP computes). Geometry comes from ir/shapes.ts.
import { potentialShape, windowGeometry } from '../ir/shapes.js';
import type { Layer, Padding, Shape3 } from '../ir/types.js';
import type { NpKind } from './mesh.js';
import { unknownKind } from '../ir/types.js';

/** Half-open range [start, end). */
export type Range = [number, number];

/** One NP's share of a layer, before it is placed on an NP. */
export interface PartShape {
  /** output channels (filters or units) */
  filters: Range;
  /** columns of the layer output (after pooling) */
  cols: Range;
  /** columns of the potentials computed (before pooling) */
  potentialCols: Range;
  /** columns of the layer input read, halo included */
  inputCols: Range;
  /** weight bytes held, packed at the weight bit width */
  weightBytes: number;
}

/** Weight memory a layer needs: shared by every NP of the layer, and per neuron. */
export interface NeuronLayout {
  neurons: number;
  /** held by every NP of the layer (the depthwise kernel of a separable layer) */
  sharedBytes: number;
  bytesPerNeuron: number;
}

export function packedBytes(count: number, bits: number): number {
  return Math.ceil((count * bits) / 8);
}

/** Neurons and weight bytes of a data-processing layer (input channels from its input shape). */
export function neuronLayout(layer: Layer, input: Shape3): NeuronLayout {
  const cin = input[2];
  switch (layer.kind) {
    case 'InputData':
      return { neurons: 0, sharedBytes: 0, bytesPerNeuron: 0 };
    case 'InputConvolutional':
    case 'Convolutional':
      return {
        neurons: layer.filters,
        sharedBytes: 0,
        bytesPerNeuron: packedBytes(layer.kernel[0] * layer.kernel[1] * cin, layer.weightBits),
      };
    case 'SeparableConvolutional':
      return {
        neurons: layer.filters,
        sharedBytes: packedBytes(layer.kernel[0] * layer.kernel[1] * cin, layer.weightBits),
        bytesPerNeuron: packedBytes(cin, layer.weightBits),
      };
    case 'FullyConnected':
      return { neurons: layer.units, sharedBytes: 0, bytesPerNeuron: packedBytes(input[0] * input[1] * input[2], layer.weightBits) };
    default:
      return unknownKind(layer);
  }
}

/** Most neurons of a layer one NP of `kind` holds (0: not even one fits). */
export function neuronsPerNp(kind: NpKind, layout: NeuronLayout): number {
  const free = kind.weightBytes - layout.sharedBytes;
  if (layout.bytesPerNeuron === 0) return free >= 0 ? kind.maxNeurons : 0;
  if (free < layout.bytesPerNeuron) return 0;
  return Math.min(kind.maxNeurons, Math.floor(free / layout.bytesPerNeuron));
}

/** Clipped source range along one axis read by outputs [a, b) of a window op. */
function sourceRange(out: Range, size: number, kernel: number, stride: number, padding: Padding): Range {
  const pad = windowGeometry(size, kernel, stride, padding).padBefore;
  const lo = out[0] * stride - pad;
  const hi = (out[1] - 1) * stride - pad + kernel; // exclusive
  return [Math.max(lo, 0), Math.min(hi, size)];
}

/** Potential and input columns that output columns `cols` of a conv-like layer depend on. */
export function columnRegion(layer: Layer, input: Shape3, cols: Range): { potentialCols: Range; inputCols: Range } {
  if (layer.kind === 'InputData' || layer.kind === 'FullyConnected') {
    return { potentialCols: [0, 1], inputCols: [0, input[1]] };
  }
  const pw = potentialShape(layer, input)[1];
  const pool = layer.pooling;
  let potentialCols: Range;
  if (pool.type === 'global_avg') potentialCols = [0, pw];
  else if (pool.type === 'max') potentialCols = sourceRange(cols, pw, pool.size[1], pool.stride[1], pool.padding);
  else if (pool.type === 'average') potentialCols = sourceRange(cols, pw, pool.size[1], pool.stride[1], 'valid');
  else potentialCols = cols;
  const inputCols = sourceRange(potentialCols, input[1], layer.kernel[1], layer.stride, layer.padding);
  return { potentialCols, inputCols };
}

/**
 * Fewest bands of output columns whose potentials each span at most `maxColumns` columns
 * (greedy from the left, which is optimal because a band's span grows with its width).
 * Returns null when even one output column needs more.
 */
export function columnBands(layer: Layer, input: Shape3, outWidth: number, maxColumns: number): Range[] | null {
  if (layer.kind === 'InputData' || layer.kind === 'FullyConnected') return [[0, outWidth]];
  const span = (r: Range) => {
    const p = columnRegion(layer, input, r).potentialCols;
    return p[1] - p[0];
  };
  if (span([0, outWidth]) <= maxColumns) return [[0, outWidth]];
  // global pooling sums every column: it cannot be split
  if (layer.pooling.type === 'global_avg') return null;
  const bands: Range[] = [];
  let a = 0;
  while (a < outWidth) {
    if (span([a, a + 1]) > maxColumns) return null;
    let b = a + 1;
    while (b < outWidth && span([a, b + 1]) <= maxColumns) b++;
    bands.push([a, b]);
    a = b;
  }
  return bands;
}

/** Splits [0, n) into `groups` contiguous ranges whose sizes differ by at most one. */
export function splitEven(n: number, groups: number): Range[] {
  const out: Range[] = [];
  let start = 0;
  for (let g = 0; g < groups; g++) {
    const size = Math.floor(n / groups) + (g < n % groups ? 1 : 0);
    out.push([start, start + size]);
    start += size;
  }
  return out;
}

/** The parts of a layer: `filterGroups` channel ranges times its column bands. */
export function layerParts(layer: Layer, input: Shape3, layout: NeuronLayout, filterGroups: number, bands: Range[]): PartShape[] {
  const parts: PartShape[] = [];
  for (const filters of splitEven(layout.neurons, filterGroups)) {
    for (const cols of bands) {
      const region = columnRegion(layer, input, cols);
      parts.push({
        filters,
        cols,
        potentialCols: region.potentialCols,
        inputCols: region.inputCols,
        weightBytes: layout.sharedBytes + layout.bytesPerNeuron * (filters[1] - filters[0]),
      });
    }
  }
  return parts;
}

/**
 * Multiply-adds of a layer (or of `neurons` neurons over potential columns `cols`) if every
 * input were an event: what a CPU computes densely, and the load the mapper balances.
 */
export function denseOps(layer: Layer, input: Shape3, cols?: Range, neurons?: number): number {
  if (layer.kind === 'InputData') return 0;
  if (layer.kind === 'FullyConnected') return input[0] * input[1] * input[2] * (neurons ?? layer.units);
  const [rows, width] = potentialShape(layer, input);
  const c = cols ? cols[1] - cols[0] : width;
  const n = neurons ?? layer.filters;
  const taps = layer.kernel[0] * layer.kernel[1];
  const cin = input[2];
  return layer.kind === 'SeparableConvolutional' ? rows * c * cin * (taps + n) : rows * c * taps * cin * n;
}
