// How the kernel modules define their kernels: pipelines keyed by their WGSL override constants.
import type { Kernel } from '../gpu/kernel.js';

/** Every shader runs @workgroup_size(64) (and passes 64u to linear_index). */
export const WORKGROUP_SIZE = 64;

/** Override-constant record -> pipeline cache key (every constant takes part). */
export function constantsKey(constants: Record<string, number>): string {
  return Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`)
    .join(',');
}

/** A kernel with one WGSL text (no structural variants): its pipelines differ only in their constants. */
export function constantsKernel<P>(name: string, source: string, constants: (p: P) => Record<string, number>): Kernel<P> {
  return { name, source, cacheKey: (p) => constantsKey(constants(p)), constants, workgroupSize: WORKGROUP_SIZE };
}
