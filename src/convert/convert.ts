// tfjs LayersModel (quantized with the layers of qlayers.ts), read as a float graph (src/io/)
// -> spikemesh IR (ModelSpec).
// The integer weights come from the same quantizer the float layers use; BatchNorm and biases
// fold into thresholds and steps (fold.ts); Keras layouts become IR layouts here, once:
//  - Keras conv kernels are HWIO, our layout [kh][kw][cin][cout]: the same order. Non-input
//    convolutions are stored spatially flipped (the IR applies them as a true convolution).
//  - Keras Flatten on channels-last data is HWC order, which is our NHWC flatten order, so a
//    Dense kernel [inputs][units] is taken as is.
import * as tf from '@tensorflow/tfjs';
import { convOutputShape, inferShapes, poolArea, shapeSize } from '../ir/shapes.js';
import type {
  Activation,
  ActBits,
  InputScaling,
  Layer,
  ModelSpec,
  Padding,
  Pooling,
  PredictScale,
  Shape3,
  WeightBits,
} from '../ir/types.js';
import { ModelError, validateModel } from '../ir/validate.js';
import type { FloatGraph, GraphLayerOf } from '../io/graph.js';
import { floatGraphFromTfjs } from '../io/tfjs.js';
import { parseBlocks, isFloatNeural, isFloatRelu, type Block } from './blocks.js';
import { foldActivation, foldAkidaPredictScale, foldPredictScale, type BatchNormParams, type FoldInput } from './fold.js';
import { ConversionError, type CompatibilityIssue } from './issues.js';
import { quantizeWeights, stepWidth, type WeightQuantizer } from './qlayers.js';
import { quantize, type BnFold, type QuantizeOptions } from './quantize.js';

export interface ConvertOptions {
  /** integer input = round(scale * float input + shift); default { scale: 1, shift: 0 } */
  inputScaling?: InputScaling;
  /** bits of the unsigned integer input; default 8 */
  inputBits?: number;
  /** quantize float layers first with these settings (the cnn2snn quantize step) */
  quantization?: QuantizeOptions;
  /** model name in the IR; default the tfjs model's name */
  name?: string;
  /**
   * Where BatchNormalization goes (QuantizeOptions.bnFold; this one wins when both are given).
   * 'weights' (cnn2snn 2.x): folded into the float weights when quantizing; a last layer without
   * activation then gets cnn2snn's predict constants, threshold floor(-a*sf*b) and act_step a*sf.
   * 'threshold' (cnn2snn 1.x): BatchNorm folded into the integer thresholds and steps, and a last
   * layer without activation gets spikemesh's normalised predict unit (foldPredictScale).
   * Default: 'threshold' when the model to convert still has a BatchNorm (an already quantized
   * model keeps its fold), else 'weights'.
   */
  bnFold?: BnFold;
}

export interface ConversionResult {
  /** null when the model cannot be converted */
  spec: ModelSpec | null;
  /** conversion issues (hardware issues come from check()) */
  issues: CompatibilityIssue[];
  notes: string[];
  /** IR layer name -> the tfjs layers folded into it */
  sources: Record<string, string[]>;
  /** what each activation's thresholds and steps were folded from (used by alignThresholds) */
  folds: FoldRecord[];
}

/** The float parameters behind one layer's integer activation. */
export interface FoldRecord {
  /** IR layer name */
  layer: string;
  /** the tfjs BatchNormalization folded into it, if any */
  batchNorm?: tf.layers.Layer;
  fold: FoldInput;
  /** level width of the QuantizedReLU (float units) */
  width: number;
  bits: number;
  /** pooling area A (average pooling before the activation), else 1 */
  area: number;
}

/** Converts a quantized model; throws ConversionError listing every problem found. */
export async function convert(model: tf.LayersModel, options: ConvertOptions = {}): Promise<ModelSpec> {
  const result = await analyze(model, options);
  if (!result.spec) throw new ConversionError(result.issues);
  return result.spec;
}

