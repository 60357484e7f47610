// The membrane scan of a spiking layer over a chunk of steps (shaders/temporal_scan.wgsl). The
// template's //@ markers are filled here with the word's quads unrolled into named variables
// (s0..s7): SwiftShader keeps dynamically indexed local arrays in per-lane memory, which cost
// more than the scan's arithmetic.
import { wgsl, type Kernel } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import neuronLib from '../../shaders/lib/neuron.wgsl?raw';
import bitsLib from '../../shaders/lib/bits.wgsl?raw';
import template from '../../shaders/temporal_scan.wgsl?raw';
import { readOnly, readWrite, uniform, WORKGROUP_SIZE } from './define.js';
import { fillMarkers } from './template.js';
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
    H: p.h, W: p.w, CP: paddedChannels(p.c), WORDS: spikeWords(p.c), PH: p.ph, PW: p.pw,
    WIN_H: p.window[0], WIN_W: p.window[1], WIN_SY: p.windowStride[0], WIN_SX: p.windowStride[1],
    FIRES: p.fires ? 1 : 0, RECORD: p.record ? 1 : 0, RESET_ZERO: p.resetZero ? 1 : 0,
  };
}

/** Sum windows (Akida average pooling) up to this many positions are read without a loop. */
export const MAX_UNROLLED_WINDOW = 16;

/** Quads (4 channels) per spike word: 8, or 4 when the layer has at most 16 padded channels. */
const quadsPerWord = (c: number): number => Math.min(8, paddedChannels(c) / 4);

/** The template with the quads of a word unrolled (see the file header). */
export function scanSource(p: TemporalScanParams, source: string): string {
  const q = quadsPerWord(p.c);
  // a layer whose padded channels end on half a word: quads 4..7 exist in every word but the last
  const partial = (paddedChannels(p.c) / 4) % 8 !== 0 && q === 8;
  const ks = Array.from({ length: q }, (_, k) => k);
  /** a statement about quad k, indented; guarded when the quad may be missing */
  const line = (indent: string, k: number, code: string) => `${indent}${partial && k >= 4 ? `if (${k}u < quads) { ${code} }` : code}`;
  // the input of quad k: the window's reads unrolled (a CPU adapter pays for every loop it enters)
  const [wh, ww] = p.window;
  const input = (k: number, frame: string) => {
    if (wh * ww > MAX_UNROLLED_WINDOW) return `dyn.gain * input_quad(${frame}, site.y, site.x, g0 + ${k}u) + b${k}`;
    const reads: string[] = [];
    for (let wy = 0; wy < wh; wy++) for (let wx = 0; wx < ww; wx++) reads.push(`syn_at(${frame}, site.y, site.x, ${wy}u, ${wx}u, g0 + ${k}u)`);
    return `dyn.gain * (${reads.join(' + ')}) + b${k}`;
  };
  // state, bias and threshold of every quad; a constant input is read here, once
  const load = ks.flatMap((k) => [
    `  var s${k} = Quad();`,
    `  var b${k} = vec4<i32>();`,
    `  var th${k} = vec4<i32>();`,
    line('  ', k, `s${k} = load_quad(base + ${k}u); b${k} = bias[g0 + ${k}u]; th${k} = theta[g0 + ${k}u];`),
    ...(p.constInput ? [`  var i${k} = vec4<i32>();`, line('  ', k, `i${k} = ${input(k, 'site.n')};`)] : []),
  ]);
  const step = ks.map((k) => line('    ', k, `out |= step_quad(&s${k}, ${p.constInput ? `i${k}` : input(k, 'frame')}, th${k}, t) << ${4 * k}u;`));
  const record = ks.map((k) => line('      ', k, `record_quad(rb + ${k}u, s${k});`));
  const store = ks.map((k) => line('  ', k, `store_quad(base + ${k}u, s${k});`));
  return fillMarkers('temporal_scan', source, { LOAD: load.join('\n'), STEP: step.join('\n'), RECORD: record.join('\n'), STORE: store.join('\n') });
}

/** One invocation per sample, neuron position and word of 32 channels. */
export const scanInvocations = (p: TemporalScanParams, samples: number): number => samples * p.h * p.w * spikeWords(p.c);

export const temporalScan: Kernel<TemporalScanParams> = {
  name: 'temporal_scan',
  source: wgsl(indexLib, neuronLib, bitsLib, template),
  generate: scanSource,
  bindings: [
    uniform('dyn', 'Dyn'),
    /** synaptic input [frame][PH][PW][CP] */
    readOnly('syn', 'array<vec4<i32>>'),
    /** per padded channel */
    readOnly('bias', 'array<vec4<i32>>'),
    readOnly('theta', 'array<vec4<i32>>'),
    /** membranes [sample][H][W][CP] */
    readWrite('v', 'array<vec4<i32>>'),
    /** bit-packed spikes [step][sample][H][W][WORDS] */
    readWrite('spikes', 'array<u32>'),
    /** RECORD: [sample][H][W][CP] x (count, charge, first spike); other layers bind a dummy */
    readWrite('readout', 'array<vec4<i32>>'),
    /** RECORD: the checkpoint steps */
    readOnly('checkpoints', 'array<u32>'),
    /** RECORD: [checkpoint][sample][H][W][CP] x (count, charge, first spike) */
    readWrite('records', 'array<vec4<i32>>'),
  ],
  constants,
  workgroupSize: WORKGROUP_SIZE,
  invocations: scanInvocations,
};
