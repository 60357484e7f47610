// Integrate-and-fire step functions, twin of src/temporal/neuron.ts.
// |v| <= VMAX and |i| < 2^30 (checked at conversion), so v + i fits in i32 before the clamp.
const VMAX: i32 = 1073741823;

fn charge(v: i32, i: i32) -> i32 {
  return clamp(v + i, -VMAX, VMAX);
}

fn fire(v: i32, theta: i32) -> bool {
  return v >= theta;
}

// reset_zero: 0 subtracts the threshold, 1 resets to zero
fn reset(v: i32, theta: i32, reset_zero: u32) -> i32 {
  return select(v - theta, 0, reset_zero == 1u);
}