/** Converts what can be converted and reports the rest (used by convert() and check()). */
export async function analyze(model: tf.LayersModel, options: ConvertOptions = {}): Promise<ConversionResult> {
  const scaling = options.inputScaling ?? { scale: 1, shift: 0 };
  if (!(scaling.scale > 0) || !Number.isFinite(scaling.shift)) {
    throw new RangeError(`inputScaling: scale must be positive and shift finite, got ${JSON.stringify(scaling)}`);
  }
  let graph: FloatGraph;
  try {
    graph = floatGraphFromTfjs(model);
  } catch (err) {
    return { spec: null, issues: [{ layer: '(model)', kind: 'conversion', message: (err as Error).message }], notes: [], sources: {}, folds: [] };
  }
  let source = model;
  const requested = options.bnFold ?? options.quantization?.bnFold;
  if (options.quantization && graph.layers.some((l) => isFloatNeural(l) || isFloatRelu(l))) {
    try {
      source = quantize(model, { ...options.quantization, ...(requested && { bnFold: requested }) });
    } catch (err) {
      const message = (err as Error).message;
      const m = /^(?:layer|BatchNormalization) '([^']+)'/.exec(message);
      return { spec: null, issues: [{ layer: m?.[1] ?? '(model)', kind: 'conversion', message }], notes: [], sources: {}, folds: [] };
    }
    graph = floatGraphFromTfjs(source);
  }
  // a Keras Rescaling(r, offset=o) first layer becomes the input scaling (cnn2snn: (1/r, -o/r))
  const rescaled = inputRescaling(graph, scaling);
  graph = rescaled.graph;
  const { blocks, issues, notes } = parseBlocks(graph);
  issues.push(...rescaled.issues);
  notes.push(...rescaled.notes);
  const hasBatchNorm = graph.layers.some((l) => l.kind === 'batchnorm');
  const bnFold: BnFold = requested ?? (hasBatchNorm ? 'threshold' : 'weights');
  // (a float model is told to quantize first; quantize() folds its BatchNorms then)
  if (bnFold === 'weights' && hasBatchNorm && !graph.layers.some((l) => isFloatNeural(l) || isFloatRelu(l))) {
    for (const l of graph.layers.filter((x) => x.kind === 'batchnorm')) {
      issues.push({
        layer: l.name, kind: 'conversion',
        message: 'bnFold \'weights\' folds BatchNorm into the float weights when quantizing, but this model is already quantized with it',
        fix: 're-quantize the float model (--wq/--aq) with --bn-fold weights, or convert with --bn-fold threshold (cnn2snn 1.x)',
      });
    }
  }
  for (const b of blocks) {
    for (const l of [b.neural, b.pointwise]) {
      if (l && isFloatNeural(l)) {
        issues.push({
          layer: l.name, kind: 'conversion',
          message: `${l.className} has float weights: quantize the model first`,
          fix: 'run `spikemesh quantize` (or pass --wq/--aq/--iq), or quantize() in code',
        });
      }
    }
    if (b.activation && b.activation.layer.kind !== 'quantized-relu') {
      issues.push({
        layer: b.activation.layer.name, kind: 'conversion',
        message: `float activation '${b.activation.layer.className}': quantize the model first`,
        fix: 'run `spikemesh quantize` (or pass --wq/--aq/--iq), or quantize() in code',
      });
    }
  }
  const sources = Object.fromEntries(blocks.map((b) => [b.name, b.sources]));
  if (issues.length) return { spec: null, issues, notes, sources, folds: [] };

  const folds: FoldRecord[] = [];
  const builder = new SpecBuilder(graph, source, rescaled.scaling, options.inputBits ?? 8, issues, notes, folds, bnFold);
  const spec = builder.build(blocks, options.name ?? graph.name);
  if (source !== model) source.dispose();
  return { spec: issues.length ? null : spec, issues, notes, sources, folds };
}

interface IntegerWeights {
  /** integers in the Keras layout */
  q: Float64Array;
  shape: number[];
  /** scale factor per output channel (expanded from per-tensor) */
  sf: Float64Array;
  bits: WeightBits;
}

/** Weights (last axis: output channel) as the quantization-aware layer's forward pass sees them. */
function integerWeights(values: Float32Array, shape: number[], quantizer: WeightQuantizer): IntegerWeights {
  const w = tf.tensor(values, shape);
  const { q, sf } = quantizeWeights(w, quantizer);
  const cout = shape[shape.length - 1]!;
  const sfv = sf.dataSync();
  const out = {
    q: Float64Array.from(q.dataSync()),
    shape,
    sf: Float64Array.from({ length: cout }, (_, o) => sfv[sfv.length === 1 ? 0 : o]!),
    bits: quantizer.bits,
  };
  tf.dispose([w, q, sf]);
  return out;
}

