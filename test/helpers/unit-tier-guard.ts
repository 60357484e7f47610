// The unit tier (test/unit, `npm run test:unit`) runs without a GPU. This vitest setup file
// (vitest.config.ts) runs before every test file; in those under test/unit it refuses to load
// Dawn's native module (node_modules/webgpu/dist/<platform>/dawn.node, which the `webgpu`
// package loads when imported, i.e. when src/gpu/device.ts acquires a device) and fails the
// file if anything tried, even when the code under test caught the error. GPU tests belong in
// test/gpu.
import { afterAll, expect } from 'vitest';

/** Dawn's files: the `webgpu` package's native module. */
export const DAWN = /[\\/]webgpu[\\/].*\.node$|dawn[^\\/]*\.node$/;

/** The native modules of Dawn this test file tried to load (the guard's own test clears it). */
export const gpuLoads: string[] = [];

const file = expect.getState().testPath ?? '';
export const unitTier = /[\\/]test[\\/]unit[\\/]/.test(file);

if (unitTier) {
  const original = process.dlopen;
  process.dlopen = function guarded(this: unknown, ...args: Parameters<typeof process.dlopen>) {
    const filename = String(args[1]);
    if (DAWN.test(filename)) {
      gpuLoads.push(filename);
      throw new Error(`the unit tier must not use the GPU: ${file} loaded ${filename} (move the test to test/gpu)`);
    }
    return original.apply(this, args);
  } as typeof process.dlopen;

  afterAll(() => {
    process.dlopen = original;
    if (gpuLoads.length > 0) {
      throw new Error(`the unit tier must not use the GPU: ${file} tried to load ${gpuLoads.join(', ')} (move the test to test/gpu)`);
    }
  });
}
