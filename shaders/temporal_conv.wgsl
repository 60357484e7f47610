// Synaptic input of a spiking layer for a batch of frames (frame = timestep x sample): the sum of
// the integer weights of every input that spiked. Spikes are bit-packed, 32 channels per u32
// (IN_WORDS words per pixel): one test skips 32 silent inputs, and the loop visits only the
// events (its trip count is the word's popcount, which a CPU adapter runs far faster than a
// while loop over the bits). One invocation: one frame, one output position, one tile of 16
// output channels, accumulated in four vec4<i32>; neighbouring invocations share the position
// and read the same spike words. Weights [tile][ky][kx][cin] x 16 i32, already flipped for a
// true convolution (src/kernels/temporal-conv.ts), so this is a cross-correlation.
// Output [frame][y][x][COUT_PADDED] (whole tiles). PLANES > 1 reads that many bit planes
// (plane b weighs 2^b): the constant current of a multi-bit input through the same loop.
// Needs lib/index.wgsl.

override IN_H: u32;
override IN_W: u32;
override IN_WORDS: u32;
override CIN: u32;
override KH: u32;
override KW: u32;
override STRIDE: u32;
override PAD_T: u32;
override PAD_L: u32;
override OUT_H: u32;
override OUT_W: u32;
override TILES: u32;
override PLANES: u32 = 1u;

struct Dyn {
  frames: u32,
  // words between bit planes
  plane_stride: u32,
}

@group(0) @binding(0) var<uniform> dyn: Dyn;
@group(0) @binding(1) var<storage, read> spikes: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<vec4<i32>>;
@group(0) @binding(3) var<storage, read_write> syn: array<vec4<i32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = linear_index(gid, nwg, 64u);
  let per_frame = OUT_H * OUT_W * TILES;
  if (idx >= dyn.frames * per_frame) { return; }
  let f = idx / per_frame;
  let r = idx - f * per_frame;
  let tile = r % TILES;
  let pix = r / TILES;
  let oy = pix / OUT_W;
  let ox = pix - oy * OUT_W;
  let y0 = i32(oy * STRIDE) - i32(PAD_T);
  let x0 = i32(ox * STRIDE) - i32(PAD_L);
  // the kernel rows and columns that fall inside the input
  let ky0 = u32(max(-y0, 0));
  let ky1 = u32(clamp(i32(IN_H) - y0, 0, i32(KH)));
  let kx0 = u32(max(-x0, 0));
  let kx1 = u32(clamp(i32(IN_W) - x0, 0, i32(KW)));
  var a0 = vec4<i32>();
  var a1 = vec4<i32>();
  var a2 = vec4<i32>();
  var a3 = vec4<i32>();
  for (var b = 0u; b < PLANES; b++) {
    var p0 = vec4<i32>();
    var p1 = vec4<i32>();
    var p2 = vec4<i32>();
    var p3 = vec4<i32>();
    let fb = b * dyn.plane_stride + f * IN_H * IN_W * IN_WORDS;
    for (var ky = ky0; ky < ky1; ky++) {
      let row = fb + u32(y0 + i32(ky)) * IN_W * IN_WORDS;
      for (var kx = kx0; kx < kx1; kx++) {
        let sb = row + u32(x0 + i32(kx)) * IN_WORDS;
        let wb = ((tile * KH + ky) * KW + kx) * CIN * 4u;
        for (var k = 0u; k < IN_WORDS; k++) {
          var word = spikes[sb + k];
          let events = countOneBits(word);
          for (var e = 0u; e < events; e++) {
            let bit = firstTrailingBit(word);
            word = word & (word - 1u);
            let w = wb + (k * 32u + bit) * 4u;
            p0 += weights[w];
            p1 += weights[w + 1u];
            p2 += weights[w + 2u];
            p3 += weights[w + 3u];
          }
        }
      }
    }
    // a scalar factor: a CPU adapter scalarises vector shifts
    let scale = i32(1u << b);
    a0 += p0 * scale;
    a1 += p1 * scale;
    a2 += p2 * scale;
    a3 += p3 * scale;
  }
  let ob = ((f * OUT_H * OUT_W + pix) * TILES + tile) * 4u;
  syn[ob] = a0;
  syn[ob + 1u] = a1;
  syn[ob + 2u] = a2;
  syn[ob + 3u] = a3;
}