type QuantizedRelu = GraphLayerOf<'quantized-relu'>;
const levelWidth = (act: QuantizedRelu) => stepWidth(act.step, act.bits);

/** Builds the IR layer by layer, recording issues instead of throwing. */
class SpecBuilder {
  constructor(
    private readonly graph: FloatGraph,
    /** the tfjs model the graph was read from (alignThresholds writes its BatchNorm layers) */
    private readonly model: tf.LayersModel,
    private readonly scaling: InputScaling,
    private readonly inputBits: number,
    private readonly issues: CompatibilityIssue[],
    private readonly notes: string[],
    private readonly folds: FoldRecord[],
    private readonly bnFold: BnFold,
  ) {}

  private issue(layer: string, message: string, fix?: string): void {
    this.issues.push({ layer, kind: 'conversion', message, fix });
  }

  build(blocks: Block[], name: string): ModelSpec | null {
    let shape: Shape3 = this.graph.input;
    const layers: Layer[] = [];
    // cnn2snn's generate_model: InputConvolutional when the first layer is a convolution on 1 or
    // 3 input channels, else InputData (and the convolution a Convolutional layer after it)
    const inputConv = blocks[0]!.kind === 'conv' && (shape[2] === 1 || shape[2] === 3);
    if (!inputConv) {
      layers.push({ name: uniqueName('input', blocks), kind: 'InputData', inputShape: shape, inputBits: this.inputBits });
    }
    let a = this.scaling.scale;
    let outputScale = 1;
    let complete = true;
    blocks.forEach((block, k) => {
      const first = k === 0;
      const built = this.block(block, { a, first, inputConv: first && inputConv, shape });
      // the source shapes carry on past a block that failed, so later blocks are still checked
      const tfShape = block.output;
      const next: Shape3 = tfShape.length === 3 ? (tfShape as Shape3) : [1, 1, tfShape.reduce((x, y) => x * y, 1)];
      complete &&= built !== null;
      if (built && complete) {
        layers.push(built.layer);
        a = built.nextA;
        outputScale = built.unit;
        const mine = inferShapes(layers).output;
        if (mine.join() !== next.join()) {
          this.issue(block.name, `the converted layer outputs [${mine}] but the tfjs layers output [${tfShape}]`);
        }
      } else {
        a = built?.nextA ?? this.nextScale(block);
      }
      shape = next;
    });
    if (this.issues.length) return null;
    const spec: ModelSpec = {
      version: 1,
      name,
      inputScaling: { ...this.scaling },
      layers,
      metadata: {
        convertedBy: 'spikemesh convert',
        source: this.graph.name,
        /** predict() * outputScale = the float model's last-layer output (logits) */
        outputScale,
      },
    };
    try {
      return validateModel(spec);
    } catch (err) {
      const layer = err instanceof ModelError ? err.layerName ?? '(model)' : '(model)';
      this.issue(layer, (err as Error).message, 'use fewer weight bits or a smaller input range for this layer');
      return null;
    }
  }

  /** Scale of the next block's integer input when this block could not be converted. */
  private nextScale(block: Block): number {
    const act = block.activation?.layer;
    return act?.kind === 'quantized-relu' ? 1 / levelWidth(act) : 1;
  }

