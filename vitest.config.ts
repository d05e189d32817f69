import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@contract': resolve(import.meta.dirname, 'src-main/contract') },
  },
  test: {
    environment: 'node',
    // Actor threads and processes start from out/engine bundles; build them once before any test file.
    globalSetup: ['test/global-setup.ts'],
    // Tests spawn real processes and threads: forks isolate them, and two workers match the two cores
    // of our machines without making timing-sensitive tests fight for CPU.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**', 'out/**'],
        },
      },
      {
        // Browser mode end to end: conlab serve with the real engine, driven in Debian's Chromium.
        // They need the renderer build (out/renderer); test/e2e/global-setup.ts rebuilds it when stale.
        extends: true,
        test: {
          name: 'e2e',
          // After every unit and integration test has finished: Chromium and a second engine would
          // otherwise compete for the two cores with timing-sensitive lesson claims.
          sequence: { groupOrder: 1 },
          include: ['test/e2e/**/*.e2e.test.ts'],
          // One Chromium and one server at a time: the load test measures the page's main thread.
          fileParallelism: false,
          globalSetup: ['test/global-setup.ts', 'test/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
