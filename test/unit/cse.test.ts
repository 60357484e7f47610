// shareSums (src/kernels/cse.ts): every list still sums to the same inputs, with fewer adds,
// temporaries only use what came before them, and the greedy choice on a small example.
import { describe, expect, it } from 'vitest';
import { shareSums } from '../../src/kernels/cse.js';
import { mulberry32, randInt } from '../helpers/builders.js';

const adds = (lists: string[][]) => lists.reduce((s, l) => s + Math.max(0, l.length - 1), 0);

describe('shareSums', () => {
  it('adds the pair most lists share once, then the next', () => {
    // (x, y) is in three lists, (y, z) in two; after (x, y) -> t0, (t0, z) is in two
    const { temps, lists } = shareSums([['x', 'y', 'z'], ['x', 'y', 'z'], ['x', 'y'], ['w', 'z']], (i) => `t${i}`);
    expect(temps).toEqual([{ name: 't0', a: 'x', b: 'y' }, { name: 't1', a: 't0', b: 'z' }]);
    expect(lists).toEqual([['t1'], ['t1'], ['t0'], ['w', 'z']]);
    // 2 + 2 + 1 + 1 = 6 adds before, 2 temporaries + 1 after
    expect(adds(lists) + temps.length).toBe(3);
  });

  it('keeps every sum and saves adds on random lists (120 cases)', () => {
    const rng = mulberry32(17);
    let before = 0;
    let after = 0;
    for (let c = 0; c < 120; c++) {
      const inputs = Array.from({ length: randInt(rng, 2, 40) }, (_, i) => `v${i}`);
      const lists = Array.from({ length: randInt(rng, 1, 60) }, () => inputs.filter(() => rng() < 0.3));
      const got = shareSums(lists, (i) => `t${i}`);
      // each temporary uses inputs or earlier temporaries only
      const known = new Map<string, string[]>(inputs.map((x) => [x, [x]]));
      for (const t of got.temps) {
        expect(known.has(t.a) && known.has(t.b), `${t.name} = ${t.a} + ${t.b}`).toBe(true);
        known.set(t.name, [...known.get(t.a)!, ...known.get(t.b)!]);
      }
      got.lists.forEach((list, i) => expect(list.flatMap((x) => known.get(x)!).sort()).toEqual([...lists[i]!].sort()));
      expect(adds(got.lists) + got.temps.length).toBeLessThanOrEqual(adds(lists));
      before += adds(lists);
      after += adds(got.lists) + got.temps.length;
    }
    expect(after).toBeLessThan(0.9 * before);
  });
});
