// The user-facing model: Akida's Model API (forward, predict, evaluate, statistics, summary)
// over the IR, on the WebGPU engine or on the integer reference.
import { defaultDevice, GpuRunner, type AcquiredDevice } from './gpu/index.js';
import { rescale } from './reference/activation.js';
import { referenceForward } from './reference/forward.js';
import type { Specialization } from './engine/specialize.js';
import { GpuModel } from './engine/run.js';
import { MappedModel } from './mesh/map-model.js';
import type { MapOptions } from './mesh/map.js';
import type { DeviceSpec, MeshDescription } from './mesh/mesh.js';
import { inferShapes, poolArea, potentialShape, shapeSize } from './ir/shapes.js';
import { fetchModel, loadModel, saveModel } from './ir/files.js';
import { formatSummary, summarize } from './ir/summary.js';
import type { ForwardResult, IntBatch, LayerStatistics, ModelSpec, Shape3 } from './ir/types.js';
export type { LayerStatistics } from './ir/types.js';
import { validateModel } from './ir/validate.js';

export type Backend = 'webgpu' | 'reference';

export interface ModelOptions {
  /** 'webgpu' (default) or 'reference' (the slow integer oracle) */
  backend?: Backend;
  /** a device to run on (for example the one tfjs-backend-webgpu uses); default: one shared device */
  device?: AcquiredDevice;
  /** the most samples one GPU chunk may hold (batches are split further when limits demand) */
  maxBatch?: number;
  /** conv kernels with the weights compiled in (GpuModelOptions.specialize; default 'never') */
  specialize?: Specialization;
  /** skip the sites whose window equals a blank input's (GpuModelOptions.siteSkipping; default true) */
  siteSkipping?: boolean;
}

/** Inputs: an IntBatch, or the raw NHWC values of n samples (n inferred from the length). */
export type ModelInput = IntBatch | Uint8Array | Int32Array | ArrayLike<number>;


export interface Evaluation {
  accuracy: number;
  correct: number;
  n: number;
  /** predicted class per sample */
  predictions: Int32Array;
}

export class Model {
  readonly spec: ModelSpec;
  backend: Backend;
  private readonly options: ModelOptions;
  private gpu?: Promise<GpuModel>;
  private spikeTotals: number[];
  private samplesSeen = 0;

  constructor(spec: ModelSpec | unknown, options: ModelOptions = {}) {
    this.spec = validateModel(spec);
    this.options = options;
    this.backend = options.backend ?? 'webgpu';
    this.spikeTotals = this.spec.layers.map(() => 0);
  }

  /** Loads a model saved by save() or `spikemesh convert` (a .json beside its .bin). */
  static async load(path: string, options: ModelOptions = {}): Promise<Model> {
    return new Model(await loadModel(path), options);
  }

  /** Loads a model over HTTP (browser or Node). */
  static async fetch(url: string | URL, options: ModelOptions = {}): Promise<Model> {
    return new Model(await fetchModel(url), options);
  }

  /** Writes `<path>` (.json) and its .bin atomically. */
  async save(path: string): Promise<{ json: string; bin: string }> {
    return saveModel(this.spec, path);
  }

  get inputShape(): Shape3 {
    return inferShapes(this.spec.layers).inputs[0]!;
  }

  get outputShape(): Shape3 {
    return inferShapes(this.spec.layers).output;
  }

  get layers() {
    return this.spec.layers;
  }

  /** Wraps raw values as a batch of this model's input shape. */
  toBatch(inputs: ModelInput): IntBatch {
    if (isBatch(inputs)) return inputs;
    const shape = this.inputShape;
    const size = shapeSize(shape);
    if (inputs.length % size !== 0 || inputs.length === 0) {
      throw new RangeError(
        `inputs hold ${inputs.length} values, not a whole number of samples of shape [${shape}] (${size} values each)`,
      );
    }
    const data = inputs instanceof Int32Array ? inputs : Int32Array.from(inputs as ArrayLike<number>);
    return { data, n: inputs.length / size, shape };
  }

  /** Integer outputs of the last layer (activations, or potentials when it has no activation). */
  async forward(inputs: ModelInput): Promise<IntBatch> {
    return (await this.run(inputs)).output;
  }

  /** Every layer's integer output, for inspection. */
  async forwardAll(inputs: ModelInput): Promise<IntBatch[]> {
    return (await this.run(inputs, true)).layers!;
  }

  /**
   * Float outputs: the last layer's potentials shifted and rescaled per channel,
   * (p - T*A) / (act_step * A), as Akida's predict. When the last layer has an activation,
   * its integer activations are returned as floats.
   */
  async predict(inputs: ModelInput): Promise<{ data: Float32Array; n: number; shape: Shape3 }> {
    return this.rescaleOutput(await this.forward(inputs));
  }

