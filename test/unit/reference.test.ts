// The integer reference against expectations worked out by hand (the arithmetic is in the
// comments), layer by layer. DESIGN.md section 3 is the specification.
import { describe, expect, it } from 'vitest';
import { windowGeometry } from '../../src/ir/shapes.js';
import type { ModelSpec, Shape3 } from '../../src/ir/types.js';
import { activate, referenceForward } from '../../src/reference/index.js';
import { validateModel } from '../../src/ir/validate.js';
import { act, batch, conv, dense, inputConv, inputData, model, separable } from '../helpers/builders.js';

/** Runs one sample and returns the output values (after checking the model is valid). */
function run(spec: ModelSpec, shape: Shape3, data: number[]): number[] {
  return Array.from(referenceForward(validateModel(spec), batch(shape, data)).output.data);
}

describe('activate (DESIGN.md section 3)', () => {
  it('is 0 up to the threshold, then n+1 on (T + n*s, T + (n+1)*s], saturating', () => {
    // T = 10, s = 1 (s16 = 16), 4 bits (max 15), A = 1
    const a = (p: number) => activate(p, 10, 16, 1, 15);
    expect(a(-5)).toBe(0);
    expect(a(10)).toBe(0); // p <= T
    expect(a(11)).toBe(1); // 10 < 11 <= 11
    expect(a(12)).toBe(2); // 11 < 12 <= 12
    expect(a(25)).toBe(15); // ceil(15 / 1) = 15
    expect(a(26)).toBe(15); // ceil(16 / 1) = 16, saturates at 2^4 - 1
    expect(a(1_000_000)).toBe(15);
  });

  it('handles fractional steps through actStep16', () => {
    // s = 2.5 -> s16 = 40; T = 0. Intervals: (0, 2.5] -> 1, (2.5, 5] -> 2, (5, 7.5] -> 3
    const a = (p: number) => activate(p, 0, 40, 1, 15);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(a)).toEqual([1, 1, 2, 2, 2, 3, 3, 4]);
    // s = 1/16 (s16 = 1): ceil(16 * 1 / 1) = 16 -> saturates at 15 for any p > T
    expect(activate(1, 0, 1, 1, 15)).toBe(15);
    // s = 20.0625 (s16 = 321), T = 7: p = 27 -> ceil(16*20/321) = ceil(0.997) = 1; p = 28 -> ceil(336/321) = 2
    expect(activate(27, 7, 321, 1, 15)).toBe(1);
    expect(activate(28, 7, 321, 1, 15)).toBe(2);
  });

  it('scales threshold and step by the pooling area A', () => {
    // T = 3, s = 2 (s16 = 32), A = 4: threshold 12, step 8, 2 bits (max 3)
    const a = (p: number) => activate(p, 3, 32, 4, 3);
    expect(a(12)).toBe(0); // p <= 12
    expect(a(13)).toBe(1); // ceil(1 / 8)
    expect(a(20)).toBe(1); // ceil(8 / 8)
    expect(a(21)).toBe(2); // ceil(9 / 8)
    expect(a(36)).toBe(3); // ceil(24 / 8)
    expect(a(37)).toBe(3); // ceil(25 / 8) = 4, saturates at 3
  });

  it('works with negative thresholds and 1-bit outputs', () => {
    // T = -5, s = 1: p = -5 -> 0, p = -4 -> 1
    expect(activate(-5, -5, 16, 1, 15)).toBe(0);
    expect(activate(-4, -5, 16, 1, 15)).toBe(1);
    // 1 bit: any p > T spikes
    expect(activate(7, 6, 16, 1, 1)).toBe(1);
    expect(activate(6, 6, 16, 1, 1)).toBe(0);
    expect(activate(1000, 6, 16, 1, 1)).toBe(1);
  });
});

