// The Akida activation (DESIGN.md section 3), twin of src/reference/activation.ts.
// out = 0 if p <= T*A, else min(ceil(16 * (p - T*A) / (s16 * A)), max_out).
// Quotient and remainder keep every intermediate inside i32 for validated models.
fn akida_activate(p: i32, threshold: i32, act_step16: u32, area: u32, max_out: u32) -> u32 {
  let d = p - threshold * i32(area);
  if (d <= 0) { return 0u; }
  let s = act_step16 * area;
  let q = u32(d) / s;
  if (q >= max_out) { return max_out; }
  let r = u32(d) - q * s;
  let out = 16u * q + (16u * r + s - 1u) / s;
  return min(out, max_out);
}
