// Max pooling of spike trains by the running maximum of spike counts (src/temporal/maxpool.ts):
// a pooled neuron spikes at step t when the largest spike count in its window grows. One
// invocation per sample, pooled position and word of 32 channels, looping over the steps. The
// counts of its window (its own copy: windows may overlap) persist across chunks in `counts`
// [sample][pooled][quad][AREA] vec4 (quads of 4 channels, QUADS per position); counts only
// grow, so the running maximum is the largest count and needs no storage of its own.
// Out-of-bounds window positions ('same' padding) read no spikes, keep a zero count and never
// win. The generator (src/kernels/temporal-maxpool.ts) unrolls the word's quads and the window
// positions into named variables at the //@ markers (all vector arithmetic: SwiftShader keeps
// a dynamically indexed local array in per-lane memory). Needs lib/index.wgsl, lib/bits.wgsl.
// Bindings: declared in src/kernels/temporal-maxpool.ts (the runner generates their WGSL declarations).

override IH: u32;
override IW: u32;
override WORDS: u32;
override QUADS: u32;
override OH: u32;
override OW: u32;
override SY: u32;
override SX: u32;
override PT: u32;
override PL: u32;

struct Dyn {
  nc: u32,
  tc: u32,
}

/** Spike word `word` at input (iy, ix) of `frame`: 0 outside the input. */
fn window_word(frame: u32, iy: i32, ix: i32, word: u32) -> u32 {
  // & not &&: no branches (SwiftShader compiles branches in a loop in exponential time)
  let inside = (iy >= 0) & (ix >= 0) & (iy < i32(IH)) & (ix < i32(IW));
  let i = ((frame * IH + u32(max(iy, 0))) * IW + u32(max(ix, 0))) * WORDS + word;
  return select(0u, spikes[i], inside);
}

/** Channels 4q..4q+3 of a spike word as 0/1. */
fn quad_bits(s: u32, q: u32) -> vec4<u32> {
  return (vec4<u32>(s) >> (vec4<u32>(0u, 1u, 2u, 3u) + 4u * q)) & vec4<u32>(1u);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = linear_index(gid, nwg, 64u);
  if (idx >= dyn.nc * OH * OW * WORDS) { return; }
  let site = site_of(idx, OH, OW, WORDS);
  let word = site.group;
  // the word's first quad and its quads (the last word may hold fewer than 8)
  let g0 = word * 8u;
  let quads = min(8u, QUADS - g0);
  let y0 = i32(site.y * SY) - i32(PT);
  let x0 = i32(site.x * SX) - i32(PL);
  let cb = site.pixel * QUADS + g0;
//@LOAD
  for (var tt = 0u; tt < dyn.tc; tt++) {
    let frame = tt * dyn.nc + site.n;
    var out = 0u;
//@STEP
    pooled[((frame * OH + site.y) * OW + site.x) * WORDS + word] = out;
  }
//@STORE
}
