// Per-layer GPU plans: the kernels a layer needs, its weights on the GPU (uploaded once), the
// buffers it allocates per chunk of samples, and how it records its dispatches.
import type { Bindings, GpuRunner } from '../gpu/runner.js';
import type { Kernel } from '../gpu/kernel.js';
import {
  chooseEncoding,
  conv,
  depthwise,
  depthwiseInvocations,
  depthwiseOutputBytes,
  packActivation,
  packConvWeights,
  packDepthwiseWeights,
  packPointwiseWeights,
  pixelEvents,
  pixelEventsBytes,
  pixelEventsInvocations,
  pointwise,
  pooledInvocations,
  wordsFor,
  type ConvKernelParams,
  type DepthwiseKernelParams,
  type PixelEventsKernelParams,
  type PointwiseKernelParams,
  type PooledOutput,
  type PoolParams,
} from '../kernels/index.js';
import { convSpecialized, specializedInvocations, type SpecializedConvParams } from '../kernels/conv-specialized.js';
import { specializeConv, specializeSeparable, type Specialization } from './specialize.js';
import { scaledActivation } from '../kernels/epilogue.js';
import { BlankOutput, type ChangedSites, type SiteGeometry } from './sites.js';
import { referenceForward } from '../reference/forward.js';
import { convOutputShape, inferShapes, poolArea, poolOutputShape, windowGeometry } from '../ir/shapes.js';
import type {
  Activation,
  ConvolutionalLayer,
  ConvParams,
  FullyConnectedLayer,
  InputConvolutionalLayer,
  Layer,
  ModelSpec,
  Padding,
  Pooling,
  SeparableConvolutionalLayer,
  Shape3,
  WeightBits,
} from '../ir/types.js';

/** What a layer needs from the forward pass while it records one chunk of samples. */
export interface ChunkContext {
  runner: GpuRunner;
  encoder: GPUCommandEncoder;
  /** samples in this chunk */
  n: number;
  /** uniform { n } */
  params: GPUBuffer;
  /** one u32 spike counter per layer, zeroed */
  spikes: GPUBuffer;
  /**
   * The output sites of the layer being recorded that can differ from its blank-input output
   * (src/engine/sites.ts), when the forward pass tracks them (layers with `usesSites`).
   */
  changed: ChangedSites | undefined;
  /** a buffer for this chunk (output or scratch), released after the chunk's readback */
  buffer(bytes: number, label: string): GPUBuffer;
  /** a uniform buffer for this chunk ({ n, sites } of lib/epilogue.wgsl's Params) */
  uniform(words: number[], label: string): GPUBuffer;
  /** spikes of layer `slot` counted on the host, added to the GPU's count after the readback */
  addSpikes(slot: number, count: number): void;
  /**
   * Records one dispatch (labelled pass, timestamps when profiling), buffers bound by name, over
   * `units` (what the kernel's `invocations` count: samples, or listed sites in SITES variants)
   */
  dispatch<P>(kernel: Kernel<P>, params: P, bindings: Bindings, units: number, label: string): void;
}

export interface LayerPlan {
  readonly layer: Layer;
  readonly index: number;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
  /** output stored as packed u8 activations (else i32 potentials, last layer only) */
  readonly packed: boolean;
  /** bytes per sample of every buffer the layer takes per chunk */
  readonly bytesPerSample: number[];
  /** invocations per sample of the layer's largest dispatch */
  readonly invocationsPerSample: number;
  /** dispatches the layer records per chunk */
  readonly dispatches: number;
  /** where the layer's windows lie (none for InputData: its output is its input) */
  readonly geometry: SiteGeometry | undefined;
  /** the layer's kernels run over its changed sites only (ChunkContext.changed) */
  readonly usesSites: boolean;
  /** records the layer for ctx.n samples; returns its output buffer */
  encode(ctx: ChunkContext, input: GPUBuffer): GPUBuffer;
  /** creates the pipelines now, so WGSL or limit errors surface at model creation */
  prepare(runner: GpuRunner): void;
  /** gives the weight buffers back */
  release(runner: GpuRunner): void;
}

/** Bytes per sample of a layer output. */
export function outputBytes(shape: Shape3, packed: boolean): number {
  return shape[0] * shape[1] * (packed ? wordsFor(shape[2]) * 4 : shape[2] * 4);
}

