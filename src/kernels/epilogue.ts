// TS side of shaders/lib/epilogue.wgsl: the override constants of the activation, store and
// spike count shared by the conv and dense kernels.
import { wordsFor } from './pack.js';

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
