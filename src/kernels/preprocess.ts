// Structural shader variants: `#if NAME` / `#elif NAME` / `#else` / `#endif` in a .wgsl file,
// resolved by the `wgsl-preprocessor` template tag with NAME looked up in `flags`.
// Only for branches that change types or bindings; sizes are WGSL override constants.
import { wgsl as resolve } from 'wgsl-preprocessor/wgsl-preprocessor.js';

export function preprocess(source: string, flags: Record<string, boolean>): string {
  // "...#if " NAME "..." -> template strings ending in "#if " and NAME's value
  const parts = source.split(/(?<=#(?:if|elif) )([A-Za-z_][A-Za-z0-9_]*)/);
  const strings = parts.filter((_, i) => i % 2 === 0);
  const values = parts
    .filter((_, i) => i % 2 === 1)
    .map((name) => {
      if (!(name in flags)) throw new Error(`shader flag '${name}' is not set (flags: ${Object.keys(flags).join(', ')})`);
      return flags[name];
    });
  return resolve(Object.assign([...strings], { raw: strings }) as unknown as TemplateStringsArray, ...values);
}
