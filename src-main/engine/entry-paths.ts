import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the bundled entry files of actors and workers live (`out/engine/*.mjs`).
 *
 * Actor threads and processes start from plain JavaScript bundles, never from TypeScript through a
 * loader: a loader would add its own start-up cost to every spawn and distort what the lab measures.
 * The bundles are built by `scripts/build-engine.mjs` (run by `npm install` and before the tests).
 */
export type EngineEntry = 'actor-thread' | 'actor-process' | 'store-writer' | 'runner' | 'runner-guard' | 'run-log-reader';

let cachedRoot: string | null = null;

/** The folder of the Concurrency Lab package.json, found by climbing from this module (bundled or not). */
export function findPackageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
        if (parsed.name === 'concurrency-lab') {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // an unreadable manifest on the way up is not ours; keep climbing
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the Concurrency Lab package root (package.json named concurrency-lab)');
    dir = parent;
  }
}

/** A folder of built bundles under out/; packaged apps keep them unpacked: a forked child cannot execute a file inside app.asar. */
export function bundleDir(folder: string): string {
  return join(findPackageRoot(), 'out', folder).replace(/app\.asar([/\\])/, 'app.asar.unpacked$1');
}

export function engineDir(): string {
  return process.env['CONLAB_ENGINE_DIR'] || bundleDir('engine');
}

export function entryPath(entry: EngineEntry): string {
  const file = join(engineDir(), `${entry}.mjs`);
  if (!existsSync(file)) {
    throw new Error(`engine bundle ${file} is missing: run "npm run build:engine" (npm install does it)`);
  }
  return file;
}

let cachedVersion: string | null = null;
/** The app's version, from its package.json. */
export function appVersion(): string {
  if (cachedVersion) return cachedVersion;
  try {
    const manifest = JSON.parse(readFileSync(join(findPackageRoot(), 'package.json'), 'utf8')) as { version?: string };
    cachedVersion = manifest.version ?? '0.0.0';
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}
