import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

const root = import.meta.dirname;
const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };

// Each bundle empties only its own folder (out/main, out/preload, out/renderer). out/engine, out/cli
// and out/bench come from scripts/build-engine.mjs and must survive this build, so out/ itself is
// never an outDir here.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      emptyOutDir: true,
      // Dependencies stay in node_modules; better-sqlite3 above all, a native addon that cannot be bundled.
      externalizeDeps: { include: ['better-sqlite3'] },
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/app/index.ts') },
      },
    },
  },
  preload: {
    define: { __APP_VERSION__: JSON.stringify(version) },
    build: {
      outDir: 'out/preload',
      emptyOutDir: true,
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/preload/index.ts') },
        // A sandboxed preload cannot be an ES module: Electron loads it as CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [vue()],
    resolve: {
      alias: { '@contract': resolve(root, 'src-main/contract') },
    },
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      rolldownOptions: {
        input: { index: resolve(root, 'src-renderer/index.html') },
      },
    },
  },
});
