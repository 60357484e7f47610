// The taps of a conv kernel window (conv, depthwise, temporal_conv): the input geometry as
// override constants (src/kernels/taps.ts) and the kernel rows and columns that fall inside the
// input at one output position. Needs lib/window.wgsl.

override IN_H: u32;
override IN_W: u32;
override KH: u32;
override KW: u32;
override STRIDE: u32;
/** leading padding (TensorFlow 'same' convention, from windowGeometry) */
override PAD_T: u32;
override PAD_L: u32;

/** The kernel rows inside the input at output row `oy`. */
fn taps_y(oy: u32) -> WindowSpan {
  return window_span(oy, STRIDE, PAD_T, KH, IN_H);
}

/** The kernel columns inside the input at output column `ox`. */
fn taps_x(ox: u32) -> WindowSpan {
  return window_span(ox, STRIDE, PAD_L, KW, IN_W);
}
