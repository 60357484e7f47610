// Which reader a model file needs, from its content (not its name): a zip is a Keras 3 .keras,
// an HDF5 file a Keras .h5, a JSON object a tfjs model.json, and anything else is decoded as an
// ONNX protobuf (whose reader then says whether it is one).
import { isHdf5 } from './hdf5.js';

export type SourceFormat = 'tfjs' | 'keras' | 'h5' | 'onnx';

export const SOURCE_FORMATS: readonly SourceFormat[] = ['tfjs', 'keras', 'h5', 'onnx'];

/** The format of a model file from its first bytes; throws for an empty file. */
export function detectFormat(bytes: Uint8Array, source: string): SourceFormat {
  if (bytes.length === 0) throw new Error(`${source}: the file is empty`);
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'keras';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) throw new Error(`${source}: a zip file without local file headers (empty or damaged zip): not a Keras 3 .keras file`);
  if (isHdf5(bytes)) return 'h5';
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3; // UTF-8 byte order mark
  while (i < bytes.length && i < 4096 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b) return 'tfjs';
  return 'onnx';
}
