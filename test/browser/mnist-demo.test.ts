// The MNIST demo in real Chromium (WebGPU on SwiftShader): the test-set panel on 200 digits
// against the integer reference, a digit drawn with the mouse, a misclassified digit loaded into
// the drawing view, the same digits on weight-specialised kernels, and no console or page
// errors on the way.
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MnistDemoState } from '../../demos/mnist/main.js';
import { centreOfMass, MNIST_SIDE } from '../../demos/mnist/preprocess.js';
import { demoLinks, openPage, screenshotDir, useDemoBrowser } from './harness.js';

const DIGITS = 200;

const demo = useDemoBrowser();
let page: Page | undefined;
let errors: string[] = [];

const state = async (): Promise<MnistDemoState> => (await page!.evaluate(() => window.__mnist)) as MnistDemoState;

/** Waits for the next classification after `before` of them, failing early on a page error. */
async function nextClassification(before: number): Promise<MnistDemoState> {
  await page!.waitForFunction((n: number) => (window.__mnist?.classifications ?? 0) > n || window.__mnist?.error !== undefined, { timeout: 60_000, polling: 100 }, before);
  return state();
}

beforeAll(async () => {
  ({ page, errors } = await openPage(demo.browser(), `${demo.base()}/demos/mnist/`));
  await page.waitForFunction(() => window.__mnist?.ready || window.__mnist?.error !== undefined, { timeout: 110_000, polling: 200 });
});

