// Bundles the Node side that runs outside Electron: the conlab CLI, actor and worker entries, the benchmark.
// Each entry becomes one ESM file under out/; npm packages stay external and load from node_modules.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  'cli/conlab': 'src-main/cli/main.ts',
  'engine/actor-thread': 'src-main/engine/actors/thread-entry.ts',
  'engine/actor-process': 'src-main/engine/actors/process-entry.ts',
  'engine/store-writer': 'src-main/store/writer-entry.ts',
  'bench/bench': 'src-main/bench/main.ts',
  'net/session-worker': 'src-main/net/session-worker.ts',
  'net/server-child': 'src-main/net/server-child.ts',
  'net/load-worker': 'src-main/net/load/load-worker.ts',
};
const present = Object.fromEntries(Object.entries(entries).filter(([, src]) => existsSync(join(root, src))));

const started = Date.now();
await build({
  absWorkingDir: root,
  entryPoints: present,
  outdir: 'out',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // Shared code and lazily imported parts (the network library, loaded by an actor's first socket
  // step) go to chunks, so an actor's entry stays small and starts fast.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  // import.meta.url inside a bundle points at the bundle; createRequire gives CommonJS packages a require.
  banner: { js: "import { createRequire as __conlabRequire } from 'node:module'; const require = __conlabRequire(import.meta.url);" },
});
if (!process.env.CONLAB_QUIET_BUILD) {
  console.log(`engine bundles built (${Object.keys(present).length} entries, ${Date.now() - started} ms)`);
}
