// The engine-check demo in real Chromium: WebGPU through navigator.gpu, the GPU engine
// against the integer reference, and no console or page errors on the way.
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineCheckResult } from '../../demos/engine-check/main.js';
import { launchChromium, openPage, screenshotDir, startDevServer } from './harness.js';

let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let base = '';

beforeAll(async () => {
  const dev = await startDevServer();
  server = dev.server;
  base = dev.url;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('demos in Chromium', () => {
  it('lists the demos', async () => {
    const { page, errors } = await openPage(browser!, `${base}/demos/`);
    const links = await page.$$eval('ul.demos a', (as) => as.map((a) => a.getAttribute('href')));
    expect(links).toContain('./engine-check/');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('engine-check: WebGPU results equal the reference', async () => {
    const { page, errors } = await openPage(browser!, `${base}/demos/engine-check/`);
    await page.waitForFunction(() => window.__result !== undefined, { timeout: 110_000, polling: 200 });
    const result = (await page.evaluate(() => window.__result)) as EngineCheckResult;
    const shot = join(screenshotDir(), 'engine-check.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`engine-check: adapter ${result.adapter?.vendor}/${result.adapter?.architecture}; screenshot ${shot}`);
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.adapter?.environment).toBe('browser');
    expect(result.checks.map((c) => c.name)).toEqual(['activation', 'random models']);
    for (const c of result.checks) {
      expect({ check: c.name, mismatches: c.mismatches, first: c.firstMismatch }).toEqual({ check: c.name, mismatches: 0, first: undefined });
      expect(c.values).toBeGreaterThan(0);
    }
    expect(result.pass).toBe(true);
    // the page shows what it published
    expect(await page.$eval('#status', (el) => el.textContent)).toBe(`all ${result.checks.length} checks pass`);
    await page.close();
  });
});
