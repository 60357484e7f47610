// Spikes and SynOps per frame (shaders/temporal_stats.wgsl).
import { wgsl } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import source from '../../shaders/temporal_stats.wgsl?raw';
import { constantsKernel } from './define.js';
import { spikeWords } from './temporal-conv.js';

export interface TemporalStatsParams {
  /** pixels and channels of a frame */
  hw: number;
  c: number;
}

function constants(p: TemporalStatsParams): Record<string, number> {
  return { WORDS_PER_FRAME: p.hw * spikeWords(p.c), WORDS_PER_PIXEL: spikeWords(p.c) };
}

export const temporalStats = constantsKernel<TemporalStatsParams>('temporal_stats', wgsl(indexLib, source), constants);

/** One invocation per frame. */
export const statsInvocations = (frames: number): number => frames;
