// Types for the `wgsl-preprocessor` package (it ships none): a template tag resolving
// #if ${bool} / #elif ${bool} / #else / #endif.
declare module 'wgsl-preprocessor/wgsl-preprocessor.js' {
  export function wgsl(strings: TemplateStringsArray, ...values: unknown[]): string;
}
