// The spikes-over-time page in real Chromium (WebGPU on SwiftShader): a known test digit run to
// T steps; the raster, the membrane traces and the decisions the page shows are the temporal
// engine's recording, checked here against the reference simulate() in Node on the same net
// and digit; play / pause / step move the shown step.
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnistDigitsFile } from '../../demos/vite-plugin.js';
import type { SpikesDemoState } from '../../demos/spikes/main.js';
import { loadModel } from '../../src/ir/files.js';
import { spikingNetFromModel } from '../../src/temporal/from-model.js';
import { predictions } from '../../src/temporal/readout.js';
import { simulate } from '../../src/temporal/simulate.js';
import { demoLinks, openPage, REPO_ROOT, screenshotDir, useDemoBrowser } from './harness.js';

const DIGIT = 7; // the interleaved order: index 7 is a 7
const T = 24;
const LAYER = 1; // conv2

const demo = useDemoBrowser();
let page: Page | undefined;
let errors: string[] = [];

const state = async (): Promise<SpikesDemoState> => (await page!.evaluate(() => window.__spikes)) as SpikesDemoState;

async function setValue(id: string, value: string): Promise<void> {
  await page!.$eval(`#${id}`, (el, v) => {
    (el as HTMLInputElement | HTMLSelectElement).value = v;
    el.dispatchEvent(new Event('change'));
  }, value);
}

beforeAll(async () => {
  ({ page, errors } = await openPage(demo.browser(), `${demo.base()}/demos/spikes/`));
  await page.waitForFunction(() => window.__spikes?.ready || window.__spikes?.error !== undefined, { timeout: 110_000, polling: 200 });
}, 150_000);

describe('spikes-over-time demo in Chromium', () => {
  it('is listed on the demos page', async () => {
    expect((await demoLinks(demo)).links).toContain('./spikes/');
  });

  it(`records test digit #${DIGIT} for ${T} steps on WebGPU: the raster, membranes and decisions are the engine's recording`, async () => {
    expect((await state()).backend).toBe('webgpu');
    await setValue('digit-index', String(DIGIT));
    await page!.click('#use-digit');
    await page!.waitForFunction(() => /test digit/.test(document.getElementById('digit-source')?.textContent ?? ''), { timeout: 60_000 });
    await setValue('timesteps', String(T));
    await setValue('layer', String(LAYER));
    await setValue('net', 'integer');
    await setValue('backend', 'webgpu');
    await page!.click('#run');
    await page!.waitForFunction(() => (window.__spikes?.runs ?? 0) > 0 || window.__spikes?.error !== undefined, { timeout: 120_000, polling: 200 });
    const s = await state();
    expect(s.error).toBeUndefined();
    const run = s.run!;
    expect([run.backend, run.timesteps, run.layer, run.layerName, run.digitIndex]).toEqual(['webgpu', T, LAYER, 'conv2', DIGIT]);

    // the same digit and net through the reference in Node
    const digits = mnistDigitsFile(REPO_ROOT);
    const count = digits.length / 785;
    expect(digits[count * 784 + DIGIT]).toBe(7);
    const pixels = digits.subarray(DIGIT * 784, (DIGIT + 1) * 784);
    expect(run.input).toEqual(Array.from(pixels));
    const net = spikingNetFromModel(await loadModel(join(REPO_ROOT, 'models/mnist-cnn-q4.akida.json')));
    const ref = simulate(net, { data: Int32Array.from(pixels), n: 1, shape: [28, 28, 1] }, { timesteps: T, record: { layer: LAYER } }).recording!;
    const size = ref.neurons.length;
    expect(run.layerNeurons).toBe(size);
    expect(run.shown.length).toBe(Math.min(size, 256));
    run.shown.forEach((j, r) => expect(run.raster[r]).toEqual(Array.from({ length: T }, (_, t) => ref.spikes[t * size + j])));
    // the rows are the most active neurons: none left out fired more often than one shown
    const counts = Array.from({ length: size }, (_, j) => { let c = 0; for (let t = 0; t < T; t++) c += ref.spikes[t * size + j]!; return c; });
    const shown = new Set(run.shown);
    const minShown = Math.min(...run.shown.map((j) => counts[j]!));
    expect(Math.max(...counts.filter((_, j) => !shown.has(j)))).toBeLessThanOrEqual(minShown);
    expect(run.active).toBe(counts.filter((c) => c > 0).length);
    expect(run.membrane).toEqual(ref.steps.map((st) => Array.from(st.membrane)));
    expect(run.threshold).toBeNull(); // the integer readout never fires
    expect(run.decisions).toEqual(ref.steps.map((st) => predictions(st, 10, net.readoutScale, 'count')[0]));
    expect(run.decisions.at(-1)).toBe(7);
    expect(s.step).toBe(T);
    expect(await page!.$eval('#decision b', (el) => el.textContent)).toBe('7');
    const [w, h] = await page!.$eval('#raster', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    expect(w! * h!).toBeGreaterThan(0);
    expect(await page!.$$eval('#plot-membrane canvas', (c) => c.length)).toBe(1);
  }, 200_000);

  it('steps back and forth, and plays to the end', async () => {
    await page!.click('#step-back');
    await page!.click('#step-back');
    expect((await state()).step).toBe(T - 2);
    await page!.click('#step');
    expect((await state()).step).toBe(T - 1);
    await page!.$eval('#scrub', (el) => {
      (el as HTMLInputElement).value = '3';
      el.dispatchEvent(new Event('input'));
    });
    expect((await state()).step).toBe(3);
    expect(await page!.$eval('#step-label', (el) => el.textContent)).toBe(`step 3 / ${T}`);
    const shot = join(screenshotDir(), 'spikes-demo-step3.png');
    await page!.screenshot({ path: shot, fullPage: true });
    await page!.click('#play');
    expect((await state()).playing).toBe(true);
    await page!.waitForFunction((t: number) => window.__spikes?.step === t && !window.__spikes.playing, { timeout: 30_000, polling: 100 }, T);
    const end = join(screenshotDir(), 'spikes-demo.png');
    await page!.screenshot({ path: end, fullPage: true });
    console.log(`spikes demo: screenshots ${shot}, ${end}`);
    expect(errors).toEqual([]);
  }, 60_000);
});
