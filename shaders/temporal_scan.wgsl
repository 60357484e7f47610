// The membrane scan of one spiking layer over a chunk of timesteps: one invocation per sample,
// neuron position and word of 32 channels, looping over the steps in order (the recurrence),
// after the synaptic input of all steps was computed at once (temporal_conv.wgsl).
// Per channel: v = charge(v, gain * syn + bias); a spike when fire(v, theta); then reset.
// Membranes persist across chunks in `v`. Synaptic input [frame][PH][PW][CP] (frame = step x
// sample; CP = C rounded up to whole tiles of 16; CONST_INPUT: one frame per sample, the same
// every step), summed over a WIN_H x WIN_W
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
@group(0) @binding(1) var<storage, read> syn: array<i32>;
@group(0) @binding(2) var<storage, read> bias: array<i32>;
@group(0) @binding(3) var<storage, read> theta: array<i32>;
@group(0) @binding(4) var<storage, read_write> v: array<i32>;
@group(0) @binding(5) var<storage, read_write> spikes: array<u32>;
// [sample][neuron] x (count, charge, first spike)
@group(0) @binding(6) var<storage, read_write> readout: array<i32>;
@group(0) @binding(7) var<storage, read> checkpoints: array<u32>;
// [checkpoint][sample][neuron] x (count, charge, first spike)
@group(0) @binding(8) var<storage, read_write> records: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = linear_index(gid, nwg, 64u);
  if (idx >= dyn.nc * H * W * WORDS) { return; }
  let word = idx % WORDS;
  let rest = idx / WORDS;
  let pix = rest % (H * W);
  let n = rest / (H * W);
  let py = pix / W;
  let px = pix - py * W;
  let c0 = word * 32u;
  let cn = min(32u, C - c0);
  let base = (n * H * W + pix) * C + c0;
  let reset_zero = select(0u, 1u, RESET_ZERO);

  var mv: array<i32, 32>;
  var count: array<i32, 32>;
  var chg: array<i32, 32>;
  var first: array<i32, 32>;
  for (var k = 0u; k < cn; k++) {
    mv[k] = v[base + k];
    if (RECORD) {
      count[k] = readout[(base + k) * 3u];
      chg[k] = readout[(base + k) * 3u + 1u];
      first[k] = readout[(base + k) * 3u + 2u];
    }
  }
  // the first checkpoint after this chunk's start
  var ci = 0u;
  while (ci < dyn.ncheck && checkpoints[ci] <= dyn.t0) { ci++; }

  for (var tt = 0u; tt < dyn.tc; tt++) {
    let t = dyn.t0 + tt;
    let frame = select(tt * dyn.nc + n, n, CONST_INPUT);
    var out = 0u;
    for (var k = 0u; k < cn; k++) {
      let ch = c0 + k;
      var s = 0;
      for (var wy = 0u; wy < WIN_H; wy++) {
        let row = (frame * PH + py * WIN_SY + wy) * PW + px * WIN_SX;
        for (var wx = 0u; wx < WIN_W; wx++) { s += syn[(row + wx) * CP + ch]; }
      }
      let i = dyn.gain * s + bias[ch];
      var vk = charge(mv[k], i);
      if (RECORD) { chg[k] = charge(chg[k], i); }
      if (FIRES) {
        let th = theta[ch];
        if (fire(vk, th)) {
          vk = reset(vk, th, reset_zero);
          out |= 1u << k;
          if (RECORD) {
            count[k] += 1;
            if (first[k] < 0) { first[k] = i32(t); }
          }
        }
      }
      mv[k] = vk;
    }
    spikes[((tt * dyn.nc + n) * H * W + pix) * WORDS + word] = out;
    if (RECORD && ci < dyn.ncheck && checkpoints[ci] == t + 1u) {
      let rb = ((ci * dyn.nc + n) * H * W + pix) * C + c0;
      for (var k = 0u; k < cn; k++) {
        records[(rb + k) * 3u] = count[k];
        records[(rb + k) * 3u + 1u] = chg[k];
        records[(rb + k) * 3u + 2u] = first[k];
      }
      ci++;
    }
  }
  for (var k = 0u; k < cn; k++) {
    v[base + k] = mv[k];
    if (RECORD) {
      readout[(base + k) * 3u] = count[k];
      readout[(base + k) * 3u + 1u] = chg[k];
      readout[(base + k) * 3u + 2u] = first[k];
    }
  }
}
