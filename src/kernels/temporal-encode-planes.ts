// Bit planes of an integer input, for the constant current (shaders/temporal_encode_planes.wgsl).
import { wgsl, type Kernel } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import source from '../../shaders/temporal_encode_planes.wgsl?raw';
import { constantsKey } from './pack.js';
import { spikeWords } from './temporal-conv.js';

export interface EncodePlanesParams {
  hw: number;
  c: number;
  planes: number;
}

function constants(p: EncodePlanesParams): Record<string, number> {
  return { HW: p.hw, C: p.c, WORDS: spikeWords(p.c), PLANES: p.planes };
}

export const temporalEncodePlanes: Kernel<EncodePlanesParams> = {
  name: 'temporal_encode_planes',
  source: wgsl(indexLib, source),
  cacheKey: (p) => constantsKey(constants(p)),
  constants,
  workgroupSize: 64,
};

/** One invocation per plane, sample, pixel and word. */
export const encodePlanesInvocations = (p: EncodePlanesParams, samples: number): number => p.planes * samples * p.hw * spikeWords(p.c);
