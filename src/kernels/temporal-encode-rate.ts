// Rate (Poisson/Bernoulli) encoding with the counter-based RNG (shaders/temporal_encode_rate.wgsl).
import { wgsl, type Kernel } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import rngLib from '../../shaders/lib/rng.wgsl?raw';
import source from '../../shaders/temporal_encode_rate.wgsl?raw';
import { readOnly, readWrite, uniform, WORKGROUP_SIZE } from './define.js';
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

/** One invocation per frame, pixel and word. */
export const encodeRateInvocations = (p: EncodeRateParams, frames: number): number => frames * p.hw * spikeWords(p.c);

export const temporalEncodeRate: Kernel<EncodeRateParams> = {
  name: 'temporal_encode_rate',
  source: wgsl(indexLib, rngLib, source),
  bindings: [
    uniform('dyn', 'Dyn'),
    /** input values [sample][pixel][c], one u32 each */
    readOnly('x', 'array<u32>'),
    /** bit-packed spikes [step][sample][pixel][word] */
    readWrite('spikes', 'array<u32>'),
  ],
  constants,
  workgroupSize: WORKGROUP_SIZE,
  invocations: encodeRateInvocations,
};