describe('MNIST demo in Chromium', () => {
  it('is listed on the demos page', async () => {
    const index = await demoLinks(demo);
    expect(index.links).toContain('./mnist/');
    expect(index.errors).toEqual([]);
  });

  it('loads the model on the browser adapter and shows its summary', async () => {
    const s = await state();
    expect(s.error).toBeUndefined();
    expect(s.adapter?.environment).toBe('browser');
    expect(await page!.$eval('#summary', (el) => el.textContent)).toMatch(/conv1[\s\S]*conv2[\s\S]*sep3[\s\S]*dense/);
    expect(await page!.$eval('#status', (el) => el.textContent)).toMatch(/^ready/);
  });

  it(`runs the first ${DIGITS} test digits on the GPU with the classes of the integer reference`, async () => {
    await page!.$eval('#test-n', (el, n) => ((el as HTMLInputElement).value = String(n)), DIGITS);
    await page!.$eval('#test-batch', (el) => ((el as HTMLInputElement).value = '100'));
    await page!.click('#test-reference');
    await page!.click('#test-run');
    await page!.waitForFunction(() => window.__mnist?.testSet !== undefined || window.__mnist?.error !== undefined, { timeout: 110_000, polling: 250 });
    const s = await state();
    expect(s.error).toBeUndefined();
    const run = s.testSet!;
    console.log(`mnist demo: ${run.n} digits, accuracy ${(100 * run.accuracy).toFixed(2)}%, ${run.samplesPerSecond.toFixed(0)} samples/s (GPU forward), reference ${run.reference?.seconds.toFixed(1)} s`);
    expect(run.n).toBe(DIGITS);
    expect(run.predictions).toHaveLength(DIGITS);
    expect(run.reference!.predictions).toEqual(run.predictions);
    expect(run.reference!.outputsDiffer).toBe(0);
    // the labels and the confusion matrix agree with the predictions
    expect(run.correct).toBe(run.predictions.filter((p, i) => p === run.labels[i]).length);
    expect(run.confusion.flat().reduce((a, b) => a + b, 0)).toBe(DIGITS);
    expect(run.misclassified).toEqual(run.labels.flatMap((l, i) => (l === run.predictions[i] ? [] : [i])));
    expect(run.accuracy).toBeGreaterThan(0.9); // the model scores 97.9% on all 10,000 (models/README.md)
    expect(run.samplesPerSecond).toBeGreaterThan(0);
    // the page shows what it published
    expect(await page!.$eval('#test-accuracy', (el) => el.textContent)).toBe(`${(100 * run.accuracy).toFixed(2)}% (${run.correct} / ${DIGITS})`);
    expect(await page!.$eval('#test-reference-result', (el) => el.textContent)).toBe(`same class on ${DIGITS} / ${DIGITS}; integer outputs differ on 0`);
    expect(await page!.$$eval('#confusion tr', (rows) => rows.length)).toBe(11);
    expect(run.statistics.map((l) => [l.name, l.samples])).toEqual(['conv1', 'conv2', 'sep3', 'dense'].map((name) => [name, DIGITS]));
    for (const l of run.statistics) expect(l.spikes).toBeGreaterThan(0);
    expect(await page!.$$eval('#test-spikes tr', (rows) => rows.length)).toBe(1 + run.statistics.length);
    expect(await page!.$$eval('#errors button.digit', (b) => b.length)).toBe(run.misclassified.length);
  });

  it('classifies a stroke drawn with the mouse and shows every layer\'s spike map', async () => {
    const before = (await state()).classifications;
    const box = (await page!.$('#pad'))!;
    await box.scrollIntoView();
    const r = (await box.boundingBox())!;
    // a vertical stroke, slightly slanted: a "1"
    await page!.mouse.move(r.x + r.width * 0.5, r.y + r.height * 0.15);
    await page!.mouse.down();
    await page!.mouse.move(r.x + r.width * 0.45, r.y + r.height * 0.85, { steps: 12 });
    await page!.mouse.up();
    const s = await nextClassification(before);
    expect(s.error).toBeUndefined();
    const c = s.classified!;
    expect(c.source).toBe('drawing');
    expect(c.predicted).toBe(1);
    expect(c.scores).toHaveLength(10);
    expect(Math.max(...c.scores)).toBe(c.scores[c.predicted]);
    // the input fed to the model is the stroke, MNIST-centred
    const com = centreOfMass({ data: c.input, width: MNIST_SIDE, height: MNIST_SIDE });
    expect(Math.abs(com.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(com.y - 14)).toBeLessThanOrEqual(0.5);
    expect(c.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'sep3', 'dense']);
    expect(c.layers[0]!.spikes).toBeGreaterThan(0);
    expect(await page!.$eval('#predicted', (el) => el.textContent)).toBe(String(c.predicted));
    expect(await page!.$$eval('#scores .score', (rows) => rows.length)).toBe(10);
    const canvases = await page!.$$eval('#maps figure > canvas', (cs) => cs.map((cv) => [(cv as HTMLCanvasElement).width, (cv as HTMLCanvasElement).height]));
    expect(canvases).toHaveLength(4);
    for (const [w, h] of canvases) expect(w! * h!).toBeGreaterThan(0);
    // every heat map has its colour scale
    expect(await page!.$$eval('#maps figure .colour-scale', (s) => s.length)).toBe(4);
    // the class probabilities are a softmax of the scores
    expect(c.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const shot = join(screenshotDir(), 'mnist-demo.png');
    await page!.evaluate(() => window.scrollTo(0, 0));
    await page!.screenshot({ path: shot, fullPage: true });
    console.log(`mnist demo: drew a stroke, predicted ${c.predicted}, spikes per layer ${c.layers.map((l) => l.spikes).join('/')}; screenshot ${shot}`);
  });

  it('loads a misclassified test digit into the drawing view with the class the batch run gave it', async () => {
    const run = (await state()).testSet!;
    expect(run.misclassified.length).toBeGreaterThan(0); // 200 digits at 97.9% leave a few
    const index = run.misclassified[0]!;
    const before = (await state()).classifications;
    await page!.click(`#errors button.digit[data-index="${index}"]`);
    const c = (await nextClassification(before)).classified!;
    expect(c.source).toBe(`test digit #${index} (label ${run.labels[index]})`);
    expect(c.predicted).toBe(run.predictions[index]);
    expect(errors).toEqual([]);
  });

  it('runs the digits again with the weights compiled into the shaders: the same classes and integer outputs', async () => {
    const generic = (await state()).testSet!;
    await page!.$eval('#test-reference', (el) => ((el as HTMLInputElement).checked = true));
    await page!.$eval('#test-specialize', (el) => ((el as HTMLInputElement).checked = true));
    await page!.click('#test-run');
    // only a specialised run publishes `specialized`
    await page!.waitForFunction(() => window.__mnist?.testSet?.specialized !== undefined || window.__mnist?.error !== undefined, { timeout: 110_000, polling: 250 });
    const s = await state();
    expect(s.error).toBeUndefined();
    const run = s.testSet!;
    console.log(`mnist demo, specialised: ${run.n} digits, ${run.samplesPerSecond.toFixed(0)} samples/s after ${run.specialized?.compileSeconds.toFixed(1)} s of compilation (generic: ${generic.samplesPerSecond.toFixed(0)})`);
    expect(run.specialized?.compileSeconds).toBeGreaterThan(0);
    expect(run.n).toBe(DIGITS);
    expect(run.predictions).toEqual(generic.predictions);
    expect(run.reference!.predictions).toEqual(run.predictions);
    expect(run.reference!.outputsDiffer).toBe(0);
    expect(run.statistics.map((l) => l.spikes)).toEqual(generic.statistics.map((l) => l.spikes));
    expect(await page!.$eval('#test-status', (el) => el.textContent)).toMatch(/weights compiled into the shaders in \d+\.\d s$/);
    expect(errors).toEqual([]);
  });
});
