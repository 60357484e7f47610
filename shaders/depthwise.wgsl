// Depthwise half of SeparableConvolutional: unthresholded i32 potentials, 4 channels per
// invocation. Input packed u8 (IN_WORDS words per pixel); weights [ky][kx][word] as 4 x i8,
// already flipped (src/kernels/depthwise.ts). Output [n][CONV_H][CONV_W][IN_WORDS] x vec4<i32>,
// the i32 input of the pointwise conv (shaders/conv.wgsl with INPUT_I32).
// Needs lib/index.wgsl.

override IN_H: u32;
override IN_W: u32;
override IN_WORDS: u32;
override KH: u32;
override KW: u32;
override STRIDE: u32;
override PAD_T: u32;
override PAD_L: u32;
override CONV_H: u32;
override CONV_W: u32;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<i32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear_index(gid, nwg, 64u);
  if (t >= params.n * CONV_H * CONV_W * IN_WORDS) { return; }
  let word = t % IN_WORDS;
  let pixel = t / IN_WORDS;
  let cx = pixel % CONV_W;
  let cy = (pixel / CONV_W) % CONV_H;
  let n = pixel / (CONV_W * CONV_H);
  let y0 = i32(cy * STRIDE) - i32(PAD_T);
  let x0 = i32(cx * STRIDE) - i32(PAD_L);
  let ky0 = u32(max(-y0, 0));
  let ky1 = u32(clamp(i32(IN_H) - y0, 0, i32(KH)));
  let kx0 = u32(max(-x0, 0));
  let kx1 = u32(clamp(i32(IN_W) - x0, 0, i32(KW)));
  var acc = vec4<i32>(0);
  for (var ky = ky0; ky < ky1; ky++) {
    let row = (n * IN_H + u32(y0 + i32(ky))) * IN_W;
    for (var kx = kx0; kx < kx1; kx++) {
      let v = x[(row + u32(x0 + i32(kx))) * IN_WORDS + word];
      if (v != 0u) {
        acc += vec4<i32>(unpack4xU8(v)) * unpack4xI8(w[(ky * KW + kx) * IN_WORDS + word]);
      }
    }
  }
  y[t] = acc;
}
