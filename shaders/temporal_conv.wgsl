// Synaptic input of a spiking layer for a batch of frames (frame = timestep x sample): the sum of
// the integer weights of every input that spiked. Spikes are bit-packed, 32 channels per u32
// (IN_WORDS words per pixel): one test skips 32 silent inputs, and the loop visits only the
// events (its trip count is the word's popcount, which a CPU adapter runs far faster than a
// while loop over the bits; lowest_bit, not firstTrailingBit, which SwiftShader emulates lane
// by lane). One invocation: one frame, one output position, one tile of 16
// output channels, accumulated in four vec4<i32>; neighbouring invocations share the position
// and read the same spike words. Weights [tile][ky][kx][cin] x 16 i32, already flipped for a
// true convolution (src/kernels/temporal-conv.ts), so this is a cross-correlation.
// Output [frame][y][x][COUT_PADDED] (whole tiles). VALUES reads integer values instead of
// spikes, [frame][y][x][cin] u32 (the constant current of the 8-bit input, once per sample),
// skipping zeros. Needs lib/index.wgsl, lib/window.wgsl, lib/taps.wgsl, lib/bits.wgsl.

override IN_WORDS: u32;
override CIN: u32;
override OUT_H: u32;
override OUT_W: u32;
override TILES: u32;
override VALUES: bool = false;

struct Dyn {
  frames: u32,
}

@group(0) @binding(0) var<uniform> dyn: Dyn;
@group(0) @binding(1) var<storage, read> spikes: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<vec4<i32>>;
@group(0) @binding(3) var<storage, read_write> syn: array<vec4<i32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = linear_index(gid, nwg, 64u);
  if (idx >= dyn.frames * OUT_H * OUT_W * TILES) { return; }
  // [frame][y][x][tile]: site.n is the frame
  let site = site_of(idx, OUT_H, OUT_W, TILES);
  let tile = site.group;
  let ty = taps_y(site.y);
  let tx = taps_x(site.x);
  var a0 = vec4<i32>();
  var a1 = vec4<i32>();
  var a2 = vec4<i32>();
  var a3 = vec4<i32>();
  let words = select(IN_WORDS, CIN, VALUES);
  let fb = site.n * IN_H * IN_W * words;
  for (var ky = ty.first; ky < ty.end; ky++) {
    let row = fb + u32(ty.origin + i32(ky)) * IN_W * words;
    for (var kx = tx.first; kx < tx.end; kx++) {
      let sb = row + u32(tx.origin + i32(kx)) * words;
      let wb = ((tile * KH + ky) * KW + kx) * CIN * 4u;
      if (VALUES) {
        for (var c = 0u; c < CIN; c++) {
          let v = i32(spikes[sb + c]);
          if (v != 0) {
            let w = wb + c * 4u;
            a0 += weights[w] * v;
            a1 += weights[w + 1u] * v;
            a2 += weights[w + 2u] * v;
            a3 += weights[w + 3u] * v;
          }
        }
        continue;
      }
      for (var k = 0u; k < IN_WORDS; k++) {
        var word = spikes[sb + k];
        let events = countOneBits(word);
        for (var e = 0u; e < events; e++) {
          let bit = lowest_bit(word);
          word = word & (word - 1u);
          let w = wb + (k * 32u + bit) * 4u;
          a0 += weights[w];
          a1 += weights[w + 1u];
          a2 += weights[w + 2u];
          a3 += weights[w + 3u];
        }
      }
    }
  }
  let ob = (site.pixel * TILES + tile) * 4u;
  syn[ob] = a0;
  syn[ob + 1u] = a1;
  syn[ob + 2u] = a2;
  syn[ob + 3u] = a3;
}
