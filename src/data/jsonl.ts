// A JSON-lines file written atomically: lines go to a temporary file beside the target, which
// is renamed over it only when commit() is called, so a failed or interrupted run never leaves
// a partial file under the final name. The temporary file is registered as a pending output
// (src/ir/files.ts): an interrupted CLI removes it. Node only (file paths).
import { addPendingOutput, removePendingOutput } from '../ir/files.js';
import { nodeFiles } from './node-file.js';

export interface JsonlWriter {
  readonly path: string;
  /** appends one record as one line; waits when the file system is behind */
  write(record: unknown): Promise<void>;
  /** finishes the file and renames it to `path` */
  commit(): Promise<void>;
  /** removes the temporary file; `path` is left as it was */
  abort(): Promise<void>;
}

export async function openJsonlWriter(path: string): Promise<JsonlWriter> {
  const { fs, fsp, path: paths } = await nodeFiles(`writing '${path}': file paths`);
  const dir = paths.dirname(path);
  const stat = await fsp.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) throw new Error(`${path}: the directory '${dir}' does not exist`);
  const target = await fsp.stat(path).catch(() => undefined);
  if (target?.isDirectory()) throw new Error(`${path}: is a directory`);
  const temp = paths.join(dir, `.${paths.basename(path)}.${process.pid}.${Date.now()}.tmp`);
  addPendingOutput(temp);
  const out = fs.createWriteStream(temp, { flags: 'wx' });
  let failed: Error | undefined;
  out.on('error', (e) => (failed ??= e));
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (e) => {
      removePendingOutput(temp);
      reject(new Error(`${path}: cannot write '${temp}': ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
  });
  let closed = false;
  const end = () => new Promise<void>((resolve) => (closed ? resolve() : ((closed = true), out.end(() => resolve()))));
  return {
    path,
    async write(record) {
      if (failed) throw new Error(`${path}: ${failed.message}`);
      if (!out.write(`${JSON.stringify(record)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    },
    async commit() {
      await end();
      if (failed) {
        await fsp.rm(temp, { force: true });
        removePendingOutput(temp);
        throw new Error(`${path}: ${failed.message}`);
      }
      try {
        await fsp.rename(temp, path);
      } catch (e) {
        await fsp.rm(temp, { force: true });
        throw new Error(`${path}: cannot rename the finished file into place (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      } finally {
        removePendingOutput(temp);
      }
    },
    async abort() {
      await end();
      await fsp.rm(temp, { force: true });
      removePendingOutput(temp);
    },
  };
}
