// Structural shader variants: `#if NAME` / `#elif NAME` / `#else` / `#endif` in a .wgsl file,
// resolved from a kernel's flags. Only for branches that change types or bindings; sizes are
// WGSL override constants. The runner resolves a kernel's own source (src/gpu/kernel.ts); this
// is for helper libraries a kernel joins with fixed flags.
export { preprocess } from '../gpu/kernel.js';
