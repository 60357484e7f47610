// Every kernel of src/kernels is a complete declaration (src/gpu/kernel.ts): for each variant
// (every combination of its flags, and each template with representative params) the runner's
// generated binding declarations follow the declaration, every binding the WGSL uses is
// declared, cache keys never join two sources, and template markers are strict. No GPU.
import { describe, expect, it } from 'vitest';
import { kernelVariant, preprocess, type Kernel, type KernelVariant } from '../../src/gpu/kernel.js';
import type { ConvKernelParams } from '../../src/kernels/conv.js';
import type { SpecializedConvParams } from '../../src/kernels/conv-specialized.js';
import { scaledActivation } from '../../src/kernels/epilogue.js';
import type { WeightEncoding } from '../../src/kernels/pack.js';
import { fillMarkers } from '../../src/kernels/template.js';
import { specializeConv, specializeSeparable } from '../../src/engine/specialize.js';

// every module of src/kernels, so a new kernel without cases below fails the test
const modules = import.meta.glob('../../src/kernels/*.ts', { eager: true }) as Record<string, Record<string, unknown>>;
const isKernel = (x: unknown): x is Kernel<unknown> =>
  typeof x === 'object' && x !== null && 'name' in x && 'source' in x && 'bindings' in x && 'workgroupSize' in x;
const kernels = new Map<string, Kernel<unknown>>();
for (const m of Object.values(modules)) for (const x of Object.values(m)) if (isKernel(x)) kernels.set(x.name, x);

const encodings: WeightEncoding[] = ['nibbles', 'bytes', 'i8'];
const both = [false, true];

const conv = (over: Partial<ConvKernelParams> = {}): ConvKernelParams => ({
  inH: 5, inW: 4, inC: 3, kernel: [3, 3], stride: 1, padTop: 1, padLeft: 1, convH: 5, convW: 4,
  pool: { size: [2, 2], stride: [2, 2], padTop: 0, padLeft: 0, sum: false }, outH: 2, outW: 2,
  activate: true, maxOut: 15, area: 1, cout: 20, spikeSlot: 1, encoding: 'nibbles', ...over,
});

/** Small signed weights from a seed (deterministic). */
function weights(n: number, seed: number): Int8Array {
  return Int8Array.from({ length: n }, (_, i) => ((i * 7 + seed * 13) % 15) - 7);
}

/** The specialised tiles: conv and separable, wide or not, over sites or not, activation compiled in or not. */
function specialisedCases(): SpecializedConvParams[] {
  const out: SpecializedConvParams[] = [];
  const p = conv();
  const act = { bits: 4, threshold: Int32Array.from({ length: 20 }, (_, c) => c - 3), actStep16: Uint32Array.from({ length: 20 }, (_, c) => 16 + c) };
  for (const seed of [1, 2]) {
    const tiles = [
      ...specializeConv(p, weights(9 * 3 * 20, seed), 4, true, 15, 'always')!,
      ...specializeSeparable({ ...p, inC: 4 }, { depthwise: weights(9 * 3, seed), pointwise: weights(3 * 20, seed + 5) }, 3, 15, 'always')!,
    ];
    for (const t of tiles) {
      for (const wide of both) for (const sites of both) out.push({ ...t, wide, sites });
      out.push({ ...t, scaled: scaledActivation(act as never, t.area, t.maxOut)! });
    }
  }
  return out;
}

