// The counter-based RNG of the rate encodings, twin of src/temporal/rng.ts.
// u32 multiplication wraps modulo 2^32 in WGSL, like Math.imul in TypeScript.
fn mix32(v: u32) -> u32 {
  var x = v;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  return x ^ (x >> 16u);
}

fn spike_random(seed: u32, sample: u32, t: u32, index: u32) -> u32 {
  var h = mix32(seed ^ 0x9e3779b9u);
  h = mix32(h ^ sample);
  h = mix32(h ^ t);
  return mix32(h ^ index);
}

// P(spike) = p23 / 2^23; p23 = floor(x * 2^23 / max_input), x clipped to max_input (<= 255 keeps it in u32).
fn spike_probability23(x: u32, max_input: u32) -> u32 {
  return (min(x, max_input) << 23u) / max_input;
}

fn bernoulli(random: u32, p23: u32) -> bool {
  return (random >> 9u) < p23;
}