function poolParams(pooling: Pooling, pot: Shape3): PoolParams {
  switch (pooling.type) {
    case 'none':
      return { size: [1, 1], stride: [1, 1], padTop: 0, padLeft: 0, sum: false };
    case 'max':
      return {
        size: pooling.size,
        stride: pooling.stride,
        padTop: windowGeometry(pot[0], pooling.size[0], pooling.stride[0], pooling.padding).padBefore,
        padLeft: windowGeometry(pot[1], pooling.size[1], pooling.stride[1], pooling.padding).padBefore,
        sum: false,
      };
    case 'average':
      return { size: pooling.size, stride: pooling.stride, padTop: 0, padLeft: 0, sum: true };
    case 'global_avg':
      return { size: [pot[0], pot[1]], stride: [1, 1], padTop: 0, padLeft: 0, sum: true };
  }
}

function maxOut(act: Activation | null): number {
  return act ? (1 << act.bits) - 1 : 0;
}

/** Weights, thresholds and steps of a tile kernel, uploaded once. */
class TileUploads {
  constructor(
    readonly weights: GPUBuffer,
    readonly thresholds: GPUBuffer,
    readonly steps: GPUBuffer,
  ) {}

  static create(runner: GpuRunner, label: string, weights: Uint32Array, act: Activation | null, cout: number): TileUploads {
    const a = packActivation(act, cout);
    return new TileUploads(
      runner.upload(weights, `${label}:weights`),
      runner.upload(a.thresholds, `${label}:thresholds`),
      runner.upload(a.steps, `${label}:steps`),
    );
  }

  release(runner: GpuRunner): void {
    runner.release(this.weights, this.thresholds, this.steps);
  }
}

/** Specialised pipelines (src/kernels/conv-specialized.ts), each one or more tiles. */
function prepareSpecialized(runner: GpuRunner, tiles: SpecializedConvParams[]): void {
  for (const t of tiles) runner.pipeline(convSpecialized, t);
}

/**
 * A conv-like layer skips the sites whose window equals the blank input's
 * (src/engine/sites.ts): its kernels run over the changed sites only, and the others get the
 * blank output, written (or cleared) before the dispatches.
 */
class SiteSkip {
  constructor(readonly blank: BlankOutput, readonly slot: number) {}

  /** Fills `out` with the blank output where needed; returns the uniform, the site list and its length. */
  encode(ctx: ChunkContext, out: GPUBuffer, label: string): { params: GPUBuffer; list: GPUBuffer; count: number } {
    const changed = ctx.changed;
    if (!changed || changed.n !== ctx.n) throw new Error(`${label}: the forward pass gave no changed sites for this chunk`);
    const { sites } = changed;
    const all = ctx.n * this.blank.spikes.length;
    if (sites.length < all) {
      if (this.blank.zero) ctx.encoder.clearBuffer(out, 0, ctx.n * this.blank.words.byteLength);
      else for (const { sample, data } of this.blank.pieces(ctx.n)) ctx.runner.device.queue.writeBuffer(out, sample * this.blank.words.byteLength, data);
      ctx.addSpikes(this.slot, this.blank.spikesBesides(sites, ctx.n));
    }
    const list = ctx.buffer(Math.max(4, sites.byteLength), `${label}:sites`);
    if (sites.length > 0) ctx.runner.device.queue.writeBuffer(list, 0, sites);
    return { params: ctx.uniform([ctx.n, sites.length], `${label}:params`), list, count: sites.length };
  }
}

/**
 * Records one dispatch per specialised pipeline, all reading the packed `input` and writing one
 * output: over every pooled position, or over the changed sites only (`skip`).
 */
function encodeSpecialized(
  ctx: ChunkContext,
  tiles: SpecializedConvParams[],
  u: TileUploads,
  input: GPUBuffer,
  outBytes: number,
  label: string,
  skip: SiteSkip | undefined,
): GPUBuffer {
  const out = ctx.buffer(ctx.n * outBytes, `${label}:output`);
  const sites = skip?.encode(ctx, out, label);
  const bindings = { params: sites?.params ?? ctx.params, thresholds: u.thresholds, steps: u.steps, y: out, spikes: ctx.spikes, x: input, sites: sites?.list };
  for (const t of tiles) ctx.dispatch(convSpecialized, t, bindings, sites ? sites.count : ctx.n, `${label}:t${t.tile}`);
  return out;
}

