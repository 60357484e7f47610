// WGSL sources are imported as text (`?raw`): vite inlines them in builds, vite-node and vitest in dev.
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
