// validateModel: one test per rule; every message must name the layer and the field.
import { describe, expect, it } from 'vitest';
import type { Layer, ModelSpec } from '../../src/ir/types.js';
import { MODEL_LIMITS, ModelError, validateModel } from '../../src/ir/validate.js';
import { act, conv, dense, inputConv, inputData, model, separable } from '../helpers/builders.js';

/** in [6,6,2] -> conv1 3x3 same, 4 filters, max 2x2/2 -> sep2 3x3 same, 3 filters, global_avg -> fc3 (potentials) */
function base(): ModelSpec {
  return model(
    inputData([6, 6, 2], 8, 'in'),
    conv({
      name: 'conv1', kernel: [3, 3], padding: 'same', filters: 4, weightBits: 4,
      weights: Array.from({ length: 3 * 3 * 2 * 4 }, (_, i) => (i % 15) - 7),
      pooling: { type: 'max', size: [2, 2], stride: [2, 2], padding: 'valid' },
      activation: act(4, [10, 20, 30, 40], [16, 32, 48, 64]),
    }),
    separable({
      name: 'sep2', kernel: [3, 3], padding: 'same', filters: 3, weightBits: 2,
      depthwise: Array(3 * 3 * 4).fill(1), pointwise: Array(4 * 3).fill(-1),
      pooling: { type: 'global_avg' }, activation: act(2, [0, 1, 2], [16, 16, 16]),
    }),
    dense({ name: 'fc3', units: 2, weights: [1, 2, 3, 4, 5, 6], activation: null }),
  );
}

/** The base model with layer `k` changed by `edit` (which may return a replacement). */
function edited(k: number, edit: (l: Record<string, unknown>) => unknown): ModelSpec {
  const spec = base();
  const layer = spec.layers[k] as unknown as Record<string, unknown>;
  const replaced = edit(layer);
  if (replaced !== undefined) spec.layers[k] = replaced as Layer;
  return spec;
}

function errorOf(spec: unknown, source?: string): ModelError {
  try {
    validateModel(spec, source);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return e as ModelError;
  }
  throw new Error('validateModel accepted the model');
}

/** Asserts the message is exactly `message` (layer and field included in it). */
function expectError(spec: unknown, message: string, source?: string): ModelError {
  const e = errorOf(spec, source);
  expect(e.message).toBe(message);
  return e;
}

describe('validateModel accepts', () => {
  it('a valid model and returns it typed', () => {
    const spec = base();
    const out = validateModel(spec);
    expect(out.layers.map((l) => l.name)).toEqual(['in', 'conv1', 'sep2', 'fc3']);
    // typed arrays of the right type are kept as they are
    expect((out.layers[1] as { weights: Int8Array }).weights).toBe((spec.layers[1] as { weights: Int8Array }).weights);
  });

  it('plain number arrays, converting them to typed arrays', () => {
    const spec = edited(3, (l) => {
      l.weights = [1, 2, 3, 4, 5, 6];
      l.activation = { bits: 1, threshold: [0, 1], actStep16: [16, 65535] };
    });
    const fc = validateModel(spec).layers[3] as { weights: unknown; activation: { threshold: unknown; actStep16: unknown } };
    expect(fc.weights).toEqual(Int8Array.from([1, 2, 3, 4, 5, 6]));
    expect(fc.activation.threshold).toBeInstanceOf(Int32Array);
    expect(fc.activation.actStep16).toEqual(Uint32Array.from([16, 65535]));
  });
});

