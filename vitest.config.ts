import { defineConfig } from 'vitest/config';

// GPU tests need Dawn in a real process (the Vulkan loader reads VK_ICD_FILENAMES from the
// process environment), so every test file runs in a forked child, never a worker thread.
export default defineConfig({
  test: {
    pool: 'forks',
    poolOptions: { forks: { singleFork: false, maxForks: 2 } },
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