/** Representative params of every kernel, covering all of its flag combinations and template shapes. */
const cases: Record<string, { params: unknown[]; variants: number }> = {
  conv2d: {
    params: encodings.flatMap((encoding) => [1, 3].flatMap((inC) => both.map((sites) => conv({ encoding, inC, sites })))),
    // F32/NIBBLES from the 3 encodings x SINGLE x SITES
    variants: 12,
  },
  pointwise: { params: encodings.flatMap((encoding) => both.map((sites) => ({ ...conv({ encoding, sites }), inC: 8 }))), variants: 6 },
  depthwise: { params: [{ inH: 5, inW: 5, inWords: 2, kernel: [3, 3], stride: 2, padTop: 1, padLeft: 1, convH: 3, convW: 3 }], variants: 1 },
  'pixel-events': { params: [{ pixels: 20, channels: 5 }], variants: 1 },
  'conv2d-specialized': { params: specialisedCases(), variants: 4 },
  temporal_conv: {
    params: [
      // several taps per word (16 channels), two words per tap, a loop over the taps (a large kernel), values
      { inH: 6, inW: 6, kernel: [3, 3], stride: 1, padTop: 1, padLeft: 1, cin: 8, outH: 6, outW: 6, cout: 20, values: false },
      { inH: 6, inW: 6, kernel: [3, 3], stride: 1, padTop: 1, padLeft: 1, cin: 40, outH: 6, outW: 6, cout: 20, values: false },
      { inH: 6, inW: 6, kernel: [6, 6], stride: 1, padTop: 0, padLeft: 0, cin: 20, outH: 1, outW: 1, cout: 10, values: false },
      { inH: 6, inW: 6, kernel: [3, 3], stride: 2, padTop: 0, padLeft: 0, cin: 1, outH: 2, outW: 2, cout: 8, values: true },
    ],
    variants: 1,
  },
  temporal_maxpool: {
    params: [4, 20, 40].flatMap((c) => [[2, 2], [3, 3]].map((size) => ({ ih: 6, iw: 6, c, oh: 3, ow: 3, size, stride: [2, 2], padTop: 0, padLeft: 0 }))),
    variants: 1,
  },
  temporal_scan: {
    params: [8, 40, 64].flatMap((c) => [[1, 1], [2, 2], [5, 5]].flatMap(([wh, ww]) => both.map((constInput) => ({
      h: 3, w: 3, c, ph: 3 * wh!, pw: 3 * ww!, window: [wh, ww], windowStride: [wh, ww], constInput, fires: true, record: c === 64, resetZero: false,
    })))),
    variants: 1,
  },
  temporal_stats: { params: [{ hw: 9, c: 40 }], variants: 1 },
  temporal_encode_rate: { params: [{ hw: 9, c: 3, maxInput: 255 }], variants: 1 },
};

const ACCESS = { uniform: 'uniform', 'read-only-storage': 'storage, read', storage: 'storage, read_write' } as const;

/** The generated `@group(0) @binding(N) var<ACCESS> name: T;` lines of a shader. */
function declaredBindings(code: string): { binding: number; access: string; name: string; type: string }[] {
  return [...code.matchAll(/^@group\(0\) @binding\((\d+)\) var<([^>]*)> (\w+): (.*);$/gm)].map((m) => ({
    binding: Number(m[1]),
    access: m[2]!,
    name: m[3]!,
    type: m[4]!,
  }));
}

/**
 * Identifiers the WGSL's functions use as module-scope variables: indexed, field-accessed or
 * referenced (`&name`), and neither a parameter nor a local of that function nor a module-scope
 * constant. A tiny parser: functions by brace matching, comments stripped.
 */
