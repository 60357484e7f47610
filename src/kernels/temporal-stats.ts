// Spikes and SynOps per frame (shaders/temporal_stats.wgsl).
import { wgsl, type Kernel } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import source from '../../shaders/temporal_stats.wgsl?raw';
import { readOnly, readWrite, uniform, WORKGROUP_SIZE } from './define.js';
import { spikeWords } from './temporal-conv.js';

export interface TemporalStatsParams {
  /** pixels and channels of a frame */
  hw: number;
  c: number;
}

function constants(p: TemporalStatsParams): Record<string, number> {
  return { WORDS_PER_FRAME: p.hw * spikeWords(p.c), WORDS_PER_PIXEL: spikeWords(p.c) };
}

/** One invocation per frame. */
export const statsInvocations = (frames: number): number => frames;

export const temporalStats: Kernel<TemporalStatsParams> = {
  name: 'temporal_stats',
  source: wgsl(indexLib, source),
  bindings: [
    uniform('dyn', 'Dyn'),
    /** bit-packed spikes [frame][pixel][word] */
    readOnly('spikes', 'array<u32>'),
    /** per pixel: the synapses one of its spikes reaches */
    readOnly('fanout', 'array<u32>'),
    /** [slot] x (spikes, synops) */
    readWrite('out', 'array<u32>'),
  ],
  constants,
  workgroupSize: WORKGROUP_SIZE,
  invocations: (_, frames) => statsInvocations(frames),
};
