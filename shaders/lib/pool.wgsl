// Pooling fused into a conv kernel: the pooled potentials of one output position, over a
// window of POOL_H x POOL_W conv positions computed by the kernel's conv_at(n, cy, cx, tile).
// Max (activation is monotone, so the max of the activations is the activation of the max
// potential) or sum (average, global average: the epilogue scales threshold and step by AREA).
// No pooling is a 1x1 max window. Padded positions never take part.

override CONV_H: u32;
override CONV_W: u32;
override POOL_H: u32 = 1u;
override POOL_W: u32 = 1u;
override POOL_SY: u32 = 1u;
override POOL_SX: u32 = 1u;
override POOL_PT: u32 = 0u;
override POOL_PL: u32 = 0u;
override POOL_SUM: bool = false;

fn pool_add(a: Tile, b: Tile) -> Tile {
  if (POOL_SUM) { return Tile(a.a + b.a, a.b + b.b, a.c + b.c, a.d + b.d); }
  return Tile(max(a.a, b.a), max(a.b, b.b), max(a.c, b.c), max(a.d, b.d));
}

fn pooled(n: u32, py: u32, px: u32, tile: u32) -> Tile {
  let y0 = i32(py * POOL_SY) - i32(POOL_PT);
  let x0 = i32(px * POOL_SX) - i32(POOL_PL);
  let wy0 = u32(max(-y0, 0));
  let wy1 = u32(clamp(i32(CONV_H) - y0, 0, i32(POOL_H)));
  let wx0 = u32(max(-x0, 0));
  let wx1 = u32(clamp(i32(CONV_W) - x0, 0, i32(POOL_W)));
  let init = select(vec4<i32>(-2147483647 - 1), vec4<i32>(0), POOL_SUM);
  var pool = Tile(init, init, init, init);
  // one loop over the window positions inside the potentials (see conv.wgsl on loops)
  let positions = (wy1 - wy0) * (wx1 - wx0);
  var wy = wy0;
  var wx = wx0;
  for (var i = 0u; i < positions; i++) {
    pool = pool_add(pool, conv_at(n, u32(y0 + i32(wy)), u32(x0 + i32(wx)), tile));
    let wrap = wx + 1u == wx1;
    wx = select(wx + 1u, wx0, wrap);
    wy = select(wy, wy + 1u, wrap);
  }
  return pool;
}