  private block(
    block: Block,
    ctx: { a: number; first: boolean; inputConv: boolean; shape: Shape3 },
  ): { layer: Layer; nextA: number; unit: number } | null {
    const n = block.neural;
    const issuesBefore = this.issues.length;

    // integer weights, scale factors and float bias per output channel
    let w: IntegerWeights;
    let dw: IntegerWeights | undefined;
    let bias: Float64Array;
    if (n.kind === 'dense') {
      w = integerWeights(n.weights, [n.inputs, n.units], n.quantizer!);
      bias = n.bias ? Float64Array.from(n.bias) : new Float64Array(n.units);
    } else if (n.kind === 'conv2d') {
      w = integerWeights(n.weights, [...n.kernel, n.inChannels, n.filters], n.quantizer!);
      bias = n.bias ? Float64Array.from(n.bias) : new Float64Array(n.filters);
    } else {
      const pwLayer = block.pointwise ?? n;
      const dq = n.quantizer!;
      const pq = pwLayer.quantizer!;
      if (dq.bits !== pq.bits) {
        this.issue(n.name, `depthwise weights have ${dq.bits} bits but the pointwise '${pwLayer.name}' has ${pq.bits}: ` +
          'a separable layer has one weight width', 'quantize both halves with the same bits');
        return null;
      }
      const c = n.inChannels;
      dw = integerWeights(n.depthwise, [...n.kernel, c, n.depthMultiplier], { bits: dq.bits, perAxis: false });
      const pw = block.pointwise?.weights ?? (n.kind === 'separable' ? n.pointwise : undefined);
      const cout = block.pointwise?.filters ?? (n.kind === 'separable' ? n.filters : 0);
      w = integerWeights(pw!, [1, 1, c * n.depthMultiplier, cout], pq);
      const cin = w.shape[2]!;
      bias = pwLayer.bias ? Float64Array.from(pwLayer.bias) : new Float64Array(cout);
      const dwBias = block.pointwise ? n.bias : null;
      if (dwBias) {
        // pw(dw(x) + b) = pw(dw(x)) + pw(b): the depthwise bias becomes an output bias
        for (let o = 0; o < cout; o++) {
          let s = 0;
          for (let c = 0; c < cin; c++) s += dwBias[c]! * (w.q[c * cout + o]! / w.sf[o]!);
          bias[o]! += s;
        }
      }
      // the depthwise scale is per tensor, so it factors out of the pointwise sum
      w.sf = w.sf.map((s) => s * dw!.sf[0]!);
    }
    const cout = w.sf.length;
    const padding: Padding = n.kind === 'dense' ? 'valid' : n.padding;

    // the input shift: the float model sees (x - shift) / scale, the integer model x
    let padValue = 0;
    if (ctx.first && this.scaling.shift !== 0) {
      if (block.kind !== 'dense' && padding === 'same') {
        // the float model pads with 0, which is the integer input value `shift`: InputConvolutional
        // pads with it (cnn2snn: padding_value = shift); Convolutional pads with 0
        const maxInput = 2 ** this.inputBits - 1;
        const v = Math.round(this.scaling.shift);
        if (!ctx.inputConv) {
          this.issue(n.name, `input shift ${this.scaling.shift} with 'same' padding: the float model pads with ` +
            `${-this.scaling.shift / this.scaling.scale}, and only an InputConvolutional layer (1 or 3 input channels) pads with ` +
            'the shift; a Convolutional pads with 0', "use 'valid' padding or shift 0");
        } else if (v < 0 || v > maxInput) {
          this.issue(n.name, `input shift ${this.scaling.shift} with 'same' padding: the padding value would be ${v}, ` +
            `outside the ${this.inputBits}-bit input range [0, ${maxInput}]`, "use 'valid' padding or a shift within the input range");
        } else {
          padValue = v;
          if (v !== this.scaling.shift) {
            this.notes.push(`${n.name}: 'same' padding with the input shift ${this.scaling.shift}: the integer model pads with ${v} ` +
              `(an integer input value), the float model with the input ${(v - this.scaling.shift) / this.scaling.scale} away from it`);
          }
        }
      }
      const ones = onesResponse(w, dw);
      for (let o = 0; o < cout; o++) bias[o]! -= (this.scaling.shift * ones[o]!) / (w.sf[o]! * ctx.a);
    }

    const strides = n.kind === 'dense' ? [1, 1] : n.strides;
    if (strides[0] !== strides[1]) {
      this.issue(n.name, `strides [${strides}] differ: the IR has one stride for both axes`);
      return null;
    }
    const pooling = block.pool ? this.pooling(block.pool.layer) : ({ type: 'none' } as Pooling);
    const kernel = (block.kind === 'separable' ? dw!.shape : w.shape).slice(0, 2) as [number, number];
    const area = block.kind === 'dense' ? 1 : poolArea(pooling, convOutputShape(ctx.shape, kernel, strides[0]!, padding, cout));

    const bn = block.bn ? batchNorm(block.bn) : undefined;
    const fold: FoldInput = { a: ctx.a, sf: w.sf, bias, bn };
    let activation: Activation | null = null;
    let predictScale: PredictScale | undefined;
    let sign: Int8Array;
    let nextA = 0;
    let unit = 1;
    if (block.activation) {
      // analyze() has refused float activations before building
      const act = block.activation.layer as QuantizedRelu;
      const width = levelWidth(act);
      const folded = foldActivation(fold, width, act.bits, area);
      const batchNorm = block.bn && this.model.getLayer(block.bn.name);
      this.folds.push({ layer: n.name, ...(batchNorm && { batchNorm }), fold, width, bits: act.bits, area });
      for (const p of folded.problems) this.issue(n.name, p);
      sign = folded.sign;
      activation = { bits: act.bits as ActBits, threshold: folded.threshold, actStep16: folded.actStep16 };
      nextA = 1 / width;
    } else {
      // cnn2snn's constants (weights_ops.py): threshold floor(-a*sf*b), act_step a*sf, so predict()
      // is in the float layer's own units; spikemesh's normalised unit under the threshold fold,
      // and where cnn2snn's act_step does not fit [1/16, 65535.9375]
      let folded = this.bnFold === 'weights' ? foldAkidaPredictScale(fold) : foldPredictScale(fold);
      if (this.bnFold === 'weights' && folded.problems.length && !fold.bn) {
        const reasons = folded.problems.join('; ');
        folded = foldPredictScale(fold);
        if (!folded.problems.length) this.notes.push(`${n.name}: predict() uses spikemesh's normalised unit, not cnn2snn's (${reasons})`);
      }
      for (const p of folded.problems) this.issue(n.name, p);
      sign = folded.sign;
      predictScale = { threshold: folded.threshold, actStep16: folded.actStep16 };
      unit = folded.unit;
    }
    // max pooling of raw potentials commutes with BatchNorm only where gamma is positive (after
    // BatchNorm, the max of z and the increasing activation always commute)
    if (pooling.type === 'max' && block.pool!.beforeBatchNorm && block.bn) {
      const flipped = Array.from(sign).flatMap((v, o) => (v < 0 ? [o] : []));
      if (flipped.length) {
        this.issue(block.pool!.layer.name, `MaxPooling2D before BatchNormalization '${block.bn.name}' whose gamma is negative in ` +
          `channels ${flipped.slice(0, 8).join(', ')}${flipped.length > 8 ? ', ...' : ''}: max and the decreasing ` +
          'normalisation do not commute', 'move the pooling after the activation, or constrain gamma to be non-negative');
      }
    }
    if (this.issues.length > issuesBefore) return null;

    const negate = (values: Float64Array, o: (i: number) => number) =>
      Int8Array.from(values, (v, i) => v * sign[o(i)]!);
    const common = { name: block.name, weightBits: w.bits, pooling, activation, ...(predictScale && { predictScale }) };
    switch (block.kind) {
      case 'conv': {
        const [kh, kw, cin] = w.shape as [number, number, number, number];
        const weights = ctx.inputConv ? negate(w.q, (i) => i % cout) : flipConv(w.q, kh, kw, cin, cout, sign);
        const geometry = { kernel: [kh, kw] as [number, number], stride: strides[0]!, padding, filters: cout };
        const layer: Layer = ctx.inputConv
          ? { ...common, ...geometry, kind: 'InputConvolutional', inputShape: ctx.shape, inputBits: this.inputBits, weights,
            ...(padValue !== 0 && { padValue }) }
          : { ...common, ...geometry, kind: 'Convolutional', weights };
        return { layer, nextA, unit };
      }
      case 'separable': {
        const [kh, kw, c] = dw!.shape as [number, number, number, number];
        const depthwise = flipConv(dw!.q, kh, kw, c, 1, new Int8Array(1).fill(1));
        const pointwise = negate(w.q, (i) => i % cout);
        return {
          layer: { ...common, kind: 'SeparableConvolutional', kernel: [kh, kw], stride: strides[0]!, padding, filters: cout, depthwise, pointwise },
          nextA,
          unit,
        };
      }
      case 'dense': {
        const inputs = w.shape[0]!;
        if (inputs !== shapeSize(ctx.shape)) {
          this.issue(n.name, `Dense expects ${inputs} inputs but receives [${ctx.shape}]`, 'add a Flatten before it');
          return null;
        }
        if (ctx.shape[0] * ctx.shape[1] > 1 && !block.flattened) {
          this.issue(n.name, `Dense on a [${ctx.shape}] input acts per position`, 'add a Flatten before it');
          return null;
        }
        const { pooling: _p, ...rest } = common;
        return {
          layer: { ...rest, kind: 'FullyConnected', units: cout, weights: negate(w.q, (i) => i % cout) },
          nextA,
          unit,
        };
      }
    }
  }

