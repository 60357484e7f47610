// The one module that knows h5wasm (HDF5 compiled to WebAssembly, NIST, MIT-style licence plus
// HDF5's BSD-style licence). An HDF5 file is read from bytes: written into h5wasm's in-memory
// file system (MEMFS), opened read-only, closed and unlinked before the call returns. The ESM
// entry of h5wasm is used in Node and in the browser alike: its `h5wasm/node` entry is built
// with NODERAWFS (its FS *is* the host file system, so "in memory" would mean a temporary file
// on disk), while the default entry runs unchanged in Node 20 with a real in-memory FS. It is
// imported on first use, so pages that never read Keras files never load its 4 MB.

type H5 = typeof import('h5wasm');

export type H5Value = string | number | bigint | boolean | unknown[] | Record<string, unknown> | ArrayLike<number> | null;

/** A read-only view of one open HDF5 file; paths are '/'-separated from the root. */
export interface Hdf5Reader {
  /** the names of a group's members; [] when `path` is not a group */
  keys(path: string): string[];
  /** an attribute of the object at `path` ('' or '/' for the root); undefined when absent */
  attr(path: string, name: string): H5Value | undefined;
  /** shape and type of a dataset, without reading it; undefined when `path` is not a dataset */
  dataset(path: string): { shape: number[]; dtype: string; float: boolean } | undefined;
  /** a floating-point dataset's values as float32 (call dataset() first to check its size) */
  readFloat32(path: string): Float32Array;
}

let loading: Promise<H5> | undefined;
let counter = 0;

async function h5wasm(): Promise<H5> {
  loading ??= (async () => {
    const mod = await import('h5wasm');
    const M = await mod.ready;
    // HDF5 prints its error stack on the module's stderr (fd 2, console.error): point fd 2 at
    // /dev/null. Each failure is reported once, by the caller, naming the file.
    try {
      const fs = M.FS as unknown as { streams: Array<unknown>; close(s: unknown): void; open(p: string, f: string): { fd: number } };
      if (fs.streams[2]) {
        fs.close(fs.streams[2]);
        fs.open('/dev/null', 'w');
      }
    } catch {
      // keep the default stderr
    }
    return mod;
  })();
  return loading;
}

/** Is `bytes` an HDF5 file? Its superblock signature sits at 0, 512, 1024, 2048, ... */
export function isHdf5(bytes: Uint8Array): boolean {
  const SIG = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  for (let at = 0; at + 8 <= bytes.length && at <= 1 << 16; at = at === 0 ? 512 : at * 2) {
    if (SIG.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

const clean = (m: string) => m.replace(/\s+/g, ' ').trim();

/**
 * Opens `bytes` as an HDF5 file, runs `fn` on it and closes it. Errors of the HDF5 library
 * (a truncated or corrupt file) become `${source}: ...` errors; errors thrown by `fn` pass through.
 */
export async function withHdf5<T>(bytes: Uint8Array, source: string, what: string, fn: (f: Hdf5Reader) => T | Promise<T>): Promise<T> {
  const h5 = await h5wasm();
  const FS = h5.FS as unknown as { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void };
  const path = `/spikemesh-${++counter}.h5`;
  FS.writeFile(path, bytes);
  let file: InstanceType<H5['File']> | undefined;
  try {
    try {
      file = new h5.File(path, 'r');
      const id = (file as unknown as { file_id?: bigint | number }).file_id;
      if (id !== undefined && Number(id) < 0) throw new Error('the library cannot open it');
    } catch (err) {
      throw new Error(`${source}: ${what} is not a readable HDF5 file (truncated or corrupt: ${clean(String((err as Error).message ?? err))})`);
    }
    const f = file;
    const get = (p: string) => {
      try {
        return p === '' || p === '/' ? f : f.get(p);
      } catch (err) {
        throw new Error(`${source}: ${what} is corrupt: cannot read '${p}' (${clean(String((err as Error).message ?? err))})`);
      }
    };
    const reader: Hdf5Reader = {
      keys(p) {
        const g = get(p);
        return g instanceof h5.Group ? g.keys() : [];
      },
      attr(p, name) {
        const o = get(p) as { attrs?: Record<string, { value: unknown }> } | null | undefined;
        try {
          const a = o?.attrs?.[name];
          if (a === undefined) return undefined;
          const v = a.value as H5Value;
          return v instanceof Uint8Array && !(v instanceof Uint8ClampedArray) ? new TextDecoder().decode(v) : v;
        } catch (err) {
          throw new Error(`${source}: ${what} is corrupt: cannot read attribute '${name}' of '${p || '/'}' (${clean(String((err as Error).message ?? err))})`);
        }
      },
      dataset(p) {
        const d = get(p);
        if (!(d instanceof h5.Dataset)) return undefined;
        const meta = d.metadata as { type: number; size: number; shape: number[] | null };
        // HDF5 type classes: 0 integer, 1 float
        return { shape: [...(meta.shape ?? [])], dtype: String(d.dtype), float: meta.type === 1 };
      },
      readFloat32(p) {
        const d = get(p);
        if (!(d instanceof h5.Dataset)) throw new Error(`${source}: ${what}: '${p}' is not a dataset`);
        try {
          const v = d.value as unknown;
          if (typeof v === 'number') return Float32Array.of(v);
          if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Float32Array.from(v as unknown as ArrayLike<number>);
          throw new Error(`holds ${typeof v} values`);
        } catch (err) {
          throw new Error(`${source}: ${what} is corrupt: cannot read dataset '${p}' (${clean(String((err as Error).message ?? err))})`);
        }
      },
    };
    return await fn(reader);
  } finally {
    try {
      file?.close();
    } catch {
      // a corrupt file may fail to close; it is unlinked below either way
    }
    try {
      FS.unlink(path);
    } catch {
      // already gone
    }
  }
}
