// The engine-check demo in real Chromium: WebGPU through navigator.gpu, the GPU engine
// against the integer reference, and no console or page errors on the way.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineCheckResult } from '../../demos/engine-check/main.js';
import { demoLinks, openPage, screenshotDir, useDemoBrowser } from './harness.js';

const demo = useDemoBrowser();

describe('demos in Chromium', () => {
  it('lists the demos', async () => {
    const { links, errors } = await demoLinks(demo);
    expect(links).toContain('./engine-check/');
    expect(errors).toEqual([]);
  });

  it('engine-check: WebGPU results equal the reference', async () => {
    const { page, errors } = await openPage(demo.browser(), `${demo.base()}/demos/engine-check/`);
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
