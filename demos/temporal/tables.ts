// The sweep report as tables: the checkpoint rows and the per-layer figures, with the columns
// `spikemesh sweep` prints (formatSweepTable).
import type { SweepReport } from '../../src/temporal.js';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const mops = (x: number) => (x / 1e6).toFixed(3);

function table(head: string[], rows: string[][], caption: string): HTMLTableElement {
  const t = document.createElement('table');
  t.className = 'sweep-table';
  t.createCaption().textContent = caption;
  const hr = t.createTHead().insertRow();
  for (const h of head) {
    const th = document.createElement('th');
    th.textContent = h;
    hr.append(th);
  }
  const body = t.createTBody();
  for (const cells of rows) {
    const tr = body.insertRow();
    cells.forEach((c, i) => {
      const td = tr.insertCell();
      td.textContent = c;
      if (i > 0) td.className = 'num';
    });
  }
  return t;
}

/** Accuracy, difference to the source, MOps, SynOps and spikes per sample at each checkpoint. */
export function checkpointTable(r: SweepReport): HTMLTableElement {
  const rows = r.rows.map((row) => [
    String(row.t),
    pct(row.accuracy),
    r.sourceAccuracy === null ? '-' : ((row.accuracy - r.sourceAccuracy) * 100).toFixed(2),
    mops(row.ops),
    mops(row.synops),
    row.spikes.toFixed(0),
  ]);
  const src = r.sourceAccuracy === null ? 'source accuracy unknown' : `source accuracy ${pct(r.sourceAccuracy)}`;
  return table(['T (steps)', 'accuracy (%)', 'vs source (points)', 'MOps per sample (millions)', 'SynOps per sample (millions)', 'spikes per sample'], rows,
    `Checkpoints: ${src}, ${mops(r.sourceMacs)} million MACs per sample (source network)`);
}

/** Spikes, firing rate (spikes per neuron per step) and the SynOps they cause, per layer over the whole run. */
export function layerTable(r: SweepReport): HTMLTableElement {
  const rows = [
    ...(r.input.spikes ? [['input', '-', r.input.spikes.toFixed(0), '-', mops(r.input.synops)]] : []),
    ...r.layers.map((l) => [l.name, String(l.neurons), l.spikes.toFixed(0), l.rate.toFixed(4), mops(l.synops)]),
  ];
  return table(['layer', 'neurons (per sample)', 'spikes per sample', 'rate (spikes per neuron per step)', 'SynOps out per sample (millions)'], rows, `Layers over ${r.timesteps} steps (per sample)`);
}
