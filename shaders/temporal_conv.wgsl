// Synaptic input of a spiking layer for a batch of frames (frame = timestep x sample): the sum of
// the integer weights of every input that spiked. Spikes are bit-packed, 32 channels per u32
// (IN_WORDS words per pixel): one test skips 32 silent inputs, and add_events visits only the
// events (its trip count is the word's popcount, which a CPU adapter runs far faster than a
// while loop over the bits; lowest_bit, not firstTrailingBit, which SwiftShader emulates lane
// by lane). The generator (src/kernels/temporal-conv.ts) writes the taps and words at //@TAPS,
// one add_events each for kernels up to MAX_UNROLLED_TAPS (a CPU adapter pays for every loop
// it enters), or one loop over them. One invocation: one frame, one output position, one tile
// of 16 output channels, accumulated in four vec4<i32>; neighbouring invocations share the
// position and read the same spike words. Weights [tile][ky][kx][cin] x 16 i32, already
// flipped for a true convolution, so this is a cross-correlation. Output
// [frame][y][x][COUT_PADDED] (whole tiles). VALUES reads integer values instead of spikes,
// [frame][y][x][cin] u32 (the constant current of the 8-bit input, once per sample), skipping
// zeros. Needs lib/index.wgsl, lib/window.wgsl, lib/taps.wgsl, lib/bits.wgsl.
// Bindings: declared in src/kernels/temporal-conv.ts (the runner generates their WGSL declarations).

override IN_WORDS: u32;
override CIN: u32;
override OUT_H: u32;
override OUT_W: u32;
override TILES: u32;
override VALUES: bool = false;

struct Dyn {
  frames: u32,
}

/** The tile's 16 synaptic inputs. */
struct Acc4 {
  a0: vec4<i32>,
  a1: vec4<i32>,
  a2: vec4<i32>,
  a3: vec4<i32>,
}

/** Word k of the spikes at input pixel (iy, ix) of `frame`: 0 in the padding (& not &&: no branch). */
fn tap_word(frame: u32, iy: i32, ix: i32, k: u32) -> u32 {
  let inside = (iy >= 0) & (iy < i32(IN_H)) & (ix >= 0) & (ix < i32(IN_W));
  let i = ((frame * IN_H + u32(max(iy, 0))) * IN_W + u32(max(ix, 0))) * IN_WORDS + k;
  return select(0u, spikes[i], inside);
}

/** Adds the weight rows of the events of `word`, whose bit b is weight row `row` + b. */
fn add_events(acc: ptr<function, Acc4>, spike_word: u32, row: u32) {
  var word = spike_word;
  let events = countOneBits(word);
  for (var e = 0u; e < events; e++) {
    let w = (row + lowest_bit(word)) * 4u;
    word = word & (word - 1u);
    (*acc).a0 += weights[w];
    (*acc).a1 += weights[w + 1u];
    (*acc).a2 += weights[w + 2u];
    (*acc).a3 += weights[w + 3u];
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = linear_index(gid, nwg, 64u);
  if (idx >= dyn.frames * OUT_H * OUT_W * TILES) { return; }
  // [frame][y][x][tile]: site.n is the frame
  let site = site_of(idx, OUT_H, OUT_W, TILES);
  let tile = site.group;
  var acc = Acc4(vec4<i32>(), vec4<i32>(), vec4<i32>(), vec4<i32>());
  if (VALUES) {
    let ty = taps_y(site.y);
    let tx = taps_x(site.x);
    let fb = site.n * IN_H * IN_W * CIN;
    for (var ky = ty.first; ky < ty.end; ky++) {
      let row = fb + u32(ty.origin + i32(ky)) * IN_W * CIN;
      for (var kx = tx.first; kx < tx.end; kx++) {
        let sb = row + u32(tx.origin + i32(kx)) * CIN;
        let wb = ((tile * KH + ky) * KW + kx) * CIN * 4u;
        for (var c = 0u; c < CIN; c++) {
          let v = i32(spikes[sb + c]);
          if (v != 0) {
            let w = wb + c * 4u;
            acc.a0 += weights[w] * v;
            acc.a1 += weights[w + 1u] * v;
            acc.a2 += weights[w + 2u] * v;
            acc.a3 += weights[w + 3u] * v;
          }
        }
      }
    }
  } else {
    // the input pixel under tap (0, 0)
    let iy0 = i32(site.y * STRIDE) - i32(PAD_T);
    let ix0 = i32(site.x * STRIDE) - i32(PAD_L);
//@TAPS
  }
  let ob = (site.pixel * TILES + tile) * 4u;
  syn[ob] = acc.a0;
  syn[ob + 1u] = acc.a1;
  syn[ob + 2u] = acc.a2;
  syn[ob + 3u] = acc.a3;
}
