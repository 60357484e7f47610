// The mesh page in real Chromium (WebGPU on SwiftShader): the committed model mapped on AKD1000
// (the layers, NPs, sequences and passes of docs/mesh.md's example, listed and drawn), on
// TwoNodesIP, an uploaded .json + .bin, and a run on test digits giving every used NP's SynOps
// as a heat map with a scale.
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MeshDemoState } from '../../demos/mesh/main.js';
import { demoLinks, openPage, REPO_ROOT, screenshotDir, useDemoBrowser } from './harness.js';

const demo = useDemoBrowser();
let page: Page | undefined;
let errors: string[] = [];

const state = async (): Promise<MeshDemoState> => (await page!.evaluate(() => window.__mesh)) as MeshDemoState;

async function select(id: string, value: string): Promise<void> {
  await page!.$eval(`#${id}`, (el, v) => {
    (el as HTMLSelectElement).value = v;
    el.dispatchEvent(new Event('change'));
  }, value);
}

beforeAll(async () => {
  ({ page, errors } = await openPage(demo.browser(), `${demo.base()}/demos/mesh/`));
  await page.waitForFunction(() => window.__mesh?.ready || window.__mesh?.error !== undefined, { timeout: 110_000, polling: 200 });
}, 150_000);

describe('mesh demo in Chromium', () => {
  it('is listed on the demos page', async () => {
    expect((await demoLinks(demo)).links).toContain('./mesh/');
  });

  it('maps the committed model on AKD1000 and lists and draws its layers', async () => {
    const s = await state();
    expect(s.error).toBeUndefined();
    const m = s.mapping!;
    expect(m.device).toBe('AKD1000');
    expect(m.layers.map((l) => [l.name, l.unit, l.nps.length])).toEqual([['conv1', 'input-block', 0], ['conv2', 'np', 8], ['sep3', 'np', 2], ['dense', 'host', 0]]);
    expect(m.layers.map((l) => l.backend)).toEqual(['hardware', 'hardware', 'hardware', 'software']);
    expect(m.sequences.map((q) => [q.backend, q.layers, q.passes])).toEqual([['hardware', ['conv1', 'conv2', 'sep3'], 1], ['software', ['dense'], 1]]);
    // the layer table, and one drawing (one pass) with 80 NP slots of which 10 are coloured
    expect(await page!.$$eval('#layers tr td:first-child', (c) => c.map((x) => x.textContent))).toEqual(['conv1', 'conv2', 'sep3', 'dense']);
    expect(await page!.$$eval('#sequences tr', (r) => r.length)).toBe(3);
    expect(await page!.$$eval('#mesh-view svg', (s) => s.length)).toBe(1);
    expect(await page!.$$eval('#mesh-view svg rect[data-np]', (r) => r.length)).toBe(80);
    expect(await page!.$$eval('#mesh-view svg rect[data-np]', (r) => r.filter((x) => x.getAttribute('fill') !== '#fff').length)).toBe(10);
    expect(await page!.$eval('#layers', (t) => t.textContent)).toMatch(/1x1|max-pooled|global average/i);
  });

  it('maps on TwoNodesIP and maps an uploaded .json + .bin', async () => {
    const before = (await state()).mappings;
    await select('device', 'TwoNodesIP');
    let s = await state();
    expect(s.mappings).toBe(before + 1);
    expect(s.mapping!.device).toBe('TwoNodesIP');
    expect(await page!.$$eval('#mesh-view svg rect[data-np]', (r) => r.length)).toBe(8);
    const input = (await page!.$('#upload'))!;
    await (input as unknown as { uploadFile: (...p: string[]) => Promise<void> }).uploadFile(
      join(REPO_ROOT, 'models/mnist-cnn-q4.akida.json'), join(REPO_ROOT, 'models/mnist-cnn-q4.akida.bin'));
    await page!.waitForFunction((n: number) => (window.__mesh?.mappings ?? 0) > n, { timeout: 20_000 }, before + 1);
    s = await state();
    expect(await page!.$eval('#model', (el) => (el as HTMLSelectElement).value)).toBe('uploaded');
    expect(await page!.$eval('#model-status', (el) => el.textContent)).toMatch(/^Loaded .* \(4 layers\)/);
    expect(s.mapping!.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'sep3', 'dense']);
    await select('device', 'AKD1000');
  });

  it('runs test digits through the plan and shows each NP\'s SynOps as a heat map with a scale', async () => {
    await page!.$eval('#digits', (el) => ((el as HTMLInputElement).value = '30'));
    await page!.click('#run');
    await page!.waitForFunction(() => (window.__mesh?.heat !== undefined && !window.__mesh.running) || window.__mesh?.error !== undefined, { timeout: 120_000, polling: 250 });
    const s = await state();
    expect(s.error).toBeUndefined();
    const h = s.heat!;
    expect([h.metric, h.frames, h.stopped]).toEqual(['synOps', 30, false]);
    expect(h.nps.map((n) => n.np).sort((a, b) => a - b)).toEqual(s.mapping!.layers.flatMap((l) => l.nps).sort((a, b) => a - b));
    for (const n of h.nps) expect(n.value).toBeGreaterThan(0);
    expect(h.inputBlock).toBeGreaterThan(0);
    expect(await page!.$$eval('#heat-view .colour-scale', (c) => c.length)).toBe(1);
    expect(await page!.$$eval('#np-stats tr', (r) => r.length)).toBe(1 + 1 + h.nps.length);
    const shot = join(screenshotDir(), 'mesh-demo.png');
    await page!.screenshot({ path: shot, fullPage: true });
    console.log(`mesh demo: SynOps per digit ${h.nps.map((n) => n.value.toFixed(0)).join('/')}, input block ${h.inputBlock?.toFixed(0)}; screenshot ${shot}`);
    expect(errors).toEqual([]);
  }, 150_000);
});
