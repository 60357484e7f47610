// A kernel is a complete declaration: its WGSL, its variants, its bindings by name and type,
// its workgroup size and dispatch. Everything else is derived from it here: the resolved
// source with its binding declarations, the pipeline cache key, the bind group layout. The
// runner (runner.ts) owns pipelines, bind groups and buffers.
import { wgsl as resolveIfs } from 'wgsl-preprocessor/wgsl-preprocessor.js';

/** Variant flags: `#if NAME` in the WGSL, and which bindings a variant has. */
export type Flags = Readonly<Record<string, boolean>>;

/** How a binding is bound: GPUBufferBindingType, one per WGSL address space and access mode. */
export type BindingType = 'uniform' | 'read-only-storage' | 'storage';

export interface Binding {
  /** the WGSL variable's name (the runner binds buffers by it) */
  name: string;
  type: BindingType;
  /** the variable's WGSL type, e.g. 'array<vec4<i32>>' */
  wgslType: string;
  /** present only in the variants where this holds (default: every variant) */
  when?: (flags: Flags) => boolean;
}

export interface Kernel<P> {
  /** short name, used in labels, errors and cache keys */
  name: string;
  /**
   * WGSL of the entry point `main` with its shared helpers joined (wgsl()), without binding
   * declarations (generated from `bindings`); `#if NAME` / `#else` / `#endif` resolved from `flags`
   */
  source: string;
  /** the structural variant for these params (every `#if` name of `source`) */
  flags?: (p: P) => Flags;
  /**
   * Templates: the flag-resolved source with its `//@NAME` markers filled from params (see
   * src/kernels/template.ts). The result is hashed into the cache key.
   */
  generate?: (p: P, source: string) => string;
  /** in binding order; numbered per variant from 0, group 0 */
  bindings: readonly Binding[];
  /** WGSL `override` constants (every one is part of the cache key) */
  constants?: (p: P) => Record<string, number>;
  /** @workgroup_size along x (the runner folds large 1D dispatches into 2D: lib/index.wgsl) */
  workgroupSize: number;
  /** invocations of a dispatch over `n` units (samples, frames, or listed sites: the kernel's doc says) */
  invocations?: (p: P, n: number) => number;
}

/** Joins shared WGSL helper modules (shaders/lib) in front of a kernel's entry point. */
export function wgsl(...parts: string[]): string {
  return parts.join('\n');
}

/** Resolves `#if NAME` / `#elif NAME` / `#else` / `#endif` with NAME looked up in `flags`. */
export function preprocess(source: string, flags: Flags): string {
  // "...#if " NAME "..." -> template strings ending in "#if " and NAME's value
  const parts = source.split(/(?<=#(?:if|elif) )([A-Za-z_][A-Za-z0-9_]*)/);
  const strings = parts.filter((_, i) => i % 2 === 0);
  const values = parts
    .filter((_, i) => i % 2 === 1)
    .map((name) => {
      if (!(name in flags)) throw new Error(`shader flag '${name}' is not set (flags: ${Object.keys(flags).join(', ')})`);
      return flags[name];
    });
  return resolveIfs(Object.assign([...strings], { raw: strings }) as unknown as TemplateStringsArray, ...values);
}

/** Sorted `NAME=value` list: flags and constants enter cache keys this way. */
function record(r: Readonly<Record<string, number | boolean>>): string {
  return Object.keys(r)
    .sort()
    .map((k) => `${k}=${+r[k]!}`)
    .join(',');
}

/** 64-bit hash (two FNV-1a variants) and length of a text: generated sources in cache keys. */
export function hashText(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return `${s.length}:${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

const WGSL_ACCESS: Record<BindingType, string> = {
  uniform: 'uniform',
  'read-only-storage': 'storage, read',
  storage: 'storage, read_write',
};

/** A kernel for one set of params: everything the runner needs to build and bind its pipeline. */
export interface KernelVariant {
  flags: Flags;
  /** the variant's bindings, in binding order */
  bindings: Binding[];
  /** what makes the WGSL text unique: name, flags, hash of the generated source */
  sourceKey: string;
  /** what makes the pipeline unique: the source key and the override constants */
  key: string;
  constants: Record<string, number> | undefined;
  /** the WGSL text, binding declarations included (computed on demand: templates cost) */
  code(): string;
}

/** hashText of each kernel's `source`, so that two kernels of one name never share a key */
const sourceHashes = new WeakMap<object, string>();

/** The variant of `kernel` for `params`. Templates are generated here (for the hash). */
export function kernelVariant<P>(kernel: Kernel<P>, params: P): KernelVariant {
  const flags = kernel.flags?.(params) ?? {};
  const bindings = kernel.bindings.filter((b) => b.when?.(flags) ?? true);
  const resolved = Object.keys(flags).length > 0 ? preprocess(kernel.source, flags) : kernel.source;
  const generated = kernel.generate?.(params, resolved);
  let hash = sourceHashes.get(kernel);
  if (hash === undefined) sourceHashes.set(kernel, (hash = hashText(kernel.source)));
  const sourceKey = `${kernel.name}|${record(flags)}|${hash}${generated === undefined ? '' : `|#${hashText(generated)}`}`;
  const constants = kernel.constants?.(params);
  return {
    flags,
    bindings,
    sourceKey,
    key: `${sourceKey}|${constants ? record(constants) : ''}`,
    constants,
    code: () => `${bindingDeclarations(bindings)}\n${generated ?? resolved}`,
  };
}

/** `@group(0) @binding(N) var<...> name: T;` for a variant's bindings, numbered in order. */
export function bindingDeclarations(bindings: readonly Binding[]): string {
  return bindings.map((b, i) => `@group(0) @binding(${i}) var<${WGSL_ACCESS[b.type]}> ${b.name}: ${b.wgslType};`).join('\n');
}
