import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { '@contract': resolve(import.meta.dirname, 'src-main/contract') },
  },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**', 'out/**'],
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
  },
});
