// Specialised conv kernels (shaders/conv_specialized.wgsl): per layer and 16-channel tile, a
// shader whose weights are WGSL literals, generated here from the layer's weights. Conv-like
// layers and SeparableConvolutional (depthwise and pointwise fused in one shader). Per-model
// code generation; which layers get it is src/engine/specialize.ts's choice;
// why and when: docs/ARCHITECTURE.md, "Specialised kernels".
import { wgsl, type Kernel } from '../gpu/kernel.js';
import activationLib from '../../shaders/lib/activation.wgsl?raw';
import epilogueLib from '../../shaders/lib/epilogue.wgsl?raw';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import tileLib from '../../shaders/lib/tile.wgsl?raw';
import template from '../../shaders/conv_specialized.wgsl?raw';
import { poolWindowConstants, sitesBinding, type ConvKernelParams, type PooledOutput } from './conv.js';
import { readOnly, WORKGROUP_SIZE } from './define.js';
import { epilogueBindings, epilogueConstants, type ScaledActivation } from './epilogue.js';
import { TILE, wordsFor } from './pack.js';
import { preprocess } from './preprocess.js';
import { shareSums } from './cse.js';
import { fillMarkers } from './template.js';
import type { SeparableConvolutionalLayer, WeightBits } from '../ir/types.js';

/**
 * Generated terms (non-zero weights, the depthwise's included, x conv positions per pooling
 * window) one pipeline may hold.
 * Measured on SwiftShader: 8,600 terms = 135 kB of WGSL compile in 1.1 to 2.3 s, 15,600 terms
 * (the committed MNIST model's conv2, both tiles) = 224 kB in about 2 s; about 400 kB crashed
 * the process while compiling. Larger layers keep the generic kernel.
 */
