// A sweep report as a text table, CSV, or an SVG plot (accuracy and MOps versus timesteps).
import type { SweepReport } from './sweep.js';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const mops = (x: number) => (x / 1e6).toFixed(3);

function describe(r: SweepReport): string {
  const m = r.metadata;
  const method = typeof m.method === 'string'
    ? `, ${m.method}${m.percentile !== undefined ? ` ${m.percentile}` : ''}${m.tre ? `, TRE ${m.tre}` : ''}`
    : '';
  return `${r.model} (${r.variant}${method}), ${r.n} samples, T = ${r.timesteps}, ${r.encoding} input, reset ${r.reset}, readout ${r.readout}, ${r.backend}`;
}

export function formatSweepTable(r: SweepReport): string {
  const lines = [`sweep: ${describe(r)}, ${r.seconds.toFixed(1)} s`];
  const src = r.sourceAccuracy === null ? 'source accuracy unknown' : `source accuracy ${pct(r.sourceAccuracy)}`;
  lines.push(`${src}, ${mops(r.sourceMacs)} MMACs per sample (source network)`);
  if (r.input.macs) lines.push(`constant input: the first layer's ${mops(r.input.macs)} MMACs are done once per sample (counted in MOps)`);
  lines.push('');
  const head = ['T', 'accuracy', 'vs source', 'MOps/sample', 'SynOps/sample', 'spikes/sample'];
  const rows = r.rows.map((row) => [
    String(row.t),
    pct(row.accuracy),
    r.sourceAccuracy === null ? '-' : `${((row.accuracy - r.sourceAccuracy) * 100).toFixed(2)}`,
    mops(row.ops),
    mops(row.synops),
    row.spikes.toFixed(0),
  ]);
  lines.push(...table(head, rows));
  lines.push('', `layers over ${r.timesteps} steps (per sample):`);
  const lrows = [
    ...(r.input.spikes ? [['input', '-', r.input.spikes.toFixed(0), '-', mops(r.input.synops)]] : []),
    ...r.layers.map((l) => [l.name, String(l.neurons), l.spikes.toFixed(0), l.rate.toFixed(4), mops(l.synops)]),
  ];
  lines.push(...table(['layer', 'neurons', 'spikes', 'rate/step', 'MSynOps out'], lrows));
  return lines.join('\n');
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(head), ...rows.map(fmt)];
}

export function sweepCsv(r: SweepReport): string {
  const lines = ['t,accuracy,correct,n,synops_per_sample,ops_per_sample,spikes_per_sample,source_accuracy,source_macs'];
  for (const row of r.rows) {
    lines.push([row.t, row.accuracy, row.correct, r.n, row.synops, row.ops, row.spikes, r.sourceAccuracy ?? '', r.sourceMacs].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Accuracy (left axis) and MOps per sample (right axis) against log2 T; the source network dashed. */
export function sweepSvg(r: SweepReport): string {
  const W = 720, H = 420, left = 70, right = 80, top = 50, bottom = 60;
  const pw = W - left - right, ph = H - top - bottom;
  const ts = r.rows.map((row) => row.t);
  const lx0 = Math.log2(Math.min(...ts)), lx1 = Math.log2(Math.max(...ts));
  const x = (t: number) => left + (lx1 > lx0 ? ((Math.log2(t) - lx0) / (lx1 - lx0)) * pw : pw / 2);
  const accs = r.rows.map((row) => row.accuracy * 100).concat(r.sourceAccuracy === null ? [] : [r.sourceAccuracy * 100]);
  const a0 = Math.max(0, Math.floor(Math.min(...accs) / 10) * 10), a1 = 100;
  const ya = (a: number) => top + ph - ((a - a0) / (a1 - a0)) * ph;
  const opsMax = Math.max(...r.rows.map((row) => row.ops), r.sourceMacs) / 1e6 || 1;
  const yo = (o: number) => top + ph - (o / 1e6 / opsMax) * ph;
  const line = (pts: Array<[number, number]>, color: string, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(describe(r))}</text>`,
    `<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
  ];
  for (const t of ts) {
    parts.push(`<line x1="${x(t)}" y1="${top + ph}" x2="${x(t)}" y2="${top + ph + 5}" stroke="#999"/>`, `<text x="${x(t)}" y="${top + ph + 18}" text-anchor="middle">${t}</text>`);
  }
  for (let a = a0; a <= a1; a += (a1 - a0) / 5) {
    parts.push(`<text x="${left - 8}" y="${ya(a) + 4}" text-anchor="end" fill="#1f77b4">${a.toFixed(0)}%</text>`);
    parts.push(`<text x="${left + pw + 8}" y="${ya(a) + 4}" fill="#d62728">${((opsMax * (a - a0)) / (a1 - a0)).toFixed(2)}</text>`);
  }
  parts.push(`<text x="${left + pw / 2}" y="${H - 15}" text-anchor="middle">timesteps T</text>`);
  parts.push(`<text transform="translate(18 ${top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f77b4">accuracy</text>`);
  parts.push(`<text transform="translate(${W - 18} ${top + ph / 2}) rotate(90)" text-anchor="middle" fill="#d62728">MOps per sample</text>`);
  parts.push(line(r.rows.map((row) => [x(row.t), ya(row.accuracy * 100)]), '#1f77b4'));
  parts.push(line(r.rows.map((row) => [x(row.t), yo(row.ops)]), '#d62728'));
  if (r.sourceAccuracy !== null) parts.push(line([[left, ya(r.sourceAccuracy * 100)], [left + pw, ya(r.sourceAccuracy * 100)]], '#1f77b4', '6 4'));
  parts.push(line([[left, yo(r.sourceMacs)], [left + pw, yo(r.sourceMacs)]], '#d62728', '6 4'));
  parts.push(`<text x="${left + 6}" y="${top + 16}" fill="#555">dashed: source network (accuracy, MMACs)</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
