// TS side of shaders/lib/epilogue.wgsl: the override constants of the activation, store and
// spike count shared by the conv and dense kernels.
import type { Binding } from '../gpu/kernel.js';
import type { Activation } from '../ir/types.js';
import { readOnly, readWrite, uniform } from './define.js';
import { wordsFor } from './pack.js';

/** The first bindings of every kernel that ends in lib/epilogue.wgsl. */
export const epilogueBindings: readonly Binding[] = [
  /** { n, sites } (lib/epilogue.wgsl) */
  uniform('params', 'Params'),
  /** per tile: 4 x vec4 thresholds, padded channels hold 0 */
  readOnly('thresholds', 'array<vec4<i32>>'),
  /** per tile: 4 x vec4 actStep16, padded channels hold 1 */
  readOnly('steps', 'array<vec4<u32>>'),
  /** packed u8 activations [pixel][OUT_WORDS], or i32 potentials [pixel][COUT] */
  readWrite('y', 'array<u32>'),
  /** one spike counter per layer (SPIKE_SLOT is this one's) */
  readWrite('spikes', 'array<atomic<u32>>'),
];

export interface EpilogueParams {
  /** false: the layer returns i32 potentials (last layer only) */
  activate: boolean;
  /** 2^act_bits - 1 */
  maxOut: number;
  /** pooling area A (1 unless average or global average pooling) */
  area: number;
  cout: number;
  /** index of this layer's spike counter */
  spikeSlot: number;
}

export function epilogueConstants(p: EpilogueParams): Record<string, number> {
  return {
    ACTIVATE: p.activate ? 1 : 0,
    MAX_OUT: p.maxOut,
    AREA: p.area,
    COUT: p.cout,
    OUT_WORDS: wordsFor(p.cout),
    SPIKE_SLOT: p.spikeSlot,
  };
}

/**
 * Per channel constants of akida_activate4_scaled (shaders/lib/activation.wgsl): T * A, the
 * saturating difference ceil(maxOut * S / 16) and 1 / S as f32, for S = act_step16 * A.
 * Undefined where a channel's S reaches 2^17 (the f32 form is not exact there).
 */
export interface ScaledActivation {
  ta: Int32Array;
  dMax: Int32Array;
  invS: Float32Array;
}

export const MAX_SCALED_STEP = 2 ** 17;

export function scaledActivation(act: Activation, area: number, maxOut: number): ScaledActivation | undefined {
  const cout = act.threshold.length;
  const out: ScaledActivation = { ta: new Int32Array(cout), dMax: new Int32Array(cout), invS: new Float32Array(cout) };
  for (let c = 0; c < cout; c++) {
    const s = act.actStep16[c]! * area;
    if (s >= MAX_SCALED_STEP) return undefined;
    out.ta[c] = act.threshold[c]! * area;
    out.dMax[c] = Math.ceil((maxOut * s) / 16);
    out.invS[c] = 1 / s;
  }
  return out;
}