describe('validateModel rejects, naming layer and field', () => {
  it('a non-object and a wrong version', () => {
    expectError(42, 'model is 42, expected an object');
    expectError({ ...base(), version: 2 }, 'model.json: version is 2, expected 1', 'model.json');
  });

  it('no layers', () => {
    expectError({ version: 1, layers: [] }, 'layers is [], expected a non-empty array');
  });

  it('weightBits outside 1, 2, 4, 8 (with the source file)', () => {
    const e = expectError(edited(1, (l) => void (l.weightBits = 3)),
      "model.json: layer 1 'conv1': weightBits is 3, expected one of 1, 2, 4, 8", 'model.json');
    expect([e.source, e.layerIndex, e.layerName, e.field]).toEqual(['model.json', 1, 'conv1', 'weightBits']);
  });

  it('a weight outside [-kmax, kmax]', () => {
    // 4 bits: kmax = 2^3 - 1 = 7
    expectError(edited(1, (l) => void ((l.weights as Int8Array)[5] = 8)),
      "layer 1 'conv1': weights[5] is 8, expected an integer in [-7, 7] (4-bit weights)");
    // 2 bits: kmax = 1
    expectError(edited(2, (l) => void ((l.pointwise as Int8Array)[11] = -2)),
      "layer 2 'sep2': pointwise[11] is -2, expected an integer in [-1, 1] (2-bit weights)");
  });

  it('a zero 1-bit weight', () => {
    expectError(edited(2, (l) => {
      l.weightBits = 1;
      (l.depthwise as Int8Array)[3] = 0;
    }), "layer 2 'sep2': depthwise[3] is 0, expected -1 or +1 (1-bit weights)");
  });

  it('weights whose length does not match the shape', () => {
    expectError(edited(1, (l) => void (l.weights = new Int8Array(71))),
      "layer 1 'conv1': weights is 71 values, expected 3x3x2x4 = 72");
    expectError(edited(2, (l) => void (l.depthwise = new Int8Array(9).fill(1))),
      "layer 2 'sep2': depthwise is 9 values, expected 3x3x4 = 36");
    // fc3 reads the 1x1x3 output of sep2: 3 x 2 weights
    expectError(edited(3, (l) => void (l.weights = new Int8Array(8))), "layer 3 'fc3': weights is 8 values, expected 3x2 = 6");
  });

  it('weights that are not an array', () => {
    expectError(edited(1, (l) => void delete l.weights), "layer 1 'conv1': weights is missing, expected an array of 72 integers");
  });

  it('bad kernel, stride, padding, filters, units', () => {
    expectError(edited(1, (l) => void (l.kernel = [0, 3])), "layer 1 'conv1': kernel[0] is 0, expected an integer >= 1");
    expectError(edited(1, (l) => void (l.kernel = 3)), "layer 1 'conv1': kernel is 3, expected a pair [height, width]");
    expectError(edited(1, (l) => void (l.stride = 0)), "layer 1 'conv1': stride is 0, expected an integer >= 1");
    expectError(edited(2, (l) => void (l.stride = 1.5)), "layer 2 'sep2': stride is 1.5, expected an integer >= 1");
    expectError(edited(1, (l) => void (l.padding = 'full')), `layer 1 'conv1': padding is "full", expected one of 'same', 'valid'`);
    expectError(edited(1, (l) => void (l.filters = 0)), "layer 1 'conv1': filters is 0, expected an integer >= 1");
    expectError(edited(3, (l) => void (l.units = -1)), "layer 3 'fc3': units is -1, expected an integer >= 1");
  });

  it('activation bits outside 1, 2, 4', () => {
    expectError(edited(1, (l) => void ((l.activation as { bits: number }).bits = 8)),
      "layer 1 'conv1': activation.bits is 8, expected one of 1, 2, 4");
  });

  it('threshold and actStep16 lengths other than the output channels', () => {
    expectError(edited(1, (l) => void ((l.activation as { threshold: unknown }).threshold = new Int32Array(3))),
      "layer 1 'conv1': activation.threshold is 3 values, expected one per output channel = 4");
    expectError(edited(2, (l) => void ((l.activation as { actStep16: unknown }).actStep16 = new Uint32Array(4).fill(16))),
      "layer 2 'sep2': activation.actStep16 is 4 values, expected one per output channel = 3");
  });

  it('a NaN or fractional threshold', () => {
    expectError(edited(1, (l) => void ((l.activation as { threshold: unknown }).threshold = [1, NaN, 3, 4])),
      "layer 1 'conv1': activation.threshold[1] is NaN, expected an integer in [-2147483648, 2147483647]");
    expectError(edited(1, (l) => void ((l.activation as { threshold: unknown }).threshold = [1, 2, 2.5, 4])),
      "layer 1 'conv1': activation.threshold[2] is 2.5, expected an integer in [-2147483648, 2147483647]");
  });

  it('actStep16 outside 1..2^20-1 (act_step 1/16 to 65535.9375)', () => {
    expectError(edited(1, (l) => void ((l.activation as { actStep16: unknown }).actStep16 = [16, 0, 16, 16])),
      "layer 1 'conv1': activation.actStep16[1] is 0, expected an integer in [1, 1048575]");
    expectError(edited(1, (l) => void ((l.activation as { actStep16: unknown }).actStep16 = [16, 16, 16, 1048576])),
      "layer 1 'conv1': activation.actStep16[3] is 1048576, expected an integer in [1, 1048575]");
  });

  it('a null activation on a middle layer', () => {
    expectError(edited(2, (l) => void (l.activation = null)),
      "layer 2 'sep2': activation is null, expected an activation (only the last layer may return potentials)");
  });

  it('inputBits outside 1..8 and a bad input shape', () => {
    expectError(edited(0, (l) => void (l.inputBits = 9)), "layer 0 'in': inputBits is 9, expected an integer in [1, 8]");
    expectError(edited(0, (l) => void (l.inputBits = 0)), "layer 0 'in': inputBits is 0, expected an integer in [1, 8]");
    expectError(edited(0, (l) => void (l.inputShape = [6, 6])), "layer 0 'in': inputShape is [6, 6], expected a shape [height, width, channels]");
    expectError(edited(0, (l) => void (l.inputShape = [6, 0, 2])), "layer 0 'in': inputShape[1] is 0, expected an integer >= 1");
  });

  it('a first layer that is not an input layer, and an input layer later', () => {
    const spec = base();
    expectError({ ...spec, layers: spec.layers.slice(1) },
      "layer 0 'conv1': kind is 'Convolutional', expected 'InputData' or 'InputConvolutional' (the first layer)");
    expectError({ ...spec, layers: [spec.layers[0], inputData([6, 6, 2], 8, 'again'), ...spec.layers.slice(1)] },
      "layer 1 'again': kind is 'InputData', expected a non-input kind (only the first layer reads the input)");
    expectError(edited(3, (l) => void (l.kind = 'Dense')),
      `layer 3 'fc3': kind is "Dense", expected one of 'InputData', 'InputConvolutional', 'Convolutional', 'SeparableConvolutional', 'FullyConnected'`);
  });

  it('missing or repeated layer names', () => {
    expectError(edited(2, (l) => void (l.name = '')), 'layers[2].name is "", expected a non-empty string');
    expectError(edited(2, (l) => void (l.name = 'conv1')), "layer 2 'conv1': name is 'conv1', expected a name not used by layer 1");
  });

  it('a valid convolution bigger than its input', () => {
    const spec = model(inputData([2, 2, 1]), conv({ name: 'big', kernel: [3, 3], filters: 1, weights: Array(9).fill(1), activation: null }));
    // floor((2 - 3) / 1) + 1 = 0 outputs
    expectError(spec, "layer 1 'big': kernel is [3, 3], expected at most the input's 2x2 with valid padding (the output would be 0x0)");
    // same padding always has outputs
    expect(() => validateModel({ ...spec, layers: [spec.layers[0], { ...spec.layers[1]!, padding: 'same' }] })).not.toThrow();
  });

  it('bad pooling parameters', () => {
    expectError(edited(1, (l) => void (l.pooling = { type: 'min' })),
      `layer 1 'conv1': pooling.type is "min", expected one of 'none', 'max', 'average', 'global_avg'`);
    expectError(edited(1, (l) => void (l.pooling = { type: 'max', size: [2, 2], padding: 'valid' })),
      "layer 1 'conv1': pooling.stride is missing, expected a pair [height, width]");
    expectError(edited(1, (l) => void (l.pooling = { type: 'max', size: [2, 2], stride: [2, 2] })),
      "layer 1 'conv1': pooling.padding is missing, expected one of 'same', 'valid'");
    // conv1 potentials are 6x6: a 7x7 average window does not fit
    expectError(edited(1, (l) => void (l.pooling = { type: 'average', size: [7, 7], stride: [1, 1] })),
      "layer 1 'conv1': pooling.size is [7, 7], expected at most the input's 6x6 with valid padding (the output would be 0x0)");
    expectError(edited(1, (l) => void delete l.pooling), "layer 1 'conv1': pooling is missing, expected an object");
  });

  it('bad inputScaling and predictScale', () => {
    expectError({ ...base(), inputScaling: { scale: NaN, shift: 0 } }, 'inputScaling.scale is NaN, expected a finite number');
    expectError(edited(3, (l) => void (l.predictScale = { threshold: [0], actStep16: [16, 16] })),
      "layer 3 'fc3': predictScale.threshold is 1 values, expected one per output channel = 2");
  });
});