/**
 * The specialised pipelines of a layer with its activation constants compiled in (where exact)
 * and, given the layer's blank output, the SITES variant on and its SiteSkip.
 */
function finishSpecialized(
  tiles: SpecializedConvParams[] | undefined,
  act: Activation | null,
  blank: BlankOutput | undefined,
  slot: number,
): { tiles: SpecializedConvParams[] | undefined; skip: SiteSkip | undefined } {
  if (!tiles) return { tiles, skip: undefined };
  const scaled = act ? scaledActivation(act, tiles[0]!.area, tiles[0]!.maxOut) : undefined;
  const out = tiles.map((t) => ({ ...t, ...(scaled && { scaled }), ...(blank && { sites: true }) }));
  return { tiles: out, skip: blank && new SiteSkip(blank, slot) };
}

/** InputData: the packed input is the layer's output. */
class InputPlan implements LayerPlan {
  readonly packed = true;
  readonly bytesPerSample: number[] = [];
  readonly invocationsPerSample = 0;
  readonly dispatches = 0;
  readonly geometry = undefined;
  readonly usesSites = false;
  readonly outShape: Shape3;
  constructor(readonly layer: Layer, readonly index: number, readonly inShape: Shape3) {
    this.outShape = inShape;
  }
  encode(_ctx: ChunkContext, input: GPUBuffer): GPUBuffer {
    return input;
  }
  prepare(): void {}
  release(): void {}
}

/** Potentials, pooling and epilogue of a conv-like layer reading `input` (encoding set by the caller). */
function pooledOutput(
  layer: { kernel: [number, number]; stride: number; padding: Padding; filters: number; pooling: Pooling; activation: Activation | null },
  input: Shape3,
  index: number,
): Omit<PooledOutput, 'encoding'> & { padTop: number; padLeft: number } {
  const pot = convOutputShape(input, layer.kernel, layer.stride, layer.padding, layer.filters);
  const out = poolOutputShape(pot, layer.pooling);
  return {
    padTop: windowGeometry(input[0], layer.kernel[0], layer.stride, layer.padding).padBefore,
    padLeft: windowGeometry(input[1], layer.kernel[1], layer.stride, layer.padding).padBefore,
    convH: pot[0],
    convW: pot[1],
    pool: poolParams(layer.pooling, pot),
    outH: out[0],
    outW: out[1],
    activate: layer.activation !== null,
    maxOut: maxOut(layer.activation),
    area: poolArea(layer.pooling, pot),
    cout: layer.filters,
    spikeSlot: index,
  };
}

/** What the event-driven conv computes for a layer (a FullyConnected layer is a conv too). */
type EventConv = ConvParams & {
  /** Convolutional stores its kernels flipped (true convolution) */
  flipped: boolean;
};

/**
 * InputConvolutional, Convolutional and FullyConnected: per-pixel event lists of the input,
 * then the event-driven conv with pooling and activation fused.
 */
class ConvPlan implements LayerPlan {
  readonly packed: boolean;
  readonly outShape: Shape3;
  readonly bytesPerSample: number[];
  readonly invocationsPerSample: number;
  readonly dispatches: number;
  private readonly ev: PixelEventsKernelParams | undefined;
  private readonly params: ConvKernelParams;
  /** per tile, when the layer runs specialised kernels (weights compiled in, no event lists) */
  private readonly special: SpecializedConvParams[] | undefined;
  /** the kernels run over the changed sites only (when the model's blank output is known) */
  private readonly skip: SiteSkip | undefined;
  private readonly label: string;
  private readonly uploads: TileUploads;

