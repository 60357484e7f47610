import { describe, expect, it } from 'vitest';
import { spikingNetFromModel } from '../../src/temporal/from-model.js';
import { accuracy, predictions } from '../../src/temporal/readout.js';
import { simulate } from '../../src/temporal/simulate.js';
import { defaultCheckpoints, sweep } from '../../src/temporal/sweep.js';
import { formatSweepTable, sweepCsv, sweepSvg } from '../../src/temporal/sweep-format.js';
import { randomInput, randomModel } from './temporal-fixtures.js';

describe('sweep', () => {
  const net = spikingNetFromModel(randomModel(7));
  const input = randomInput(net.input.shape, 12, 4);
  const labels = Array.from({ length: 12 }, (_, i) => (i * 7) % 5);

  it('defaults to powers of two up to T, and T', () => {
    expect(defaultCheckpoints(20)).toEqual([1, 2, 4, 8, 16, 20]);
    expect(defaultCheckpoints(1)).toEqual([1]);
  });

  for (const encoding of [{ kind: 'constant' as const }, { kind: 'poisson' as const, seed: 5 }]) {
    it(`reports at each checkpoint what a separate run of that length gives (${encoding.kind})`, async () => {
      const report = await sweep(net, input, labels, { timesteps: 24, checkpoints: [1, 3, 8, 24], encoding, backend: 'reference', batchSize: 5 }, 0.5);
      for (const row of report.rows) {
        const single = simulate(net, input, { timesteps: row.t, encoding });
        const pred = predictions(single.checkpoints[0]!, single.units, net.readoutScale, 'count');
        expect(row.correct).toBe(accuracy(pred, labels).correct);
        const synops = [single.stats.input, ...single.stats.layers].reduce((a, l) => a + l.synops.reduce((x, y) => x + y, 0), 0);
        expect(row.synops).toBeCloseTo(synops / input.n, 9);
        expect(row.ops).toBeCloseTo(synops / input.n + single.stats.inputMacs, 9);
      }
      expect(report.rows.some((r) => r.synops > 0)).toBe(true);
      // per-step statistics add up to the checkpoint totals
      const last = report.rows[report.rows.length - 1]!;
      const perStep = report.perStep.reduce((a, l) => a + l.synops.reduce((x, y) => x + y, 0), 0);
      expect(perStep).toBeCloseTo(last.synops, 9);
      expect(report.perStep.map((l) => l.name)).toEqual(['input', ...net.layers.map((l) => l.name)]);
    });
  }

  it('formats a table, CSV and an SVG plot', async () => {
    const report = await sweep(net, input, labels, { timesteps: 8, backend: 'reference' }, 0.25);
    const table = formatSweepTable(report);
    expect(table).toMatch(/source accuracy 25\.00%/);
    expect(table.split('\n').filter((l) => /^\d+\s/.test(l))).toHaveLength(4);
    const csv = sweepCsv(report).trim().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv[1]!.split(',')[0]).toBe('1');
    const svg = sweepSvg(report);
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    expect((svg.match(/<polyline/g) ?? []).length).toBe(4);
  });
});
