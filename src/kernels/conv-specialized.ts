// Specialised conv kernels (shaders/conv_specialized.wgsl): per layer and 16-channel tile, a
// shader whose weights are WGSL literals, generated here from the layer's weights. Per-model
// code generation, chosen by src/scheduler/plan.ts for layers small enough to compile quickly;
// why and when: docs/ARCHITECTURE.md, "Specialised kernels".
import { wgsl, type Kernel } from '../gpu/kernel.js';
import activationLib from '../../shaders/lib/activation.wgsl?raw';
import epilogueLib from '../../shaders/lib/epilogue.wgsl?raw';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import tileLib from '../../shaders/lib/tile.wgsl?raw';
import template from '../../shaders/conv_specialized.wgsl?raw';
import { packConvWeights, poolWindowConstants, type ConvKernelParams } from './conv.js';
import { constantsKey, WORKGROUP_SIZE } from './define.js';
import { epilogueConstants } from './epilogue.js';
import { chooseEncoding, TILE, tilesFor, wordsFor } from './pack.js';
import { preprocess } from './preprocess.js';
import type { WeightBits } from '../model/types.js';

/**
 * Generated terms (non-zero weights x conv positions per pooling window) one pipeline may hold.
 * Measured on SwiftShader: 8,600 terms = 135 kB of WGSL compile in 1.1 to 2.3 s; about
 * 400 kB crashed the process while compiling. Larger layers keep the generic kernel.
 */
export const MAX_TILE_TERMS = 12_000;
/** Terms a whole layer may generate under 'auto' (bounds its compile time to a few seconds). */
export const MAX_LAYER_TERMS = 40_000;

/** 'auto': specialise layers within the bounds above; 'always': every layer the form can compute exactly; 'never'. */
export type Specialization = 'auto' | 'always' | 'never';

export interface SpecializedConvParams extends ConvKernelParams {
  /** which 16-channel tile this pipeline computes */
  tile: number;
  /** the tile's weights, cross-correlation order: [ky][kx][cin] x 16 channels */
  weights: Int8Array;
  /** hash of `weights` (pipeline cache key) */
  weightsHash: string;
  /** an input value can exceed 127 (WIDE variant) */
  wide: boolean;
}

/** FNV-1a over the weights: the cache key of a tile's pipeline, with its geometry. */
function hashWeights(w: Int8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ (w[i]! & 0xff), 0x01000193);
  return `${w.length}:${(h >>> 0).toString(16)}`;
}

/** Conv positions of a pooling window (1x1 without pooling), relative to its first. */
function windowPositions(p: ConvKernelParams): [number, number][] {
  const out: [number, number][] = [];
  for (let dy = 0; dy < p.pool.size[0]; dy++) for (let dx = 0; dx < p.pool.size[1]; dx++) out.push([dy, dx]);
  return out;
}

function literal(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : `${v}`;
}

/** The WGSL body (see the template's header) for one tile. */
export function specializedBody(p: SpecializedConvParams): string {
  const [kh, kw] = p.kernel;
  const cin = p.inC;
  const loads = new Map<string, string>();
  const lines: string[] = [];
  const value = (r: number, c: number, ch: number) => {
    const j = Math.floor(ch / 4);
    const name = `v_${r}_${c}_${j}`;
    if (!loads.has(name)) loads.set(name, `  let ${name} = load_word(n, iy0 + ${r}, ix0 + ${c}, ${j}u);`);
    return `${name}[${ch % 4}]`;
  };
  for (const [dy, dx] of windowPositions(p)) {
    const sums: string[] = [];
    for (let k = 0; k < TILE; k++) {
      // the inputs of each weight value, summed first: one add per non-zero weight
      const groups = new Map<number, string[]>();
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          for (let ch = 0; ch < cin; ch++) {
            const w = p.weights[((ky * kw + kx) * cin + ch) * TILE + k]!;
            if (w === 0) continue;
            const terms = groups.get(w) ?? (groups.set(w, []), groups.get(w)!);
            terms.push(value(dy * p.stride + ky, dx * p.stride + kx, ch));
          }
        }
      }
      const parts = [...groups].sort((a, b) => a[0] - b[0]).map(([w, t]) => {
        const sum = `(${t.join(' + ')})`;
        return w === 1 ? sum : w === -1 ? `-${sum}` : `${literal(w)} * ${sum}`;
      });
      const name = `s_${dy}_${dx}_${k}`;
      lines.push(`  let ${name} = ${parts.length ? parts.join('\n    + ') : '0.0'};`);
      sums.push(name);
    }
    const quads = [0, 4, 8, 12].map((q) => `potentials(${sums.slice(q, q + 4).join(', ')})`);
    lines.push(`  pool = pool_in(pool, Tile(${quads.join(', ')}), cy0 + ${dy}, cx0 + ${dx});`);
  }
  return [...loads.values(), ...lines].join('\n');
}

