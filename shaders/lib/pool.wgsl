// Pooling fused into a conv kernel: the pooled potentials of one output position, over a
// window of POOL_H x POOL_W conv positions computed by the kernel's conv_at(n, cy, cx, tile).
// Max (activation is monotone, so the max of the activations is the activation of the max
// potential) or sum (average, global average: the epilogue scales threshold and step by AREA).
// No pooling is a 1x1 max window. Padded positions never take part.
// Constants: pooledConstants in src/kernels/conv.ts. Needs lib/index.wgsl, lib/window.wgsl,
// lib/tile.wgsl and lib/epilogue.wgsl.

override CONV_H: u32;
override CONV_W: u32;
override POOL_H: u32 = 1u;
override POOL_W: u32 = 1u;
override POOL_SY: u32 = 1u;
override POOL_SX: u32 = 1u;
override POOL_PT: u32 = 0u;
override POOL_PL: u32 = 0u;
override POOL_SUM: bool = false;
/** the pooled output */
override OUT_H: u32;
override OUT_W: u32;
/** 16-channel tiles of the output */
override TILES: u32;

fn pool_add(a: Tile, b: Tile) -> Tile {
  if (POOL_SUM) { return Tile(a.a + b.a, a.b + b.b, a.c + b.c, a.d + b.d); }
  return Tile(max(a.a, b.a), max(a.b, b.b), max(a.c, b.c), max(a.d, b.d));
}

fn pooled(n: u32, py: u32, px: u32, tile: u32) -> Tile {
  let sy = window_span(py, POOL_SY, POOL_PT, POOL_H, CONV_H);
  let sx = window_span(px, POOL_SX, POOL_PL, POOL_W, CONV_W);
  let init = select(vec4<i32>(-2147483647 - 1), vec4<i32>(0), POOL_SUM);
  var pool = Tile(init, init, init, init);
  // one loop over the window positions inside the potentials (see conv.wgsl on loops)
  let positions = (sy.end - sy.first) * (sx.end - sx.first);
  var wy = sy.first;
  var wx = sx.first;
  for (var i = 0u; i < positions; i++) {
    pool = pool_add(pool, conv_at(n, u32(sy.origin + i32(wy)), u32(sx.origin + i32(wx)), tile));
    let wrap = wx + 1u == sx.end;
    wx = select(wx + 1u, sx.first, wrap);
    wy = select(wy, wy + 1u, wrap);
  }
  return pool;
}

/**
 * Invocation t of a pooled conv kernel (one per sample, pooled position and tile, tile fastest:
 * pooledInvocations in src/kernels/conv.ts; variant SITES: one per listed site and tile):
 * pools, activates, stores and counts its tile.
 */
fn emit_pooled(t: u32) {
#if SITES
  if (t < params.sites * TILES) {
    let pixel = sites[t / TILES];
    let site = site_of(pixel, OUT_H, OUT_W, 1u);
    emit_tile(pooled(site.n, site.y, site.x, t % TILES), pixel, t % TILES);
  }
#else
  if (t < params.n * OUT_H * OUT_W * TILES) {
    let site = site_of(t, OUT_H, OUT_W, TILES);
    emit_tile(pooled(site.n, site.y, site.x, site.group), site.pixel, site.group);
  }
#endif
}
