// Bundles the Node side that runs outside Electron: the conlab CLI, the runner process, actor and worker
// entries, the benchmark.
// Pure-JS npm packages are bundled in: the packaged app runs out/engine, out/net and out/chunks from
// app.asar.unpacked, where no node_modules is reachable (it stays inside app.asar). Only better-sqlite3
// stays external: a native addon, unpacked beside them by electron-builder (package.json asarUnpack).
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Actor entries are built one by one: each is a single file that loads nothing else before the actor
// runs (a start-up cost every spawn pays, and the one the lab measures). Parts an actor needs only for
// some steps (the network library, OS children) are imported on first use from chunks of their own.
const actorEntries = {
  'engine/actor-thread': 'src-main/engine/actors/thread-entry.ts',
  'engine/actor-process': 'src-main/engine/actors/process-entry.ts',
};
const otherEntries = {
  'cli/conlab': 'src-main/cli/main.ts',
  'engine/store-writer': 'src-main/store/writer-entry.ts',
  'engine/runner': 'src-main/engine/runner/runner-entry.ts',
  'engine/runner-guard': 'src-main/engine/runner/runner-guard.ts',
  'engine/run-log-reader': 'src-main/export/run-log-reader-entry.ts',
  'engine/trace-encoder': 'src-main/engine/trace/encoder-entry.ts',
  'net/session-worker': 'src-main/net/session-worker.ts',
  'net/server-child': 'src-main/net/server-child.ts',
  'net/load-worker': 'src-main/net/load/load-worker.ts',
};
const present = (entries) => Object.fromEntries(Object.entries(entries).filter(([, src]) => existsSync(join(root, src))));

const options = {
  absWorkingDir: root,
  outdir: 'out',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // ws's optional native helpers: ws loads them in a try and does without.
  external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
  // import.meta.url inside a bundle points at the bundle; createRequire gives CommonJS packages a require.
  banner: { js: "import { createRequire as __conlabRequire } from 'node:module'; const require = __conlabRequire(import.meta.url);" },
};

const started = Date.now();
const builds = [build({ ...options, entryPoints: present(otherEntries), chunkNames: 'chunks/[name]-[hash]' })];
// The benchmark is never packaged: one file, its packages (playwright-core among them) from node_modules.
const benchEntries = present({ 'bench/bench': 'src-main/bench/main.ts' });
if (Object.keys(benchEntries).length > 0) {
  builds.push(build({ ...options, entryPoints: benchEntries, splitting: false, external: undefined, packages: 'external' }));
}
for (const [name, src] of Object.entries(present(actorEntries))) {
  builds.push(build({ ...options, entryPoints: { [name]: src }, chunkNames: `chunks/${name.split('/')[1]}-[name]-[hash]` }));
}
const results = await Promise.all(builds);
// Chunks are named by their content, so a rebuild rewrites the ones in use unchanged; only chunks no
// build produced any more are removed (a process still running from the old build keeps working).
const produced = new Set(results.flatMap((result) => Object.keys(result.metafile.outputs)).map((file) => file.replace(/^out\/chunks\//, '')));
const chunkDir = join(root, 'out', 'chunks');
if (existsSync(chunkDir)) {
  for (const file of readdirSync(chunkDir)) if (!produced.has(file)) rmSync(join(chunkDir, file), { force: true });
}
if (!process.env.CONLAB_QUIET_BUILD) {
  // stderr: `npm run bench -- --json` keeps stdout for the JSON.
  console.error(`engine bundles built (${Object.keys({ ...present(actorEntries), ...present(otherEntries), ...benchEntries }).length} entries, ${Date.now() - started} ms)`);
}
