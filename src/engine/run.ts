// GpuModel: a validated model's weights on the GPU, and the batched forward pass over them.
// Any batch size: the samples are split into chunks that respect the adapter's buffer and
// dispatch limits and a memory budget; every chunk runs all layers, then is read back.
// Results are identical to referenceForward (src/reference/forward.ts) for any split.
import type { Bindings, GpuRunner } from '../gpu/runner.js';
import { Readback, type ReadPart } from '../gpu/readback.js';
import type { Kernel } from '../gpu/kernel.js';
import { wordsFor } from '../kernels/pack.js';
import { changedSites, PixelBits } from './sites.js';
import { inferShapes, shapeSize } from '../ir/shapes.js';
import type { ForwardResult, IntBatch, ModelSpec, Shape3 } from '../ir/types.js';
import { validateModel } from '../ir/validate.js';
import { outputBytes, planModel, type ChunkContext, type LayerPlan } from './plan.js';
import type { Specialization } from './specialize.js';

export interface GpuModelOptions {
  /** bytes the per-chunk buffers of one forward pass may hold at once (default 256 MiB) */
  memoryBudget?: number;
  /**
   * Conv-like and separable layers with their weights compiled into the shader
   * (src/kernels/conv-specialized.ts): 4x to 7x faster per layer on SwiftShader, but compiled
   * per model (about a second per 8,000 terms there): 'auto' for layers within the compile
   * bounds, 'always', or 'never' (default: pays off only for long runs; not measured on
   * hardware GPUs).
   */
  specialize?: Specialization;
  /**
   * Skip the sites whose window equals a blank input's (src/engine/sites.ts; default true).
   * false: every layer computes every site (no SITES variant, no blank output).
   */
  siteSkipping?: boolean;
}

export interface GpuForwardOptions {
  /** also return every layer's output */
  keepAll?: boolean;
  /** at most this many samples per chunk */
  maxBatch?: number;
  /** measure GPU time per dispatch (timestamp-query), when the device has the feature */
  profile?: boolean;
}

/** GPU time of one dispatch label, summed over the chunks of a forward pass. */
export interface KernelTiming {
  label: string;
  ns: number;
}

export interface GpuForwardResult extends ForwardResult {
  /** chunks the batch was split into */
  chunks: number;
  /** per dispatch, in order, when profiling was asked for and is available */
  profile?: KernelTiming[];
}

const DEFAULT_BUDGET = 256 * 2 ** 20;
const MiB = 2 ** 20;
/** Invocation indices are u32 in the shaders; stay well inside. */
const MAX_INVOCATIONS = 2 ** 31;

/** Largest size the runner's pool can hand out without rounding past `limit`. */
function poolCap(limit: number): number {
  return limit >= 2 * MiB ? Math.floor(limit / MiB) * MiB : 2 ** Math.floor(Math.log2(limit));
}

/**
 * One pass over the input values (c per pixel, `rows` rows of `width` pixels): the range test
 * (`over` < 0 when a value is outside [0, max]), the non-zero count and, into `bits` when
 * given, the changed pixels as PixelBits rows. Branch-free, as it runs over every input value
 * of every forward: a value outside [0, max] sets the sign bit of (max - v) | v, and x | -x
 * has it when x != 0. (A function of its own: V8 optimises it better than inside forward.)
 */
function scanInput(data: Int32Array, c: number, rows: number, width: number, max: number, bits: Uint32Array | undefined): { over: number; nonZero: number } {
  let over = 0;
  let nonZero = 0;
  for (let row = 0, i = 0, word = 0; row < rows; row++) {
    for (let x = 0; x < width; word++) {
      const end = Math.min(width, x + 32);
      let acc = 0;
      for (; x < end; x++) {
        let any = 0;
        for (let ch = 0; ch < c; ch++, i++) {
          const v = data[i]!;
          over |= (max - v) | v;
          nonZero += (v | -v) >>> 31;
          any |= v;
        }
        acc |= ((any | -any) >>> 31) << (x & 31);
      }
      if (bits) bits[word] = acc;
    }
  }
  return { over, nonZero };
}

export class GpuModel {
  readonly spec: ModelSpec;
  readonly inputShape: Shape3;
  readonly outputShape: Shape3;
  private readonly plans: LayerPlan[];
  private readonly inputMax: number;
  private readonly label: string;
  private disposed = false;

  private constructor(
    readonly runner: GpuRunner,
    spec: ModelSpec,
    plans: LayerPlan[],
    private readonly opts: GpuModelOptions,
  ) {
    this.spec = spec;
    this.plans = plans;
    const shapes = inferShapes(spec.layers);
    this.inputShape = shapes.inputs[0]!;
    this.outputShape = shapes.output;
    const first = spec.layers[0] as { inputBits: number };
    this.inputMax = 2 ** first.inputBits - 1;
    this.label = spec.name ?? 'model';
  }

