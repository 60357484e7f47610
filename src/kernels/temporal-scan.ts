// The membrane scan of a spiking layer over a chunk of steps (shaders/temporal_scan.wgsl).
import { wgsl } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import neuronLib from '../../shaders/lib/neuron.wgsl?raw';
import source from '../../shaders/temporal_scan.wgsl?raw';
import { constantsKernel } from './define.js';
import { paddedChannels, spikeWords } from './temporal-conv.js';

export interface TemporalScanParams {
  /** neuron shape */
  h: number;
  w: number;
  c: number;
  /** synaptic input spatial shape (differs from h, w under a sum window) */
  ph: number;
  pw: number;
  /** sum window (Akida average pooling); [1, 1] for none */
  window: [number, number];
  windowStride: [number, number];
  /** the synaptic input is one frame per sample, reused every step */
  constInput: boolean;
  fires: boolean;
  /** the readout layer: counts, charge, first spike, checkpoints */
  record: boolean;
  resetZero: boolean;
}

function constants(p: TemporalScanParams): Record<string, number> {
  return {
    H: p.h, W: p.w, C: p.c, CP: paddedChannels(p.c), WORDS: spikeWords(p.c), PH: p.ph, PW: p.pw,
    WIN_H: p.window[0], WIN_W: p.window[1], WIN_SY: p.windowStride[0], WIN_SX: p.windowStride[1],
    CONST_INPUT: p.constInput ? 1 : 0, FIRES: p.fires ? 1 : 0, RECORD: p.record ? 1 : 0, RESET_ZERO: p.resetZero ? 1 : 0,
  };
}

export const temporalScan = constantsKernel<TemporalScanParams>('temporal_scan', wgsl(indexLib, neuronLib, source), constants);

/** One invocation per sample, neuron position and word of 32 channels. */
export const scanInvocations = (p: TemporalScanParams, samples: number): number => samples * p.h * p.w * spikeWords(p.c);
