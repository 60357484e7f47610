// TS side of shaders/lib/taps.wgsl: the input geometry of a conv window (conv, depthwise and
// temporal conv kernels) as override constants.

export interface TapParams {
  inH: number;
  inW: number;
  kernel: [number, number];
  stride: number;
  /** leading padding (TensorFlow 'same' convention, from windowGeometry) */
  padTop: number;
  padLeft: number;
}

export function tapConstants(p: TapParams): Record<string, number> {
  return { IN_H: p.inH, IN_W: p.inW, KH: p.kernel[0], KW: p.kernel[1], STRIDE: p.stride, PAD_T: p.padTop, PAD_L: p.padLeft };
}
