// The hand-worked cases of test/cases/ on the integer reference (the GPU tests run the same files).
import { describe, expect, it } from 'vitest';
import { referenceForward } from '../../src/reference/index.js';
import { describeCases, loadCases, parseCase } from '../helpers/cases.js';

describeCases('reference', (spec, input) => referenceForward(spec, input).output);

describe('case loader', () => {
  it('loads every case with the notes that show its arithmetic', () => {
    for (const c of loadCases()) expect(c.notes.length, c.file).toBeGreaterThan(0);
  });

  it('names the file and the field of a broken case', () => {
    const doc = {
      name: 'x',
      model: { format: 'spikemesh-model', version: 1, layers: [{ name: 'in', kind: 'InputData', inputShape: [1, 1, 2], inputBits: 8 }] },
      input: { shape: [1, 1, 2], n: 2, data: [1, 2, 3] },
      expected: { shape: [1, 1, 2], data: [1, 2, 3, 4] },
    };
    expect(() => parseCase(doc, 'bad.json')).toThrow('bad.json: input.data is missing or wrong, expected 4 values (n x h x w x c), found 3');
    expect(() => parseCase({ ...doc, input: { ...doc.input, data: [1, 2, 3, 4] }, expected: { shape: [1, 2] } }, 'bad.json'))
      .toThrow('bad.json: expected.shape is missing or wrong, expected a shape [h, w, c] of positive integers');
    expect(() => parseCase({ ...doc, model: { ...doc.model, layers: [{ ...doc.model.layers[0], inputBits: 9 }] } }, 'bad.json'))
      .toThrow("bad.json (model): layer 0 'in': inputBits is 9, expected an integer in [1, 8]");
  });
});
