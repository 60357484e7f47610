// Shared by the GPU tests: one device per test file, and bit-exact comparison of a GPU forward
// pass with referenceForward that names the layer, sample and position of the first difference.
import { expect } from 'vitest';
import { acquireDevice, GpuRunner } from '../../src/gpu/index.js';
import type { ForwardResult, IntBatch, ModelSpec } from '../../src/ir/types.js';
import { referenceForward } from '../../src/reference/index.js';

export async function testRunner(): Promise<GpuRunner> {
  const { device } = await acquireDevice();
  return new GpuRunner(device);
}

/** One line per layer: kind, geometry, pooling, bits, activation. */
export function describeModel(spec: ModelSpec): string {
  return spec.layers
    .map((l) => {
      const parts: string[] = [l.kind];
      if ('kernel' in l) parts.push(`k${l.kernel.join('x')} s${l.stride} ${l.padding} f${l.filters}`);
      if (l.kind === 'FullyConnected') parts.push(`u${l.units}`);
      if ('weightBits' in l) parts.push(`w${l.weightBits}`);
      if ('pooling' in l) parts.push(`pool:${l.pooling.type}${'size' in l.pooling ? l.pooling.size.join('x') + '/' + l.pooling.stride.join('x') : ''}`);
      if ('activation' in l) parts.push(l.activation ? `a${l.activation.bits}` : 'potentials');
      return parts.join(' ');
    })
    .join(' | ');
}

/** The first difference between two layer outputs, as text, or undefined. */
function firstDifference(expected: IntBatch, got: IntBatch): string | undefined {
  if (expected.shape.join() !== got.shape.join() || expected.n !== got.n) {
    return `shape [${got.shape}] x ${got.n}, expected [${expected.shape}] x ${expected.n}`;
  }
  const size = expected.shape[0] * expected.shape[1] * expected.shape[2];
  for (let i = 0; i < expected.data.length; i++) {
    if (expected.data[i] !== got.data[i]) {
      const sample = Math.floor(i / size);
      const r = i % size;
      const c = r % expected.shape[2];
      const px = Math.floor(r / expected.shape[2]);
      return `sample ${sample}, y ${Math.floor(px / expected.shape[1])}, x ${px % expected.shape[1]}, channel ${c}: got ${got.data[i]}, expected ${expected.data[i]}`;
    }
  }
  return undefined;
}

/** Asserts every layer output and the spike counts equal the reference's. `got` must hold all layers. */
export function expectReference(spec: ModelSpec, input: IntBatch, got: ForwardResult, what = ''): void {
  const ref = referenceForward(spec, input, true);
  const where = `${what ? what + ': ' : ''}${describeModel(spec)}`;
  expect(got.layers, `${where}: forward was not asked for every layer`).toBeDefined();
  ref.layers!.forEach((layer, k) => {
    const diff = firstDifference(layer, got.layers![k]!);
    expect(diff, `${where}: layer ${k} '${spec.layers[k]!.name}' differs at ${diff}`).toBeUndefined();
  });
  expect(firstDifference(ref.output, got.output), `${where}: output`).toBeUndefined();
  expect(got.spikes, `${where}: spikes per layer`).toEqual(ref.spikes);
}