  /** Validates the model (int32 bounds included) and uploads its weights once. */
  static async create(runner: GpuRunner, spec: ModelSpec, opts: GpuModelOptions = {}): Promise<GpuModel> {
    if (opts.memoryBudget !== undefined && !(opts.memoryBudget > 0)) {
      throw new RangeError(`memoryBudget is ${opts.memoryBudget}, expected a positive number of bytes`);
    }
    const model = validateModel(spec);
    const plans = await runner.checked(`${spec.name ?? 'model'}: upload`, () => {
      const plans = planModel(runner, model, opts.specialize ?? 'never', opts.siteSkipping ?? true);
      for (const p of plans) p.prepare(runner);
      return plans;
    });
    return new GpuModel(runner, model, plans, opts);
  }

  /** Gives the weight buffers back to the runner's pool. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.plans) p.release(this.runner);
  }

  /** Samples per chunk for a batch of n, from the adapter limits, the budget and maxBatch. */
  chunkSize(n: number, opts: GpuForwardOptions = {}): number {
    const limits = this.runner.limits;
    const bindCap = poolCap(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize));
    const bufferCap = poolCap(limits.maxBufferSize);
    const buffers: { what: string; bytes: number; cap: number }[] = [
      { what: 'the packed input', bytes: this.inputWords() * 4, cap: bindCap },
      { what: 'the spike counters', bytes: 0, cap: bindCap },
    ];
    for (const p of this.plans) {
      p.bytesPerSample.forEach((bytes, k) => buffers.push({ what: `layer ${p.index} '${p.layer.name}' buffer ${k}`, bytes, cap: bindCap }));
    }
    buffers.push({ what: 'the readback', bytes: this.readbackBytes(opts.keepAll ?? false), cap: bufferCap });
    let chunk = Math.min(n, opts.maxBatch ?? n);
    for (const b of buffers) {
      if (b.bytes === 0) continue;
      if (b.bytes > b.cap) {
        throw new RangeError(`${this.label}: one sample needs ${b.bytes} bytes for ${b.what}, above this adapter's buffer limit (${b.cap})`);
      }
      chunk = Math.min(chunk, Math.floor(b.cap / b.bytes));
    }
    const perSample = buffers.reduce((s, b) => s + b.bytes, 0);
    chunk = Math.min(chunk, Math.max(1, Math.floor((this.opts.memoryBudget ?? DEFAULT_BUDGET) / perSample)));
    const grid = limits.maxComputeWorkgroupsPerDimension ** 2 * 64;
    for (const p of this.plans) {
      if (p.invocationsPerSample > 0) chunk = Math.min(chunk, Math.floor(Math.min(grid, MAX_INVOCATIONS) / p.invocationsPerSample));
    }
    if (chunk < 1) throw new RangeError(`${this.label}: one sample exceeds this adapter's dispatch limits`);
    return chunk;
  }

  private inputWords(): number {
    return this.inputShape[0] * this.inputShape[1] * wordsFor(this.inputShape[2]);
  }

  private readbackBytes(keepAll: boolean): number {
    const last = this.plans[this.plans.length - 1]!;
    const layers = keepAll ? this.plans.filter((p) => p.bytesPerSample.length > 0) : [last];
    return layers.reduce((s, p) => s + outputBytes(p.outShape, p.packed), 0);
  }

  /**
   * Checks the input (shape, length, integer range of the input bits) and packs it as u8,
   * 4 channels per u32. Also counts its non-zero values (the spikes of an InputData layer)
   * and, with `track`, marks the pixels with a non-zero channel (the changed pixels of
   * src/engine/sites.ts), in the same pass.
   */
  private packInput(input: IntBatch, track: boolean): { words: Uint32Array; nonZero: number; changed: PixelBits | undefined } {
    const shape = this.inputShape;
    if (!Array.isArray(input.shape) || input.shape.length !== 3 || input.shape.some((d, i) => d !== shape[i])) {
      throw new RangeError(`${this.label}: input shape [${input.shape}] does not match the model input [${shape}]`);
    }
    if (!Number.isInteger(input.n) || input.n < 0) throw new RangeError(`${this.label}: input.n is ${input.n}, expected a sample count >= 0`);
    const size = shapeSize(shape);
    if (input.data.length !== input.n * size) {
      throw new RangeError(`${this.label}: input holds ${input.data.length} values, expected ${input.n} x ${size} = ${input.n * size}`);
    }
    const c = shape[2];
    const max = this.inputMax;
    const data = input.data;
    const changed = track ? new PixelBits(input.n, shape[0], shape[1]) : undefined;
    // an Int32Array holds integers only; other arrays from untyped callers are tested for that below
    const { over, nonZero } = scanInput(data, c, input.n * shape[0], shape[1], max, changed?.bits);
    if (over < 0 || !(data instanceof Int32Array)) {
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (!(v >= 0 && v <= max && Number.isInteger(v))) {
          throw new RangeError(`${this.label}: input value ${v} at index ${i} (sample ${Math.floor(i / size)}) is outside [0, ${max}] (${Math.log2(max + 1)}-bit input)`);
        }
      }
    }
    // one channel: a word per pixel holding its value, i.e. the values' own bits (a view of an
    // Int32Array, no copy); 4k channels: the bytes in order
    if (c === 1) return { words: data instanceof Int32Array ? new Uint32Array(data.buffer, data.byteOffset, data.length) : Uint32Array.from(data), nonZero, changed };
    const words = wordsFor(c);
    const bytes = c % 4 === 0 ? new Uint8Array(data) : new Uint8Array(input.n * shape[0] * shape[1] * words * 4);
    if (c % 4 !== 0) {
      for (let i = 0, pixel = 0; i < data.length; pixel++) {
        const base = pixel * words * 4;
        for (let ch = 0; ch < c; ch++, i++) bytes[base + ch] = data[i]!;
      }
    }
    return { words: new Uint32Array(bytes.buffer), nonZero, changed };
  }

  /** Runs the batch through every layer; same result as referenceForward. */
  async forward(input: IntBatch, opts: GpuForwardOptions = {}): Promise<GpuForwardResult> {
    if (this.disposed) throw new Error(`${this.label}: forward() after dispose()`);
    if (opts.maxBatch !== undefined && !(Number.isInteger(opts.maxBatch) && opts.maxBatch >= 1)) {
      throw new RangeError(`maxBatch is ${opts.maxBatch}, expected an integer >= 1`);
    }
    // the last layer that runs over its changed sites only: the changed sites are tracked up to it
    const tracked = this.plans.reduce((last, p, k) => (p.usesSites ? k : last), -1);
    const { words, nonZero, changed } = this.packInput(input, tracked >= 0);
    const keepAll = opts.keepAll ?? false;
    const n = input.n;
    // outputs read back: every layer's with keepAll, else only the last
    const last = this.plans.length - 1;
    const layers: IntBatch[] = this.plans.map((p, k) => ({
      data: new Int32Array(keepAll || k === last ? n * shapeSize(p.outShape) : 0),
      n,
      shape: p.outShape,
    }));
    const spikes = this.plans.map(() => 0);
    const timings = new Map<string, number>();
    const profile = (opts.profile ?? false) && this.runner.device.features.has('timestamp-query');
    let chunks = 0;
    if (this.plans[0]!.layer.kind === 'InputData') {
      spikes[0] = nonZero;
      if (keepAll || this.plans.length === 1) layers[0]!.data.set(input.data);
    }
    if (n > 0 && this.plans.some((p) => p.bytesPerSample.length > 0)) {
      const chunk = this.chunkSize(n, opts);
      const inWords = this.inputWords();
      await this.runner.checked(`${this.label}: forward`, async () => {
        for (let start = 0; start < n; start += chunk) {
          const m = Math.min(chunk, n - start);
          const counts = await this.runChunk(words.subarray(start * inWords, (start + m) * inWords), changed?.samples(start, start + m),
            tracked, m, start, keepAll, layers, profile ? timings : undefined);
          counts.forEach((c, k) => (spikes[k]! += c));
          chunks++;
        }
      });
    }
    const result: GpuForwardResult = { output: layers[layers.length - 1]!, spikes, chunks };
    if (keepAll) result.layers = layers;
    if (profile) result.profile = [...timings].map(([label, ns]) => ({ label, ns }));
    return result;
  }

  /** One chunk: upload, record every layer (`changed`: its input's changed pixels), read back into `layers` at sample `start`. */
  private async runChunk(
    words: Uint32Array,
    changed: PixelBits | undefined,
    tracked: number,
    n: number,
    start: number,
    keepAll: boolean,
    layers: IntBatch[],
    timings: Map<string, number> | undefined,
  ): Promise<number[]> {
    const runner = this.runner;
    const device = runner.device;
    const held: GPUBuffer[] = [];
    const take = (b: GPUBuffer) => (held.push(b), b);
    const encoder = device.createCommandEncoder({ label: `${this.label}:forward` });
    const passes: string[] = [];
    const querySet = timings
      ? device.createQuerySet({ type: 'timestamp', count: 2 * this.dispatchCount(), label: `${this.label}:timestamps` })
      : undefined;
    try {
      const spikesBuf = take(runner.acquire(this.plans.length * 4, 'storage', `${this.label}:spikes`));
      encoder.clearBuffer(spikesBuf);
      const hostSpikes = this.plans.map(() => 0);
      const ctx: ChunkContext = {
        runner,
        encoder,
        n,
        params: take(runner.uniform([n], `${this.label}:params`)),
        spikes: spikesBuf,
        changed: undefined,
        buffer: (bytes, label) => take(runner.acquire(bytes, 'storage', label)),
        uniform: (words, label) => take(runner.uniform(words, label)),
        addSpikes: (slot, count) => (hostSpikes[slot]! += count),
        dispatch: <P>(kernel: Kernel<P>, params: P, bindings: Bindings, units: number, label: string) => {
          const q = passes.length;
          passes.push(label);
          const ts = querySet ? { querySet, beginningOfPassWriteIndex: 2 * q, endOfPassWriteIndex: 2 * q + 1 } : undefined;
          runner.dispatch(encoder, kernel, params, bindings, runner.workgroups(kernel, params, units), label, ts);
        },
      };
      let x = take(runner.upload(words, `${this.label}:input`));
      const outputs: GPUBuffer[] = [];
      // which sites can differ from the blank input's, layer by layer, up to layer `tracked`
      let mask = changed;
      for (const [k, p] of this.plans.entries()) {
        ctx.changed = mask && k <= tracked && p.geometry ? changedSites(mask, p.geometry) : undefined;
        if (ctx.changed) mask = ctx.changed.next;
        x = p.encode(ctx, x);
        outputs.push(x);
      }
      // One readback: [outputs read][spikes][timestamps].
      const read = this.plans.map((p, k) => (p.bytesPerSample.length > 0 && (keepAll || k === this.plans.length - 1) ? k : -1)).filter((k) => k >= 0);
      const readback = new Readback(runner, this.label);
      const outParts = read.map((k) => readback.add(outputs[k]!, n * outputBytes(this.plans[k]!.outShape, this.plans[k]!.packed)));
      const spikePart = readback.add(spikesBuf, this.plans.length * 4);
      let resolved: GPUBuffer | undefined;
      let tsPart: ReadPart | undefined;
      if (querySet) {
        resolved = device.createBuffer({ size: passes.length * 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: `${this.label}:timestamps` });
        encoder.resolveQuerySet(querySet, 0, passes.length * 2, resolved, 0);
        tsPart = readback.add(resolved, passes.length * 16);
      }
      try {
        return await readback.map(encoder, (mapped) => {
          read.forEach((k, i) => this.unpack(mapped, outParts[i]!.offset, this.plans[k]!, n, layers[k]!, start));
          const counts = Array.from(new Uint32Array(mapped, spikePart.offset, this.plans.length), (c, k) => c + hostSpikes[k]!);
          if (tsPart && timings) {
            const t = new BigUint64Array(mapped, tsPart.offset, passes.length * 2);
            passes.forEach((label, q) => timings.set(label, (timings.get(label) ?? 0) + Number(t[2 * q + 1]! - t[2 * q]!)));
          }
          // An InputData layer's count comes from the host (it runs no kernel).
          if (this.plans[0]!.bytesPerSample.length === 0) counts[0] = 0;
          return counts;
        });
      } finally {
        resolved?.destroy();
      }
    } finally {
      querySet?.destroy();
      // The readback completed (or failed): the queue no longer uses these.
      runner.release(...held);
    }
  }

  private dispatchCount(): number {
    return this.plans.reduce((s, p) => s + p.dispatches, 0);
  }

  /** Packed u8 or i32 layer output (n samples) -> Int32Array NHWC at sample `start`. */
  private unpack(mapped: ArrayBuffer, offset: number, plan: LayerPlan, n: number, into: IntBatch, start: number): void {
    const [h, w, c] = plan.outShape;
    const size = h * w * c;
    const dst = into.data.subarray(start * size, (start + n) * size);
    if (!plan.packed) {
      dst.set(new Int32Array(mapped, offset, n * size));
      return;
    }
    const stride = wordsFor(c) * 4;
    const bytes = new Uint8Array(mapped, offset, n * h * w * stride);
    for (let pixel = 0, i = 0; i < dst.length; pixel++) {
      const base = pixel * stride;
      for (let ch = 0; ch < c; ch++) dst[i++] = bytes[base + ch]!;
    }
  }
}
