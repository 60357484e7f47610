// loadSourceModel: the source model of `convert`, `check`, `quantize`, `eval` and `sweep`, in any
// format spikemesh reads (tfjs model.json, Keras .keras / .h5, ONNX), recognised by content.
// It joins io/load.ts (which must not import convert/) with the tfjs loader that has the
// quantization-aware layers registered (tfjs-io.ts).
import { loadFloatModel, type LoadedModel, type LoadOptions } from '../io/load.js';
import { modelFromArtifacts } from './tfjs-io.js';

export type { LoadedModel, LoadOptions, SourceFormat } from '../io/load.js';

/**
 * Loads a float or quantized source model from a file path (Node), an http(s) URL or the file's
 * bytes (`options.readBeside` then supplies the files beside it: tfjs weights, ONNX external data).
 */
export function loadSourceModel(source: string | URL | Uint8Array | ArrayBuffer, options: Omit<LoadOptions, 'tfjs'> = {}): Promise<LoadedModel> {
  return loadFloatModel(source, { ...options, tfjs: modelFromArtifacts });
}
