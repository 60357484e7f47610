// Max pooling of spike trains by running maximum of counts (shaders/temporal_maxpool.wgsl). The
// template's //@ markers are filled here with the word's quads and the window's positions
// unrolled into named variables: c{q}_{e} (counts of quad q at window position e) and m{q}
// (their maximum).
import { wgsl, type Kernel } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import bitsLib from '../../shaders/lib/bits.wgsl?raw';
import template from '../../shaders/temporal_maxpool.wgsl?raw';
import { readOnly, readWrite, uniform, WORKGROUP_SIZE } from './define.js';
import { fillMarkers } from './template.js';
import { spikeWords } from './temporal-conv.js';

/** The largest window the generator unrolls (the code grows with quads x window positions). */
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

/** Quads (4 channels) of a position: the counts' layout. */
export const poolQuads = (c: number): number => Math.ceil(c / 4);

function constants(p: TemporalMaxPoolParams): Record<string, number> {
  return {
    IH: p.ih, IW: p.iw, WORDS: spikeWords(p.c), QUADS: poolQuads(p.c), OH: p.oh, OW: p.ow,
    SY: p.stride[0], SX: p.stride[1], PT: p.padTop, PL: p.padLeft,
  };
}

/** The template with the quads of a word and the window positions unrolled. */
export function maxPoolSource(p: TemporalMaxPoolParams, source: string): string {
  const [kh, kw] = p.size;
  const area = kh * kw;
  const perWord = Math.min(8, poolQuads(p.c));
  // the last word holds fewer quads than the others
  const partial = poolQuads(p.c) % perWord !== 0;
  const qs = Array.from({ length: perWord }, (_, q) => q);
  const es = Array.from({ length: area }, (_, e) => e);
  const guard = (q: number, code: string) => (partial && q > 0 ? `if (${q}u < quads) { ${code} }` : code);
  /** `name` = the largest count of quad q over the window */
  const largest = (name: string, q: number) => `${name} = c${q}_0;${es.slice(1).map((e) => ` ${name} = max(${name}, c${q}_${e});`).join('')}`;
  const load = qs.flatMap((q) => [
    ...es.map((e) => `  var c${q}_${e} = vec4<u32>();`),
    `  ${guard(q, es.map((e) => `c${q}_${e} = counts[(cb + ${q}u) * ${area}u + ${e}u];`).join(' '))}`,
    `  var ${largest(`m${q}`, q)}`,
  ]);
  const step = [
    ...es.map((e) => `    let s${e} = window_word(frame, y0 + ${Math.floor(e / kw)}, x0 + ${e % kw}, word);`),
    ...qs.flatMap((q) => [
      `    ${es.map((e) => `c${q}_${e} += quad_bits(s${e}, ${q}u);`).join(' ')}`,
      `    { var ${largest('m', q)} out |= bits4(m > m${q}) << ${4 * q}u; m${q} = m; }`,
    ]),
  ];
  const store = qs.map((q) => `  ${guard(q, es.map((e) => `counts[(cb + ${q}u) * ${area}u + ${e}u] = c${q}_${e};`).join(' '))}`);
  return fillMarkers('temporal_maxpool', source, { LOAD: load.join('\n'), STEP: step.join('\n'), STORE: store.join('\n') });
}

/** One invocation per sample, pooled position and word. */
export const maxPoolInvocations = (p: TemporalMaxPoolParams, samples: number): number => samples * p.oh * p.ow * spikeWords(p.c);

export const temporalMaxPool: Kernel<TemporalMaxPoolParams> = {
  name: 'temporal_maxpool',
  source: wgsl(indexLib, bitsLib, template),
  generate: maxPoolSource,
  bindings: [
    uniform('dyn', 'Dyn'),
    /** bit-packed spikes [step][sample][IH][IW][WORDS] */
    readOnly('spikes', 'array<u32>'),
    /** the window's counts, persistent across chunks (maxPoolCountBytes) */
    readWrite('counts', 'array<vec4<u32>>'),
    /** bit-packed pooled spikes [step][sample][OH][OW][WORDS] */
    readWrite('pooled', 'array<u32>'),
  ],
  constants,
  workgroupSize: WORKGROUP_SIZE,
  invocations: maxPoolInvocations,
};

/** Bytes of the persistent counts for `samples` samples. */
export const maxPoolCountBytes = (p: TemporalMaxPoolParams, samples: number): number =>
  samples * p.oh * p.ow * poolQuads(p.c) * p.size[0] * p.size[1] * 16;
