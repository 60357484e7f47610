// Node file access for the dataset readers, loaded through dynamic imports so the rest of
// src/data stays browser-safe. Raw files are read by byte ranges; .gz files are decompressed
// as a stream with zlib (the whole file is never held in memory).
import { readFailure } from '../ir/files.js';
import { gzipErrorsNamed, isGzip, streamReader, type ByteReader } from './bytes.js';

type Fs = typeof import('node:fs');
type FsPromises = typeof import('node:fs/promises');

export interface NodeFiles {
  fs: Fs;
  fsp: FsPromises;
  path: typeof import('node:path');
  url: typeof import('node:url');
}

let modules: Promise<NodeFiles> | undefined;

/** Node's file modules, or an error that says file paths need Node. */
export function nodeFiles(what = 'file paths'): Promise<NodeFiles> {
  // Names in variables keep bundlers from resolving Node built-ins for the browser.
  const names = ['node:fs', 'node:fs/promises', 'node:path', 'node:url'];
  modules ??= Promise.all(names.map((n) => import(/* @vite-ignore */ n))).then(([fs, fsp, path, url]) => ({
    fs, fsp, path, url,
  }));
  return modules.catch(() => {
    modules = undefined;
    throw new Error(`${what} need Node (node:fs is not available here); in the browser pass a URL or the bytes`);
  });
}

export async function openFile(file: string | URL): Promise<ByteReader> {
  const { fs, fsp, url } = await nodeFiles(`reading '${String(file)}': file paths`);
  const path = file instanceof URL ? url.fileURLToPath(file) : file;
  const handle = await fsp.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read the file (${readFailure(err)})`);
  });
  const stat = await handle.stat();
  if (stat.isDirectory()) {
    await handle.close();
    throw new Error(`${path}: cannot read the file (it is a directory)`);
  }
  const { size } = stat;
  const head = new Uint8Array(2);
  await handle.read(head, 0, 2, 0);
  if (isGzip(head)) {
    await handle.close();
    const zlibName = 'node:zlib';
    const zlib = (await import(/* @vite-ignore */ zlibName)) as typeof import('node:zlib');
    const file = fs.createReadStream(path);
    const gunzip = file.pipe(zlib.createGunzip());
    file.once('error', (e) => gunzip.destroy(e));
    // zlib reports a cut-off or damaged stream as an error of the stream: name the file.
    return gzipErrorsNamed(streamReader(path, gunzip, undefined, () => void gunzip.destroy()));
  }
  let pos = 0;
  return {
    name: path,
    size,
    async read(n) {
      const out = new Uint8Array(Math.max(0, Math.min(n, size - pos)));
      let filled = 0;
      while (filled < out.length) {
        const { bytesRead } = await handle.read(out, filled, out.length - filled, pos + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      pos += filled;
      return filled === out.length ? out : out.subarray(0, filled);
    },
    close: () => handle.close(),
  };
}
