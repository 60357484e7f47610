// The confusion matrix eval prints: counts by (true, predicted), accuracy, recall, the table.
import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../../src/eval/confusion.js';

describe('ConfusionMatrix', () => {
  const m = new ConfusionMatrix(3);
  const pairs: Array<[number, number]> = [[0, 0], [0, 0], [0, 2], [1, 1], [2, 1], [2, 2], [2, 2]];
  for (const [l, p] of pairs) m.add(l, p);

  it('counts rows by true class and columns by predicted class', () => {
    expect(m.rows()).toEqual([[2, 0, 1], [0, 1, 0], [0, 1, 2]]);
    expect(m.total).toBe(7);
    expect(m.correct).toBe(5);
    expect(m.accuracy).toBeCloseTo(5 / 7, 12);
    expect(m.recall(0)).toBeCloseTo(2 / 3, 12);
    expect(m.recall(1)).toBe(1);
    expect(new ConfusionMatrix(2).recall(1)).toBeNaN();
  });

  it('prints indices as columns, names beside the row indices, recall per row', () => {
    const text = m.format(['cat', 'dog', 'emu']);
    expect(text.split('\n')).toEqual([
      'true  | predicted',
      '      | 0 1 2 | recall',
      '------+-------+-------',
      '0 cat | 2 0 1 | 66.7%',
      '1 dog | 0 1 0 | 100.0%',
      '2 emu | 0 1 2 | 66.7%',
    ]);
  });

  it('rejects labels and predictions outside the classes, naming the sample', () => {
    expect(() => m.add(3, 0, 'sample 9')).toThrow("sample 9: label 3 is outside the model's 3 classes [0, 2]");
    expect(() => m.add(0, -1, 'sample 9')).toThrow('sample 9: predicted class -1 is outside [0, 2]');
    expect(() => new ConfusionMatrix(0)).toThrow(RangeError);
  });
});