  private pooling(layer: GraphLayerOf<'pool'>): Pooling {
    if (layer.type === 'global_avg') return { type: 'global_avg' };
    if (layer.type === 'average') {
      if (layer.padding !== 'valid') {
        this.issue(layer.name, "AveragePooling2D with 'same' padding: the integer model averages valid windows only", "use 'valid' padding");
      }
      return { type: 'average', size: layer.size, stride: layer.strides };
    }
    return { type: 'max', size: layer.size, stride: layer.strides, padding: layer.padding };
  }
}

/**
 * A Keras Rescaling(r, offset=o) as the first layer (after training-only ones): removed from the
 * graph and composed with the input scaling. The float network after it sees y = r*x + o of its
 * input x, and x = (x_akida - shift) / scale, so x_akida = (scale/r) * y + shift - o*scale/r:
 * cnn2snn's input_scaling (1/r, -o/r) under the default scaling (1, 0) (converter.py).
 */
export function inputRescaling(graph: FloatGraph, scaling: InputScaling): { graph: FloatGraph; scaling: InputScaling; issues: CompatibilityIssue[]; notes: string[] } {
  const first = graph.layers[0];
  if (first?.kind !== 'rescaling') return { graph, scaling, issues: [], notes: [] };
  const { scale: r, offset: o } = first;
  if (!(r > 0) || !Number.isFinite(r) || !Number.isFinite(o)) {
    return { graph, scaling, notes: [], issues: [{ layer: first.name, kind: 'conversion',
      message: `Rescaling(scale=${r}, offset=${o}) as the input scaling needs a positive scale` }] };
  }
  const composed = { scale: scaling.scale / r, shift: scaling.shift - (o * scaling.scale) / r };
  return {
    graph: { ...graph, layers: graph.layers.slice(1) },
    scaling: composed,
    issues: [],
    notes: [`Rescaling '${first.name}' (scale ${r}, offset ${o}) becomes the input scaling: integer input = ` +
      `${composed.scale} * y + ${composed.shift}, y the Rescaling's output (cnn2snn's input_scaling (1/r, -o/r))`],
  };
}

