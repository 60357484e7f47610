// check(): every layer that cannot be converted, or cannot map to AKD1000, with reason and fix.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  check,
  formatReport,
  QuantizedConv2D,
  QuantizedDense,
  QuantizedReLU,
  QuantizedSeparableConv2D,
  type CompatibilityReport,
} from '../../src/convert/index.js';

const L = tf.layers;
/** A sequential model with seeded weights (so the numeric checks do not depend on luck). */
function seq(shape: number[], layers: tf.layers.Layer[]): tf.Sequential {
  const model = tf.sequential({ layers: [L.inputLayer({ inputShape: shape }), ...layers] });
  let seed = 1;
  for (const l of model.layers) {
    if (l instanceof QuantizedReLU || l.getClassName() === 'BatchNormalization') continue;
    const ws = l.getWeights();
    if (ws.length) l.setWeights(ws.map((w) => tf.randomNormal(w.shape, 0, 0.3, 'float32', seed++)));
  }
  return model;
}
const relu = (name: string, bits = 4, step = 0.05) => new QuantizedReLU({ name, bits, step });

function issues(r: CompatibilityReport, kind: 'conversion' | 'hardware') {
  return r.issues.filter((i) => i.kind === kind).map((i) => `${i.layer}: ${i.message}`);
}

describe('check', () => {
  it('a CNN2SNN-style quantized model is convertible and maps to hardware', async () => {
    const r = await check(seq([16, 16, 1], [
      new QuantizedConv2D({ name: 'conv1', filters: 4, kernelSize: 3, padding: 'same', bits: 4 }),
      L.maxPooling2d({ name: 'pool1', poolSize: 2, padding: 'same' }),
      L.batchNormalization({ name: 'bn1' }),
      relu('relu1', 2),
      new QuantizedSeparableConv2D({ name: 'sep2', filters: 8, kernelSize: 3, padding: 'same', bits: 4 }),
      L.globalAveragePooling2d({ name: 'gap' }),
      L.batchNormalization({ name: 'bn2' }),
      relu('relu2', 2),
      L.dropout({ name: 'drop', rate: 0.2 }),
      new QuantizedDense({ name: 'dense', units: 3, bits: 4 }),
      L.softmax({ name: 'softmax' }),
    ]), { inputScaling: { scale: 255, shift: 0 } });
    expect(r.issues).toEqual([]);
    expect(r.convertible).toBe(true);
    expect(r.hardwareCompatible).toBe(true);
    expect(r.layers).toEqual([
      { name: 'conv1', kind: 'InputConvolutional', sources: ['conv1', 'pool1', 'bn1', 'relu1'] },
      { name: 'sep2', kind: 'SeparableConvolutional', sources: ['sep2', 'gap', 'bn2', 'relu2', 'drop'] },
      { name: 'dense', kind: 'FullyConnected', sources: ['dense', 'softmax'] },
    ]);
    expect(r.notes).toContain("softmax 'softmax' is dropped: predict() returns the rescaled potentials, whose argmax is the same");
  });

  it('reports the AKD1000 rules a convertible model breaks (stride, padding, pooling, bit widths, FullyConnected input)', async () => {
    const r = await check(seq([12, 12, 2], [
      new QuantizedConv2D({ name: 'conv1', filters: 4, kernelSize: 3, padding: 'same', bits: 4 }),
      relu('relu1', 4),
      new QuantizedConv2D({ name: 'conv2', filters: 4, kernelSize: 5, strides: 2, padding: 'valid', bits: 4 }),
      L.averagePooling2d({ name: 'avg', poolSize: 2 }),
      relu('relu2', 2),
      new QuantizedSeparableConv2D({ name: 'sep3', filters: 4, kernelSize: 3, padding: 'same', bits: 8 }),
      relu('relu3', 4, 0.001), // 8-bit separable weights make fine potentials: a narrow level keeps act_step in range
      L.maxPooling2d({ name: 'pool3', poolSize: 3, strides: 1, padding: 'same' }),
      L.flatten(),
      new QuantizedDense({ name: 'dense', units: 2, bits: 8 }),
    ]), { inputScaling: { scale: 255, shift: 0 } });
    expect(r.convertible).toBe(true);
    expect(r.hardwareCompatible).toBe(false);
    // the rules are the scheduler's (src/mesh/map-constraints.ts); check() reports them per layer
    const rules = r.issues.filter((i) => i.kind === 'hardware').map((i) => `${i.layer} ${/\[(.+)\]$/.exec(i.message)?.[1]}`);
    // issue 23: on 2 input channels cnn2snn makes InputData + a Convolutional conv1 (not an
    // InputConvolutional), and a Convolutional reads at most 4-bit inputs
    expect(r.layers.slice(0, 2).map((l) => l.kind)).toEqual(['InputData', 'Convolutional']);
    expect(rules).toEqual([
      'conv1 input-bits',
      'conv2 conv/stride',
      'conv2 conv/padding',
      'conv2 pool/average',
      'sep3 weight-bits',
      'sep3 pool/max',
      'dense fc/spatial',
      'dense weight-bits',
      'dense fc/after-max-pool',
    ]);
    const stride = r.issues.find((i) => i.layer === 'conv2' && i.message.includes('stride'))!;
    expect(stride.message).toBe('stride 2 with a 5x5 kernel; stride 2 needs a 3x3 kernel [conv/stride]');
    expect(stride.fix).toMatch(/3x3 kernel/);
  });

  it('non-serial models are refused naming the layer with two inputs', async () => {
    const input = tf.input({ shape: [8] });
    const a = L.dense({ name: 'a', units: 4 }).apply(input) as tf.SymbolicTensor;
    const b = L.dense({ name: 'b', units: 4 }).apply(input) as tf.SymbolicTensor;
    const sum = L.add({ name: 'add' }).apply([a, b]) as tf.SymbolicTensor;
    const r = await check(tf.model({ inputs: input, outputs: sum }));
    expect(r.convertible).toBe(false);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]!.message).toMatch(/the output of layer 'input\d*' feeds 2 layers|layer 'b' reads 'input\d*' instead of the layer before it \('a'\)/);
  });

  it('structure problems: unsupported layer, BN after the activation, global pooling after it, float layers', async () => {
    const r = await check(seq([8, 8, 1], [
      L.conv2d({ name: 'conv1', filters: 4, kernelSize: 3, padding: 'same' }),
      L.reLU({ name: 'relu1' }),
      L.batchNormalization({ name: 'bn1' }),
      L.upSampling2d({ name: 'up' }),
      new QuantizedConv2D({ name: 'conv2', filters: 4, kernelSize: 3, padding: 'same', bits: 4 }),
      relu('relu2'),
      L.globalAveragePooling2d({ name: 'gap' }),
      new QuantizedDense({ name: 'dense', units: 2, bits: 4 }),
      L.activation({ name: 'tanh', activation: 'tanh' }),
    ]));
    expect(r.convertible).toBe(false);
    expect(issues(r, 'conversion')).toEqual([
      "bn1: BatchNormalization after the activation 'relu1' cannot be folded",
      'up: layer type UpSampling2D is not supported',
      "gap: GlobalAveragePooling2D after the activation 'relu2' cannot be converted: the integer model averages potentials, not activations",
      "tanh: activation 'tanh' is not supported",
      'conv1: Conv2D has float weights: quantize the model first',
      "relu1: float activation 'ReLU': quantize the model first",
    ]);
    const fixes = Object.fromEntries(r.issues.map((i) => [i.layer, i.fix]));
    expect(fixes.bn1).toBe("move 'bn1' before the activation (Conv -> BatchNormalization -> ReLU)");
    expect(fixes.gap).toBe("move 'gap' before the BatchNormalization/activation of 'conv2'");
    expect(formatReport(r)).toMatch(/model '.*': NOT convertible, hardware not checked\n/);
  });

  it('a middle layer without activation, and a depthwise conv without its pointwise half', async () => {
    const r = await check(seq([8, 8, 3], [
      new QuantizedConv2D({ name: 'conv1', filters: 4, kernelSize: 3, bits: 4 }),
      new QuantizedConv2D({ name: 'conv2', filters: 4, kernelSize: 3, bits: 4 }),
      relu('relu2'),
      L.depthwiseConv2d({ name: 'dw', kernelSize: 3 }),
      relu('relu3'),
      L.flatten(),
      new QuantizedDense({ name: 'dense', units: 2, bits: 4 }),
    ]));
    const conv = issues(r, 'conversion');
    expect(conv).toContain('dw: a DepthwiseConv2D must be followed directly by a 1x1, stride-1 Conv2D (its pointwise part)');
    expect(conv).toContain('conv1: has no activation: only the last layer may return potentials');
  });

  it("an input shift with 'same' padding pads InputConvolutional with the shift; a Rescaling first layer becomes the input scaling (issue 23)", async () => {
    const model = seq([6, 6, 1], [
      new QuantizedConv2D({ name: 'conv1', filters: 2, kernelSize: 3, padding: 'same', bits: 2 }),
      relu('relu1', 4, 0.5),
      L.flatten(),
      new QuantizedDense({ name: 'dense', units: 2, bits: 4 }),
    ]);
    const r = await check(model, { inputScaling: { scale: 127.5, shift: 127.5 } });
    expect(r.issues.filter((i) => i.kind === 'conversion')).toEqual([]);
    expect(r.convertible).toBe(true);
    expect(r.notes.some((n) => n.startsWith("conv1: 'same' padding with the input shift 127.5: the integer model pads with 128"))).toBe(true);
    // a Convolutional first layer (2 channels: InputData first) pads with 0, so the shift is refused there
    const two = seq([6, 6, 2], [
      new QuantizedConv2D({ name: 'conv1', filters: 2, kernelSize: 3, padding: 'same', bits: 2 }),
      relu('relu1', 4, 0.5),
      L.flatten(),
      new QuantizedDense({ name: 'dense', units: 2, bits: 4 }),
    ]);
    const r1 = await check(two, { inputScaling: { scale: 127.5, shift: 127.5 } });
    expect(r1.issues.filter((i) => i.kind === 'conversion').map((i) => i.layer)).toEqual(['conv1']);
    expect(r1.issues[0]!.message).toMatch(/only an InputConvolutional layer \(1 or 3 input channels\) pads with the shift/);
    const scaled = seq([6, 6, 1], [
      L.rescaling({ name: 'rescale', scale: 1 / 255 }),
      new QuantizedConv2D({ name: 'conv1', filters: 2, kernelSize: 3, padding: 'same', bits: 2 }),
      relu('relu1', 4, 0.5),
      L.flatten(),
      new QuantizedDense({ name: 'dense', units: 2, bits: 4 }),
    ]);
    const r2 = await check(scaled);
    expect(r2.issues.filter((i) => i.kind === 'conversion')).toEqual([]);
    expect(r2.notes.some((n) => /^Rescaling 'rescale' \(scale 0\.0039\d+, offset 0\) becomes the input scaling: integer input = 255(\.0+\d*)? \* y \+ 0/.test(n))).toBe(true);
  });

  it('numeric limits: an act_step beyond 16 bits names the layer and channel', async () => {
    const model = seq([6, 6, 1], [
      new QuantizedConv2D({ name: 'conv1', filters: 2, kernelSize: 3, bits: 8, useBias: false }),
      new QuantizedReLU({ name: 'relu1', bits: 4, step: 2 }),
      L.flatten(),
      new QuantizedDense({ name: 'dense', units: 2, bits: 4 }),
    ]);
    model.getLayer('conv1').setWeights([tf.fill([3, 3, 1, 2], 0.01)]);
    // sf = 127 / 0.01, a = 255, width 2: act_step = 12700 * 255 * 2
    const r = await check(model, { inputScaling: { scale: 255, shift: 0 } });
    expect(r.convertible).toBe(false);
    expect(issues(r, 'conversion')[0]).toMatch(/^conv1: channel 0: act_step 6477000 is outside \[1\/16, 65535\.9375\]/);
  });
});