describe('validateModel rejects int32/u32 overflow risks', () => {
  it('potentials that can reach 2^31 (times the pooling area)', () => {
    // 3x3x8 kernel of 127s on 255-valued inputs: 72 * 127 * 255 = 2,331,720 per position;
    // global average over 64 x 64 = 4096 positions: 9,550,725,120 >= 2^31
    const spec = model(
      inputData([64, 64, 8]),
      conv({ name: 'hot', kernel: [3, 3], padding: 'same', filters: 1, weights: Array(72).fill(127), pooling: { type: 'global_avg' }, activation: null }),
    );
    expectError(spec, "layer 1 'hot': weights allow a potential of 9550725120 in channel 0 (inputs up to 255 times the pooling area 4096), "
      + 'expected below 2^31 = 2147483648 (int32 overflow risk)');
  });

  it('uses the activation bits of the previous layer as the largest input', () => {
    // the same weights after a 1-bit layer: 72 * 127 * 1 * 4096 = 37,453,824 is fine
    const spec = model(
      inputData([64, 64, 8]),
      conv({ name: 'c1', kernel: [1, 1], filters: 8, weightBits: 1, weights: Array(64).fill(1), activation: act(1, Array(8).fill(0), Array(8).fill(16)) }),
      conv({ name: 'c2', kernel: [3, 3], padding: 'same', filters: 1, weights: Array(72).fill(127), pooling: { type: 'global_avg' }, activation: null }),
    );
    expect(() => validateModel(spec)).not.toThrow();
  });

  it('|threshold| * A reaching 2^31', () => {
    // T = 2^20, A = 64 * 64 = 4096: 2^32
    const spec = model(
      inputData([64, 64, 1]),
      conv({ name: 'gap', kernel: [1, 1], filters: 1, weights: [1], pooling: { type: 'global_avg' }, activation: act(4, [2 ** 20], [16]) }),
    );
    expectError(spec, "layer 1 'gap': activation.threshold[0] is 1048576, and |1048576| * 4096 (pooling area) = 4294967296, "
      + 'expected below 2^31 (int32 overflow risk)');
  });

  it('p - threshold*A overflowing int32 although each is below 2^31', () => {
    // 40,000 inputs x 127 x 255 = 1,295,400,000 < 2^31; T = -1e9; together 2,295,400,000 >= 2^31
    const spec = model(
      inputData([200, 200, 1]),
      dense({ name: 'wide', units: 1, weights: Array(40000).fill(127), activation: act(1, [-1e9], [16]) }),
    );
    expectError(spec, "layer 1 'wide': activation.threshold[0] is -1000000000 with potentials up to 1295400000, "
      + 'expected |threshold*A| + max|potential| below 2^31 (p - threshold*A must not overflow int32)');
  });

  it('actStep16 * A * 17 reaching 2^32', () => {
    // 65535 * 4096 = 268,431,360; * 17 = 4,563,333,120 >= 2^32 = 4,294,967,296
    const spec = model(
      inputData([64, 64, 1]),
      conv({ name: 'gap', kernel: [1, 1], filters: 1, weights: [1], pooling: { type: 'global_avg' }, activation: act(4, [0], [65535]) }),
    );
    expectError(spec, "layer 1 'gap': activation.actStep16[0] is 65535, and 65535 * 4096 (pooling area) * 17 = 4563333120, "
      + 'expected below 2^32 (u32 activation arithmetic)');
    // 15420 * 4096 * 17 = 1,073,725,440: fine
    const ok = spec.layers[1] as { activation: { actStep16: Uint32Array } };
    ok.activation.actStep16[0] = 15420;
    expect(() => validateModel(spec)).not.toThrow();
  });

  it('separable bounds go through the depthwise sums', () => {
    // depthwise 7x7 of 127 on 255: 49 * 127 * 255 = 1,586,865 per channel; pointwise 127 over 16 channels:
    // 16 * 127 * 1,586,865 = 3,224,509,680 >= 2^31
    const spec = model(
      inputData([7, 7, 16]),
      separable({ name: 'sep', kernel: [7, 7], filters: 1, depthwise: Array(49 * 16).fill(127), pointwise: Array(16).fill(127), activation: null }),
    );
    expectError(spec, "layer 1 'sep': pointwise allow a potential of 3224509680 in channel 0 (inputs up to 255), "
      + 'expected below 2^31 = 2147483648 (int32 overflow risk)');
  });

  it('separable depthwise sums must fit int32 themselves', () => {
    // a 258x258 depthwise kernel of 127s on 255: 66,564 * 127 = 8,453,628; * 255 = 2,155,675,140 >= 2^31
    const spec = model(
      inputData([258, 258, 1]),
      separable({ name: 'dw', kernel: [258, 258], filters: 1, depthwise: Array(258 * 258).fill(127), pointwise: [0], activation: null }),
    );
    expectError(spec, "layer 1 'dw': depthwise allow a sum of 2155675140 in channel 0 (inputs up to 255), "
      + 'expected below 2^31 = 2147483648 (int32 overflow risk)');
  });

  it('InputConvolutional uses its inputBits', () => {
    // 3x3x8 kernel of 127s, global average over 64x64: 8-bit input 72 * 127 * 255 * 4096 >= 2^31,
    // 1-bit input 72 * 127 * 1 * 4096 = 37,453,824 < 2^31
    const spec = (inputBits: number) => model(inputConv({
      name: 'ic', inputShape: [64, 64, 8], inputBits, kernel: [3, 3], padding: 'same', filters: 1,
      weights: Array(72).fill(127), pooling: { type: 'global_avg' }, activation: null,
    }));
    expect(errorOf(spec(8)).message).toMatch(/^layer 0 'ic': weights allow a potential of 9550725120 in channel 0/);
    expect(() => validateModel(spec(1))).not.toThrow();
  });
});

