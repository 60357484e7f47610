// Picks the byte reader for a source: bytes in memory, a fetched URL, or a Node file.
import { fetchReader, memoryReader, type ByteReader, type ByteSource } from './bytes.js';
import { openFile } from './node-file.js';

/** Opens a reader. Strings with a URL scheme other than file: are fetched; other strings are paths. */
export async function openBytes(source: ByteSource): Promise<ByteReader> {
  if (source instanceof Uint8Array) return memoryReader(source);
  const url = typeof source === 'string' ? (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) ? new URL(source) : undefined) : source;
  if (url && url.protocol !== 'file:') return fetchReader(url);
  return openFile(url ?? (source as string));
}