  constructor(
    runner: GpuRunner,
    readonly layer: Layer,
    conv: EventConv,
    readonly index: number,
    readonly inShape: Shape3,
    maxInput: number,
    specialize: Specialization,
    blank: BlankOutput | undefined,
  ) {
    const cin = inShape[2];
    const encoding = chooseEncoding(conv.weightBits, conv.kernel[0] * conv.kernel[1] * cin, maxInput);
    this.params = {
      ...pooledOutput(conv, inShape, index),
      inH: inShape[0],
      inW: inShape[1],
      inC: cin,
      kernel: conv.kernel,
      stride: conv.stride,
      encoding,
    };
    ({ tiles: this.special, skip: this.skip } = finishSpecialized(
      specializeConv(this.params, conv.weights, conv.weightBits, conv.flipped, maxInput, specialize), conv.activation, blank, index,
    ));
    // the generic kernel skips blank windows in the same way (pool.wgsl, SITES)
    if (!this.special && blank) {
      this.skip = new SiteSkip(blank, index);
      this.params = { ...this.params, sites: true };
    }
    // one input channel, or specialised kernels: the conv reads the packed input directly
    this.ev = cin === 1 || this.special ? undefined : { pixels: inShape[0] * inShape[1], channels: cin };
    this.label = `${layer.kind === 'FullyConnected' ? 'dense' : 'conv2d'}:L${index}`;
    this.packed = conv.activation !== null;
    this.outShape = [this.params.outH, this.params.outW, conv.filters];
    const out = outputBytes(this.outShape, this.packed);
    // the site list: a u32 per pooled position
    const sites = this.skip ? [this.params.outH * this.params.outW * 4] : [];
    if (this.ev) {
      const e = pixelEventsBytes(this.ev);
      this.bytesPerSample = [out, e.events, e.counts, ...sites];
      this.invocationsPerSample = Math.max(pooledInvocations(this.params, 1), pixelEventsInvocations(this.ev, 1));
    } else if (this.special) {
      this.bytesPerSample = [out, ...sites];
      this.invocationsPerSample = specializedInvocations(this.params, 1);
    } else {
      this.bytesPerSample = [out, ...sites];
      this.invocationsPerSample = pooledInvocations(this.params, 1);
    }
    this.dispatches = this.special ? this.special.length : this.ev ? 2 : 1;
    // specialised kernels bind no weights (an empty buffer keeps TileUploads' shape)
    const w = this.special ? new Uint32Array(1) : packConvWeights(conv.weights, conv.kernel, cin, conv.filters, conv.flipped, encoding);
    this.uploads = TileUploads.create(runner, this.label, w, conv.activation, conv.filters);
  }

  static forConv(runner: GpuRunner, layer: InputConvolutionalLayer | ConvolutionalLayer, index: number, inShape: Shape3, maxInput: number, specialize: Specialization, blank: BlankOutput | undefined) {
    return new ConvPlan(runner, layer, { ...layer, flipped: layer.kind === 'Convolutional' }, index, inShape, maxInput, specialize, blank);
  }

  /** Dense over the NHWC flatten = a valid conv whose kernel is the whole input (weights [h][w][c][units]). */
  static forDense(runner: GpuRunner, layer: FullyConnectedLayer, index: number, inShape: Shape3, maxInput: number, specialize: Specialization, blank: BlankOutput | undefined) {
    const conv: EventConv = {
      kernel: [inShape[0], inShape[1]],
      stride: 1,
      padding: 'valid',
      filters: layer.units,
      weightBits: layer.weightBits,
      weights: layer.weights,
      flipped: false,
      pooling: { type: 'none' },
      activation: layer.activation,
    };
    return new ConvPlan(runner, layer, conv, index, inShape, maxInput, specialize, blank);
  }

  prepare(runner: GpuRunner): void {
    if (this.special) return prepareSpecialized(runner, this.special);
    if (this.ev) runner.pipeline(pixelEvents, this.ev);
    runner.pipeline(conv, this.params);
  }

  /** Whether the layer runs specialised kernels (src/kernels/conv-specialized.ts). */
  get specialized(): boolean {
    return this.special !== undefined;
  }

  get geometry(): SiteGeometry {
    return this.params;
  }

  get usesSites(): boolean {
    return this.skip !== undefined;
  }

  encode(ctx: ChunkContext, input: GPUBuffer): GPUBuffer {
    if (this.special) return encodeSpecialized(ctx, this.special, this.uploads, input, this.bytesPerSample[0]!, this.label, this.skip);
    // the conv reads event lists, or (one input channel) the packed input itself
    let sources: Bindings = { x: input };
    if (this.ev) {
      const events = ctx.buffer(ctx.n * this.bytesPerSample[1]!, `${this.label}:events`);
      const counts = ctx.buffer(ctx.n * this.bytesPerSample[2]!, `${this.label}:event-counts`);
      ctx.dispatch(pixelEvents, this.ev, { params: ctx.params, x: input, events, counts }, ctx.n, `${this.label}:events`);
      sources = { events, counts };
    }
    const out = ctx.buffer(ctx.n * this.bytesPerSample[0]!, `${this.label}:output`);
    const u = this.uploads;
    const sites = this.skip?.encode(ctx, out, this.label);
    ctx.dispatch(conv, this.params, {
      params: sites?.params ?? ctx.params, thresholds: u.thresholds, steps: u.steps, y: out, spikes: ctx.spikes, ...sources, w: u.weights, sites: sites?.list,
    }, sites ? sites.count : ctx.n, this.label);
    return out;
  }

