// The Akida activation and the predict rescaling, in exact integer arithmetic.
// WGSL twin: shaders/lib/activation.wgsl. Both follow DESIGN.md section 3.

/**
 * out = 0 if p <= T*A, else min(ceil(16 * (p - T*A) / (s16 * A)), maxOut).
 * Split into quotient and remainder so every intermediate stays in int32 on the GPU.
 */
export function activate(p: number, threshold: number, actStep16: number, area: number, maxOut: number): number {
  const d = p - threshold * area;
  if (d <= 0) return 0;
  const s = actStep16 * area;
  const q = Math.floor(d / s);
  if (q >= maxOut) return maxOut;
  const r = d - q * s;
  const out = 16 * q + Math.floor((16 * r + s - 1) / s);
  return Math.min(out, maxOut);
}

/** predict(): the potential rescaled to activation units, (p - T*A) / (act_step * A). */
export function rescale(p: number, threshold: number, actStep16: number, area: number): number {
  return ((p - threshold * area) * 16) / (actStep16 * area);
}
