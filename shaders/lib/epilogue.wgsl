// The end of every kernel that computes a tile of potentials: activation (or raw potentials
// for a last layer without one), the store, and the spike count. Its bindings (params,
// thresholds, steps, y, spikes) come first in those kernels (epilogueBindings in
// src/kernels/epilogue.ts; the runner declares every binding from the kernel's TS module).
// Spikes go straight to the global counter: a workgroup barrier (for a workgroup-level sum)
// costs more than the atomics on a CPU adapter. No vector shifts (scalarised there).
// Needs lib/tile.wgsl and lib/activation.wgsl.

struct Params {
  /** samples in this dispatch */
  n: u32,
  /** listed sites, in a kernel that runs over a site list (conv_specialized.wgsl, SITES) */
  sites: u32,
}

override ACTIVATE: bool;
override MAX_OUT: u32 = 15u;
/** pooling area A: threshold and step are scaled by it (1 without average pooling) */
override AREA: u32 = 1u;
override COUT: u32;
/** packed u8 words per output pixel: ceil(COUT / 4) */
override OUT_WORDS: u32;
/** which layer's counter in `spikes` */
override SPIKE_SLOT: u32;

/** Stores activations `out` as word `word` (channels 4*word..) of output pixel `pixel`; returns its spikes. */
fn store_word(out: vec4<u32>, pixel: u32, word: u32) -> u32 {
  if (word >= OUT_WORDS) { return 0u; }
  y[pixel * OUT_WORDS + word] = dot(out, vec4<u32>(1u, 256u, 65536u, 16777216u));
  return dot(select(vec4<u32>(0u), vec4<u32>(1u), out != vec4<u32>(0u)), vec4<u32>(1u));
}

/** Activates and stores word `word` of output pixel `pixel`; returns its spikes. */
fn emit_word(p: vec4<i32>, pixel: u32, word: u32) -> u32 {
  if (word >= OUT_WORDS) { return 0u; }
  return store_word(akida_activate4(p, thresholds[word], steps[word], AREA, MAX_OUT), pixel, word);
}

fn count_spikes(count: u32) {
  if (count != 0u) { atomicAdd(&spikes[SPIKE_SLOT], count); }
}

/** Stores 4 potentials (channels c0..c0+3) of output pixel `pixel`; returns the non-zero ones. */
fn emit_potentials(p: vec4<i32>, pixel: u32, c0: u32) -> u32 {
  var count = 0u;
  for (var k = 0u; k < 4u; k++) {
    if (c0 + k < COUT) {
      y[pixel * COUT + c0 + k] = bitcast<u32>(p[k]);
      count += select(0u, 1u, p[k] != 0);
    }
  }
  return count;
}

/** Activates (or keeps the potentials of) tile `tile` of output pixel `pixel`, stores, counts spikes. */
fn emit_tile(p: Tile, pixel: u32, tile: u32) {
  var count: u32;
  if (ACTIVATE) {
    let w = tile * 4u;
    count = emit_word(p.a, pixel, w) + emit_word(p.b, pixel, w + 1u) + emit_word(p.c, pixel, w + 2u) + emit_word(p.d, pixel, w + 3u);
  } else {
    let c = tile * 16u;
    count = emit_potentials(p.a, pixel, c) + emit_potentials(p.b, pixel, c + 4u) + emit_potentials(p.c, pixel, c + 8u)
      + emit_potentials(p.d, pixel, c + 12u);
  }
  count_spikes(count);
}

/** emit_tile with the activation's constants given per word (akida_activate4_scaled). */
fn emit_tile_scaled(p: Tile, pixel: u32, tile: u32, a: ActScale, b: ActScale, c: ActScale, d: ActScale) {
  let w = tile * 4u;
  count_spikes(store_word(akida_activate4_scaled(p.a, a, MAX_OUT), pixel, w) + store_word(akida_activate4_scaled(p.b, b, MAX_OUT), pixel, w + 1u)
    + store_word(akida_activate4_scaled(p.c, c, MAX_OUT), pixel, w + 2u) + store_word(akida_activate4_scaled(p.d, d, MAX_OUT), pixel, w + 3u));
}
