// IDX files (the MNIST format) built in memory for dataset and CLI tests.

/** IDX bytes: magic 0x0000 08 <rank>, big-endian u32 dims, then the unsigned bytes. */
export function idxBytes(dims: number[], data: ArrayLike<number>): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`idxBytes: ${data.length} values for dims [${dims}]`);
  const out = new Uint8Array(4 + 4 * dims.length + count);
  const view = new DataView(out.buffer);
  view.setUint8(2, 0x08);
  view.setUint8(3, dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(Uint8Array.from(data), 4 + 4 * dims.length);
  return out;
}

/** images [n, h, w] (single channel) and their labels as IDX3 + IDX1 bytes. */
export function idxPair(images: ArrayLike<number>, labels: ArrayLike<number>, h: number, w: number): { images: Uint8Array; labels: Uint8Array } {
  return { images: idxBytes([labels.length, h, w], images), labels: idxBytes([labels.length], labels) };
}
