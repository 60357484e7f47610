// The pages in a Chromium without WebGPU (none of the WebGPU flags, WebGPU switched off): the
// panel at the top says so and offers the CPU reference backend, which then classifies a drawn
// digit (MNIST page) and runs a small sweep (temporal page); no stack trace is shown. Also:
// Stop ends a long test-set run, Clear resets the prediction, and on a 390 px wide screen the
// drawing area and the prediction are visible together with the adapter details collapsed.
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import type { MnistDemoState } from '../../demos/mnist/main.js';
import type { TemporalDemoState } from '../../demos/temporal/main.js';
import { openPage, screenshotDir, useDemoBrowser } from './harness.js';

const demo = useDemoBrowser({ webgpu: false });

/** Opens a page, checks the panel and continues on the reference backend. */
async function openOnReference(path: string, ready: () => boolean): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage(demo.browser(), `${demo.base()}${path}`);
  const { page } = opened;
  await page.waitForSelector('#no-webgpu', { timeout: 60_000 });
  const text = await page.$eval('#no-webgpu', (el) => el.textContent ?? '');
  // Chromium on Linux without the flags exposes navigator.gpu but gives no adapter
  expect(text).toMatch(/Why: (this browser does not expose WebGPU|the browser exposes WebGPU but gave no device)/);
  expect(text).toMatch(/WebGPU is not available/);
  expect(text).toMatch(/--enable-unsafe-webgpu/);
  expect(text).toMatch(/Chrome or Edge 113/);
  // the panel is at the top: right below the lead paragraph, on the first screen
  expect(await page.$eval('#no-webgpu', (el) => el.previousElementSibling?.className)).toBe('lead');
  expect(await page.$eval('#no-webgpu', (el) => el.getBoundingClientRect().top)).toBeLessThan(500);
  await page.click('#use-reference');
  await page.waitForFunction(ready, { timeout: 60_000, polling: 200 });
  return opened;
}

