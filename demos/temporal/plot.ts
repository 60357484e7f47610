// The two sweep plots, drawn with uPlot: accuracy versus T and SynOps per sample versus T
// (log2 x axis), one series per run, with the source network (its accuracy on the same digits,
// its MACs per sample) as dashed horizontal lines: the comparison of the ECC paper.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SweepReport } from '../../src/temporal.js';

export interface PlottedRun {
  /** legend name of the run */
  label: string;
  /** what the source network is, e.g. 'float network' */
  sourceLabel: string;
  report: SweepReport;
}

/** What a chart shows, read back from the uPlot instance (published for the browser test). */
export interface PlottedChart {
  x: number[];
  series: Array<{ label: string; values: Array<number | null> }>;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
/** the source networks' lines: neutral colours, apart from the runs' */
const SOURCE_COLOURS = ['#555555', '#b8860b', '#17becf'];
/** the source lines' dash patterns: different for each, so lines that coincide stay visible */
const DASHES = [[8, 6], [2, 4], [14, 4, 2, 4]];

interface Line {
  label: string;
  colour: string;
  dashed: boolean;
  /** index among the dashed lines */
  dash?: number;
  /** y at x, or a constant for the whole axis */
  y: ((t: number) => number | null) | number;
}

/** The checkpoints of every run, ascending and without repeats: the shared x of the chart. */
function timesteps(runs: PlottedRun[]): number[] {
  return [...new Set(runs.flatMap((r) => r.report.rows.map((row) => row.t)))].sort((a, b) => a - b);
}

function rowValue(report: SweepReport, pick: (row: SweepReport['rows'][number]) => number) {
  const at = new Map(report.rows.map((row) => [row.t, pick(row)]));
  return (t: number) => at.get(t) ?? null;
}

/** One dashed line per distinct source figure (runs on the same digits share theirs). */
function sourceLines(runs: PlottedRun[], label: (r: PlottedRun) => string, value: (r: PlottedRun) => number | null): Line[] {
  const seen = new Map<string, Line>();
  for (const r of runs) {
    const y = value(r);
    const key = `${label(r)}|${y}`;
    if (y !== null && !seen.has(key)) seen.set(key, { label: label(r), colour: SOURCE_COLOURS[seen.size % SOURCE_COLOURS.length]!, dashed: true, dash: seen.size, y });
  }
  return [...seen.values()];
}

function accuracyLines(runs: PlottedRun[]): Line[] {
  return [
    ...runs.map((r, i) => ({ label: r.label, colour: COLOURS[i % COLOURS.length]!, dashed: false, y: rowValue(r.report, (row) => row.accuracy) })),
    ...sourceLines(runs, (r) => `${r.sourceLabel} (${r.report.n} digits)`, (r) => r.report.sourceAccuracy),
  ];
}

function synopsLines(runs: PlottedRun[]): Line[] {
  return [
    ...runs.map((r, i) => ({ label: r.label, colour: COLOURS[i % COLOURS.length]!, dashed: false, y: rowValue(r.report, (row) => row.synops) })),
    ...sourceLines(runs, (r) => `${r.sourceLabel}: MACs`, (r) => r.report.sourceMacs),
  ];
}

/** tick labels and legend values */
interface Format {
  tick: (v: number) => string;
  value: (v: number) => string;
}
const PERCENT: Format = { tick: (v) => `${Math.round(100 * v)}%`, value: (v) => `${(100 * v).toFixed(2)}%` };
const MEGA: Format = { tick: (v) => `${Number((v / 1e6).toPrecision(3))} M`, value: (v) => `${(v / 1e6).toFixed(3)} million` };

function draw(target: HTMLElement, title: string, yLabel: string, format: Format, x: number[], lines: Line[]): uPlot {
  const data: uPlot.AlignedData = [x, ...lines.map((l) => x.map((t) => (typeof l.y === 'number' ? l.y : l.y(t))))];
  const opts: uPlot.Options = {
    title,
    width: Math.max(360, target.clientWidth || 800),
    height: 300,
    scales: { x: { time: false, distr: 3, log: 2 } },
    axes: [
      { label: 'timesteps T (log scale)', values: (_u, splits) => splits.map((v) => String(v)) },
      { label: yLabel, size: 80, values: (_u, splits) => splits.map(format.tick) },
    ],
    series: [
      { label: 'T' },
      ...lines.map((l): uPlot.Series => ({
        label: l.label,
        stroke: l.colour,
        width: l.dashed ? 2 + ((l.dash ?? 0) % 2) : 2,
        spanGaps: true,
        value: (_u, v) => (v === null ? '–' : format.value(v)),
        ...(l.dashed ? { dash: DASHES[(l.dash ?? 0) % DASHES.length], points: { show: false } } : { points: { show: true, size: 6 } }),
      })),
    ],
  };
  target.replaceChildren();
  return new uPlot(opts, data, target);
}

function readBack(u: uPlot): PlottedChart {
  return {
    x: Array.from(u.data[0], Number),
    series: u.series.slice(1).map((s, i) => ({ label: String(s.label), values: Array.from(u.data[i + 1]!, (v) => v ?? null) })),
  };
}

/** The two charts of the runs (earlier charts in the targets are replaced). */
export class SweepPlots {
  private charts: uPlot[] = [];

  constructor(private readonly accuracyTarget: HTMLElement, private readonly synopsTarget: HTMLElement) {}

  show(runs: PlottedRun[]): { accuracy: PlottedChart; synops: PlottedChart } {
    for (const c of this.charts) c.destroy();
    const x = timesteps(runs);
    const accuracy = draw(this.accuracyTarget, 'Accuracy versus timesteps', 'accuracy (% of digits)', PERCENT, x, accuracyLines(runs));
    const synops = draw(this.synopsTarget, 'Synaptic operations per sample up to T', 'SynOps per sample (M = million)', MEGA, x, synopsLines(runs));
    this.charts = [accuracy, synops];
    return { accuracy: readBack(accuracy), synops: readBack(synops) };
  }

  clear(): void {
    for (const c of this.charts) c.destroy();
    this.charts = [];
    this.accuracyTarget.replaceChildren();
    this.synopsTarget.replaceChildren();
  }
}
