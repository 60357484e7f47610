// Which conv-like layers get weight-specialised kernels (src/kernels/conv-specialized.ts), and
// how their 16-channel tiles are grouped into pipelines: a policy of the engine, bounded by the
// compile cost measured on SwiftShader (docs/ARCHITECTURE.md, "Specialised kernels").
import { packConvWeights, type ConvKernelParams } from '../kernels/conv.js';
import { MAX_TILE_TERMS, tileTerms, type SpecializedConvParams } from '../kernels/conv-specialized.js';
import { packDepthwiseWeights } from '../kernels/depthwise.js';
import { chooseEncoding, TILE, tilesFor } from '../kernels/pack.js';
import { packPointwiseWeights } from '../kernels/pointwise.js';
import type { SeparableConvolutionalLayer, WeightBits } from '../ir/types.js';

/** Terms a whole layer may generate under 'auto' (bounds its compile time to a few seconds). */
export const MAX_LAYER_TERMS = 40_000;

/** 'auto': specialise layers within the bounds above; 'always': every layer the form can compute exactly; 'never'. */
export type Specialization = 'auto' | 'always' | 'never';

/**
 * Cuts `packed` ([tile][rows] x 16) into pipelines of as many consecutive tiles as fit
 * MAX_TILE_TERMS: the tiles of a pipeline share the input loads (per-lane, the dearest thing
 * on a CPU adapter: the committed MNIST model's conv2 in one pipeline instead of two, 44 -> 36 ms
 * per 1,000 samples) and a separable layer's depthwise potentials. Undefined (the generic
 * kernel) when one tile exceeds MAX_TILE_TERMS or, under 'auto', the layer's pipelines exceed
 * MAX_LAYER_TERMS.
 */
function tilesWithin(
  p: ConvKernelParams,
  packed: Int8Array,
  rows: number,
  depthwise: Int8Array | undefined,
  wide: boolean,
  mode: Specialization,
): SpecializedConvParams[] | undefined {
  const pipeline = (tile: number, tiles: number): SpecializedConvParams => {
    const weights = packed.slice(tile * rows * TILE, (tile + tiles) * rows * TILE);
    return { ...p, tile, tiles, weights, wide, ...(depthwise && { depthwise }) };
  };
  const out: SpecializedConvParams[] = [];
  let total = 0;
  const count = tilesFor(p.cout);
  for (let tile = 0; tile < count; ) {
    let q = pipeline(tile, 1);
    if (tileTerms(q) > MAX_TILE_TERMS) return undefined;
    while (tile + q.tiles < count) {
      const wider = pipeline(tile, q.tiles + 1);
      if (tileTerms(wider) > MAX_TILE_TERMS) break;
      q = wider;
    }
    total += tileTerms(q);
    out.push(q);
    tile += q.tiles;
  }
  if (mode === 'auto' && total > MAX_LAYER_TERMS) return undefined;
  return out;
}

/**
 * The specialised tiles of a conv layer, or undefined when it keeps the generic kernel: when
 * the f32 sums would not be exact (the i8 encoding) or the layer is beyond the term bounds.
 */
export function specializeConv(
  p: ConvKernelParams,
  weights: Int8Array,
  weightBits: WeightBits,
  flipped: boolean,
  maxInput: number,
  mode: Specialization,
): SpecializedConvParams[] | undefined {
  if (mode === 'never') return undefined;
  const rows = p.kernel[0] * p.kernel[1] * p.inC;
  if (chooseEncoding(weightBits, rows, maxInput) === 'i8') return undefined;
  // packConvWeights in i8 = [tile][ky][kx][cin] x 16 signed bytes, flipped as the generic kernel reads them
  const packed = new Int8Array(packConvWeights(weights, p.kernel, p.inC, p.cout, flipped, 'i8').buffer);
  return tilesWithin(p, packed, rows, undefined, maxInput > 127, mode);
}

/**
 * The specialised pipelines of a SeparableConvolutional layer: depthwise and pointwise fused,
 * the depthwise potentials of the pooling window computed in the shader from the packed input
 * (no i32 buffer between the halves), once for the consecutive tiles a pipeline holds. `p` is the layer as a conv (its kernel, stride,
 * padding) over inC = the input's channels padded to whole words, with the pointwise's
 * encoding: undefined where that is i8 (f32 sums would not be exact), under 'never', or beyond
 * the term bounds.
 */
export function specializeSeparable(
  p: ConvKernelParams,
  layer: Pick<SeparableConvolutionalLayer, 'depthwise' | 'pointwise'>,
  cin: number,
  maxInput: number,
  mode: Specialization,
): SpecializedConvParams[] | undefined {
  if (mode === 'never' || p.encoding === 'i8') return undefined;
  // [ky][kx][inC] unflipped, and the pointwise as [tile][inC] x 16, both as signed bytes
  const depthwise = new Int8Array(packDepthwiseWeights(layer.depthwise, p.kernel, cin, p.inC / 4).buffer);
  const packed = new Int8Array(packPointwiseWeights(layer.pointwise, cin, p.inC, p.cout, 'i8').buffer);
  return tilesWithin(p, packed, p.inC, depthwise, maxInput > 127, mode);
}
