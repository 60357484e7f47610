// Event-driven spike convolution with fused pooling and activation (shaders/conv.wgsl):
// InputConvolutional, Convolutional and FullyConnected (src/engine/plan.ts maps a dense layer
// to a conv over its whole input).
import { wgsl, type Binding, type Kernel } from '../gpu/kernel.js';
import activationLib from '../../shaders/lib/activation.wgsl?raw';
import epilogueLib from '../../shaders/lib/epilogue.wgsl?raw';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import poolLib from '../../shaders/lib/pool.wgsl?raw';
import tapsLib from '../../shaders/lib/taps.wgsl?raw';
import tileLib from '../../shaders/lib/tile.wgsl?raw';
import windowLib from '../../shaders/lib/window.wgsl?raw';
import source from '../../shaders/conv.wgsl?raw';
import { readOnly, WORKGROUP_SIZE } from './define.js';
import { epilogueBindings, epilogueConstants, type EpilogueParams } from './epilogue.js';
import { encodingFlags, packTileWeights, tilesFor, type WeightEncoding } from './pack.js';
import { eventSlots } from './pixel-events.js';
import { tapConstants, type TapParams } from './taps.js';

/** Pooling window over the potentials; none is a 1x1 max window (see shapes.ts for the geometry). */
export interface PoolParams {
  size: [number, number];
  stride: [number, number];
  padTop: number;
  padLeft: number;
  sum: boolean;
}

/** Geometry shared by the conv and pointwise kernels: potentials, pooling, output. */
export interface PooledOutput extends EpilogueParams {
  /** potentials before pooling */
  convH: number;
  convW: number;
  pool: PoolParams;
  /** output (pooled) height and width */
  outH: number;
  outW: number;
  encoding: WeightEncoding;
  /**
   * SITES variant: the invocations run over a list of pooled positions (the changed sites of
   * src/engine/sites.ts, params.sites of them) instead of every one
   */
  sites?: boolean;
}

/** Where the pooling windows lie: the constants both conv forms read (conv_specialized.wgsl too). */
export function poolWindowConstants(p: PooledOutput): Record<string, number> {
  return {
    CONV_H: p.convH,
    CONV_W: p.convW,
    POOL_SY: p.pool.stride[0],
    POOL_SX: p.pool.stride[1],
    POOL_PT: p.pool.padTop,
    POOL_PL: p.pool.padLeft,
    POOL_SUM: p.pool.sum ? 1 : 0,
    OUT_H: p.outH,
    OUT_W: p.outW,
  };
}

/** The constants of shaders/lib/pool.wgsl and lib/epilogue.wgsl. */
export function pooledConstants(p: PooledOutput): Record<string, number> {
  return {
    ...epilogueConstants(p),
    ...poolWindowConstants(p),
    POOL_H: p.pool.size[0],
    POOL_W: p.pool.size[1],
    TILES: tilesFor(p.cout),
  };
}

/** Invocations for n samples: one per pooled position and tile. */
export function pooledInvocations(p: PooledOutput, n: number): number {
  return n * p.outH * p.outW * tilesFor(p.cout);
}

/** Invocations of a pooled kernel over n samples, or (SITES) over n listed sites: one per site and tile. */
export function pooledDispatch(p: PooledOutput, n: number): number {
  return p.sites ? n * tilesFor(p.cout) : pooledInvocations(p, n);
}

/** SITES: the pooled positions ((n * OUT_H + y) * OUT_W + x) to compute, params.sites of them (src/engine/sites.ts) */
export const sitesBinding = readOnly('sites', 'array<u32>', (f) => f.SITES === true);

export interface ConvKernelParams extends PooledOutput, TapParams {
  /** input channels (event slots per pixel) */
  inC: number;
}

function constants(p: ConvKernelParams): Record<string, number> {
  return { ...pooledConstants(p), ...tapConstants(p), IN_C: p.inC, SLOTS: eventSlots(p.inC) };
}

const joined = wgsl(indexLib, windowLib, tapsLib, tileLib, activationLib, epilogueLib, poolLib, source);

const bindings: Binding[] = [
  ...epilogueBindings,
  /** SINGLE: the packed input itself, one u32 per pixel whose low byte is the only channel */
  readOnly('x', 'array<u32>', (f) => f.SINGLE === true),
  /** per pixel: SLOTS slots of (channel << 8) | value, the first counts[pixel] in use, zero-padded */
  readOnly('events', 'array<u32>', (f) => f.SINGLE !== true),
  readOnly('counts', 'array<u32>', (f) => f.SINGLE !== true),
  /** [tile][ky][kx][cin] rows of 16 channels (packConvWeights) */
  readOnly('w', 'array<Row>'),
  sitesBinding,
];

export const conv: Kernel<ConvKernelParams> = {
  name: 'conv2d',
  source: joined,
  flags: (p) => ({ ...encodingFlags(p.encoding), SINGLE: p.inC === 1, SITES: p.sites ?? false }),
  bindings,
  constants,
  workgroupSize: WORKGROUP_SIZE,
  invocations: pooledDispatch,
};

/**
 * Conv weights [kh][kw][cin][cout] -> [tile][ky][kx][cin] rows of 16 channels, flipped spatially
 * when the IR stores them flipped (Convolutional), so the shader always cross-correlates.
 */
export function packConvWeights(
  weights: Int8Array,
  kernel: [number, number],
  cin: number,
  cout: number,
  flipped: boolean,
  encoding: WeightEncoding,
): Uint32Array {
  const [kh, kw] = kernel;
  return packTileWeights(kh * kw * cin, cout, encoding, (row, o) => {
    const c = row % cin;
    const tap = Math.floor(row / cin);
    let ky = Math.floor(tap / kw);
    let kx = tap % kw;
    if (flipped) {
      ky = kh - 1 - ky;
      kx = kw - 1 - kx;
    }
    return weights[((ky * kw + kx) * cin + c) * cout + o]!;
  });
}
