// Pooling and activation of the reference, applied to one sample's potentials.
import { poolArea, poolOutputShape, windowGeometry } from '../ir/shapes.js';
import type { Activation, Pooling, Shape3 } from '../ir/types.js';
import { activate } from './activation.js';

/** Activation applied per channel with pooling area `area`; null activation passes potentials. */
export function applyActivation(p: Int32Array, channels: number, act: Activation | null, area: number): Int32Array {
  if (!act) return p;
  const maxOut = (1 << act.bits) - 1;
  const out = new Int32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const c = i % channels;
    out[i] = activate(p[i]!, act.threshold[c]!, act.actStep16[c]!, area, maxOut);
  }
  return out;
}

/** Sum (average/global) or max over windows; `valid` windows for sums. */
function poolWindows(x: Int32Array, shape: Shape3, pooling: Pooling, op: 'sum' | 'max'): Int32Array {
  const [h, w, c] = shape;
  const [oh, ow] = poolOutputShape(shape, pooling);
  let size: [number, number], stride: [number, number], py = 0, px = 0;
  if (pooling.type === 'global_avg') {
    size = [h, w];
    stride = [1, 1];
  } else if (pooling.type === 'max' || pooling.type === 'average') {
    size = pooling.size;
    stride = pooling.stride;
    if (pooling.type === 'max') {
      py = windowGeometry(h, size[0], stride[0], pooling.padding).padBefore;
      px = windowGeometry(w, size[1], stride[1], pooling.padding).padBefore;
    }
  } else {
    return x;
  }
  const out = new Int32Array(oh * ow * c);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let ch = 0; ch < c; ch++) {
        let acc = op === 'max' ? -Infinity : 0;
        for (let i = 0; i < size[0]; i++) {
          const iy = oy * stride[0] + i - py;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < size[1]; j++) {
            const ix = ox * stride[1] + j - px;
            if (ix < 0 || ix >= w) continue;
            const v = x[(iy * w + ix) * c + ch]!;
            acc = op === 'max' ? Math.max(acc, v) : acc + v;
          }
        }
        out[(oy * ow + ox) * c + ch] = acc;
      }
    }
  }
  return out;
}

/**
 * Potentials -> layer output. Max pooling acts on activations; average and global pooling
 * sum potentials and threshold the sum with threshold and step scaled by the area.
 */
export function poolAndActivate(
  p: Int32Array,
  shape: Shape3,
  pooling: Pooling,
  act: Activation | null,
): Int32Array {
  const c = shape[2];
  switch (pooling.type) {
    case 'none':
      return applyActivation(p, c, act, 1);
    case 'max':
      return poolWindows(applyActivation(p, c, act, 1), shape, pooling, 'max');
    case 'average':
    case 'global_avg':
      return applyActivation(poolWindows(p, shape, pooling, 'sum'), c, act, poolArea(pooling, shape));
  }
}
