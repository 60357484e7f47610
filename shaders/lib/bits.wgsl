// Bit tricks for spike words: walking their set bits, packing four spikes.

/**
 * The index of the lowest set bit of a non-zero word: firstTrailingBit, computed from the
 * exponent of the float value of that bit (exact: a power of two). SwiftShader runs
 * firstTrailingBit lane by lane; this is five vector operations. Bit 31 converts as -2^31,
 * whose sign bit the mask drops.
 */
fn lowest_bit(word: u32) -> u32 {
  let low = word & (0u - word);
  return ((bitcast<u32>(f32(bitcast<i32>(low))) >> 23u) & 255u) - 127u;
}

/** Four spikes as the low 4 bits of a word (lane k -> bit k). */
fn bits4(b: vec4<bool>) -> u32 {
  let u = select(vec4<u32>(0u), vec4<u32>(1u, 2u, 4u, 8u), b);
  return u.x | u.y | u.z | u.w;
}
