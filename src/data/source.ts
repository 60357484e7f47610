// Picks the byte reader for a source: bytes in memory, a fetched URL, or a Node file.
import { fetchReader, memoryReader, type ByteReader, type ByteSource } from './bytes.js';
import { openFile } from './node-file.js';

/**
 * Opens a reader. A string with a URL scheme, or a URL, is fetched, and must be http: or https:
 * (file:, data: and other schemes are refused: pass a file path to read a file in Node). Other
 * strings are file paths (Node).
 */
export async function openBytes(source: ByteSource): Promise<ByteReader> {
  if (source instanceof Uint8Array) return memoryReader(source);
  const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^(data|blob|file|javascript):/i.test(s);
  let url: URL | undefined;
  if (typeof source !== 'string') url = source;
  else if (isUrl(source)) {
    try {
      url = new URL(source);
    } catch {
      throw new Error(`${source}: not a valid URL`);
    }
  }
  if (url) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`${url.href}: ${url.protocol} URLs are not read, only http: and https: (give a file path to read a file in Node)`);
    }
    return fetchReader(url);
  }
  return openFile(source as string);
}
