// The Akida activation (DESIGN.md section 3), twin of src/reference/activation.ts.
// out = 0 if p <= T*A, else min(ceil(16 * (p - T*A) / (s16 * A)), max_out).
// Preconditions, checked by validateModel: p - T*A fits i32 and s16*A*17 < 2^32.
// Written for CPU adapters too, which have no SIMD integer division and scalarise vector
// shifts: the quotient is estimated in f32 (within one of the truth), then corrected exactly
// with u32 products that stay below 17*s < 2^32.
fn akida_activate4(p: vec4<i32>, threshold: vec4<i32>, act_step16: vec4<u32>, area: u32, max_out: u32) -> vec4<u32> {
  let d = max(p - threshold * i32(area), vec4<i32>(0));
  let s = act_step16 * area;
  // 16*d: exact below d = 2^28; above, it wraps, but then the ratio below is clamped to
  // max_out + 1 and every outcome of the two steps is >= max_out: saturated, as it should be.
  let t = bitcast<vec4<u32>>(d) * 16u;
  let ratio = min(16.0 * vec4<f32>(d) / vec4<f32>(vec4<i32>(s)), vec4<f32>(f32(max_out) + 1.0));
  // trunc + 1 is ceil, or one above it for a whole ratio; fixed by the two steps below
  var q = bitcast<vec4<u32>>(vec4<i32>(ratio)) + 1u;
  q = select(q, q + 1u, q * s < t);
  q = select(q, q - 1u, (q - 1u) * s >= t);
  return select(min(q, vec4<u32>(max_out)), vec4<u32>(0u), d == vec4<i32>(0));
}

fn akida_activate(p: i32, threshold: i32, act_step16: u32, area: u32, max_out: u32) -> u32 {
  return akida_activate4(vec4<i32>(p), vec4<i32>(threshold), vec4<u32>(act_step16), area, max_out).x;
}

// The same rule for constants known in advance (the specialised kernels compile them in), with
// no division and no integer multiply: for d = p - T*A > 0 and S = act_step16 * A,
// ceil(16 d / S) = floor((16 d - 0.5) / S) + 1, and (16 d - 0.5) / S, a half-integer over S, lies
// at least 0.5 / S from any integer. With 1/S as f32 and d clamped to d_max = ceil(max_out * S / 16)
// (the output saturates there anyway), the f32 error stays below 16 * 2^-23 < 0.5 / S while
// S < 2^17 (src/kernels/epilogue.ts, scaledActivation, checks this per channel).
struct ActScale {
  /** T * A */
  ta: vec4<i32>,
  d_max: vec4<i32>,
  /** 1 / S, rounded to f32 */
  inv_s: vec4<f32>,
}

fn akida_activate4_scaled(p: vec4<i32>, k: ActScale, max_out: u32) -> vec4<u32> {
  let d = min(p - k.ta, k.d_max);
  let q = vec4<i32>(floor((vec4<f32>(d) * 16.0 - 0.5) * k.inv_s)) + 1;
  return bitcast<vec4<u32>>(select(vec4<i32>(0), min(q, vec4<i32>(i32(max_out))), d > vec4<i32>(0)));
}
