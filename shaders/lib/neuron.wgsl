// Integrate-and-fire step functions, twin of src/temporal/neuron.ts, four channels at a time.
// |v| <= VMAX and |i| < 2^30 (checked at conversion), so v + i fits in i32 before the clamp.
const VMAX: i32 = 1073741823;

fn charge(v: vec4<i32>, i: vec4<i32>) -> vec4<i32> {
  return clamp(v + i, vec4<i32>(-VMAX), vec4<i32>(VMAX));
}

fn fire(v: vec4<i32>, theta: vec4<i32>) -> vec4<bool> {
  return v >= theta;
}

// reset_zero: to zero, else by subtracting the threshold
fn reset(v: vec4<i32>, theta: vec4<i32>, reset_zero: bool) -> vec4<i32> {
  return select(v - theta, vec4<i32>(0), vec4<bool>(reset_zero));
}
