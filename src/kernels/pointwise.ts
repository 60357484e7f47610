// Pointwise half of SeparableConvolutional (shaders/pointwise.wgsl): a 1x1 conv over the i32
// depthwise potentials, with pooling and activation fused.
import { wgsl, type Kernel } from '../gpu/kernel.js';
import activationLib from '../../shaders/lib/activation.wgsl?raw';
import epilogueLib from '../../shaders/lib/epilogue.wgsl?raw';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import poolLib from '../../shaders/lib/pool.wgsl?raw';
import tileLib from '../../shaders/lib/tile.wgsl?raw';
import windowLib from '../../shaders/lib/window.wgsl?raw';
import source from '../../shaders/pointwise.wgsl?raw';
import { pooledConstants, pooledDispatch, sitesBinding, type PooledOutput } from './conv.js';
import { readOnly, WORKGROUP_SIZE } from './define.js';
import { epilogueBindings } from './epilogue.js';
import { encodingFlags, packTileWeights, type WeightEncoding } from './pack.js';

export interface PointwiseKernelParams extends PooledOutput {
  /** channels of the depthwise potentials (4 * packed words of the layer input) */
  inC: number;
}

function constants(p: PointwiseKernelParams): Record<string, number> {
  return { ...pooledConstants(p), IN_C: p.inC };
}

const joined = wgsl(indexLib, windowLib, tileLib, activationLib, epilogueLib, poolLib, source);

export const pointwise: Kernel<PointwiseKernelParams> = {
  name: 'pointwise',
  source: joined,
  flags: (p) => ({ ...encodingFlags(p.encoding), SITES: p.sites ?? false }),
  bindings: [
    ...epilogueBindings,
    /** the depthwise potentials [n][CONV_H][CONV_W][IN_C] */
    readOnly('x', 'array<i32>'),
    /** [tile][cin] rows of 16 channels (packPointwiseWeights) */
    readOnly('w', 'array<Row>'),
    sitesBinding,
  ],
  constants,
  workgroupSize: WORKGROUP_SIZE,
  invocations: pooledDispatch,
};

/** Pointwise weights [cin][cout] -> [tile][cinPadded] rows (padded channels are zero rows). */
export function packPointwiseWeights(weights: Int8Array, cin: number, cinPadded: number, cout: number, encoding: WeightEncoding): Uint32Array {
  return packTileWeights(cinPadded, cout, encoding, (c, o) => (c < cin ? weights[c * cout + o]! : 0));
}
