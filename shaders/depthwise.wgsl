// Depthwise half of SeparableConvolutional: unthresholded i32 potentials, 4 channels per
// invocation. Input packed u8 (IN_WORDS words per pixel); weights [ky][kx][word] as 4 x i8,
// already flipped (src/kernels/depthwise.ts). Output [n][CONV_H][CONV_W][IN_WORDS] x vec4<i32>,
// the i32 input of the pointwise conv (shaders/pointwise.wgsl).
// Needs lib/index.wgsl, lib/window.wgsl, lib/taps.wgsl.
// Bindings: declared in src/kernels/depthwise.ts (the runner generates their WGSL declarations).

override IN_WORDS: u32;
override CONV_H: u32;
override CONV_W: u32;

struct Params {
  n: u32,
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear_index(gid, nwg, 64u);
  if (t >= params.n * CONV_H * CONV_W * IN_WORDS) { return; }
  let site = site_of(t, CONV_H, CONV_W, IN_WORDS);
  let word = site.group;
  let ty = taps_y(site.y);
  let tx = taps_x(site.x);
  var acc = vec4<i32>(0);
  for (var ky = ty.first; ky < ty.end; ky++) {
    let row = (site.n * IN_H + u32(ty.origin + i32(ky))) * IN_W;
    for (var kx = tx.first; kx < tx.end; kx++) {
      let v = x[(row + u32(tx.origin + i32(kx))) * IN_WORDS + word];
      if (v != 0u) {
        acc += vec4<i32>(unpack4xU8(v)) * unpack4xI8(w[(ky * KW + kx) * IN_WORDS + word]);
      }
    }
  }
  y[t] = acc;
}