describe('without WebGPU, on the CPU reference backend', () => {
  it('MNIST page: the panel, then a drawn digit classified on the reference; Clear; Stop; the phone layout', async () => {
    const { page, errors } = await openOnReference('/demos/mnist/', () => !!(window.__mnist?.ready || window.__mnist?.error));
    const state = async () => (await page.evaluate(() => window.__mnist)) as MnistDemoState;
    let s = await state();
    expect(s.error).toBeUndefined();
    expect(s.backend).toBe('reference');
    expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/^ready: .* on the CPU reference backend/);
    expect(await page.$eval('#error', (el) => (el as HTMLElement).hidden)).toBe(true);
    // a "1" drawn with the mouse
    const padEl = (await page.$('#pad'))!;
    await padEl.scrollIntoView();
    const box = (await padEl.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.85, { steps: 12 });
    await page.mouse.up();
    await page.waitForFunction(() => (window.__mnist?.classifications ?? 0) > 0 || window.__mnist?.error !== undefined, { timeout: 60_000 });
    s = await state();
    expect(s.error).toBeUndefined();
    expect(s.classified!.predicted).toBe(1);
    // class probabilities: a softmax, bars from zero
    expect(s.classified!.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(Math.max(...s.classified!.probabilities)).toBe(s.classified!.probabilities[1]);
    expect(await page.$eval('#predicted', (el) => el.textContent)).toBe('1');
    expect(await page.$$eval('#maps .colour-scale', (c) => c.length)).toBe(4);
    const shot = join(screenshotDir(), 'no-webgpu-mnist.png');
    await page.screenshot({ path: shot, fullPage: true });

    // Clear resets the prediction and the spike maps
    await page.click('#clear');
    s = await state();
    expect(s.classified).toBeUndefined();
    expect(await page.$eval('#predicted', (el) => el.textContent)).toBe('–');
    expect(await page.$$eval('#maps figure', (f) => f.length)).toBe(0);
    expect(await page.$$eval('#scores .score', (f) => f.length)).toBe(0);

    // Stop: a run of all 10,000 digits on the CPU, stopped after the first batches
    await page.$eval('#test-n', (el) => ((el as HTMLInputElement).value = '10000'));
    await page.$eval('#test-batch', (el) => ((el as HTMLInputElement).value = '20'));
    await page.click('#test-run');
    await page.waitForFunction(() => Number((document.getElementById('test-progress') as HTMLProgressElement).value) > 0.003, { timeout: 90_000, polling: 100 });
    expect(await page.$eval('#test-stop', (b) => (b as HTMLButtonElement).disabled)).toBe(false);
    await page.click('#test-stop');
    await page.waitForFunction(() => window.__mnist?.testSet !== undefined || window.__mnist?.error !== undefined, { timeout: 60_000, polling: 200 });
    s = await state();
    expect(s.error).toBeUndefined();
    expect(s.testSet!.stopped).toBe(true);
    expect(s.testSet!.n).toBeGreaterThan(0);
    expect(s.testSet!.n).toBeLessThan(2000);
    expect(s.testSet!.n % 20).toBe(0);
    expect(await page.$eval('#test-status', (el) => el.textContent)).toMatch(/^\d+ digits in [\d.]+ s \(stopped\)/);
    expect(await page.$eval('#test-warmup', (el) => el.textContent)).toMatch(/^20 digits in [\d.]+ s$/);
    console.log(`no-webgpu mnist: drew a 1, stopped the test set after ${s.testSet!.n} digits (${s.testSet!.accuracy}); screenshot ${shot}`);

    // a phone: 390 px wide; the drawing area and the prediction on the first screen, side by side
    await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('#use-reference');
    await page.click('#use-reference');
    await page.waitForFunction(() => !!window.__mnist?.ready, { timeout: 60_000 });
    expect(await page.$eval('#about', (d) => (d as HTMLDetailsElement).open)).toBe(false);
    const pad = (await (await page.$('#pad'))!.boundingBox())!;
    const pred = (await (await page.$('#predicted'))!.boundingBox())!;
    // the panel sits above; scroll to the drawing as a visitor would and check both are in one screen
    await page.evaluate((y) => window.scrollTo(0, y - 60), pad.y);
    const [padBox, predBox] = await page.evaluate(() => ['pad', 'predicted'].map((id) => {
      const r = document.getElementById(id)!.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
    }));
    for (const b of [padBox!, predBox!]) {
      expect(b.top).toBeGreaterThanOrEqual(0);
      expect(b.bottom).toBeLessThanOrEqual(844);
      expect(b.right).toBeLessThanOrEqual(390);
    }
    const phone = join(screenshotDir(), 'no-webgpu-mnist-phone.png');
    await page.screenshot({ path: phone });
    console.log('phone boxes', JSON.stringify({ pad, pred, padBox, predBox }));
    expect(Math.abs(pred.y - pad.y)).toBeLessThan(pad.height); // side by side, not below
    console.log(`phone screenshot ${phone}`);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('temporal page: the reference backend really runs a small sweep', async () => {
    const { page, errors } = await openOnReference('/demos/temporal/', () => !!(window.__temporal?.ready || window.__temporal?.error));
    const state = async () => (await page.evaluate(() => window.__temporal)) as TemporalDemoState;
    expect((await state()).backend).toBe('reference');
    expect(await page.$eval('#backend', (el) => [(el as HTMLSelectElement).value, (el as HTMLSelectElement).disabled])).toEqual(['reference', true]);
    for (const [id, v] of [['net', 'integer'], ['digits', '10'], ['timesteps', '8']]) {
      await page.$eval(`#${id}`, (el, x) => {
        (el as HTMLInputElement).value = x;
        el.dispatchEvent(new Event('change'));
      }, v!);
    }
    await page.click('#run');
    await page.waitForFunction(() => (window.__temporal?.runs.length ?? 0) > 0 || window.__temporal?.error !== undefined, { timeout: 120_000, polling: 250 });
    const s = await state();
    expect(s.error).toBeUndefined();
    const r = s.runs[0]!;
    expect([r.report.backend, r.report.n, r.report.timesteps]).toEqual(['reference', 10, 8]);
    expect(r.report.rows.at(-1)!.accuracy).toBeGreaterThan(0.5);
    expect(r.timing.totalSeconds).toBeGreaterThanOrEqual(r.report.seconds);
    expect(await page.$eval('#run-status', (el) => el.textContent)).toMatch(/in all = .* loading and preparing \+ .* sweep/);
    const shot = join(screenshotDir(), 'no-webgpu-temporal.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`no-webgpu temporal: accuracy ${r.report.rows.map((w) => w.accuracy).join('/')} in ${r.report.seconds.toFixed(1)} s; screenshot ${shot}`);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
