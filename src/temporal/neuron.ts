// Integrate-and-fire step functions (DESIGN.md section 4), in exact integer arithmetic.
// WGSL twin: shaders/lib/neuron.wgsl. Both saturate instead of wrapping.
import type { ResetMode } from './types.js';

/**
 * Membranes and charges saturate at +-VMAX. Conversion keeps every per-step current below
 * MAX_CURRENT in magnitude, so v + current never leaves int32 before the clamp.
 */
export const VMAX = 2 ** 30 - 1;
export const MAX_CURRENT = 2 ** 30;

/** The per-step input current of a neuron. */
export function current(gain: number, synaptic: number, bias: number): number {
  return gain * synaptic + bias;
}

/** Integrate: v + I, saturating. */
export function charge(v: number, i: number): number {
  const s = v + i;
  return s > VMAX ? VMAX : s < -VMAX ? -VMAX : s;
}

/** Fire: a spike when the membrane reaches the threshold. */
export function fire(v: number, theta: number): boolean {
  return v >= theta;
}

/** Reset after a spike: by subtraction (keeps the residue) or to zero. */
export function reset(v: number, theta: number, mode: ResetMode): number {
  return mode === 'subtract' ? v - theta : 0;
}