  /** predict() from outputs forward() already returned (no second inference). */
  rescaleOutput(out: IntBatch): { data: Float32Array; n: number; shape: Shape3 } {
    const last = this.spec.layers[this.spec.layers.length - 1]!;
    const data = new Float32Array(out.data.length);
    const act = 'activation' in last ? last.activation : null;
    if (!act && 'activation' in last) {
      const shapes = inferShapes(this.spec.layers);
      const pShape = potentialShape(last, shapes.inputs[shapes.inputs.length - 1]!);
      const area = last.kind === 'FullyConnected' ? 1 : poolArea(last.pooling, pShape);
      const c = out.shape[2];
      const scale = last.predictScale;
      for (let i = 0; i < data.length; i++) {
        const ch = i % c;
        data[i] = scale ? rescale(out.data[i]!, scale.threshold[ch]!, scale.actStep16[ch]!, area) : out.data[i]!;
      }
    } else {
      for (let i = 0; i < data.length; i++) data[i] = out.data[i]!;
    }
    return { data, n: out.n, shape: out.shape };
  }

  /** Accuracy of the argmax of predict() against integer labels. */
  async evaluate(inputs: ModelInput, labels: ArrayLike<number>): Promise<Evaluation> {
    const out = await this.forward(inputs);
    if (labels.length !== out.n) {
      throw new RangeError(`evaluate: ${labels.length} labels for ${out.n} samples`);
    }
    const predictions = this.classesOf(out);
    let correct = 0;
    for (let s = 0; s < out.n; s++) if (predictions[s] === labels[s]) correct++;
    return { accuracy: out.n ? correct / out.n : 0, correct, n: out.n, predictions };
  }

  /** The predicted class per sample (argmax of predict) from outputs forward() returned. */
  classesOf(out: IntBatch): Int32Array {
    const pred = this.rescaleOutput(out);
    const classes = shapeSize(pred.shape);
    const predictions = new Int32Array(pred.n);
    for (let s = 0; s < pred.n; s++) predictions[s] = argmax(pred.data, s * classes, classes);
    return predictions;
  }

  /** Per-layer spike counts and sparsity accumulated over every inference since the last reset. */
  get statistics(): LayerStatistics[] {
    const shapes = inferShapes(this.spec.layers);
    return this.spec.layers.map((layer, k) => {
      const outputs = shapeSize(shapes.inputs[k + 1] ?? shapes.output);
      const spikes = this.spikeTotals[k]!;
      const n = this.samplesSeen;
      return {
        name: layer.name,
        kind: layer.kind,
        outputs,
        spikes,
        samples: n,
        spikesPerSample: n ? spikes / n : 0,
        sparsity: n ? 1 - spikes / (n * outputs) : 0,
      };
    });
  }

  resetStatistics(): void {
    this.spikeTotals = this.spec.layers.map(() => 0);
    this.samplesSeen = 0;
  }

  /** The mapping on a virtual device, once map() was called (docs/mesh.md). */
  mapping?: MappedModel;

  /** Akida's map(device, hw_only): places the layers on the device's NPs; summary() then shows it. */
  map(device: DeviceSpec | MeshDescription | string, options: MapOptions = {}): MappedModel {
    this.mapping = new MappedModel(this.spec, device, options);
    return this.mapping;
  }

  summary(): string {
    const base = formatSummary(summarize(this.spec));
    return this.mapping ? `${base}\n\n${this.mapping.summary()}` : base;
  }

  /** Frees the GPU buffers of this model (the shared device stays). */
  async dispose(): Promise<void> {
    if (this.gpu) (await this.gpu).dispose();
    this.gpu = undefined;
  }

  private async run(inputs: ModelInput, keepAll = false): Promise<ForwardResult> {
    const batch = this.toBatch(inputs);
    let result: ForwardResult;
    if (this.backend === 'reference') {
      result = referenceForward(this.spec, batch, keepAll);
    } else if (this.backend === 'webgpu') {
      const gpu = await this.gpuModel();
      result = await gpu.forward(batch, { keepAll, maxBatch: this.options.maxBatch });
    } else {
      throw new Error(`unknown backend '${String(this.backend)}', expected 'webgpu' or 'reference'`);
    }
    result.spikes.forEach((s, k) => (this.spikeTotals[k]! += s));
    this.samplesSeen += batch.n;
    return result;
  }

  private gpuModel(): Promise<GpuModel> {
    this.gpu ??= (async () => {
      const acquired = this.options.device ?? (await defaultDevice());
      return GpuModel.create(new GpuRunner(acquired.device), this.spec, { specialize: this.options.specialize, siteSkipping: this.options.siteSkipping });
    })();
    return this.gpu;
  }
}

function isBatch(x: ModelInput): x is IntBatch {
  return typeof x === 'object' && x !== null && 'shape' in x && 'n' in x && 'data' in x;
}

function argmax(a: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[offset + i]! > a[offset + best]!) best = i;
  return best;
}
