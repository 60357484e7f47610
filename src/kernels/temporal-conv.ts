// Synaptic input of a spiking layer over many frames (shaders/temporal_conv.wgsl).
import { wgsl, type Kernel } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import source from '../../shaders/temporal_conv.wgsl?raw';
import { constantsKey } from './pack.js';

/** Output channels per invocation; the synaptic input is stored in whole tiles. */
export const SYN_TILE = 16;

export interface TemporalConvParams {
  inH: number;
  inW: number;
  cin: number;
  kernel: [number, number];
  stride: number;
  /** leading padding (windowGeometry) */
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
  cout: number;
  /** the input is integer values [frame][y][x][cin] (a constant current), not bit-packed spikes */
  values: boolean;
}

/** u32 words per pixel of bit-packed spikes. */
export const spikeWords = (channels: number): number => Math.ceil(channels / 32);

/** Channels of the synaptic input per position, rounded up to whole tiles. */
export const paddedChannels = (channels: number): number => Math.ceil(channels / SYN_TILE) * SYN_TILE;

function constants(p: TemporalConvParams): Record<string, number> {
  return {
    IN_H: p.inH, IN_W: p.inW, IN_WORDS: spikeWords(p.cin), CIN: p.cin, KH: p.kernel[0], KW: p.kernel[1],
    STRIDE: p.stride, PAD_T: p.padTop, PAD_L: p.padLeft, OUT_H: p.outH, OUT_W: p.outW,
    TILES: paddedChannels(p.cout) / SYN_TILE, VALUES: p.values ? 1 : 0,
  };
}

export const temporalConv: Kernel<TemporalConvParams> = {
  name: 'temporal_conv',
  source: wgsl(indexLib, source),
  cacheKey: (p) => constantsKey(constants(p)),
  constants,
  workgroupSize: 64,
};

/** One invocation per frame, output position and tile of 16 channels. */
export const temporalConvInvocations = (p: TemporalConvParams, frames: number): number =>
  frames * p.outH * p.outW * (paddedChannels(p.cout) / SYN_TILE);

/**
 * Weights [kh][kw][cin][cout] -> [tile][ky][kx][cin][16], flipped spatially when the layer
 * applies them as a true convolution, so the shader always cross-correlates. Padded output
 * channels get zero weights.
 */
export function packTemporalWeights(weights: Int8Array | Int32Array, kernel: [number, number], cin: number, cout: number, flipped: boolean): Int32Array {
  const [kh, kw] = kernel;
  const tiles = paddedChannels(cout) / SYN_TILE;
  const out = new Int32Array(tiles * kh * kw * cin * SYN_TILE);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const sy = flipped ? kh - 1 - ky : ky;
      const sx = flipped ? kw - 1 - kx : kx;
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) {
          const tile = Math.floor(o / SYN_TILE);
          out[((((tile * kh + ky) * kw + kx) * cin + c) * SYN_TILE) + (o % SYN_TILE)] = weights[((sy * kw + sx) * cin + c) * cout + o]!;
        }
      }
    }
  }
  return out;
}
