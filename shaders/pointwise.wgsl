// Pointwise half of SeparableConvolutional: a 1x1 conv over the depthwise potentials (i32,
// mostly non-zero, so no event lists), with pooling, activation and spike count fused.
// One invocation: one sample, one pooled output position, one tile of 16 output channels.
// Weights: [tile][cin] x Row. Needs lib/index.wgsl, lib/window.wgsl, lib/tile.wgsl,
// lib/activation.wgsl, lib/epilogue.wgsl, lib/pool.wgsl.
// Bindings: declared in src/kernels/pointwise.ts (the runner generates their WGSL declarations).

/** channels of the depthwise potentials (4 * the input's packed words) */
override IN_C: u32;

fn conv_at(n: u32, cy: u32, cx: u32, tile: u32) -> Tile {
  var acc = acc_new();
  let base = ((n * CONV_H + cy) * CONV_W + cx) * IN_C;
  let wb = tile * IN_C;
  for (var c = 0u; c < IN_C; c++) {
    acc = acc_mac(acc, to_val(x[base + c]), w[wb + c]);
  }
  return acc_result(acc);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  emit_pooled(linear_index(gid, nwg, 64u));
}