export const MAX_TILE_TERMS = 16_000;
export interface SpecializedConvParams extends ConvKernelParams {
  /** the first 16-channel tile this pipeline computes */
  tile: number;
  /** consecutive tiles it computes (as many as fit MAX_TILE_TERMS: they share the input loads) */
  tiles: number;
  /**
   * The tiles' weights, [tile][row] x 16 channels: a conv's rows in cross-correlation order
   * [ky][kx][cin]; a separable layer's the pointwise's [cin] (its taps are the depthwise's).
   */
  weights: Int8Array;
  /** SeparableConvolutional only: the depthwise weights, cross-correlation order [ky][kx][cin] */
  depthwise?: Int8Array;
  /** an input value can exceed 127 (WIDE variant) */
  wide: boolean;
  /** the layer's activation constants, compiled in (akida_activate4_scaled), where exact */
  scaled?: ScaledActivation;
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

/** A product term: a weight and its input, named only if the weight is not zero (named inputs are loaded). */
type Term = [weight: number, value: () => string];

/** The inputs of each non-zero weight value, by value (naming an input marks it loaded). */
function groupsOf(terms: Iterable<Term>): [weight: number, inputs: string[]][] {
  const groups = new Map<number, string[]>();
  for (const [w, v] of terms) {
    if (w === 0) continue;
    const g = groups.get(w) ?? (groups.set(w, []), groups.get(w)!);
    g.push(v());
  }
  return [...groups].sort((a, b) => a[0] - b[0]);
}

/**
 * sum over the weight values w of w * (sum of the inputs with weight w): the inputs of each
 * weight value are summed first, so one multiply per distinct value; zero weights are left
 * out. `undefined` when nothing is left (the sum is 0).
 */
function formatGroups(groups: [number, string[]][]): string | undefined {
  if (groups.length === 0) return undefined;
  return groups.map(([w, t]) => {
    const sum = `(${t.join(' + ')})`;
    return w === 1 ? sum : w === -1 ? `-${sum}` : `${literal(w)} * ${sum}`;
  }).join('\n    + ');
}

function groupedSum(terms: Iterable<Term>): string | undefined {
  return formatGroups(groupsOf(terms));
}

/**
 * The grouped sums of several output channels over the same inputs, with the pairs of inputs
 * that several groups hold added once (src/kernels/cse.ts): the temporaries go out through
 * `emit` as `let PREFIX_i = a + b;`, the sums come back per channel (undefined: 0).
 */
function sharedGroupedSums(channels: Term[][], prefix: string, emit: (line: string) => void): (string | undefined)[] {
  const groups = channels.map(groupsOf);
  const { temps, lists } = shareSums(groups.flatMap((g) => g.map(([, inputs]) => inputs)), (i) => `${prefix}_${i}`);
  for (const t of temps) emit(`  let ${t.name} = ${t.a} + ${t.b};`);
  let next = 0;
  return groups.map((g) => formatGroups(g.map(([w]) => [w, lists[next++]!])));
}

/** The ActScale literal of channels c0..c0+3 (padded channels: never fire). */
function actScale(k: ScaledActivation, c0: number): string {
  const ch = [0, 1, 2, 3].map((i) => c0 + i);
  const at = <T>(a: ArrayLike<T>, pad: T) => ch.map((c) => (c < a.length ? a[c]! : pad));
  const bits = new Uint32Array(Float32Array.from(at(k.invS, 1)).buffer);
  return `ActScale(vec4<i32>(${at(k.ta, 0).join(', ')}), vec4<i32>(${at(k.dMax, 0).join(', ')}), `
    + `bitcast<vec4<f32>>(vec4<u32>(${Array.from(bits, (b) => `0x${b.toString(16)}u`).join(', ')})))`;
}

/** Kernel taps above which a one-position window is summed kernel row by kernel row. */
const MAX_TAPS_AT_ONCE = 9;

/** The WGSL body (see the template's header) for the pipeline's tiles. */
export function specializedBody(p: SpecializedConvParams): string {
  const [kh, kw] = p.kernel;
  const cin = p.inC;
  const loaded = new Set<string>();
  /** loads named since the last emit() */
  let pending: string[] = [];
  const lines: string[] = [];
  /**
   * Appends a statement after the loads its expressions named: each input word is loaded once,
   * just before its first use (short live ranges compile faster; see byRow below).
   */
  const emit = (line: string) => {
    lines.push(...pending, line);
    pending = [];
  };
  /** channel ch of the input under tap (ky, kx) of conv position (dy, dx) of the window */
  const value = (dy: number, dx: number, ky: number, kx: number, ch: number) => () => {
    const [r, c, j] = [dy * p.stride + ky, dx * p.stride + kx, Math.floor(ch / 4)];
    const name = `v_${r}_${c}_${j}`;
    if (!loaded.has(name)) {
      loaded.add(name);
      pending.push(`  let ${name} = load_word(n, iy0 + ${r}, ix0 + ${c}, ${j}u);`);
    }
    return `${name}[${ch % 4}]`;
  };
  const dw = p.depthwise;
  const rows = p.weights.length / (p.tiles * TILE);
  /** weight of row r, channel k of tile t (of this pipeline) */
  const weight = (t: number, r: number, k: number) => p.weights[(t * rows + r) * TILE + k]!;
  const pools = Array.from({ length: p.tiles }, (_, t) => `pool_${t}`);
  for (const pool of pools) emit(`  var ${pool} = Tile(init, init, init, init);`);
  for (const [dy, dx] of windowPositions(p)) {
    // the inputs of the weights: the taps (conv), or the depthwise potentials of this conv
    // position (separable), each computed once for every channel of the pipeline's tiles
    let terms: (t: number, k: number) => Term[];
    if (dw) {
      const potentials: [number, string][] = [];
      for (let ch = 0; ch < cin; ch++) {
        if (pools.every((_, t) => Array.from({ length: TILE }, (_, k) => weight(t, ch, k)).every((x) => x === 0))) continue;
        const taps: Term[] = [];
        for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) taps.push([dw[(ky * kw + kx) * cin + ch]!, value(dy, dx, ky, kx, ch)]);
        const sum = groupedSum(taps);
        if (sum === undefined) continue;
        const name = `d_${dy}_${dx}_${ch}`;
        emit(`  let ${name} = ${sum};`);
        potentials.push([ch, name]);
      }
      terms = (t, k) => potentials.map(([ch, d]) => [weight(t, ch, k), () => d]);
    } else {
      terms = (t, k) => {
        const out: Term[] = [];
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            for (let ch = 0; ch < cin; ch++) out.push([weight(t, (ky * kw + kx) * cin + ch, k), value(dy, dx, ky, kx, ch)]);
          }
        }
        return out;
      };
    }
    // A window of one position with a large kernel (a dense layer, or an unpooled 5x5 conv):
    // the sums are built kernel row by kernel row, so that each row's loads come just before
    // its terms. The same sums in another order (exact: integers below 2^24), and short live
    // ranges instead of every load live at once: a dense layer of 1,024 inputs compiled in
    // 1.2 s instead of 3 s.
    const byRow = !dw && windowPositions(p).length === 1 && kh * kw > MAX_TAPS_AT_ONCE;
    if (byRow) {
      const names = pools.flatMap((_, t) => Array.from({ length: TILE }, (_, k) => `s_${dy}_${dx}_${t * TILE + k}`));
      for (const name of names) emit(`  var ${name} = 0.0;`);
      for (let ky = 0; ky < kh; ky++) {
        const row = names.map((_, c) => terms(Math.floor(c / TILE), c % TILE).filter((_, i) => Math.floor(i / (kw * cin)) === ky));
        sharedGroupedSums(row, `p_${dy}_${dx}_r${ky}`, emit).forEach((sum, c) => {
          if (sum !== undefined) emit(`  ${names[c]} += ${sum};`);
        });
      }
    } else {
      const channels = pools.flatMap((_, t) => Array.from({ length: TILE }, (_, k) => terms(t, k)));
      sharedGroupedSums(channels, `p_${dy}_${dx}`, emit).forEach((sum, c) => emit(`  let s_${dy}_${dx}_${c} = ${sum ?? '0.0'};`));
    }
    pools.forEach((pool, t) => {
      const sums: string[] = [];
      for (let k = 0; k < TILE; k++) sums.push(`s_${dy}_${dx}_${t * TILE + k}`);
      const quads = [0, 4, 8, 12].map((q) => `potentials(${sums.slice(q, q + 4).join(', ')})`);
      emit(`  ${pool} = pool_in(${pool}, Tile(${quads.join(', ')}), cy0 + ${dy}, cx0 + ${dx});`);
    });
  }
  pools.forEach((pool, t) => emit(p.scaled && p.activate
    ? `  emit_tile_scaled(${pool}, pixel, ${p.tile + t}u, ${[0, 1, 2, 3].map((m) => actScale(p.scaled!, (p.tile + t) * TILE + 4 * m)).join(', ')});`
    : `  emit_tile(${pool}, pixel, ${p.tile + t}u);`));
  return lines.join('\n');
}

