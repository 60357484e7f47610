// Byte readers over files, URLs and memory, with gzip detected from the data (magic 1f 8b).
// Browser-safe; Node file access lives in node-file.ts, and source.ts picks the reader.

/** Sequential access to the (decompressed) bytes of one source. */
export interface ByteReader {
  /** file path or URL, for error messages */
  readonly name: string;
  /** total bytes when known before reading (an uncompressed file); undefined for streams */
  readonly size: number | undefined;
  /** the next `n` bytes; fewer only where the data ends */
  read(n: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A file path (Node), a URL (fetched), or bytes in memory. Gzipped data is decompressed. */
export type ByteSource = string | URL | Uint8Array;

const GZIP_MAGIC = [0x1f, 0x8b];

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/** A short name for messages: the path, the URL, or the size of an in-memory source. */
export function sourceName(source: ByteSource): string {
  return source instanceof Uint8Array ? `<${source.length} bytes in memory>` : String(source);
}

/** Bytes in memory; gzipped data (by its magic) is decompressed with DecompressionStream. */
export function memoryReader(bytes: Uint8Array): ByteReader {
  const name = sourceName(bytes);
  if (isGzip(bytes)) {
    return gzipErrorsNamed(streamReader(name, gunzipWeb(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()), undefined));
  }
  let pos = 0;
  return {
    name,
    size: bytes.length,
    async read(n) {
      const out = bytes.slice(pos, Math.min(pos + n, bytes.length));
      pos += out.length;
      return out;
    },
    async close() {},
  };
}

/** A fetched URL, streamed; gzipped data (by its magic) is decompressed with DecompressionStream. */
export async function fetchReader(url: URL): Promise<ByteReader> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`${url.href}: HTTP ${res.status} ${res.statusText}`);
  const body = res.body.getReader();
  // Peek at the first two bytes to tell a .gz file from raw data, then replay them.
  let head: Uint8Array = new Uint8Array(0);
  while (head.length < 2) {
    const { value, done } = await body.read();
    if (done) break;
    head = concat(head, value);
  }
  const whole = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length) controller.enqueue(head);
    },
    async pull(controller) {
      const { value, done } = await body.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => body.cancel(reason),
  });
  if (isGzip(head)) return gzipErrorsNamed(streamReader(url.href, gunzipWeb(whole), undefined));
  // Content-Length counts the encoded bytes when the server compressed the transfer itself.
  const length = Number(res.headers.get('content-length') ?? NaN);
  const size = res.headers.get('content-encoding') || !(length > 0) ? undefined : length;
  return streamReader(url.href, whole, size);
}

/** A decompressing reader whose stream errors (cut-off or damaged data) name the source. */
export function gzipErrorsNamed(inner: ByteReader): ByteReader {
  return {
    ...inner,
    read: (n) => inner.read(n).catch((e: Error) => {
      throw new Error(`${inner.name}: gzip data is corrupt or truncated (${e.message})`);
    }),
  };
}

/**
 * Reads a reader to its end and returns how many bytes were left (a decompressing reader
 * verifies its stream's checksum and length there). Memory: one chunk at a time.
 */
export async function drain(reader: ByteReader, chunk = 1 << 20): Promise<number> {
  let n = 0;
  for (;;) {
    const got = await reader.read(chunk);
    n += got.length;
    if (got.length < chunk) return n;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Gzip decompression with the web platform's DecompressionStream (browsers, Node 18+). */
export function gunzipWeb(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return stream.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
}

/**
 * A reader over a stream of chunks (a web ReadableStream or any async iterable, such as a
 * Node stream). Holds at most one chunk beyond what was asked for.
 */
export function streamReader(
  name: string,
  stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  size: number | undefined,
  onClose?: () => void | Promise<void>,
): ByteReader {
  const next = chunkSource(stream);
  let pending: Uint8Array = new Uint8Array(0);
  let done = false;
  return {
    name,
    size,
    async read(n) {
      // Always a fresh array: chunks may be Node Buffers or views the caller should not keep.
      const out = new Uint8Array(n);
      let filled = Math.min(pending.length, n);
      out.set(pending.subarray(0, filled));
      pending = pending.subarray(filled);
      while (filled < n && !done) {
        const chunk = await next.pull();
        if (!chunk) {
          done = true;
          break;
        }
        const take = Math.min(chunk.length, n - filled);
        out.set(chunk.subarray(0, take), filled);
        filled += take;
        if (take < chunk.length) pending = chunk.subarray(take);
      }
      return filled === n ? out : out.subarray(0, filled);
    },
    async close() {
      done = true;
      await next.cancel();
      await onClose?.();
    },
  };
}

function chunkSource(stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): {
  pull(): Promise<Uint8Array | undefined>;
  cancel(): Promise<void>;
} {
  if (typeof (stream as ReadableStream).getReader === 'function') {
    const reader = (stream as ReadableStream<Uint8Array>).getReader();
    return {
      async pull() {
        const { value, done } = await reader.read();
        return done ? undefined : value;
      },
      async cancel() {
        await reader.cancel().catch(() => {});
      },
    };
  }
  const it = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  return {
    async pull() {
      const { value, done } = await it.next();
      return done ? undefined : value;
    },
    async cancel() {
      await it.return?.();
    },
  };
}
