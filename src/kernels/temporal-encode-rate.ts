// Rate (Poisson/Bernoulli) encoding with the counter-based RNG (shaders/temporal_encode_rate.wgsl).
import { wgsl } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import rngLib from '../../shaders/lib/rng.wgsl?raw';
import source from '../../shaders/temporal_encode_rate.wgsl?raw';
import { constantsKernel } from './define.js';
import { spikeWords } from './temporal-conv.js';

export interface EncodeRateParams {
  /** pixels and channels of the input */
  hw: number;
  c: number;
  maxInput: number;
}

function constants(p: EncodeRateParams): Record<string, number> {
  return { HW: p.hw, C: p.c, WORDS: spikeWords(p.c), MAX_INPUT: p.maxInput };
}

export const temporalEncodeRate = constantsKernel<EncodeRateParams>('temporal_encode_rate', wgsl(indexLib, rngLib, source), constants);

/** One invocation per frame, pixel and word. */
export const encodeRateInvocations = (p: EncodeRateParams, frames: number): number => frames * p.hw * spikeWords(p.c);
