// The membrane scan of one spiking layer over a chunk of timesteps: one invocation per sample,
// neuron position and word of 32 channels, looping over the steps in order (the recurrence),
// after the synaptic input of all steps was computed at once (temporal_conv.wgsl). Channels go
// four at a time (a Quad), padded to whole tiles of 16 (padded channels have zero input and
// bias, and a threshold they never reach). The generator (src/kernels/temporal-scan.ts)
// unrolls the word's quads into named variables at the //@ markers: a CPU adapter
// (SwiftShader) keeps a dynamically indexed local array in memory, per lane.
// Per channel: v = charge(v, gain * syn + bias); a spike when fire(v, theta); then reset.
// Membranes persist across chunks in `v`. Synaptic input [frame][PH][PW][CP] (frame = step x
// sample; a constant input: one frame per sample, the same every step, read once), summed over a WIN_H x WIN_W
// window with stride WIN_SY x WIN_SX (Akida average pooling; 1x1 otherwise). Spikes out:
// bit-packed [step][sample][H][W][WORDS]. RECORD (the readout layer) also keeps spike counts,
// the charge (current summed without reset) and the first spike step, and copies them to
// `records` at the checkpoints. Needs lib/index.wgsl, lib/neuron.wgsl, lib/bits.wgsl.
// Bindings: declared in src/kernels/temporal-scan.ts (the runner generates their WGSL declarations).

override H: u32;
override W: u32;
override CP: u32;
override WORDS: u32;
override PH: u32;
override PW: u32;
override WIN_H: u32 = 1u;
override WIN_W: u32 = 1u;
override WIN_SY: u32 = 1u;
override WIN_SX: u32 = 1u;
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

/** Four neurons: membrane, and (RECORD) spike count, charge and first spike step. */
struct Quad {
  v: vec4<i32>,
  count: vec4<i32>,
  chg: vec4<i32>,
  first: vec4<i32>,
}

/** Quad q (of the whole position) from state index i = pixel * CP / 4 + q. */
fn load_quad(i: u32) -> Quad {
  var s = Quad(v[i], vec4<i32>(), vec4<i32>(), vec4<i32>());
  if (RECORD) {
    s.count = readout[i * 3u];
    s.chg = readout[i * 3u + 1u];
    s.first = readout[i * 3u + 2u];
  }
  return s;
}

fn store_quad(i: u32, s: Quad) {
  v[i] = s.v;
  if (RECORD) {
    readout[i * 3u] = s.count;
    readout[i * 3u + 1u] = s.chg;
    readout[i * 3u + 2u] = s.first;
  }
}

fn record_quad(i: u32, s: Quad) {
  records[i * 3u] = s.count;
  records[i * 3u + 1u] = s.chg;
  records[i * 3u + 2u] = s.first;
}

/** Quad q of the synaptic input at window position (wy, wx) of position (y, x) of `frame`. */
fn syn_at(frame: u32, y: u32, x: u32, wy: u32, wx: u32, q: u32) -> vec4<i32> {
  return syn[((frame * PH + y * WIN_SY + wy) * PW + x * WIN_SX + wx) * (CP / 4u) + q];
}

/** The same summed over the window with loops (windows too large to unroll). */
fn input_quad(frame: u32, y: u32, x: u32, q: u32) -> vec4<i32> {
  var s = vec4<i32>();
  for (var wy = 0u; wy < WIN_H; wy++) {
    let row = (frame * PH + y * WIN_SY + wy) * PW + x * WIN_SX;
    for (var wx = 0u; wx < WIN_W; wx++) { s += syn[(row + wx) * (CP / 4u) + q]; }
  }
  return s;
}

/** One step of a quad: integrate the current `i`, fire at `th`, reset; returns the 4 spike bits. */
fn step_quad(s: ptr<function, Quad>, i: vec4<i32>, th: vec4<i32>, t: u32) -> u32 {
  var vk = charge((*s).v, i);
  if (RECORD) { (*s).chg = charge((*s).chg, i); }
  var out = 0u;
  if (FIRES) {
    let fired = fire(vk, th);
    vk = select(vk, reset(vk, th, RESET_ZERO), fired);
    out = bits4(fired);
    if (RECORD) {
      (*s).count += select(vec4<i32>(0), vec4<i32>(1), fired);
      (*s).first = select((*s).first, vec4<i32>(i32(t)), fired & ((*s).first < vec4<i32>(0)));
    }
  }
  (*s).v = vk;
  return out;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = linear_index(gid, nwg, 64u);
  if (idx >= dyn.nc * H * W * WORDS) { return; }
  let site = site_of(idx, H, W, WORDS);
  let word = site.group;
  // the position within the sample
  let pix = site.y * W + site.x;
  // the word's first quad, and its quads (the last word of a layer may hold 4, not 8)
  let g0 = word * 8u;
  let quads = min(8u, CP / 4u - g0);
  let base = site.pixel * (CP / 4u) + g0;
//@LOAD
  // the first checkpoint after this chunk's start
  var ci = 0u;
  while (ci < dyn.ncheck && checkpoints[ci] <= dyn.t0) { ci++; }

  for (var tt = 0u; tt < dyn.tc; tt++) {
    let t = dyn.t0 + tt;
    let frame = tt * dyn.nc + site.n;
    var out = 0u;
//@STEP
    spikes[((tt * dyn.nc + site.n) * H * W + pix) * WORDS + word] = out;
    if (RECORD && ci < dyn.ncheck && checkpoints[ci] == t + 1u) {
      let rb = ((ci * dyn.nc + site.n) * H * W + pix) * (CP / 4u) + g0;
//@RECORD
      ci++;
    }
  }
//@STORE
}
