// Useful multiply-adds of each layer on a batch, and what fraction of the adapter's integer
// peak the layers' kernels reach (MACs over their GPU time from timestamp queries, over the
// peak measured by bench/peak.ts). Two counts per layer:
//   dense:  every weight tap that lands inside the input (padding taps excluded), as a dense
//           convolution computes it;
//   events: only taps on non-zero inputs (spikes), the work an event-driven engine must do.
// SeparableConvolutional: depthwise taps (per channel) + the pointwise product, which is dense
// in both counts (its input is the depthwise potentials, not spikes).
import type { KernelTiming } from '../src/engine/run.js';
import { inferShapes, potentialShape, shapeSize, windowGeometry } from '../src/ir/shapes.js';
import type { IntBatch, Layer, ModelSpec, Shape3 } from '../src/ir/types.js';

export interface LayerMacs {
  index: number;
  name: string;
  kind: Layer['kind'];
  /** summed over the batch */
  dense: number;
  events: number;
}

/** Per output position of a window op: in-image taps and the non-zero inputs under them. */
function windowCounts(x: IntBatch, s: number, kernel: [number, number], stride: number, padding: 'same' | 'valid', out: Shape3): { taps: number; nonZero: number } {
  const [h, w, c] = x.shape;
  const gy = windowGeometry(h, kernel[0], stride, padding);
  const gx = windowGeometry(w, kernel[1], stride, padding);
  // prefix sums of the non-zero channel count per pixel: prefix[(y+1)*(w+1) + (x+1)]
  const prefix = new Float64Array((h + 1) * (w + 1));
  const base = s * h * w * c;
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let xx = 0; xx < w; xx++) {
      let nz = 0;
      for (let ch = 0, i = base + (y * w + xx) * c; ch < c; ch++, i++) if (x.data[i] !== 0) nz++;
      row += nz;
      prefix[(y + 1) * (w + 1) + xx + 1] = prefix[y * (w + 1) + xx + 1]! + row;
    }
  }
  let taps = 0;
  let nonZero = 0;
  for (let oy = 0; oy < out[0]; oy++) {
    const y0 = Math.max(0, oy * stride - gy.padBefore);
    const y1 = Math.min(h, oy * stride - gy.padBefore + kernel[0]);
    for (let ox = 0; ox < out[1]; ox++) {
      const x0 = Math.max(0, ox * stride - gx.padBefore);
      const x1 = Math.min(w, ox * stride - gx.padBefore + kernel[1]);
      if (y1 <= y0 || x1 <= x0) continue;
      taps += (y1 - y0) * (x1 - x0);
      nonZero += prefix[y1 * (w + 1) + x1]! - prefix[y0 * (w + 1) + x1]! - prefix[y1 * (w + 1) + x0]! + prefix[y0 * (w + 1) + x0]!;
    }
  }
  return { taps, nonZero };
}

/**
 * MACs of every neural layer on `input`, from the layers' outputs of one forward pass with
 * keepAll (layer k reads layer k-1's output; the first reads `input`).
 */
export function usefulMacs(spec: ModelSpec, input: IntBatch, layers: IntBatch[]): LayerMacs[] {
  const shapes = inferShapes(spec.layers);
  const result: LayerMacs[] = [];
  spec.layers.forEach((layer, k) => {
    if (layer.kind === 'InputData') return;
    const x = k === 0 ? input : layers[k - 1]!;
    const inShape = shapes.inputs[k]!;
    const cin = inShape[2];
    let dense = 0;
    let events = 0;
    if (layer.kind === 'FullyConnected') {
      const size = shapeSize(inShape);
      let nz = 0;
      for (let i = 0; i < x.n * size; i++) if (x.data[i] !== 0) nz++;
      dense = x.n * size * layer.units;
      events = nz * layer.units;
    } else {
      const pot = potentialShape(layer, inShape);
      for (let s = 0; s < x.n; s++) {
        const { taps, nonZero } = windowCounts(x, s, layer.kernel, layer.stride, layer.padding, pot);
        if (layer.kind === 'SeparableConvolutional') {
          const pointwise = pot[0] * pot[1] * cin * layer.filters;
          dense += taps * cin + pointwise;
          events += nonZero + pointwise;
        } else {
          dense += taps * cin * layer.filters;
          events += nonZero * layer.filters;
        }
      }
    }
    result.push({ index: k, name: layer.name, kind: layer.kind, dense, events });
  });
  return result;
}

export interface LayerEfficiency extends LayerMacs {
  /** GPU time of all the layer's dispatches (event lists included) */
  ns: number;
  /** the dispatch labels counted */
  dispatches: string[];
  denseRate: number;
  eventRate: number;
  /** rate / peak */
  denseFraction: number;
  eventFraction: number;
}

/** Dispatch label -> layer index: labels carry `:L<k>` (plan.ts). */
function layerOf(label: string): number | undefined {
  const m = /:L(\d+)(?::|$)/.exec(label);
  return m ? Number(m[1]) : undefined;
}

/** Joins MAC counts with per-dispatch GPU times; `peak` in multiply-adds per second. */
export function efficiency(macs: LayerMacs[], profile: KernelTiming[], peak: number): LayerEfficiency[] {
  return macs.map((m) => {
    const mine = profile.filter((p) => layerOf(p.label) === m.index);
    const ns = mine.reduce((s, p) => s + p.ns, 0);
    const rate = (x: number) => (ns > 0 ? (x / ns) * 1e9 : 0);
    return {
      ...m,
      ns,
      dispatches: mine.map((p) => p.label),
      denseRate: rate(m.dense),
      eventRate: rate(m.events),
      denseFraction: rate(m.dense) / peak,
      eventFraction: rate(m.events) / peak,
    };
  });
}

/** Sums rows (e.g. the conv layers) into one. */
export function total(rows: LayerEfficiency[], peak: number): Omit<LayerEfficiency, 'index' | 'name' | 'kind'> {
  const ns = rows.reduce((s, r) => s + r.ns, 0);
  const dense = rows.reduce((s, r) => s + r.dense, 0);
  const events = rows.reduce((s, r) => s + r.events, 0);
  const rate = (x: number) => (ns > 0 ? (x / ns) * 1e9 : 0);
  return {
    ns, dense, events, dispatches: rows.flatMap((r) => r.dispatches),
    denseRate: rate(dense), eventRate: rate(events), denseFraction: rate(dense) / peak, eventFraction: rate(events) / peak,
  };
}
