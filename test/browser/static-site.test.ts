// The static site: `vite build --config vite.demos.config.ts` (npm run build:demos) writes
// dist-demos/, served here by a plain static file server (node:http, no vite); the MNIST page
// loads the model and the digits relative to itself, and runs the test set on WebGPU.
// SPIKEMESH_DEMOS_PREBUILT=1 uses the dist-demos/ already there instead of building it.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MnistDemoState } from '../../demos/mnist/main.js';
import { launchChromium, openPage, REPO_ROOT, screenshotDir, serveStatic } from './harness.js';

const SITE = join(REPO_ROOT, 'dist-demos');
let server: Server | undefined;
let browser: Browser | undefined;
let base = '';

beforeAll(async () => {
  if (!process.env.SPIKEMESH_DEMOS_PREBUILT || !existsSync(join(SITE, 'demos/mnist/index.html'))) {
    await build({ configFile: join(REPO_ROOT, 'vite.demos.config.ts'), logLevel: 'error' });
  }
  ({ server, url: base } = await serveStatic(SITE));
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
});

describe('the demos as a static site', () => {
  it('holds the pages, the models and the digits', () => {
    for (const f of ['index.html', 'demos/index.html', 'demos/mnist/index.html', 'demos/temporal/index.html', 'demos/spikes/index.html', 'demos/mesh/index.html',
      'models/mnist-cnn-q4.akida.json', 'models/mnist-cnn-q4.akida.bin', 'models/mnist-cnn/model.json', 'demos/data/mnist-test.bin']) {
      expect(existsSync(join(SITE, f)), f).toBe(true);
    }
  });

  it('serves the MNIST page from a plain static server: the model loads and the test set runs on WebGPU', async () => {
    const { page, errors } = await openPage(browser!, `${base}/demos/mnist/`);
    await page.waitForFunction(() => window.__mnist?.ready || window.__mnist?.error !== undefined, { timeout: 110_000, polling: 200 });
    const state = async () => (await page.evaluate(() => window.__mnist)) as MnistDemoState;
    expect((await state()).error).toBeUndefined();
    expect((await state()).backend).toBe('webgpu');
    expect(await page.$eval('#summary', (el) => el.textContent)).toMatch(/conv1[\s\S]*dense/);
    await page.$eval('#test-n', (el) => ((el as HTMLInputElement).value = '200'));
    await page.$eval('#test-batch', (el) => ((el as HTMLInputElement).value = '50'));
    await page.click('#test-run');
    await page.waitForFunction(() => window.__mnist?.testSet !== undefined || window.__mnist?.error !== undefined, { timeout: 110_000, polling: 250 });
    const s = await state();
    expect(s.error).toBeUndefined();
    const run = s.testSet!;
    expect(run.n).toBe(200);
    expect(run.accuracy).toBeGreaterThan(0.9);
    expect(run.warmup.n).toBe(50);
    expect(run.steadySamplesPerSecond).toBeGreaterThan(0);
    const shot = join(screenshotDir(), 'static-site-mnist.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`static site: ${run.n} digits, ${(100 * run.accuracy).toFixed(1)}%, warm-up ${run.warmup.seconds.toFixed(2)} s, `
      + `then ${run.steadySamplesPerSecond?.toFixed(0)} digits/s; screenshot ${shot}`);
    expect(errors).toEqual([]);
  }, 150_000);
});
