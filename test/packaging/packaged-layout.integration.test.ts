import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

/**
 * The tree electron-builder produces, laid out here without Electron: the `files` and `asarUnpack`
 * globs of package.json, matched by electron-builder's own matcher (app-builder-lib's FileMatcher),
 * select the app's files and its production node_modules; the packed ones go into a real app.asar
 * (@electron/asar), the others into app.asar.unpacked. Every entry a child process or thread starts
 * from app.asar.unpacked is then started with plain Node from there — nothing in it can reach into
 * app.asar — and a real run is recorded through them into a temporary database.
 */

const root = join(import.meta.dirname, '..', '..');
const requireHere = createRequire(join(root, 'package.json'));
type Filter = (file: string, stat: Pick<Stats, 'isDirectory' | 'isSymbolicLink'>) => boolean;
const { FileMatcher } = requireHere('app-builder-lib/out/fileMatcher') as {
  FileMatcher: new (from: string, to: string, expand: (pattern: string) => string, patterns: string[]) => { createFilter(): Filter };
};
const asar = requireHere('@electron/asar') as { createPackage(src: string, dest: string): Promise<unknown> };

interface BuildConfig {
  readonly files: string[];
  readonly asarUnpack: string[];
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; build: BuildConfig };
const config = manifest.build;
const nodeAddon = join(dirname(requireHere.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');

function matcher(patterns: string[]): Filter {
  return new FileMatcher(root, join(root, 'packaged'), (pattern) => pattern, [...patterns]).createFilter();
}
const fileStat = { isDirectory: () => false, isSymbolicLink: () => false };
const selectedByFiles = (relativePath: string): boolean => matcher(config.files)(join(root, relativePath), fileStat);

/** Every file under dir, as paths relative to the project root (nested node_modules left to the dependency walk). */
function walk(dir: string, skip: (name: string, depth: number) => boolean, depth = 0, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (skip(name, depth)) continue;
    const full = join(dir, name);
    const stat = lstatSync(full);
    if (stat.isDirectory()) walk(full, skip, depth + 1, found);
    else if (stat.isFile()) found.push(relative(root, full).split(sep).join('/'));
  }
  return found;
}

/** The production dependency closure, where Node would find each package from its dependant. */
function productionPackageDirs(): string[] {
  const dirs = new Set<string>();
  const visit = (name: string, from: string, optional: boolean): void => {
    let dir: string | null = null;
    for (let at = from; ; at = dirname(at)) {
      const candidate = join(at, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) {
        dir = candidate;
        break;
      }
      if (at === root || dirname(at) === at) break;
    }
    if (!dir) {
      if (optional) return;
      throw new Error(`production dependency ${name} (needed by ${from}) is not installed`);
    }
    if (dirs.has(dir)) return;
    dirs.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const dep of Object.keys(manifest.dependencies)) visit(dep, root, false);
  return [...dirs];
}

let dir = '';
let resources = '';
let unpackedRoot = '';
let packedFiles: string[] = [];
let unpackedFiles: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-packaged-'));
  resources = join(dir, 'resources');
  unpackedRoot = join(resources, 'app.asar.unpacked');
  const appFilter = matcher(config.files);
  const appFiles = walk(root, (name, depth) => depth === 0 && ['node_modules', '.git', 'dist'].includes(name)).filter((file) => appFilter(join(root, file), fileStat));
  // electron-builder applies only the exclusions of `files` to node_modules, after "**/*".
  const moduleFilter = matcher(['**/*', ...config.files.filter((pattern) => pattern.startsWith('!'))]);
  const moduleFiles = productionPackageDirs()
    .flatMap((packageDir) => walk(packageDir, (name, depth) => depth === 0 && name === 'node_modules'))
    .filter((file) => moduleFilter(join(root, file), fileStat));
  const unpackFilter = matcher(config.asarUnpack);
  const selected = [...new Set([...appFiles, ...moduleFiles])];
  unpackedFiles = selected.filter((file) => unpackFilter(join(root, file), fileStat));
  const unpacked = new Set(unpackedFiles);
  packedFiles = selected.filter((file) => !unpacked.has(file));

  const copyInto = (target: string, files: readonly string[]): void => {
    for (const file of files) {
      mkdirSync(dirname(join(target, file)), { recursive: true });
      copyFileSync(join(root, file), join(target, file));
    }
  };
  const staged = join(dir, 'asar-contents');
  copyInto(staged, packedFiles);
  copyInto(unpackedRoot, unpackedFiles);
  await asar.createPackage(staged, join(resources, 'app.asar'));
  rmSync(staged, { recursive: true, force: true });
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env, timeout: 120_000, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: unknown }).code as number) ?? 1 : 0, stdout, stderr });
    });
  });
}

