// Small random IR models and inputs (fixed seeds) shared by the temporal unit and GPU tests.
import type { Activation, IntBatch, Layer, ModelSpec, Shape3 } from '../../src/ir/types.js';

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function int8(rand: () => number, n: number, kmax: number): Int8Array {
  return Int8Array.from({ length: n }, () => Math.round((rand() * 2 - 1) * kmax));
}

function activation(rand: () => number, c: number, bits: 1 | 2 | 4, tmax: number, smax: number): Activation {
  return {
    bits,
    threshold: Int32Array.from({ length: c }, () => Math.round((rand() * 1.5 - 0.5) * tmax)),
    actStep16: Uint32Array.from({ length: c }, () => 1 + Math.floor(rand() * smax)),
  };
}

/** InputConvolutional 3x3 (4 filters, max pool 2x2) -> Convolutional 3x3 (6, average pool) -> FullyConnected 5. */
export function randomModel(seed: number): ModelSpec {
  const rand = lcg(seed);
  return {
    version: 1,
    name: `random-${seed}`,
    layers: [
      { name: 'conv0', kind: 'InputConvolutional', inputShape: [8, 8, 1], inputBits: 8, kernel: [3, 3], stride: 1, padding: 'same', filters: 4,
        weightBits: 4, weights: int8(rand, 36, 7), pooling: { type: 'max', size: [2, 2], stride: [2, 2], padding: 'valid' }, activation: activation(rand, 4, 4, 800, 3000) },
      { name: 'conv1', kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 6, weightBits: 4, weights: int8(rand, 216, 7),
        pooling: { type: 'average', size: [2, 2], stride: [2, 2] }, activation: activation(rand, 6, 2, 10, 200) },
      { name: 'fc', kind: 'FullyConnected', units: 5, weightBits: 2, weights: int8(rand, 2 * 2 * 6 * 5, 1), activation: activation(rand, 5, 4, 6, 8) },
    ],
  };
}

/**
 * A harder shape mix: InputData 4-bit 9x7x2 -> Convolutional 3x3 stride 2 'same' (40 filters:
 * two spike words, overlapping 3x3/2 'same' max pool) -> SeparableConvolutional 3x3 (global
 * average pool) -> FullyConnected 3 without activation (potentials readout).
 */
export function mixedModel(seed: number): ModelSpec {
  const rand = lcg(seed);
  const layers: Layer[] = [
    { name: 'in', kind: 'InputData', inputShape: [9, 7, 2], inputBits: 4 },
    { name: 'wide', kind: 'Convolutional', kernel: [3, 3], stride: 2, padding: 'same', filters: 40, weightBits: 4, weights: int8(rand, 9 * 2 * 40, 7),
      pooling: { type: 'max', size: [3, 3], stride: [2, 2], padding: 'same' }, activation: activation(rand, 40, 1, 60, 400) },
    { name: 'sep', kind: 'SeparableConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 7, weightBits: 4,
      depthwise: int8(rand, 9 * 40, 7), pointwise: int8(rand, 40 * 7, 7), pooling: { type: 'global_avg' }, activation: activation(rand, 7, 2, 40, 800) },
    { name: 'out', kind: 'FullyConnected', units: 3, weightBits: 4, weights: int8(rand, 7 * 3, 7), activation: null },
  ];
  return { version: 1, name: `mixed-${seed}`, layers };
}

/**
 * Shapes the GPU kernels do not unroll (MAX_UNROLLED_TAPS in src/kernels/temporal-conv.ts,
 * MAX_UNROLLED_WINDOW in src/kernels/temporal-scan.ts): InputData 8-bit 6x6x1 ->
 * Convolutional 5x5 'same' (36 filters: two spike words; 25 taps, a third of them in the
 * padding at the border) -> Convolutional 3x3 over the 36 channels (54 tap words) with a
 * global average of 36 positions -> FullyConnected 4.
 */
export function largeKernelModel(seed: number): ModelSpec {
  const rand = lcg(seed);
  const layers: Layer[] = [
    { name: 'in', kind: 'InputData', inputShape: [6, 6, 1], inputBits: 8 },
    { name: 'conv5', kind: 'Convolutional', kernel: [5, 5], stride: 1, padding: 'same', filters: 36, weightBits: 4, weights: int8(rand, 25 * 36, 7),
      pooling: { type: 'none' }, activation: activation(rand, 36, 2, 800, 3000) },
    { name: 'conv3', kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 8, weightBits: 4, weights: int8(rand, 9 * 36 * 8, 7),
      pooling: { type: 'global_avg' }, activation: activation(rand, 8, 4, 2, 40) },
    { name: 'fc', kind: 'FullyConnected', units: 4, weightBits: 4, weights: int8(rand, 8 * 4, 7), activation: activation(rand, 4, 4, 20, 200) },
  ];
  return { version: 1, name: `large-kernel-${seed}`, layers };
}

export function randomInput(shape: Shape3, n: number, seed: number, max = 255): IntBatch {
  const rand = lcg(seed);
  return { data: Int32Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => Math.floor(rand() * (max + 1))), n, shape };
}
