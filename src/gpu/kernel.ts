// A kernel is data: its shader text, what makes its pipeline unique, and its override constants.
// The runner (runner.ts) owns pipelines, bind groups and buffers.

export interface Kernel<P> {
  /** short name, used in labels and cache keys */
  name: string;
  /** WGSL source of the entry point `main`, with any shared helpers already joined (see wgsl()) */
  source: string | ((p: P) => string);
  /** distinguishes pipelines of this kernel; must cover everything `source` and `constants` read */
  cacheKey: (p: P) => string;
  /** WGSL `override` constants */
  constants?: (p: P) => Record<string, number>;
  /** workgroup size along x, used by the runner to fold large dispatches into 2D */
  workgroupSize: number;
}

/** Joins shared WGSL helper modules (shaders/lib) in front of a kernel's entry point. */
export function wgsl(...parts: string[]): string {
  return parts.join('\n');
}
