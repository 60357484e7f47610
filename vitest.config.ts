import { defineConfig } from 'vitest/config';

// GPU tests need Dawn in a real process (the Vulkan loader reads VK_ICD_FILENAMES from the
// process environment), so every test file runs in a forked child, never a worker thread.
// test/helpers/unit-tier-guard.ts keeps the GPU out of the unit tier (test/unit).
export default defineConfig({
  test: {
    pool: 'forks',
    poolOptions: { forks: { singleFork: false, maxForks: 2 } },
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/unit-tier-guard.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
