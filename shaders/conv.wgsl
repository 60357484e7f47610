// Batched event-driven spike convolution with pooling, activation and spike count fused:
// InputConvolutional, Convolutional, and FullyConnected (a valid conv whose kernel is the whole
// input: the weights [inputs][units] are already [h][w][c][units]).
// One invocation: one sample, one pooled output position, one tile of 16 output channels.
// Each input pixel arrives as its list of non-zero channels
// (shaders/pixel_events.wgsl), so the work follows the spikes: a loop over a pixel's events
// costs nothing for a silent pixel (an `if` would not help: a CPU adapter runs both sides of a
// branch with lane masks, but it leaves a loop when no lane has work).
// Neighbouring invocations share the position and differ in tile, so they walk the same events.
// Variant SINGLE (one input channel, e.g. a grayscale input layer) reads the packed input
// directly, one value per tap and no event lists: on a CPU adapter a loop costs more than one
// MAC, even when it runs 0 times.
// Weights: [tile][ky][kx][cin] x Row (16 channels), already flipped for Convolutional
// (src/kernels/conv.ts), so this is a cross-correlation.
// Needs lib/index.wgsl, lib/window.wgsl, lib/taps.wgsl, lib/tile.wgsl, lib/activation.wgsl,
// lib/epilogue.wgsl, lib/pool.wgsl.
// Bindings: declared in src/kernels/conv.ts (the runner generates their WGSL declarations).

/** input channels (weight rows per tap) */
override IN_C: u32;
/** event slots per pixel (shaders/pixel_events.wgsl) */
override SLOTS: u32;

/** Potentials of tile `tile` at conv output (cy, cx) of sample n. */
fn conv_at(n: u32, cy: u32, cx: u32, tile: u32) -> Tile {
  var acc = acc_new();
  let ty = taps_y(cy);
  let tx = taps_x(cx);
  // one loop over the taps inside the input (a CPU adapter pays for every loop it enters)
  let taps = (ty.end - ty.first) * (tx.end - tx.first);
  var ky = ty.first;
  var kx = tx.first;
  for (var t = 0u; t < taps; t++) {
    let pixel = (n * IN_H + u32(ty.origin + i32(ky))) * IN_W + u32(tx.origin + i32(kx));
    let wb = ((tile * KH + ky) * KW + kx) * IN_C;
#if SINGLE
    // one input channel: a zero value adds nothing, and a loop would cost more than one MAC
    acc = acc_mac(acc, to_val(i32(x[pixel])), w[wb]);
#else
    let count = counts[pixel];
    let base = pixel * SLOTS;
    for (var e = 0u; e < count; e++) {
      let ev = events[base + e];
      acc = acc_mac(acc, to_val(i32(ev & 255u)), w[wb + (ev >> 8u)]);
    }
#endif
    let wrap = kx + 1u == tx.end;
    kx = select(kx + 1u, tx.first, wrap);
    ky = select(ky, ky + 1u, wrap);
  }
  return acc_result(acc);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  emit_pooled(linear_index(gid, nwg, 64u));
}