describe('convolutions', () => {
  // kernel w[i][j] (2x2, one channel) = [[1, 2], [3, 4]]; input (2x3x1) x = [[1, 0, 2], [0, 3, 1]]
  const w = [1, 2, 3, 4];
  const x = [1, 0, 2, 0, 3, 1];
  const shape: Shape3 = [2, 3, 1];

  it('InputConvolutional is a cross-correlation', () => {
    // p[0][ox] = sum_ij w[i][j] * x[i][ox + j]
    // ox = 0: 1*1 + 2*0 + 3*0 + 4*3 = 13
    // ox = 1: 1*0 + 2*2 + 3*3 + 4*1 = 17
    const spec = model(inputConv({ name: 'ic', inputShape: shape, kernel: [2, 2], filters: 1, weights: w, activation: null }));
    expect(run(spec, shape, x)).toEqual([13, 17]);
  });

  it('Convolutional applies its (flipped) weights as a true convolution', () => {
    // p[0][ox] = sum_ij w[1-i][1-j] * x[i][ox + j]
    // ox = 0: 4*1 + 3*0 + 2*0 + 1*3 = 7
    // ox = 1: 4*0 + 3*2 + 2*3 + 1*1 = 13
    const spec = model(inputData(shape), conv({ name: 'c', kernel: [2, 2], filters: 1, weights: w, activation: null }));
    expect(run(spec, shape, x)).toEqual([7, 13]);
  });

  it('keeps the [kh][kw][cin][cout] weight layout', () => {
    // 1x1 kernel, cin = 2, cout = 3: w[c][o] = [[1, 0, 2], [0, 1, 3]]
    // input pixel (a, b) = (5, 7): outputs (1*5 + 0*7, 0*5 + 1*7, 2*5 + 3*7) = (5, 7, 31)
    const spec = model(inputData([1, 1, 2]), conv({ name: 'c', kernel: [1, 1], filters: 3, weights: [1, 0, 2, 0, 1, 3], activation: null }));
    expect(run(spec, [1, 1, 2], [5, 7])).toEqual([5, 7, 31]);
  });
});