function nonZero(weights: Int8Array): number {
  let n = 0;
  for (const w of weights) if (w !== 0) n++;
  return n;
}

/** Generated terms of one pipeline: non-zero weights (the depthwise's too) x conv positions per pooling window. */
export function tileTerms(p: SpecializedConvParams): number {
  return (nonZero(p.weights) + (p.depthwise ? nonZero(p.depthwise) : 0)) * p.pool.size[0] * p.pool.size[1];
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

/** Invocations for n samples: one per pooled position (each pipeline is its own dispatch). */
export function specializedInvocations(p: PooledOutput, n: number): number {
  return n * p.outH * p.outW;
}

export const convSpecialized: Kernel<SpecializedConvParams> = {
  name: 'conv2d-specialized',
  source: wgsl(libs, template),
  flags: (p) => ({ WIDE: p.wide, SITES: p.sites ?? false }),
  // the body holds the weights and the compiled-in activation: the cache key hashes it
  generate: (p, source) => fillMarkers('conv2d-specialized', source, { BODY: specializedBody(p) }),
  bindings: [
    // thresholds and steps stay bound where the activation is compiled in (unused there)
    ...epilogueBindings,
    /** the packed input: IN_WORDS u32 per pixel, 4 u8 channels per word */
    readOnly('x', 'array<u32>'),
    sitesBinding,
  ],
  constants,
  workgroupSize: WORKGROUP_SIZE,
  /** over n samples, or (SITES) n listed sites */
  invocations: (p, n) => (p.sites ? n : specializedInvocations(p, n)),
};
