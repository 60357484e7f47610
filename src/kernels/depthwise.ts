// Depthwise half of SeparableConvolutional (shaders/depthwise.wgsl): i32 potentials, 4 channels
// per invocation, read by the pointwise conv (pointwise.ts).
import { wgsl } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import tapsLib from '../../shaders/lib/taps.wgsl?raw';
import windowLib from '../../shaders/lib/window.wgsl?raw';
import source from '../../shaders/depthwise.wgsl?raw';
import { constantsKernel } from './define.js';
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

export const depthwise = constantsKernel<DepthwiseKernelParams>('depthwise', wgsl(indexLib, windowLib, tapsLib, source), constants);

export function depthwiseInvocations(p: DepthwiseKernelParams, n: number): number {
  return n * p.convH * p.convW * p.inWords;
}

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