  release(runner: GpuRunner): void {
    this.uploads.release(runner);
  }
}

/**
 * SeparableConvolutional: depthwise (i32 potentials) then the fused pointwise conv, or
 * specialised tiles that fuse both halves (src/kernels/conv-specialized.ts).
 */
class SeparablePlan implements LayerPlan {
  readonly packed: boolean;
  readonly outShape: Shape3;
  readonly bytesPerSample: number[];
  readonly invocationsPerSample: number;
  readonly dispatches: number;
  private readonly dw: DepthwiseKernelParams;
  private readonly pw: PointwiseKernelParams;
  /** per pipeline (consecutive tiles), when the layer runs specialised kernels (no depthwise dispatch) */
  private readonly special: SpecializedConvParams[] | undefined;
  /** specialised: the kernels run over the changed sites only */
  private readonly skip: SiteSkip | undefined;
  /** the layer as a conv over the input's channels padded to words (for its site windows and the specialised kernels) */
  readonly geometry: ConvKernelParams;
  private readonly label: string;
  private readonly dwWeights: GPUBuffer;
  private readonly uploads: TileUploads;

  constructor(
    runner: GpuRunner,
    readonly layer: SeparableConvolutionalLayer,
    readonly index: number,
    readonly inShape: Shape3,
    maxInput: number,
    specialize: Specialization,
    blank: BlankOutput | undefined,
  ) {
    const { padTop, padLeft, ...g } = pooledOutput(layer, inShape, index);
    const cin = inShape[2];
    const inWords = wordsFor(cin);
    this.dw = {
      inH: inShape[0],
      inW: inShape[1],
      inWords,
      kernel: layer.kernel,
      stride: layer.stride,
      padTop,
      padLeft,
      convH: g.convH,
      convW: g.convW,
    };
    // The pointwise half sums cin depthwise potentials, each up to taps * maxInput * max|w|.
    const taps = layer.kernel[0] * layer.kernel[1];
    const maxDw = taps * maxInput * Math.max(1, ...Array.from(layer.depthwise, Math.abs));
    const encoding = chooseEncoding(layer.weightBits, cin, maxDw);
    this.pw = { ...g, inC: inWords * 4, encoding };
    this.geometry = { ...this.pw, ...this.dw };
    ({ tiles: this.special, skip: this.skip } = finishSpecialized(
      specializeSeparable(this.geometry, layer, cin, maxInput, specialize), layer.activation, blank, index,
    ));
    this.label = `separable:L${index}`;
    this.packed = layer.activation !== null;
    this.outShape = [g.outH, g.outW, layer.filters];
    const out = outputBytes(this.outShape, this.packed);
    if (this.special) {
      this.bytesPerSample = this.skip ? [out, g.outH * g.outW * 4] : [out];
      this.invocationsPerSample = specializedInvocations(this.pw, 1);
      this.dispatches = this.special.length;
    } else {
      this.bytesPerSample = [out, depthwiseOutputBytes(this.dw)];
      this.invocationsPerSample = Math.max(pooledInvocations(this.pw, 1), depthwiseInvocations(this.dw, 1));
      this.dispatches = 2;
    }
    // specialised kernels bind no weights (empty buffers keep the uploads' shape)
    const dwPacked = this.special ? new Uint32Array(1) : packDepthwiseWeights(layer.depthwise, layer.kernel, cin, inWords);
    this.dwWeights = runner.upload(dwPacked, `${this.label}:depthwise`);
    const pw = this.special ? new Uint32Array(1) : packPointwiseWeights(layer.pointwise, cin, inWords * 4, layer.filters, encoding);
    this.uploads = TileUploads.create(runner, this.label, pw, layer.activation, layer.filters);
  }

  /** Whether the layer runs specialised kernels. */
  get specialized(): boolean {
    return this.special !== undefined;
  }