describe('the files globs of package.json', () => {
  test('leave out source maps, the benchmark, the CLI bundle and test fixtures, and keep what the app runs', () => {
    for (const left of ['out/engine/actor-thread.mjs.map', 'out/chunks/chunk-X.mjs.map', 'out/main/index.js.map', 'out/bench/bench.mjs', 'out/cli/conlab.mjs', 'out/test-fixtures/child.mjs', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'node_modules/better-sqlite3/deps/sqlite3/sqlite3.c']) {
      expect(selectedByFiles(left), left).toBe(false);
    }
    for (const kept of ['package.json', 'out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'out/engine/store-writer.mjs', 'out/net/server-child.mjs', 'out/chunks/chunk-X.mjs', 'out/native/electron/better_sqlite3.node']) {
      expect(selectedByFiles(kept), kept).toBe(true);
    }
  });

  test('the laid-out package holds no source map and no fixture, and the Electron build of SQLite only unpacked', () => {
    expect([...packedFiles, ...unpackedFiles].filter((file) => file.endsWith('.map') || file.startsWith('out/test-fixtures/') || file.startsWith('out/bench/'))).toEqual([]);
    expect(packedFiles.filter((file) => file.endsWith('.node'))).toEqual([]);
    expect(unpackedFiles).toContain('out/engine/store-writer.mjs');
    expect(unpackedFiles).toContain('node_modules/better-sqlite3/lib/index.js');
    expect(unpackedFiles).toContain('node_modules/bindings/bindings.js');
  });
});

describe('entries started from app.asar.unpacked with plain Node', () => {
  const entryDirs = ['out/engine', 'out/net'];

  test('each entry and chunk links: every module it imports is found inside app.asar.unpacked', async () => {
    const entries = unpackedFiles.filter((file) => entryDirs.some((entryDir) => file.startsWith(`${entryDir}/`)) && file.endsWith('.mjs'));
    expect(entries.map((file) => file.split('/').pop()).sort()).toEqual(['actor-process.mjs', 'actor-thread.mjs', 'load-worker.mjs', 'run-log-reader.mjs', 'runner-guard.mjs', 'runner.mjs', 'server-child.mjs', 'session-worker.mjs', 'store-writer.mjs', 'trace-encoder.mjs']);
    const chunks = unpackedFiles.filter((file) => file.startsWith('out/chunks/') && file.endsWith('.mjs'));
    expect(chunks.length).toBeGreaterThan(0);
    // Each in a process of its own: entries refuse to run outside their host (a worker, an IPC channel)
    // only after every import they declare has been resolved and loaded; a missing package fails first.
    const probe = (files: readonly string[]): string =>
      `for (const url of ${JSON.stringify(files.map((file) => pathToFileURL(join(unpackedRoot, file)).href))}) {` +
      ' try { await import(url); console.log("loaded " + url); }' +
      ' catch (error) { console.log((error.code === "ERR_MODULE_NOT_FOUND" || /Cannot find (module|package)/.test(error.message) ? "MISSING " : "refused-after-loading ") + url + " " + error.message.split("\\n")[0]); } }';
    const env = { ...process.env, CONLAB_SQLITE_ADDON: nodeAddon };
    const outcomes = await Promise.all([...entries.map((file) => [file]), chunks].map((files) => run(['--input-type=module', '-e', probe(files)], env, dir)));
    for (const outcome of outcomes) {
      expect(`${outcome.stdout}${outcome.stderr}`).not.toMatch(/MISSING|ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
      expect(outcome.code).toBe(0);
    }
  });

  test.skipIf(!existsSync(nodeAddon))('a lesson and a spec with a server and the load generator run through the unpacked entries, and the store writer records both', async () => {
    const spec = {
      version: 1,
      title: { en: 'Packaged layout', zh: '打包布局' },
      shared: { counter: { scope: 'shared', initial: 0 } },
      servers: { echo: { protocol: 'tcp', model: 'worker-pool', handler: { kind: 'echo' } } },
      actors: [
        { name: 't', kind: 'thread', count: 2, program: [{ op: 'add', var: 'counter', delta: 1 }] },
        {
          name: 'p',
          kind: 'process',
          program: [
            { op: 'connect', server: 'echo', into: 'c' },
            { op: 'send', conn: { ref: 'c' }, data: 'ping\n', all: true },
            { op: 'recv', conn: { ref: 'c' }, until: '\n', timeoutMs: 10_000, into: 'reply' },
            { op: 'record', name: 'reply', value: { ref: 'reply' } },
            { op: 'close', conn: { ref: 'c' } },
          ],
        },
        { name: 'main', kind: 'main', program: [{ op: 'load', server: 'echo', connections: 2, requests: 20, threads: 1, into: 'load' }] },
      ],
      claims: [{ id: 'both-threads', text: { en: 'both threads counted', zh: '两个线程都计数了' }, check: { compare: [{ shared: 'counter' }, '==', { const: 2 }] } }],
    };
    const specFile = join(dir, 'layout-spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const db = join(dir, 'history.db');
    // The CLI drives the run; every thread and process it starts comes from the laid-out package. In the
    // app the addon is the Electron build; Node stands in for Electron here, so it gets Node's build.
    const env = {
      ...process.env,
      CONLAB_ENGINE_DIR: join(unpackedRoot, 'out', 'engine'),
      CONLAB_NET_DIR: join(unpackedRoot, 'out', 'net'),
      CONLAB_SQLITE_ADDON: nodeAddon,
    };
    for (const what of ['process-isolation', specFile]) {
      const result = await run([join(root, 'bin', 'conlab.mjs'), '--db', db, 'run', what, '--json'], env, dir);
      expect(result.stderr).not.toMatch(/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
      expect(result.code, result.stderr).toBe(0);
    }

    const history = new Database(db, { readonly: true });
    try {
      const runs = history.prepare('SELECT id, status, event_count AS events FROM runs').all() as { id: string; status: string; events: number }[];
      expect(runs.map((entry) => entry.status)).toEqual(['ok', 'ok']);
      for (const entry of runs) {
        expect(entry.events).toBeGreaterThan(0);
        const stored = (history.prepare('SELECT count(*) AS n FROM events WHERE run_id = ?').get(entry.id) as { n: number }).n;
        expect(stored).toBeGreaterThan(0);
      }
    } finally {
      history.close();
    }
  });
});
