// `spikemesh bench`: argument checks before any benchmark starts (the benchmark itself is
// `npm run bench`, too slow for the test suite on a CPU adapter).
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

async function cli(...argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(argv), err };
  } finally {
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('spikemesh bench', () => {
  it('bad counts and a model without its float twin are usage errors (exit 2)', async () => {
    for (const args of [['--batch', '0'], ['--tfjs-samples', 'x'], ['--cpu-samples', '1.5'], ['--model', 'm.json'], ['--float', 'model.json']]) {
      const r = await cli('bench', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/^spikemesh: (--batch 0|--tfjs-samples x|--cpu-samples 1.5): expected an integer >= 1|^spikemesh: --model and --float go together/);
    }
  });
});
