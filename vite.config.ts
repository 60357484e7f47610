// One config, two jobs:
//  - `vite build` builds the Node/ESM library (one file per entry) and the CLI into dist/ (WGSL inlined via ?raw);
//  - `vite` (dev server) serves the Chrome demos under demos/ from the same src/, with their
//    data files (demos/vite-plugin.ts); their static build is vite.demos.config.ts.
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };
import { demoData } from './demos/vite-plugin.js';

const external = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys((pkg as { dependencies?: Record<string, string> }).dependencies ?? {}),
].map((name) => new RegExp(`^${name.replace(/[/.]/g, '\\$&')}(/.*)?$`));

export default defineConfig({
  server: { port: 5173, strictPort: false, fs: { allow: ['.'] } },
  // The dev server serves the demos: find their dependencies (also those imported on demand,
  // such as the `mnist` package) from the demo pages, before the first page load.
  optimizeDeps: { entries: ['demos/**/*.html'] },
  // the dev server serves the demos' digits file; the library build emits nothing of it
  plugins: [demoData(false)],
  build: {
    target: 'node20',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      // the package's entries (package.json "exports"): `spikemesh` (without tfjs),
      // `spikemesh/convert` (tfjs), `spikemesh/temporal`, `spikemesh/mesh`; and the CLI
      entry: {
        index: 'src/index.ts',
        convert: 'src/convert.ts',
        temporal: 'src/temporal.ts',
        mesh: 'src/mesh.ts',
        cli: 'src/cli/main.ts',
      },
      formats: ['es'],
    },
    rollupOptions: { external },
  },
});
