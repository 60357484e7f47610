// The part of a window (a kernel's taps, a pooling window's positions) that falls inside its
// input, along one axis, for the leading padding of windowGeometry (src/ir/shapes.ts).
// Kernels loop over first..end only: positions in the padding cost no iteration.

struct WindowSpan {
  /** input index under window position 0 (negative in the leading padding) */
  origin: i32,
  /** the window positions inside the input: first <= k < end */
  first: u32,
  end: u32,
}

/** The span of the window of output index `o` (stride, leading padding, window size, input length). */
fn window_span(o: u32, stride: u32, pad: u32, size: u32, len: u32) -> WindowSpan {
  let origin = i32(o * stride) - i32(pad);
  return WindowSpan(origin, u32(max(-origin, 0)), u32(clamp(i32(len) - origin, 0, i32(size))));
}