describe('size limits, checked before any array is read (issue 15)', () => {
  it('refuses a 20000 x 20000 input with the number of pixels and the limit', () => {
    const spec = model(inputData([20000, 20000, 1], 8, 'in'), dense({ name: 'fc', units: 2, weights: [1], activation: null }));
    expect(errorOf(spec, 'big.json').message).toBe(
      "big.json: layer 0 'in': inputShape [20000, 20000, 1] has 400000000 pixels (20000 x 20000), above the limit of 16777216 (4096 x 4096)");
    expect(errorOf(spec).field).toBe('inputShape');
    const huge = model(inputData([100000, 100000, 1], 8, 'in'), dense({ name: 'fc', units: 2, weights: [1], activation: null }));
    expect(errorOf(huge).message).toMatch(/has 10000000000 pixels/);
  });

  it('refuses too many values per sample in the input and in a layer\'s potentials', () => {
    const deep = model(inputData([64, 64, 10000], 8, 'in'), dense({ name: 'fc', units: 2, weights: [1], activation: null }));
    expect(errorOf(deep).message).toBe(
      `layer 0 'in': the input [64, 64, 10000] holds 40960000 values per sample (163840000 bytes as int32), above the limit of ${MODEL_LIMITS.maxValuesPerSample} values (128 MiB, WebGPU's default maxStorageBufferBindingSize)`);
    const wide = model(
      inputData([2048, 2048, 1], 8, 'in'),
      conv({ name: 'c', kernel: [1, 1], padding: 'same', filters: 16, weightBits: 2, weights: Array(16).fill(1), activation: act(2, Array(16).fill(1), Array(16).fill(16)) }),
    );
    expect(errorOf(wide).message).toMatch(/^layer 1 'c': the potentials \[2048, 2048, 16\] holds 67108864 values per sample/);
    expect(errorOf(wide).field).toBe('filters');
  });

  it('refuses a layer with more weights than the limit before looking at them', () => {
    const fat = model(inputData([64, 64, 64], 8, 'in'), dense({ name: 'fc', units: 2000, weights: [], activation: null }));
    expect(errorOf(fat).message).toBe(`layer 1 'fc': weights 262144x2000 = 524288000 weights, above the limit of ${MODEL_LIMITS.maxWeights} per layer`);
  });
});
