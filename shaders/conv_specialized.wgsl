// Specialised conv: consecutive 16-channel tiles of one layer (as many as fit MAX_TILE_TERMS)
// with their weights, and where exact their activation constants, compiled in as literals
// (src/kernels/conv-specialized.ts generates the body; docs/ARCHITECTURE.md "Specialised kernels").
// One invocation: one sample, one pooled output position, this pipeline's tiles.
// The structure is fixed here; the generator replaces the line `//@BODY` with
//  - per tile T: `var pool_T = Tile(init, init, init, init);`
//  - per conv position (DY, DX) of the window: the potentials of the tiles' channels, each a
//    sum over the weight values of w * (sum of the inputs with that weight), zero weights left
//    out, pairs of inputs that several channels weigh alike added once first
//    (`let p_DY_DX_I = a + b;`); then per tile `pool_T = pool_in(pool_T, Tile(...), DY, DX);`.
//    In a SeparableConvolutional layer the inputs of the (pointwise) weights are the position's
//    depthwise potentials, `let d_DY_DX_CH = ...`, grouped sums over the input taps of channel
//    CH (one per channel the tiles use). A one-position window of a large kernel (a dense
//    layer) accumulates its sums kernel row by kernel row (`s += ...`);
//  - each input word loaded once, `let v_R_C_J = load_word(n, iy0 + R, ix0 + C, J);`, just
//    before its first use (shared by the window's conv positions);
//  - per tile T: `emit_tile_scaled(pool_T, pixel, INDEX, constants...)` (lib/epilogue.wgsl),
//    or `emit_tile(pool_T, pixel, INDEX)` where the compiled-in activation would not be exact.
// Why: on a CPU adapter every per-lane storage load costs 3-5 ns while a vector add costs
// 0.2-0.6 ns, and loops cost even when empty; here the only loads are the input window, and
// there is no loop and no branch. Input values arrive unpacked without shifts (masked fields,
// scaled back in f32) and are summed in f32, exact while every partial sum stays below 2^24
// (checked by the generator with chooseEncoding).
// Variant SITES: the invocations run over a list of pooled positions, params.sites long: the
// sites whose window can differ from a blank input's (src/engine/sites.ts, built on the host);
// the others hold the blank output, written before the dispatch.
// Variant WIDE: inputs above 127 (8-bit): the masked top byte does not fit an i32, so the
// fields are converted from u32 (a longer instruction sequence on x86).
// Needs lib/index.wgsl, lib/tile.wgsl (Tile), lib/activation.wgsl, lib/epilogue.wgsl.
// Bindings: declared in src/kernels/conv-specialized.ts (the runner generates their WGSL declarations).

override IN_H: i32;
override IN_W: i32;
/** packed u8 words per input pixel */
override IN_WORDS: u32;
override STRIDE: i32;
override PAD_T: i32;
override PAD_L: i32;
override CONV_H: i32;
override CONV_W: i32;
override POOL_SY: i32 = 1;
override POOL_SX: i32 = 1;
override POOL_PT: i32 = 0;
override POOL_PL: i32 = 0;
override POOL_SUM: bool = false;
override OUT_H: u32;
override OUT_W: u32;

const FIELDS = vec4<u32>(0xFFu, 0xFF00u, 0xFF0000u, 0xFF000000u);
const UNSCALE = vec4<f32>(1.0, 0.00390625, 1.52587890625e-05, 5.9604644775390625e-08);

/** Channels 4j..4j+3 of input pixel (iy, ix) of sample n as f32; 0 in the padding. */
fn load_word(n: u32, iy: i32, ix: i32, j: u32) -> vec4<f32> {
  let inside = (iy >= 0) & (iy < IN_H) & (ix >= 0) & (ix < IN_W);
  let index = select(0u, ((n * u32(IN_H) + u32(iy)) * u32(IN_W) + u32(ix)) * IN_WORDS + j, inside);
  let fields = vec4<u32>(select(0u, x[index], inside)) & FIELDS;
#if WIDE
  return vec4<f32>(fields) * UNSCALE;
#else
  return vec4<f32>(bitcast<vec4<i32>>(fields)) * UNSCALE;
#endif
}

/** Adds conv position (dy, dx) of the pooling window to the pooled tile, if it is not padding. */
fn pool_in(pool: Tile, p: Tile, cy: i32, cx: i32) -> Tile {
  let inside = (cy >= 0) & (cy < CONV_H) & (cx >= 0) & (cx < CONV_W);
  var q: Tile;
  if (POOL_SUM) {
    q = Tile(pool.a + p.a, pool.b + p.b, pool.c + p.c, pool.d + p.d);
  } else {
    q = Tile(max(pool.a, p.a), max(pool.b, p.b), max(pool.c, p.c), max(pool.d, p.d));
  }
  return Tile(select(pool.a, q.a, inside), select(pool.b, q.b, inside), select(pool.c, q.c, inside), select(pool.d, q.d, inside));
}

fn potentials(a: f32, b: f32, c: f32, d: f32) -> vec4<i32> {
  return vec4<i32>(vec4<f32>(a, b, c, d));
}

@compute @workgroup_size(64)
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let t = linear_index(gid, nwg, 64u);
#if SITES
  if (t >= params.sites) { return; }
  let pixel = sites[t];
#else
  if (t >= params.n * OUT_H * OUT_W) { return; }
  let pixel = t;
#endif
  // this pipeline computes one tile: one invocation per pooled position
  let site = site_of(pixel, OUT_H, OUT_W, 1u);
  let n = site.n;
  // first conv position of the pooling window, and the input pixel under its first tap
  let cy0 = i32(site.y) * POOL_SY - POOL_PT;
  let cx0 = i32(site.x) * POOL_SX - POOL_PL;
  let iy0 = cy0 * STRIDE - PAD_T;
  let ix0 = cx0 * STRIDE - PAD_L;
  let init = select(vec4<i32>(-2147483647 - 1), vec4<i32>(0), POOL_SUM);
//@BODY
}