function batchNorm(layer: GraphLayerOf<'batchnorm'>): BatchNormParams {
  const n = layer.mean.length;
  return {
    gamma: layer.gamma ? Float64Array.from(layer.gamma) : new Float64Array(n).fill(1),
    beta: layer.beta ? Float64Array.from(layer.beta) : new Float64Array(n),
    mean: Float64Array.from(layer.mean),
    variance: Float64Array.from(layer.variance),
    epsilon: layer.epsilon,
  };
}

/** Potentials of an all-ones input (the fan-in sum of the weights) per output channel. */
function onesResponse(w: IntegerWeights, dw?: IntegerWeights): Float64Array {
  const cout = w.sf.length;
  const out = new Float64Array(cout);
  if (dw) {
    const c = dw.shape[2]!;
    const dwSum = new Float64Array(c);
    dw.q.forEach((v, i) => (dwSum[i % c]! += v));
    w.q.forEach((v, i) => (out[i % cout]! += v * dwSum[Math.floor(i / cout)]!));
  } else {
    w.q.forEach((v, i) => (out[i % cout]! += v));
  }
  return out;
}

/** Keras [kh][kw][cin][cout] -> IR flipped [kh-1-i][kw-1-j][cin][cout], channels negated by sign. */
function flipConv(q: Float64Array, kh: number, kw: number, cin: number, cout: number, sign: Int8Array): Int8Array {
  const out = new Int8Array(q.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const src = (i * kw + j) * cin * cout;
      const dst = ((kh - 1 - i) * kw + (kw - 1 - j)) * cin * cout;
      for (let k = 0; k < cin * cout; k++) out[dst + k] = q[src + k]! * sign[k % cout]!;
    }
  }
  return out;
}

function uniqueName(base: string, blocks: Block[]): string {
  const taken = new Set(blocks.map((b) => b.name));
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  return name;
}
