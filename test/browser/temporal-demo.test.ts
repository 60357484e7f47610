// The temporal-mode demo in real Chromium (WebGPU on SwiftShader): a small sweep of the float
// network normalised by ECC, checked against the reference backend run in the page on the same
// net and digits (the GPU path is bit-exact, so the figures must be equal), the uPlot charts
// holding exactly the published results, then a second run (the integer model, Poisson input)
// overlaid on the first (also equal to the reference), and no console or page errors on the way.
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TemporalDemoState, TemporalRun } from '../../demos/temporal/main.js';
import type { PlottedChart } from '../../demos/temporal/plot.js';
import { demoLinks, openPage, screenshotDir, useDemoBrowser } from './harness.js';

const DIGITS = 20;
const T = 32;
const CHECKPOINTS = [1, 2, 4, 8, 16, 32];

const demo = useDemoBrowser();
let page: Page | undefined;
let errors: string[] = [];

const state = async (): Promise<TemporalDemoState> => (await page!.evaluate(() => window.__temporal)) as TemporalDemoState;

async function setValue(id: string, value: string): Promise<void> {
  await page!.$eval(`#${id}`, (el, v) => {
    (el as HTMLInputElement | HTMLSelectElement).value = v;
    el.dispatchEvent(new Event('change'));
  }, value);
}

async function setChecked(id: string, checked: boolean): Promise<void> {
  await page!.$eval(`#${id}`, (el, c) => ((el as HTMLInputElement).checked = c), checked);
}

/** Submits the form and waits until the run count reaches `runs` (or an error). */
async function run(runs: number): Promise<TemporalDemoState> {
  await page!.click('#run');
  await page!.waitForFunction(
    (n: number) => (!window.__temporal?.running && (window.__temporal?.runs.length ?? 0) >= n) || window.__temporal?.error !== undefined,
    { timeout: 170_000, polling: 250 },
    runs,
  );
  const s = await state();
  expect(s.error).toBeUndefined();
  return s;
}

function series(chart: PlottedChart, label: string): Array<number | null> {
  const s = chart.series.find((c) => c.label === label);
  expect(s, `series '${label}' in ${chart.series.map((c) => c.label).join(', ')}`).toBeDefined();
  return s!.values;
}

/** The chart's values of a run at the chart's x, from the run's own rows. */
function expectedAt(chart: PlottedChart, r: TemporalRun, pick: (row: TemporalRun['report']['rows'][number]) => number) {
  return chart.x.map((t) => {
    const row = r.report.rows.find((w) => w.t === t);
    return row ? pick(row) : null;
  });
}

beforeAll(async () => {
  ({ page, errors } = await openPage(demo.browser(), `${demo.base()}/demos/temporal/`));
  await page.waitForFunction(() => window.__temporal?.ready || window.__temporal?.error !== undefined, { timeout: 110_000, polling: 200 });
}, 150_000);

