// The unit tier uses no GPU: test/helpers/unit-tier-guard.ts (a setup file of every test file)
// refuses Dawn's native module in test/unit and fails the file that tried. Here: the guard is
// installed and does fire, acquiring a device fails in this tier, and no file of the tier
// imports the device module, the webgpu package or the GPU tests' helpers.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DAWN, gpuLoads, unitTier } from '../helpers/unit-tier-guard.js';

describe('the unit tier has no GPU', () => {
  it('the guard is active in test/unit', () => {
    expect(unitTier).toBe(true);
    expect(gpuLoads).toEqual([]);
    expect(DAWN.test('/x/node_modules/webgpu/dist/linux-x64/dawn.node')).toBe(true);
  });

  it('loading the webgpu package fails, and is recorded', async () => {
    const name = 'webgpu';
    await expect(import(/* @vite-ignore */ name)).rejects.toThrow(/the unit tier must not use the GPU/);
    expect(gpuLoads.length).toBeGreaterThan(0);
    expect(gpuLoads.every((f) => DAWN.test(f))).toBe(true);
    gpuLoads.length = 0; // the guard's own test: do not fail this file
  });

  it('so does acquiring a device through src/gpu', async () => {
    const { acquireDevice } = await import('../../src/gpu/device.js');
    // (Node keeps the failed import of the test above: the same error, no second load)
    await expect(acquireDevice()).rejects.toThrow(/the unit tier must not use the GPU/);
    gpuLoads.length = 0;
  });

  it('no file of test/unit imports src/gpu/device, src/gpu/index, webgpu or test/gpu', () => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const forbidden = /from\s+['"](?:[./]*src\/gpu\/(?:device|index)(?:\.js)?|[./]*src\/gpu|webgpu|[./]*gpu\/[\w-]+(?:\.js)?)['"]|import\(\s*['"](?:webgpu|[./]*src\/gpu\/(?:device|index)\.js)['"]\s*\)/;
    const offenders = readdirSync(here)
      .filter((f) => f.endsWith('.ts') && f !== 'no-gpu.test.ts')
      .filter((f) => forbidden.test(readFileSync(here + f, 'utf8')));
    expect(offenders).toEqual([]);
    // the pattern itself
    expect(forbidden.test("import { defaultDevice, GpuRunner } from '../../src/gpu/index.js';")).toBe(true);
    expect(forbidden.test("import { acquireDevice } from '../../src/gpu/device.js';")).toBe(true);
    expect(forbidden.test("import { testRunner } from '../gpu/compare.js';")).toBe(true);
    expect(forbidden.test("const m = await import('webgpu');")).toBe(true);
    expect(forbidden.test("import { preprocess } from '../../src/gpu/kernel.js';")).toBe(false);
  });
});
