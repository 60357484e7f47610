// How the kernel modules declare their kernels (src/gpu/kernel.ts): the workgroup size and
// short forms for bindings.
import type { Binding, Flags } from '../gpu/kernel.js';

/** Every shader runs @workgroup_size(64) (and passes 64u to linear_index). */
export const WORKGROUP_SIZE = 64;

type When = (flags: Flags) => boolean;

const binding = (type: Binding['type']) => (name: string, wgslType: string, when?: When): Binding =>
  when ? { name, type, wgslType, when } : { name, type, wgslType };

/** var<uniform> */
export const uniform = binding('uniform');
/** var<storage, read> */
export const readOnly = binding('read-only-storage');
/** var<storage, read_write> */
export const readWrite = binding('storage');
