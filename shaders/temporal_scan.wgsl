// The membrane scan of one spiking layer over a chunk of timesteps: one invocation per sample,
// neuron position and word of 32 channels, looping over the steps in order (the recurrence),
// after the synaptic input of all steps was computed at once (temporal_conv.wgsl). Channels go
// four at a time (vec4), padded to whole tiles of 16 (padded channels have zero input and
// bias, and a threshold they never reach).
// Per channel: v = charge(v, gain * syn + bias); a spike when fire(v, theta); then reset.
// Membranes persist across chunks in `v`. Synaptic input [frame][PH][PW][CP] (frame = step x
// sample; CONST_INPUT: one frame per sample, the same every step), summed over a WIN_H x WIN_W
// window with stride WIN_SY x WIN_SX (Akida average pooling; 1x1 otherwise). Spikes out:
// bit-packed [step][sample][H][W][WORDS]. RECORD (the readout layer) also keeps spike counts,
// the charge (current summed without reset) and the first spike step, and copies them to
// `records` at the checkpoints. Needs lib/index.wgsl, lib/neuron.wgsl.

override H: u32;
override W: u32;
override C: u32;
override CP: u32;
override WORDS: u32;
override PH: u32;
override PW: u32;
override WIN_H: u32 = 1u;
override WIN_W: u32 = 1u;
override WIN_SY: u32 = 1u;
override WIN_SX: u32 = 1u;
override CONST_INPUT: bool = false;
override FIRES: bool = true;
override RECORD: bool = false;
override RESET_ZERO: bool = false;

struct Dyn {
  nc: u32,
  tc: u32,
  t0: u32,
  gain: i32,
  ncheck: u32,
}

@group(0) @binding(0) var<uniform> dyn: Dyn;
@group(0) @binding(1) var<storage, read> syn: array<vec4<i32>>;
// per padded channel
@group(0) @binding(2) var<storage, read> bias: array<vec4<i32>>;
@group(0) @binding(3) var<storage, read> theta: array<vec4<i32>>;
// [sample][H][W][CP]
@group(0) @binding(4) var<storage, read_write> v: array<vec4<i32>>;
@group(0) @binding(5) var<storage, read_write> spikes: array<u32>;
// [sample][H][W][CP] x (count, charge, first spike)
@group(0) @binding(6) var<storage, read_write> readout: array<vec4<i32>>;
@group(0) @binding(7) var<storage, read> checkpoints: array<u32>;
// [checkpoint][sample][H][W][CP] x (count, charge, first spike)
@group(0) @binding(8) var<storage, read_write> records: array<vec4<i32>>;

fn bits4(b: vec4<bool>) -> u32 {
  let u = select(vec4<u32>(0u), vec4<u32>(1u, 2u, 4u, 8u), b);
  return u.x | u.y | u.z | u.w;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = linear_index(gid, nwg, 64u);
  if (idx >= dyn.nc * H * W * WORDS) { return; }
  let site = site_of(idx, H, W, WORDS);
  let word = site.group;
  // the position within the sample
  let pix = site.y * W + site.x;
  let g0 = word * 8u;
  let groups = min(8u, CP / 4u - g0);
  let q4 = CP / 4u;
  let base = site.pixel * q4 + g0;

  var mv: array<vec4<i32>, 8>;
  var count: array<vec4<i32>, 8>;
  var chg: array<vec4<i32>, 8>;
  var first: array<vec4<i32>, 8>;
  for (var g = 0u; g < groups; g++) {
    mv[g] = v[base + g];
    if (RECORD) {
      count[g] = readout[(base + g) * 3u];
      chg[g] = readout[(base + g) * 3u + 1u];
      first[g] = readout[(base + g) * 3u + 2u];
    }
  }
  // the first checkpoint after this chunk's start
  var ci = 0u;
  while (ci < dyn.ncheck && checkpoints[ci] <= dyn.t0) { ci++; }

  for (var tt = 0u; tt < dyn.tc; tt++) {
    let t = dyn.t0 + tt;
    let frame = select(tt * dyn.nc + site.n, site.n, CONST_INPUT);
    var out = 0u;
    for (var g = 0u; g < groups; g++) {
      var s = vec4<i32>();
      for (var wy = 0u; wy < WIN_H; wy++) {
        let row = (frame * PH + site.y * WIN_SY + wy) * PW + site.x * WIN_SX;
        for (var wx = 0u; wx < WIN_W; wx++) { s += syn[(row + wx) * q4 + g0 + g]; }
      }
      let i = dyn.gain * s + bias[g0 + g];
      var vk = charge(mv[g], i);
      if (RECORD) { chg[g] = charge(chg[g], i); }
      if (FIRES) {
        let th = theta[g0 + g];
        let fired = fire(vk, th);
        vk = select(vk, reset(vk, th, RESET_ZERO), fired);
        out |= bits4(fired) << (4u * g);
        if (RECORD) {
          count[g] += select(vec4<i32>(0), vec4<i32>(1), fired);
          first[g] = select(first[g], vec4<i32>(i32(t)), fired & (first[g] < vec4<i32>(0)));
        }
      }
      mv[g] = vk;
    }
    spikes[((tt * dyn.nc + site.n) * H * W + pix) * WORDS + word] = out;
    if (RECORD && ci < dyn.ncheck && checkpoints[ci] == t + 1u) {
      let rb = ((ci * dyn.nc + site.n) * H * W + pix) * q4 + g0;
      for (var g = 0u; g < groups; g++) {
        records[(rb + g) * 3u] = count[g];
        records[(rb + g) * 3u + 1u] = chg[g];
        records[(rb + g) * 3u + 2u] = first[g];
      }
      ci++;
    }
  }
  for (var g = 0u; g < groups; g++) {
    v[base + g] = mv[g];
    if (RECORD) {
      readout[(base + g) * 3u] = count[g];
      readout[(base + g) * 3u + 1u] = chg[g];
      readout[(base + g) * 3u + 2u] = first[g];
    }
  }
}
