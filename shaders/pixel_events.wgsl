// Per-pixel event lists for the event-driven conv (shaders/conv.wgsl): the non-zero channels of
// each pixel as (channel << 8) | value, and their count. One invocation per pixel.
// Branch-free: every channel writes its slot candidate, only non-zero ones advance the count
// (a CPU adapter would run a masked `if` body anyway). The list is padded with zero events
// (channel 0, value 0: they add nothing) to a multiple of 4, so the conv can take events in
// groups without a remainder loop.
// Needs lib/index.wgsl.
// Bindings: declared in src/kernels/pixel-events.ts (the runner generates their WGSL declarations).

/** packed u8 words per pixel */
override IN_WORDS: u32;
/** channels per pixel */
override IN_C: u32;
/** event slots per pixel: IN_C rounded up to a multiple of 4 */
override SLOTS: u32;
override PIXELS: u32;

struct Params {
  n: u32,
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let pixel = linear_index(gid, nwg, 64u);
  if (pixel >= params.n * PIXELS) { return; }
  let base = pixel * SLOTS;
  var count = 0u;
  for (var word = 0u; word < IN_WORDS; word++) {
    let v = unpack4xU8(x[pixel * IN_WORDS + word]);
    let c0 = word * 4u;
    for (var b = 0u; b < 4u; b++) {
      let c = c0 + b;
      if (c < IN_C) {
        events[base + count] = (c << 8u) | v[b];
        count += select(0u, 1u, v[b] != 0u);
      }
    }
  }
  for (var pad = count; pad < min(count + 3u, SLOTS); pad++) {
    events[base + pad] = 0u;
  }
  counts[pixel] = count;
}
