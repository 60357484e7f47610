// A thread's tile of 16 output channels. `Tile` holds the i32 potentials (channels 4j..4j+3 in
// member j); `Acc` accumulates them, one weight row (16 channels of one input) per event.
// Structural variants (src/kernels/preprocess.ts): F32 with NIBBLES or bytes, or exact i32.
//
// F32: a CPU adapter scalarises vector shifts and integer division, so the packed weights are
// never shifted: each field is masked in place (lane k of a word keeps its scale 2^(FIELD*k))
// and accumulated in f32, which stays exact while every |sum of value * field| < 2^24 (the TS
// module checks this per layer and falls back to i32). Fields below a word's top field are
// biased by BIAS (unsigned); the top field is two's complement, so its i32 reading is signed.
// acc_result removes the scale and the bias (BIAS * sum of the values).

struct Tile {
  a: vec4<i32>,
  b: vec4<i32>,
  c: vec4<i32>,
  d: vec4<i32>,
}

#if F32
alias Val = f32;

struct Acc {
  a: vec4<f32>,
  b: vec4<f32>,
  c: vec4<f32>,
  d: vec4<f32>,
  /** sum of the values, for the bias */
  sv: f32,
}

fn field(w: u32, mask: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(w) & mask));
}

// Per Tile member m (channels 4m..4m+3): the Row word its fields sit in (row_words), their masks
// and scales, and the bias of each field.
#if NIBBLES
/** 16 x 4-bit weights: word j holds channels 8j..8j+7, nibble k = channel 8j + k */
alias Row = vec2<u32>;
const M_LO = vec4<u32>(0xFu, 0xF0u, 0xF00u, 0xF000u);
const M_HI = vec4<u32>(0xF0000u, 0xF00000u, 0xF000000u, 0xF0000000u);
const S_LO = vec4<f32>(1.0, 0.0625, 0.00390625, 0.000244140625);
const S_HI = vec4<f32>(1.52587890625e-05, 9.5367431640625e-07, 5.9604644775390625e-08, 3.725290298461914e-09);
const B_LO = vec4<f32>(8.0);
const B_HI = vec4<f32>(8.0, 8.0, 8.0, 0.0);
const MASKS = array(M_LO, M_HI, M_LO, M_HI);
const SCALES = array(S_LO, S_HI, S_LO, S_HI);
const BIASES = array(B_LO, B_HI, B_LO, B_HI);

fn row_words(w: Row) -> vec4<u32> {
  return w.xxyy;
}
#else
/** 16 x 8-bit weights: word j holds channels 4j..4j+3, byte k = channel 4j + k */
alias Row = vec4<u32>;
const M = vec4<u32>(0xFFu, 0xFF00u, 0xFF0000u, 0xFF000000u);
const S = vec4<f32>(1.0, 0.00390625, 1.52587890625e-05, 5.9604644775390625e-08);
const B = vec4<f32>(128.0, 128.0, 128.0, 0.0);
const MASKS = array(M, M, M, M);
const SCALES = array(S, S, S, S);
const BIASES = array(B, B, B, B);

fn row_words(w: Row) -> vec4<u32> {
  return w;
}
#endif

fn acc_mac(acc: Acc, v: f32, w: Row) -> Acc {
  let r = row_words(w);
  return Acc(acc.a + v * field(r.x, MASKS[0]), acc.b + v * field(r.y, MASKS[1]),
             acc.c + v * field(r.z, MASKS[2]), acc.d + v * field(r.w, MASKS[3]), acc.sv + v);
}

fn acc_result(acc: Acc) -> Tile {
  return Tile(vec4<i32>(acc.a * SCALES[0] - acc.sv * BIASES[0]), vec4<i32>(acc.b * SCALES[1] - acc.sv * BIASES[1]),
              vec4<i32>(acc.c * SCALES[2] - acc.sv * BIASES[2]), vec4<i32>(acc.d * SCALES[3] - acc.sv * BIASES[3]));
}

fn acc_new() -> Acc {
  return Acc(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), 0.0);
}

fn to_val(x: i32) -> Val {
  return f32(x);
}
#else
/** exact i32: 16 x i8 weights, two's complement, word j holds channels 4j..4j+3 */
alias Val = i32;
alias Row = vec4<u32>;
alias Acc = Tile;

fn acc_new() -> Acc {
  return Tile(vec4<i32>(0), vec4<i32>(0), vec4<i32>(0), vec4<i32>(0));
}

fn acc_mac(acc: Acc, v: i32, w: Row) -> Acc {
  return Tile(acc.a + v * unpack4xI8(w.x), acc.b + v * unpack4xI8(w.y),
              acc.c + v * unpack4xI8(w.z), acc.d + v * unpack4xI8(w.w));
}

fn acc_result(acc: Acc) -> Tile {
  return acc;
}

fn to_val(x: i32) -> Val {
  return x;
}
#endif