function usedVariables(code: string): Set<string> {
  const text = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const globals = new Set([...text.matchAll(/^(?:const|override)\s+(\w+)/gm)].map((m) => m[1]!));
  const used = new Set<string>();
  for (const fn of text.matchAll(/\bfn\s+\w+\s*\(([^)]*)\)[^{]*\{/g)) {
    let depth = 1;
    let end = fn.index! + fn[0].length;
    for (; depth > 0 && end < text.length; end++) depth += text[end] === '{' ? 1 : text[end] === '}' ? -1 : 0;
    const body = text.slice(fn.index! + fn[0].length, end);
    const locals = new Set([...fn[1]!.matchAll(/(\w+)\s*:/g), ...body.matchAll(/\b(?:let|var|const)\s+(\w+)/g)].map((m) => m[1]!));
    for (const m of body.matchAll(/(?<![.\w])(\w+)\s*(?:\[|\.(?=[a-z_]))|&(\w+)/g)) {
      const name = (m[1] ?? m[2])!;
      if (!locals.has(name) && !globals.has(name) && !/^\d/.test(name)) used.add(name);
    }
  }
  return used;
}

interface Generated {
  kernel: string;
  variant: KernelVariant;
  code: string;
}

const generated: Generated[] = [];
for (const [name, c] of Object.entries(cases)) {
  const k = kernels.get(name);
  if (k) for (const p of c.params) generated.push({ kernel: name, variant: kernelVariant(k, p), code: '' });
}
for (const g of generated) g.code = g.variant.code();

describe('kernel declarations', () => {
  it('every kernel of src/kernels has cases here, and every flag combination is generated', () => {
    expect([...kernels.keys()].sort()).toEqual(Object.keys(cases).sort());
    for (const [name, c] of Object.entries(cases)) {
      const flags = new Set(generated.filter((g) => g.kernel === name).map((g) => JSON.stringify(g.variant.flags)));
      expect(flags.size, name).toBe(c.variants);
    }
  });

  it('the generated binding declarations follow the declaration: names, order, access mode, type', () => {
    for (const { kernel, variant, code } of generated) {
      const got = declaredBindings(code);
      expect(got, `${kernel} ${JSON.stringify(variant.flags)}`).toEqual(
        variant.bindings.map((b, i) => ({ binding: i, access: ACCESS[b.type], name: b.name, type: b.wgslType })),
      );
      // the .wgsl files declare none themselves
      expect(code.match(/@binding/g)).toHaveLength(variant.bindings.length);
    }
  });

  it('every module-scope variable the WGSL uses is a binding of the variant, and no absent binding is used', () => {
    for (const { kernel, variant, code } of generated) {
      const k = kernels.get(kernel)!;
      const declared = new Set(variant.bindings.map((b) => b.name));
      const used = usedVariables(code.replace(/^@group.*$/gm, ''));
      const what = `${kernel} ${JSON.stringify(variant.flags)}`;
      for (const b of k.bindings) if (!declared.has(b.name)) expect(used.has(b.name), `${what}: uses absent binding '${b.name}'`).toBe(false);
      for (const name of used) expect(declared.has(name), `${what}: uses '${name}', not a binding`).toBe(true);
    }
  });

  it('no two variants with distinct sources share a cache key', () => {
    const bySource = new Map<string, string>();
    const byKey = new Map<string, string>();
    for (const { variant, code } of generated) {
      expect(bySource.get(variant.sourceKey) ?? code).toBe(code);
      bySource.set(variant.sourceKey, code);
      byKey.set(variant.key, code);
    }
    // the specialised tiles differ in weights and activation constants: one source each
    const special = generated.filter((g) => g.kernel === 'conv2d-specialized');
    expect(new Set(special.map((g) => g.variant.sourceKey)).size).toBe(new Set(special.map((g) => g.code)).size);
    expect(new Set(generated.map((g) => g.code)).size).toBeGreaterThan(40);
  });

  it('template markers: each must be given, and exist exactly once', () => {
    expect(fillMarkers('k', 'a\n//@ONE\nb', { ONE: 'x' })).toBe('a\nx\nb');
    // a replacement is taken literally ($ patterns too)
    expect(fillMarkers('k', '//@ONE', { ONE: "$& $'" })).toBe("$& $'");
    expect(() => fillMarkers('k', 'a\n//@ONE\n//@TWO', { ONE: '' })).toThrow(/kernel 'k'.*\/\/@TWO is not given/);
    expect(() => fillMarkers('k', 'a\n//@ONE', { ONE: '', TWO: '' })).toThrow(/kernel 'k'.*no marker \/\/@TWO/);
    expect(() => fillMarkers('k', '//@ONE\n//@ONE', { ONE: '' })).toThrow(/kernel 'k'.*\/\/@ONE occurs 2 times/);
    // each template kernel refuses its source without one of its markers
    const templates = [...kernels.values()].filter((k) => k.generate);
    expect(templates.map((k) => k.name).sort()).toEqual(['conv2d-specialized', 'temporal_conv', 'temporal_maxpool', 'temporal_scan']);
    for (const k of templates) {
      const params = cases[k.name]!.params[0];
      const source = preprocess(k.source, k.flags?.(params) ?? {});
      const markers = [...source.matchAll(/^\/\/@(\w+)$/gm)].map((m) => m[1]!);
      expect(markers.length, k.name).toBeGreaterThan(0);
      for (const marker of markers) {
        expect(() => k.generate!(params, source.replace(`//@${marker}\n`, '\n')), `${k.name} ${marker}`).toThrow(
          new RegExp(`kernel '${k.name}'.*//@${marker} is not given|kernel '${k.name}'.*no marker //@${marker}`),
        );
      }
    }
  });
});