describe('temporal demo in Chromium', () => {
  it('is listed on the demos page', async () => {
    const index = await demoLinks(demo);
    expect(index.links).toContain('./temporal/');
    expect(index.errors).toEqual([]);
  });

  it('starts on the browser adapter', async () => {
    const s = await state();
    expect(s.error).toBeUndefined();
    expect(s.adapter?.environment).toBe('browser');
    expect(await page!.$eval('#status', (el) => el.textContent)).toMatch(/^ready/);
  });

  it(`sweeps ${DIGITS} digits to T = ${T} on WebGPU (ECC) with the reference backend's figures, and plots them`, async () => {
    await setValue('net', 'ecc');
    await setValue('digits', String(DIGITS));
    await setValue('timesteps', String(T));
    await setValue('encoding', 'constant');
    await setValue('backend', 'webgpu');
    await setChecked('compare', true);
    const s = await run(1);
    expect(s.runs).toHaveLength(1);
    const r = s.runs[0]!;
    const rep = r.report;
    console.log(`temporal demo: ECC, ${DIGITS} digits, T = ${T}: accuracy ${rep.rows.map((w) => w.accuracy).join('/')}, `
      + `float ${rep.sourceAccuracy}; webgpu ${rep.seconds.toFixed(1)} s, reference ${r.comparison?.report.seconds.toFixed(1)} s`);
    expect([rep.n, rep.timesteps, rep.backend, rep.variant]).toEqual([DIGITS, T, 'webgpu', 'float']);
    expect(rep.metadata.method).toBe('ecc');
    expect(rep.rows.map((w) => w.t)).toEqual(CHECKPOINTS);
    for (const w of rep.rows) {
      expect(w.accuracy).toBeGreaterThanOrEqual(0);
      expect(w.accuracy).toBeLessThanOrEqual(1);
      expect(w.accuracy).toBe(w.correct / DIGITS);
    }
    // SynOps accumulate over the steps
    for (let i = 1; i < rep.rows.length; i++) expect(rep.rows[i]!.synops).toBeGreaterThan(rep.rows[i - 1]!.synops);
    expect(rep.sourceAccuracy).toBeGreaterThan(0.8); // the float network: 98% on 2,000 digits (models/README.md)
    expect(rep.rows.at(-1)!.accuracy).toBeGreaterThan(0.8); // ECC at T = 32: within 0.15 points of it there
    // the library's sweep() with the reference backend, in the page, on the same net and digits
    const c = r.comparison!;
    expect(c.backend).toBe('reference');
    expect(c.report.rows.at(-1)!.accuracy).toBe(rep.rows.at(-1)!.accuracy);
    expect(c.report.rows).toEqual(rep.rows);
    expect(c.report.layers).toEqual(rep.layers);
    expect(c.equal).toBe(true);
    expect(await page!.$eval('#reference-result', (el) => el.className)).toBe('pass');
    // per-layer firing rates: spikes per neuron per step
    // the float net's blocks are named by the tfjs layers folded into them ('conv1+pool1+bn1+relu1', ...)
    expect(rep.layers.map((l) => l.name.split('+')[0])).toEqual(['conv1', 'conv2', 'sep3', 'dense']);
    for (const l of rep.layers) {
      expect(l.rate).toBeGreaterThan(0);
      expect(l.rate).toBeLessThanOrEqual(1);
      expect(l.rate).toBeCloseTo(l.spikes / (l.neurons * T), 12);
    }

    // the charts hold the published results
    const { accuracy, synops } = s.plotted!;
    expect(accuracy.x).toEqual(CHECKPOINTS);
    expect(series(accuracy, r.label)).toEqual(rep.rows.map((w) => w.accuracy));
    expect(series(accuracy, `float network (${DIGITS} digits)`)).toEqual(CHECKPOINTS.map(() => rep.sourceAccuracy));
    expect(synops.x).toEqual(CHECKPOINTS);
    expect(series(synops, r.label)).toEqual(rep.rows.map((w) => w.synops));
    expect(series(synops, 'float network: MACs')).toEqual(CHECKPOINTS.map(() => rep.sourceMacs));
    for (const id of ['plot-accuracy', 'plot-synops']) {
      const sizes = await page!.$$eval(`#${id} canvas`, (cs) => cs.map((cv) => (cv as HTMLCanvasElement).width * (cv as HTMLCanvasElement).height));
      expect(sizes).toHaveLength(1);
      expect(sizes[0]).toBeGreaterThan(0);
    }
    // the tables: one row per checkpoint, one per layer
    const cells = await page!.$$eval('#runs details[open] table.sweep-table', (ts) => ts.map((t) => Array.from((t as HTMLTableElement).tBodies[0]!.rows, (row) => row.cells[1]!.textContent)));
    expect(cells[0]).toEqual(rep.rows.map((w) => `${(100 * w.accuracy).toFixed(2)}%`));
    expect(cells[1]).toHaveLength(rep.layers.length); // constant input: no input spikes row
  }, 300_000);

  it('overlays a second run (the integer model, Poisson input) on the first', async () => {
    const first = (await state()).runs[0]!;
    await setValue('net', 'integer');
    await setValue('encoding', 'poisson');
    await setValue('seed', '7');
    await setChecked('overlay', true);
    const s = await run(2);
    const [a, b] = s.runs as [TemporalRun, TemporalRun];
    expect(a.report).toEqual(first.report);
    expect([b.report.variant, b.report.encoding, b.report.n, b.report.timesteps]).toEqual(['integer', 'poisson (seed 7)', DIGITS, T]);
    // the same Poisson spikes on the GPU and in the reference (counter-based RNG)
    expect(b.comparison!.report.rows).toEqual(b.report.rows);
    expect(b.comparison!.equal).toBe(true);
    for (const w of b.report.rows) expect(w.accuracy).toBe(w.correct / DIGITS);
    expect(b.report.input.spikes).toBeGreaterThan(0); // Poisson input spikes
    const { accuracy, synops } = s.plotted!;
    expect(accuracy.series.map((c) => c.label)).toEqual([a.label, b.label, `float network (${DIGITS} digits)`, `integer model (${DIGITS} digits)`]);
    expect(series(accuracy, a.label)).toEqual(expectedAt(accuracy, a, (w) => w.accuracy));
    expect(series(accuracy, b.label)).toEqual(expectedAt(accuracy, b, (w) => w.accuracy));
    expect(series(accuracy, `integer model (${DIGITS} digits)`)).toEqual(accuracy.x.map(() => b.report.sourceAccuracy));
    expect(series(synops, b.label)).toEqual(expectedAt(synops, b, (w) => w.synops));
    expect(await page!.$$eval('#runs details', (d) => d.length)).toBe(2);
    const shot = join(screenshotDir(), 'temporal-demo.png');
    await page!.evaluate(() => window.scrollTo(0, 0));
    await page!.screenshot({ path: shot, fullPage: true });
    console.log(`temporal demo: integer q4, Poisson seed 7: accuracy ${b.report.rows.map((w) => w.accuracy).join('/')}, source ${b.report.sourceAccuracy}, `
      + `${b.report.seconds.toFixed(1)} s; screenshot ${shot}`);
    expect(errors).toEqual([]);
  }, 300_000);
});
