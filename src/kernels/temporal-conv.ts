// Synaptic input of a spiking layer over many frames (shaders/temporal_conv.wgsl).
import { wgsl, type Kernel } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import tapsLib from '../../shaders/lib/taps.wgsl?raw';
import windowLib from '../../shaders/lib/window.wgsl?raw';
import bitsLib from '../../shaders/lib/bits.wgsl?raw';
import source from '../../shaders/temporal_conv.wgsl?raw';
import { readOnly, readWrite, uniform, WORKGROUP_SIZE } from './define.js';
import { fillMarkers } from './template.js';
import { tapConstants, type TapParams } from './taps.js';

/** Output channels per invocation; the synaptic input is stored in whole tiles. */
export const SYN_TILE = 16;

export interface TemporalConvParams extends TapParams {
  cin: number;
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
    ...tapConstants(p), IN_WORDS: spikeWords(p.cin), CIN: p.cin, OUT_H: p.outH, OUT_W: p.outW,
    TILES: paddedChannels(p.cout) / SYN_TILE, VALUES: p.values ? 1 : 0,
  };
}

const joined = wgsl(indexLib, windowLib, tapsLib, bitsLib, source);

/**
 * Event loops the spike path unrolls (one per tap and input word): a CPU adapter pays for
 * every loop it enters, but compiles each unrolled one in tens of ms (9: 0.2 s, 18: 0.4 s,
 * 32: 1.2 s, 98: 4.8 s on SwiftShader); larger kernels (a dense layer over a feature map) loop.
 */
export const MAX_UNROLLED_TAPS = 18;

/**
 * The spike path: the taps and words unrolled, or one loop over them (see MAX_UNROLLED_TAPS).
 * A layer of at most 16 input channels walks several taps' spikes in one word: their weight
 * rows are consecutive, so bit b of the word is row (first tap's row + b), and one event loop
 * serves them all (20% off a 16-channel layer). That needs the bits at and above cin clear:
 * padded channels never fire.
 */
function convSource(p: TemporalConvParams, source: string): string {
  const [kh, kw] = p.kernel;
  const words = spikeWords(p.cin);
  const taps: string[] = [];
  if (kh * kw * words <= MAX_UNROLLED_TAPS) {
    const per = words === 1 ? Math.floor(32 / p.cin) : 1;
    for (let t0 = 0; t0 < kh * kw; t0 += per) {
      for (let k = 0; k < words; k++) {
        const parts: string[] = [];
        for (let t = t0; t < Math.min(kh * kw, t0 + per); t++) {
          const shift = (t - t0) * p.cin;
          const word = `tap_word(site.n, iy0 + ${Math.floor(t / kw)}, ix0 + ${t % kw}, ${k}u)`;
          // WGSL does not mix << and | without parentheses
          parts.push(shift ? `(${word} << ${shift}u)` : word);
        }
        const row = `((tile * KH + ${Math.floor(t0 / kw)}u) * KW + ${t0 % kw}u) * CIN + ${32 * k}u`;
        taps.push(`    add_events(&acc, ${parts.join(' | ')}, ${row});`);
      }
    }
  } else {
    taps.push(
      '    for (var t = 0u; t < KH * KW * IN_WORDS; t++) {',
      '      let tap = t / IN_WORDS;',
      '      let k = t % IN_WORDS;',
      '      add_events(&acc, tap_word(site.n, iy0 + i32(tap / KW), ix0 + i32(tap % KW), k), ((tile * KH + tap / KW) * KW + tap % KW) * CIN + 32u * k);',
      '    }',
    );
  }
  return fillMarkers('temporal_conv', source, { TAPS: taps.join('\n') });
}

/** One invocation per frame, output position and tile of 16 channels. */
export const temporalConvInvocations = (p: TemporalConvParams, frames: number): number =>
  frames * p.outH * p.outW * (paddedChannels(p.cout) / SYN_TILE);

export const temporalConv: Kernel<TemporalConvParams> = {
  name: 'temporal_conv',
  source: joined,
  generate: convSource,
  bindings: [
    uniform('dyn', 'Dyn'),
    /** bit-packed spikes [frame][y][x][IN_WORDS], or (VALUES) u32 values [frame][y][x][cin] */
    readOnly('spikes', 'array<u32>'),
    /** [tile][ky][kx][cin] x 16 i32 (packTemporalWeights) */
    readOnly('weights', 'array<vec4<i32>>'),
    /** synaptic input [frame][y][x][COUT_PADDED] */
    readWrite('syn', 'array<vec4<i32>>'),
  ],
  constants,
  workgroupSize: WORKGROUP_SIZE,
  invocations: temporalConvInvocations,
};

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
