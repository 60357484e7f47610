// Depthwise half of SeparableConvolutional (shaders/depthwise.wgsl): i32 potentials, 4 channels
// per invocation, read by the pointwise conv (pointwise.ts).
import { wgsl, type Kernel } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import tapsLib from '../../shaders/lib/taps.wgsl?raw';
import windowLib from '../../shaders/lib/window.wgsl?raw';
import source from '../../shaders/depthwise.wgsl?raw';
import { readOnly, readWrite, uniform, WORKGROUP_SIZE } from './define.js';
import { packBytes } from './pack.js';
import { tapConstants, type TapParams } from './taps.js';

export interface DepthwiseKernelParams extends TapParams {
  /** u32 words per input pixel (packed u8); the output has 4 * inWords i32 channels */
  inWords: number;
  convH: number;
  convW: number;
}

function constants(p: DepthwiseKernelParams): Record<string, number> {
  return { ...tapConstants(p), IN_WORDS: p.inWords, CONV_H: p.convH, CONV_W: p.convW };
}

export function depthwiseInvocations(p: DepthwiseKernelParams, n: number): number {
  return n * p.convH * p.convW * p.inWords;
}

export const depthwise: Kernel<DepthwiseKernelParams> = {
  name: 'depthwise',
  source: wgsl(indexLib, windowLib, tapsLib, source),
  bindings: [
    uniform('params', 'Params'),
    /** packed u8 input, IN_WORDS words per pixel */
    readOnly('x', 'array<u32>'),
    /** [ky][kx][word] x 4 i8 (packDepthwiseWeights) */
    readOnly('w', 'array<u32>'),
    /** i32 potentials [n][CONV_H][CONV_W][IN_WORDS] x vec4 */
    readWrite('y', 'array<vec4<i32>>'),
  ],
  constants,
  workgroupSize: WORKGROUP_SIZE,
  invocations: depthwiseInvocations,
};

/** Bytes of the i32 output per sample. */
export function depthwiseOutputBytes(p: DepthwiseKernelParams): number {
  return p.convH * p.convW * p.inWords * 16;
}

/** Depthwise weights [kh][kw][c], stored flipped -> [ky][kx][word] x 4 i8, unflipped, padded. */
export function packDepthwiseWeights(weights: Int8Array, kernel: [number, number], c: number, inWords: number): Uint32Array {
  const [kh, kw] = kernel;
  const out = new Int8Array(kh * kw * inWords * 4);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let ch = 0; ch < c; ch++) {
        out[(ky * kw + kx) * inWords * 4 + ch] = weights[((kh - 1 - ky) * kw + (kw - 1 - kx)) * c + ch]!;
      }
    }
  }
  return packBytes(out);
}
