// Rate (Poisson/Bernoulli) encoding of a chunk of timesteps: input i of sample n spikes at step t
// when the counter-based hash of (seed, sample, t, i) falls below x_i / MAX_INPUT (lib/rng.wgsl).
// Output: bit-packed spikes [step][sample][pixel][word]. Needs lib/index.wgsl, lib/rng.wgsl.
// Bindings: declared in src/kernels/temporal-encode-rate.ts (the runner generates their WGSL declarations).

override HW: u32;
override C: u32;
override WORDS: u32;
override MAX_INPUT: u32;

struct Dyn {
  nc: u32,
  tc: u32,
  t0: u32,
  sample0: u32,
  seed: u32,
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = linear_index(gid, nwg, 64u);
  if (idx >= dyn.tc * dyn.nc * HW * WORDS) { return; }
  let word = idx % WORDS;
  let rest = idx / WORDS;
  let pix = rest % HW;
  let frame = rest / HW;
  let n = frame % dyn.nc;
  let t = dyn.t0 + frame / dyn.nc;
  let c0 = word * 32u;
  let cn = min(32u, C - c0);
  var out = 0u;
  for (var k = 0u; k < cn; k++) {
    let i = pix * C + c0 + k;
    let p23 = spike_probability23(x[n * HW * C + i], MAX_INPUT);
    if (bernoulli(spike_random(dyn.seed, dyn.sample0 + n, t, i), p23)) { out |= 1u << k; }
  }
  spikes[idx] = out;
}
