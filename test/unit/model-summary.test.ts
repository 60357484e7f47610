// summarize / formatSummary on a small model whose figures are worked out by hand.
import { describe, expect, it } from 'vitest';
import { formatSummary, summarize } from '../../src/ir/summary.js';
import type { ModelSpec } from '../../src/ir/types.js';
import { act, conv, dense, inputData, model, separable } from '../helpers/builders.js';

function spec(): ModelSpec {
  return {
    ...model(
      inputData([6, 6, 2], 8, 'in'),
      conv({
        name: 'conv1', kernel: [3, 3], padding: 'same', filters: 4, weightBits: 4, weights: Array(72).fill(1),
        pooling: { type: 'max', size: [2, 2], stride: [2, 2], padding: 'valid' }, activation: act(4, [10, 20, 30, 40], [16, 32, 48, 64]),
      }),
      separable({
        name: 'sep2', kernel: [3, 3], padding: 'same', filters: 3, weightBits: 2, depthwise: Array(36).fill(1), pointwise: Array(12).fill(-1),
        pooling: { type: 'global_avg' }, activation: act(2, [0, 1, 2], [8, 8, 8]),
      }),
      dense({ name: 'fc3', units: 2, weights: [1, 2, 3, 4, 5, 6], activation: null }),
    ),
    name: 'tiny',
  };
}

describe('summarize', () => {
  it('gives per-layer shapes, parameters, bits and ranges', () => {
    const s = summarize(spec());
    // conv1: 3x3x2x4 = 72 weights at 4 bits = 36 bytes; 6x6 same -> 6x6x4, max 2x2/2 -> 3x3x4
    // sep2: 3x3x4 + 4x3 = 48 weights at 2 bits = 12 bytes; 3x3x3 -> global_avg -> 1x1x3
    // fc3: 3 x 2 = 6 weights at 8 bits = 6 bytes; potentials only
    expect(s.rows.map((r) => [r.name, r.inputShape, r.outputShape, r.parameters, r.weightBytes])).toEqual([
      ['in', [6, 6, 2], [6, 6, 2], 0, 0],
      ['conv1', [6, 6, 2], [3, 3, 4], 72, 36],
      ['sep2', [3, 3, 4], [1, 1, 3], 48, 12],
      ['fc3', [1, 1, 3], [1, 1, 2], 6, 6],
    ]);
    expect(s.rows[1]).toMatchObject({
      kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', weightBits: 4, actBits: 4, inputBits: null,
      pooling: 'max 2x2/2x2 valid', thresholdRange: [10, 40], actStepRange: [1, 4], potentialsOnly: false,
    });
    // act_step = 8/16 = 0.5
    expect(s.rows[2]).toMatchObject({ pooling: 'global_avg', actStepRange: [0.5, 0.5], thresholdRange: [0, 2] });
    expect(s.rows[3]).toMatchObject({ kernel: null, actBits: null, thresholdRange: null, potentialsOnly: true });
    expect(s.rows[0]).toMatchObject({ kind: 'InputData', inputBits: 8, weightBits: null, potentialsOnly: false });
    expect([s.name, s.inputShape, s.outputShape, s.layers, s.parameters, s.weightBytes]).toEqual(['tiny', [6, 6, 2], [1, 1, 2], 4, 126, 54]);
  });

  it('is JSON-friendly', () => {
    const s = summarize(spec());
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('formatSummary', () => {
  it('prints an aligned table headed by the totals', () => {
    const lines = formatSummary(summarize(spec())).split('\n');
    expect(lines[0]).toBe("Model 'tiny': input [6, 6, 2] -> output [1, 1, 2], 4 layers, 126 parameters (54 bytes of weights)");
    const header = lines[2]!;
    const rows = lines.slice(4, 8);
    expect(lines).toHaveLength(9);
    expect(lines[1]).toMatch(/^_+$/);
    expect(lines[3]).toMatch(/^=+$/);
    expect(lines[8]).toMatch(/^_+$/);
    expect(rows.map((r) => r.split(/\s{2,}/)[0])).toEqual([
      'in (InputData)', 'conv1 (Convolutional)', 'sep2 (SeparableConvolutional)', 'fc3 (FullyConnected)',
    ]);
    // every column starts where its header starts
    for (const [title, cells] of [
      ['Output shape', ['[6, 6, 2]', '[3, 3, 4]', '[1, 1, 3]', '[1, 1, 2]']],
      ['Kernel', ['-', '3x3/1 same', '3x3/1 same', '-']],
      ['Pooling', ['-', 'max 2x2/2x2 valid', 'global_avg', '-']],
      ['Bits w/a', ['-/8', '4/4', '2/2', '8/pot']],
      ['Threshold', ['-', '10..40', '0..2', '-']],
      ['Act step', ['-', '1..4', '0.5', '-']],
    ] as const) {
      const at = header.indexOf(title);
      rows.forEach((r, k) => expect(r.slice(at).startsWith(cells[k]!), `${title} of row ${k}: ${r}`).toBe(true));
    }
    // parameters right-aligned under their header
    const end = header.indexOf('Params') + 'Params'.length;
    expect(rows.map((r) => r.slice(0, end).trimEnd().split(' ').pop())).toEqual(['0', '72', '48', '6']);
  });

  it('accepts bare rows (no totals line)', () => {
    const text = formatSummary(summarize(spec()).rows);
    expect(text.split('\n')[0]).toMatch(/^_+$/);
    expect(text).toContain('conv1 (Convolutional)');
  });
});
