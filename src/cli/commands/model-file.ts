// Which kind of model a command was given, from the file's first bytes: a spikemesh model (.json
// with "format": "spikemesh-model") or a source model in any format the readers take (tfjs
// model.json, Keras .keras / .h5, ONNX; src/io/detect.ts). One place, so every command answers a
// mix-up the same way.
import { cannotRead } from './paths.js';

const SPIKEMESH_MODEL = /"format"\s*:\s*"spikemesh-model"/;

export type ModelFileKind = 'spikemesh' | 'source';

/** 'spikemesh' or 'source'; throws "cannot read <path> (...)" for a missing or unreadable file. */
export async function modelFileKind(path: string): Promise<ModelFileKind> {
  const fs = await import('node:fs/promises');
  const handle = await fs.open(path, 'r').catch((e: Error) => {
    throw cannotRead(path, e);
  });
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0).catch((e: Error) => {
      throw cannotRead(path, e);
    });
    return SPIKEMESH_MODEL.test(head.subarray(0, bytesRead).toString('latin1')) ? 'spikemesh' : 'source';
  } finally {
    await handle.close();
  }
}

/** A source model (tfjs, Keras or ONNX) read into a tfjs model, with the quantization-aware layers registered. */
export async function loadSource(path: string): Promise<import('@tensorflow/tfjs').LayersModel> {
  const { loadSourceModel } = await import('../../convert.js');
  return (await loadSourceModel(path)).model;
}