/** Generated terms of one tile: non-zero weights x conv positions per pooling window. */
export function tileTerms(weights: Int8Array, p: ConvKernelParams): number {
  let nonZero = 0;
  for (const w of weights) if (w !== 0) nonZero++;
  return nonZero * p.pool.size[0] * p.pool.size[1];
}

const libs = wgsl(indexLib, preprocess(tileLib, { F32: false, NIBBLES: false }), activationLib, epilogueLib);

function constants(p: SpecializedConvParams): Record<string, number> {
  // no KH, KW, POOL_H, POOL_W: the generated body unrolls the taps and the pooling window
  return {
    ...epilogueConstants(p),
    ...poolWindowConstants(p),
    IN_H: p.inH,
    IN_W: p.inW,
    IN_WORDS: wordsFor(p.inC),
    STRIDE: p.stride,
    PAD_T: p.padTop,
    PAD_L: p.padLeft,
  };
}

export const convSpecialized: Kernel<SpecializedConvParams> = {
  name: 'conv2d-specialized',
  source: (p) =>
    wgsl(libs, preprocess(template, { WIDE: p.wide }))
      .replace(/^\/\/@BODY$/m, () => specializedBody(p))
      .replaceAll('TILE_INDEX', `${p.tile}u`),
  cacheKey: (p) => `${p.tile}|${p.weightsHash}|${p.wide}|${p.pool.size.join('x')}|${p.kernel.join('x')}|${p.inC}|${constantsKey(constants(p))}`,
  constants,
  workgroupSize: WORKGROUP_SIZE,
};

/** Invocations for n samples: one per pooled position (each tile is its own dispatch). */
export function specializedInvocations(p: ConvKernelParams, n: number): number {
  return n * p.outH * p.outW;
}

/**
 * The specialised tiles of a conv layer, or undefined when it keeps the generic kernel: when
 * the f32 sums would not be exact (the i8 encoding), a tile exceeds MAX_TILE_TERMS, or
 * (under 'auto') the layer exceeds MAX_LAYER_TERMS.
 */
export function specializeConv(
  p: ConvKernelParams,
  weights: Int8Array,
  weightBits: WeightBits,
  flipped: boolean,
  maxInput: number,
  mode: Specialization,
): SpecializedConvParams[] | undefined {
  if (mode === 'never') return undefined;
  const rows = p.kernel[0] * p.kernel[1] * p.inC;
  if (chooseEncoding(weightBits, rows, maxInput) === 'i8') return undefined;
  // packConvWeights in i8 = [tile][ky][kx][cin] x 16 signed bytes, flipped as the generic kernel reads them
  const packed = new Int8Array(packConvWeights(weights, p.kernel, p.inC, p.cout, flipped, 'i8').buffer);
  const tiles: SpecializedConvParams[] = [];
  let total = 0;
  for (let tile = 0; tile < tilesFor(p.cout); tile++) {
    const w = packed.slice(tile * rows * TILE, (tile + 1) * rows * TILE);
    const terms = tileTerms(w, p);
    if (terms > MAX_TILE_TERMS) return undefined;
    total += terms;
    tiles.push({ ...p, tile, weights: w, weightsHash: hashWeights(w), wide: maxInput > 127 });
  }
  if (mode === 'auto' && total > MAX_LAYER_TERMS) return undefined;
  return tiles;
}
