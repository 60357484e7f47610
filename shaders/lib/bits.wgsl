// Bit tricks for walking the set bits of a spike word.

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
