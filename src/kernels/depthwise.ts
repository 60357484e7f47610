// Depthwise half of SeparableConvolutional (shaders/depthwise.wgsl): i32 potentials, 4 channels
// per invocation, read by the pointwise conv (conv.ts with inputI32).
import { wgsl, type Kernel } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import source from '../../shaders/depthwise.wgsl?raw';
import { constantsKey, packBytes } from './pack.js';

export interface DepthwiseKernelParams {
  inH: number;
  inW: number;
  /** u32 words per input pixel (packed u8); the output has 4 * inWords i32 channels */
  inWords: number;
  kernel: [number, number];
  stride: number;
  padTop: number;
  padLeft: number;
  convH: number;
  convW: number;
}

function constants(p: DepthwiseKernelParams): Record<string, number> {
  return {
    IN_H: p.inH,
    IN_W: p.inW,
    IN_WORDS: p.inWords,
    KH: p.kernel[0],
    KW: p.kernel[1],
    STRIDE: p.stride,
    PAD_T: p.padTop,
    PAD_L: p.padLeft,
    CONV_H: p.convH,
    CONV_W: p.convW,
  };
}

export const depthwise: Kernel<DepthwiseKernelParams> = {
  name: 'depthwise',
  source: wgsl(indexLib, source),
  cacheKey: (p) => constantsKey(constants(p)),
  constants,
  workgroupSize: 64,
};

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
