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
// Needs lib/index.wgsl, lib/tile.wgsl, lib/activation.wgsl, lib/epilogue.wgsl, lib/pool.wgsl.

override IN_H: u32;
override IN_W: u32;
/** input channels (weight rows per tap) */
override IN_C: u32;
/** event slots per pixel (shaders/pixel_events.wgsl) */
override SLOTS: u32;
override KH: u32;
override KW: u32;
override STRIDE: u32;
override PAD_T: u32;
override PAD_L: u32;
override OUT_H: u32;
override OUT_W: u32;
override TILES: u32;

#if SINGLE
/** the packed input itself: one u32 per pixel whose low byte is the only channel */
@group(0) @binding(5) var<storage, read> x: array<u32>;
@group(0) @binding(6) var<storage, read> w: array<Row>;
#else
/** per pixel: SLOTS slots of (channel << 8) | value, the first counts[pixel] in use, zero-padded */
@group(0) @binding(5) var<storage, read> events: array<u32>;
@group(0) @binding(6) var<storage, read> counts: array<u32>;
@group(0) @binding(7) var<storage, read> w: array<Row>;
#endif

/** Potentials of tile `tile` at conv output (cy, cx) of sample n. */
fn conv_at(n: u32, cy: u32, cx: u32, tile: u32) -> Tile {
  var acc = acc_new();
  let y0 = i32(cy * STRIDE) - i32(PAD_T);
  let x0 = i32(cx * STRIDE) - i32(PAD_L);
  // the kernel rows and columns that fall inside the input
  let ky0 = u32(max(-y0, 0));
  let ky1 = u32(clamp(i32(IN_H) - y0, 0, i32(KH)));
  let kx0 = u32(max(-x0, 0));
  let kx1 = u32(clamp(i32(IN_W) - x0, 0, i32(KW)));
  // one loop over the taps inside the input (a CPU adapter pays for every loop it enters)
  let taps = (ky1 - ky0) * (kx1 - kx0);
  var ky = ky0;
  var kx = kx0;
  for (var t = 0u; t < taps; t++) {
    let pixel = (n * IN_H + u32(y0 + i32(ky))) * IN_W + u32(x0 + i32(kx));
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
    let wrap = kx + 1u == kx1;
    kx = select(kx + 1u, kx0, wrap);
    ky = select(ky, ky + 1u, wrap);
  }
  return acc_result(acc);
}

@compute @workgroup_size(64)
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let t = linear_index(gid, nwg, 64u);
  if (t < params.n * OUT_H * OUT_W * TILES) {
    let tile = t % TILES;
    let pixel = t / TILES;
    let px = pixel % OUT_W;
    let py = (pixel / OUT_W) % OUT_H;
    let n = pixel / (OUT_W * OUT_H);
    emit_tile(pooled(n, py, px, tile), pixel, tile);
  }
}
