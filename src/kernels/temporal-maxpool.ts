// Max pooling of spike trains by running maximum of counts (shaders/temporal_maxpool.wgsl).
import { wgsl } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import source from '../../shaders/temporal_maxpool.wgsl?raw';
import { constantsKernel } from './define.js';
import { spikeWords } from './temporal-conv.js';

/** The shader keeps each window's counts in a private array of this many entries per channel. */
export const MAX_POOL_AREA = 16;

export interface TemporalMaxPoolParams {
  ih: number;
  iw: number;
  c: number;
  oh: number;
  ow: number;
  size: [number, number];
  stride: [number, number];
  padTop: number;
  padLeft: number;
}

function constants(p: TemporalMaxPoolParams): Record<string, number> {
  return {
    IH: p.ih, IW: p.iw, C: p.c, WORDS: spikeWords(p.c), OH: p.oh, OW: p.ow,
    KH: p.size[0], KW: p.size[1], SY: p.stride[0], SX: p.stride[1], PT: p.padTop, PL: p.padLeft,
  };
}

export const temporalMaxPool = constantsKernel<TemporalMaxPoolParams>('temporal_maxpool', wgsl(indexLib, source), constants);

/** One invocation per sample, pooled position and word. */
export const maxPoolInvocations = (p: TemporalMaxPoolParams, samples: number): number => samples * p.oh * p.ow * spikeWords(p.c);