describe('check on a float model (CNN2SNN check_model_compatibility)', () => {
  const floatModel = () => seq([16, 16, 1], [
    L.conv2d({ name: 'conv1', filters: 4, kernelSize: 3, padding: 'same' }),
    L.batchNormalization({ name: 'bn1' }),
    L.reLU({ name: 'relu1' }),
    L.maxPooling2d({ name: 'pool1', poolSize: 2 }),
    L.separableConv2d({ name: 'sep2', filters: 8, kernelSize: 3, padding: 'same' }),
    L.globalAveragePooling2d({ name: 'gap' }),
    L.reLU({ name: 'relu2', maxValue: 6 }),
    L.dense({ name: 'dense', units: 3, activation: 'softmax' }),
  ]);

  it('checks the architecture as it will be once quantized, and says the model still has to be quantized', async () => {
    const model = floatModel();
    const r = await check(model);
    expect(r.quantized).toBe(false);
    expect(r.quantizedWith).toEqual({ weightBits: 4, activationBits: 4, inputWeightBits: 8 });
    expect(r.issues).toEqual([]);
    expect(r.convertible).toBe(true);
    expect(r.hardwareCompatible).toBe(true);
    expect(r.layers.map((l) => [l.name, l.kind])).toEqual([
      ['conv1', 'InputConvolutional'], ['sep2', 'SeparableConvolutional'], ['dense', 'FullyConnected'],
    ]);
    const text = formatReport(r);
    expect(text.split('\n').slice(0, 2)).toEqual([
      "model 'sequential_1': convertible once quantized, maps to AKD1000".replace('sequential_1', model.name),
      'the model is not quantized yet: quantize it before converting (spikemesh quantize, or quantize() in code); ' +
        'checked as quantized with weights 4 bits (input layer 8), activations 4 bits',
    ]);
    // the model itself is untouched: still float
    expect(model.getLayer('conv1').getClassName()).toBe('Conv2D');
  });

  it('uses the bits given, and reports what only quantizing reveals (an act_step out of range)', async () => {
    const model = seq([6, 6, 1], [
      L.conv2d({ name: 'conv1', filters: 2, kernelSize: 3, useBias: false }),
      L.reLU({ name: 'relu1', maxValue: 6 }),
      L.flatten(),
      L.dense({ name: 'dense', units: 2 }),
    ]);
    model.getLayer('conv1').setWeights([tf.fill([3, 3, 1, 2], 0.001)]);
    const r = await check(model, { inputScaling: { scale: 255, shift: 0 }, quantization: { weightBits: 8, activationBits: 1 } });
    expect(r.quantized).toBe(false);
    expect(r.quantizedWith).toEqual({ weightBits: 8, activationBits: 1 });
    expect(r.convertible).toBe(true);
    const r4 = await check(model, { inputScaling: { scale: 255, shift: 0 }, quantization: { weightBits: 8, activationBits: 4 } });
    expect(r4.convertible).toBe(false);
    expect(issues(r4, 'conversion')[0]).toMatch(/^conv1: channel 0: act_step .* is outside \[1\/16, /);
    expect(formatReport(r4)).toMatch(/^model '.*': NOT convertible, hardware not checked\nthe model is not quantized yet/);
  });

  it('a quantized model says so; a float model with structural problems keeps them', async () => {
    const q = seq([8, 8, 1], [
      new QuantizedConv2D({ name: 'conv1', filters: 2, kernelSize: 3, bits: 4 }),
      relu('relu1'),
      L.flatten(),
      new QuantizedDense({ name: 'dense', units: 2, bits: 4 }),
    ]);
    const rq = await check(q, { inputScaling: { scale: 255, shift: 0 } });
    expect(rq.quantized).toBe(true);
    expect(rq.quantizedWith).toBeUndefined();
    expect(formatReport(rq)).not.toMatch(/not quantized/);
    const bad = await check(seq([8, 8, 1], [
      L.conv2d({ name: 'conv1', filters: 2, kernelSize: 3 }),
      L.reLU({ name: 'relu1' }),
      L.batchNormalization({ name: 'bn1' }),
      L.flatten(),
      L.dense({ name: 'dense', units: 2 }),
    ]));
    expect(bad.convertible).toBe(false);
    expect(bad.quantized).toBe(false);
    expect(issues(bad, 'conversion')).toContain("bn1: BatchNormalization after the activation 'relu1' cannot be folded");
  });
});
