// The demos as a static site: `vite build --config vite.demos.config.ts` (npm run build:demos)
// writes dist-demos/, which any static file server can host (pages at dist-demos/demos/<name>/,
// relative asset URLs, models and digits copied beside them by demos/vite-plugin.ts and fetched
// relative to the page). The library build stays in vite.config.ts.
import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vite';
import { demoData } from './demos/vite-plugin.js';

const root = import.meta.dirname;
const pages = [
  'demos/index.html',
  ...readdirSync(join(root, 'demos'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'demos', d.name, 'index.html')))
    .map((d) => `demos/${d.name}/index.html`),
];

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  plugins: [demoData()],
  build: {
    outDir: 'dist-demos',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: Object.fromEntries(pages.map((p) => [p.replace(/\/index\.html$/, '').replace(/\//g, '-'), resolve(root, p)])) },
  },
});