  get usesSites(): boolean {
    return this.skip !== undefined;
  }

  prepare(runner: GpuRunner): void {
    if (this.special) return prepareSpecialized(runner, this.special);
    runner.pipeline(depthwise, this.dw);
    runner.pipeline(pointwise, this.pw);
  }

  encode(ctx: ChunkContext, input: GPUBuffer): GPUBuffer {
    if (this.special) return encodeSpecialized(ctx, this.special, this.uploads, input, this.bytesPerSample[0]!, this.label, this.skip);
    const dwOut = ctx.buffer(ctx.n * this.bytesPerSample[1]!, `${this.label}:depthwise-potentials`);
    ctx.dispatch(depthwise, this.dw, { params: ctx.params, x: input, w: this.dwWeights, y: dwOut }, ctx.n, `${this.label}:depthwise`);
    const out = ctx.buffer(ctx.n * this.bytesPerSample[0]!, `${this.label}:output`);
    const u = this.uploads;
    ctx.dispatch(pointwise, this.pw, { params: ctx.params, thresholds: u.thresholds, steps: u.steps, y: out, spikes: ctx.spikes, x: dwOut, w: u.weights },
      ctx.n, `${this.label}:pointwise`);
    return out;
  }

  release(runner: GpuRunner): void {
    runner.release(this.dwWeights);
    this.uploads.release(runner);
  }
}

/**
 * Every layer's output for one blank (all-zero) input sample, as the GPU stores it: what the
 * specialised kernels leave at the sites they skip (src/engine/sites.ts).
 */
function blankOutputs(spec: ModelSpec): (BlankOutput | undefined)[] {
  const shape = inferShapes(spec.layers).inputs[0]!;
  const ref = referenceForward(spec, { data: new Int32Array(shape[0] * shape[1] * shape[2]), n: 1, shape }, true);
  return spec.layers.map((layer, k) => {
    const out = ref.layers![k]!;
    return layer.kind === 'InputData' ? undefined : new BlankOutput(out.data, out.shape, layer.activation !== null);
  });
}

/**
 * Plans every layer of a (validated) model and uploads its weights. `specialize` chooses
 * between generic and weight-specialised conv and separable kernels (src/kernels/conv-specialized.ts);
 * `siteSkipping` false plans no blank output, so every kernel computes every site.
 */
export function planModel(runner: GpuRunner, spec: ModelSpec, specialize: Specialization, siteSkipping = true): LayerPlan[] {
  const first = spec.layers[0];
  if (first?.kind === 'InputConvolutional' && (first.padValue ?? 0) !== 0 && first.padding === 'same') {
    // the conv kernels walk only the taps inside the input (event lists, clipped tap ranges in
    // lib/taps.wgsl), and a non-zero padding adds a term that depends on the output position
    throw new Error(`layer '${first.name}': InputConvolutional padValue ${first.padValue} ('same' padding with the input shift) ` +
      "is not supported by the WebGPU kernels: run the model with backend 'reference', or convert with 'valid' padding or shift 0");
  }
  const shapes = inferShapes(spec.layers);
  const plans: LayerPlan[] = [];
  // largest value a layer reads: the input's, then the previous activation's
  let maxInput = 2 ** (spec.layers[0] as { inputBits: number }).inputBits - 1;
  const blanks = siteSkipping ? blankOutputs(spec) : spec.layers.map(() => undefined);
  try {
    spec.layers.forEach((layer, index) => {
      const input = shapes.inputs[index]!;
      const blank = blanks[index];
      switch (layer.kind) {
        case 'InputData':
          plans.push(new InputPlan(layer, index, input));
          break;
        case 'InputConvolutional':
        case 'Convolutional':
          plans.push(ConvPlan.forConv(runner, layer, index, input, maxInput, specialize, blank));
          break;
        case 'SeparableConvolutional':
          plans.push(new SeparablePlan(runner, layer, index, input, maxInput, specialize, blank));
          break;
        case 'FullyConnected':
          plans.push(ConvPlan.forDense(runner, layer, index, input, maxInput, specialize, blank));
          break;
      }
      if (layer.kind !== 'InputData' && layer.activation) maxInput = (1 << layer.activation.bits) - 1;
    });
  } catch (err) {
    for (const p of plans) p.release(runner);
    throw err;
  }
  return plans;
}