describe('padding and strides (TensorFlow convention)', () => {
  it('windowGeometry puts the odd extra pad at the end', () => {
    // same, size 5, kernel 3, stride 1: out 5, pad total (5-1)*1 + 3 - 5 = 2, before 1
    expect(windowGeometry(5, 3, 1, 'same')).toEqual({ out: 5, padBefore: 1 });
    // same, size 4, kernel 2: out 4, pad total 3 + 2 - 4 = 1, before 0 (the pad goes after)
    expect(windowGeometry(4, 2, 1, 'same')).toEqual({ out: 4, padBefore: 0 });
    // same, size 4, kernel 3, stride 2: out 2, pad total 1*2 + 3 - 4 = 1, before 0
    expect(windowGeometry(4, 3, 2, 'same')).toEqual({ out: 2, padBefore: 0 });
    // same, size 5, kernel 3, stride 2: out 3, pad total 2*2 + 3 - 5 = 2, before 1
    expect(windowGeometry(5, 3, 2, 'same')).toEqual({ out: 3, padBefore: 1 });
    // valid, size 7, kernel 3, stride 3: out floor(4/3) + 1 = 2
    expect(windowGeometry(7, 3, 3, 'valid')).toEqual({ out: 2, padBefore: 0 });
  });

  // One-tap kernels (cross-correlation, so tap j reads x[ox + j - padBefore]) expose the offsets.
  const row = (kernel: number[], padding: 'same' | 'valid', x: number[], stride = 1) =>
    run(
      model(inputConv({ name: 'ic', inputShape: [1, x.length, 1], kernel: [1, kernel.length], stride, padding, filters: 1, weights: kernel, activation: null })),
      [1, x.length, 1],
      x,
    );

  it('same padding with an even kernel pads after', () => {
    // size 4, kernel 2: padBefore 0. Tap 0 reads x[ox] -> [1, 2, 3, 4]; tap 1 reads x[ox + 1] -> [2, 3, 4, pad 0]
    expect(row([1, 0], 'same', [1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
    expect(row([0, 1], 'same', [1, 2, 3, 4])).toEqual([2, 3, 4, 0]);
  });

  it('same padding with an odd kernel pads both sides', () => {
    // size 4, kernel 3: pad total 2, padBefore 1. Tap 0 reads x[ox - 1] -> [0, 1, 2, 3]; tap 2 reads x[ox + 1] -> [2, 3, 4, 0]
    expect(row([1, 0, 0], 'same', [1, 2, 3, 4])).toEqual([0, 1, 2, 3]);
    expect(row([0, 0, 1], 'same', [1, 2, 3, 4])).toEqual([2, 3, 4, 0]);
    // size 5 (odd): same offsets, 5 outputs
    expect(row([1, 0, 0], 'same', [1, 2, 3, 4, 5])).toEqual([0, 1, 2, 3, 4]);
  });

  it('valid padding has no offset', () => {
    // size 4, kernel 3: 2 outputs, tap 0 reads x[ox] -> [1, 2]
    expect(row([1, 0, 0], 'valid', [1, 2, 3, 4])).toEqual([1, 2]);
  });

  it('strides 2 and 3, valid and same', () => {
    const x = [1, 2, 3, 4, 5, 6, 7];
    // valid, stride 2: windows [0..2], [2..4], [4..6] -> 6, 12, 18
    expect(row([1, 1, 1], 'valid', x, 2)).toEqual([6, 12, 18]);
    // valid, stride 3: windows [0..2], [3..5] -> 6, 15
    expect(row([1, 1, 1], 'valid', x, 3)).toEqual([6, 15]);
    // same, stride 2: out 4, pad total 3*2 + 3 - 7 = 2, before 1: windows start -1, 1, 3, 5
    //   -> 1+2 = 3, 2+3+4 = 9, 4+5+6 = 15, 6+7 = 13
    expect(row([1, 1, 1], 'same', x, 2)).toEqual([3, 9, 15, 13]);
    // same, stride 3: out 3, pad total 2*3 + 3 - 7 = 2, before 1: windows start -1, 2, 5
    //   -> 1+2 = 3, 3+4+5 = 12, 6+7 = 13
    expect(row([1, 1, 1], 'same', x, 3)).toEqual([3, 12, 13]);
  });

  it('3x3 stride 2 same on a 5x5 input counts in-bounds taps in 2D', () => {
    // all-ones input and kernel: each output = number of window positions inside the image.
    // out 3x3, padBefore 1: window rows start -1, 1, 3 -> 2, 3, 2 rows inside; same for columns
    const spec = model(inputData([5, 5, 1]), conv({ name: 'c', kernel: [3, 3], stride: 2, padding: 'same', filters: 1, weights: Array(9).fill(1), activation: null }));
    expect(run(spec, [5, 5, 1], Array(25).fill(1))).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
  });

  it('pads vertically the same way', () => {
    // 4x1 input [1, 2, 3, 4], kernel 3x1 same, tap 0 -> x[oy - 1]
    const spec = model(inputConv({ name: 'ic', inputShape: [4, 1, 1], kernel: [3, 1], padding: 'same', filters: 1, weights: [1, 0, 0], activation: null }));
    expect(run(spec, [4, 1, 1], [1, 2, 3, 4])).toEqual([0, 1, 2, 3]);
  });
});

describe('pooling', () => {
  // A 1x1 identity conv makes the potentials equal to the input.
  const identity = (pooling: Parameters<typeof conv>[0]['pooling'], activation: Parameters<typeof conv>[0]['activation'], filters = 1, weights = [1]) =>
    conv({ name: 'c', kernel: [1, 1], filters, weights, pooling, activation });

  it('max pooling with same padding: padded positions never win', () => {
    // potentials-only with weight -1: p = -x = [-3, -1, 0, -5, -2]
    // 1x2 windows stride 2, same on width 5: out 3, pad total 2*2 + 2 - 5 = 1, before 0
    // windows [0, 1], [2, 3], [4, pad] -> max(-3, -1) = -1, max(0, -5) = 0, -2 (the pad does not count as 0)
    const spec = model(inputData([1, 5, 1]), identity({ type: 'max', size: [1, 2], stride: [1, 2], padding: 'same' }, null, 1, [-1]));
    expect(run(spec, [1, 5, 1], [3, 1, 0, 5, 2])).toEqual([-1, 0, -2]);
  });

  it('max pooling acts on the activations, 2x2 stride 2 valid', () => {
    // T = 2, s = 1, 4 bits: out = clamp(x - 2, 0, 15); x (4x4) = 0..15 row-major
    //   activations: [[0,0,0,1], [2,3,4,5], [6,7,8,9], [10,11,12,13]]
    //   2x2 windows: max(0,0,2,3) = 3, max(0,1,4,5) = 5, max(6,7,10,11) = 11, max(8,9,12,13) = 13
    const spec = model(inputData([4, 4, 1]), identity({ type: 'max', size: [2, 2], stride: [2, 2], padding: 'valid' }, act(4, [2], [16])));
    expect(run(spec, [4, 4, 1], Array.from({ length: 16 }, (_, i) => i))).toEqual([3, 5, 11, 13]);
  });

  it('average pooling sums potentials and scales threshold and step by the area', () => {
    // x (2x4) = [[1,2,3,4],[5,6,7,8]], 2x2 windows stride 2: sums 1+2+5+6 = 14, 3+4+7+8 = 22
    // T = 3, s = 2 (s16 = 32), A = 4: threshold 12, step 8 -> ceil(2/8) = 1, ceil(10/8) = 2
    // (same as the float average: (3.5 - 3)/2 = 0.25 -> 1, (5.5 - 3)/2 = 1.25 -> 2)
    const spec = model(inputData([2, 4, 1]), identity({ type: 'average', size: [2, 2], stride: [2, 2] }, act(4, [3], [32])));
    expect(run(spec, [2, 4, 1], [1, 2, 3, 4, 5, 6, 7, 8])).toEqual([1, 2]);
  });

  it('global average pooling sums over H x W, per channel', () => {
    // weights [1, 2] (cin 1, cout 2): channel 0 = x, channel 1 = 2x; x (2x4) = 1..8, sum 36
    // A = 8. channel 0: T = 2, s = 2 -> threshold 16, step 16: ceil((36 - 16)/16) = ceil(1.25) = 2
    // channel 1: sum 72, T = 10 -> threshold 80 >= 72 -> 0
    const spec = model(inputData([2, 4, 1]), identity({ type: 'global_avg' }, act(4, [2, 10], [32, 32]), 2, [1, 2]));
    expect(run(spec, [2, 4, 1], [1, 2, 3, 4, 5, 6, 7, 8])).toEqual([2, 0]);
  });

  it('global average pooling on a potentials-only layer returns the sums', () => {
    // sums over 2x4: channel 0 = 36, channel 1 = 72
    const spec = model(inputData([2, 4, 1]), identity({ type: 'global_avg' }, null, 2, [1, 2]));
    expect(run(spec, [2, 4, 1], [1, 2, 3, 4, 5, 6, 7, 8])).toEqual([36, 72]);
  });
});

describe('separable and fully connected', () => {
  it('separable: flipped depthwise, then pointwise [c][cout]', () => {
    // input 3x3x2: channel 0 = v, channel 1 = 10v, v(i, j) = 3i + j + 1 (1..9)
    // depthwise stored [kh][kw][c]; channel 0 one-hot at stored (0, 0), channel 1 at stored (0, 2).
    // True convolution pairs stored (a, b) with input (2 - a, 2 - b):
    //   dw0 = x[2][2][0] = 9, dw1 = x[2][0][1] = 10 * 7 = 70
    // pointwise [[1, 2], [-1, 1]]: out0 = 9 - 70 = -61, out1 = 2*9 + 70 = 88
    const x: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) x.push(3 * i + j + 1, 10 * (3 * i + j + 1));
    const depthwise = Array(18).fill(0);
    depthwise[(0 * 3 + 0) * 2 + 0] = 1;
    depthwise[(0 * 3 + 2) * 2 + 1] = 1;
    const spec = model(
      inputData([3, 3, 2]),
      separable({ name: 's', kernel: [3, 3], filters: 2, weightBits: 4, depthwise, pointwise: [1, 2, -1, 1], activation: null }),
    );
    expect(run(spec, [3, 3, 2], x)).toEqual([-61, 88]);
  });

  it('fully connected reads the NHWC flatten order (index (y*W + x)*C + c)', () => {
    // input 2x2x2 with v(y, x, c) = 100y + 10x + c + 1; flat order:
    //   (0,0,0)=1 (0,0,1)=2 (0,1,0)=11 (0,1,1)=12 (1,0,0)=101 (1,0,1)=102 (1,1,0)=111 (1,1,1)=112
    // unit 0 picks flat index 5 -> 102; unit 1 picks index 2 -> 11; unit 2 = index 7 - index 0 = 111
    const x: number[] = [];
    for (let y = 0; y < 2; y++) for (let xx = 0; xx < 2; xx++) for (let c = 0; c < 2; c++) x.push(100 * y + 10 * xx + c + 1);
    const w = Array(8 * 3).fill(0);
    w[5 * 3 + 0] = 1;
    w[2 * 3 + 1] = 1;
    w[7 * 3 + 2] = 1;
    w[0 * 3 + 2] = -1;
    const spec = model(inputData([2, 2, 2]), dense({ name: 'fc', units: 3, weights: w, activation: null }));
    expect(run(spec, [2, 2, 2], x)).toEqual([102, 11, 111]);
  });

  it('a last layer without activation returns signed potentials; with one, activations', () => {
    // p = 3*a - 4*b for inputs (a, b) = (2, 5): 6 - 20 = -14
    const fc = (activation: ReturnType<typeof act> | null) =>
      model(inputData([1, 1, 2]), dense({ name: 'fc', units: 1, weights: [3, -4], activation }));
    expect(run(fc(null), [1, 1, 2], [2, 5])).toEqual([-14]);
    // with T = -20, s = 4 (s16 = 64): ceil((-14 + 20)/4) = ceil(1.5) = 2
    expect(run(fc(act(4, [-20], [64])), [1, 1, 2], [2, 5])).toEqual([2]);
  });

  it('counts spikes (non-zero outputs) per layer over the batch', () => {
    // InputData passes [0, 3] and [4, 0] (2 non-zero); fc p = a - b: -3 -> 0, 4 -> 4 (T = 0, s = 1)
    const spec = validateModel(model(inputData([1, 1, 2]), dense({ name: 'fc', units: 1, weights: [1, -1], activation: act(4, [0], [16]) })));
    const r = referenceForward(spec, batch([1, 1, 2], [0, 3, 4, 0], 2), true);
    expect(Array.from(r.output.data)).toEqual([0, 4]);
    expect(r.spikes).toEqual([2, 1]);
    expect(r.layers!.map((l) => Array.from(l.data))).toEqual([[0, 3, 4, 0], [0, 4]]);
  });
});
