import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleDir, findPackageRoot } from '../package-root';

/**
 * Where the bundled entry files of actors and workers live (`out/engine/*.mjs`).
 *
 * Actor threads and processes start from plain JavaScript bundles, never from TypeScript through a
 * loader: a loader would add its own start-up cost to every spawn and distort what the lab measures.
 * The bundles are built by `scripts/build-engine.mjs` (run by `npm install` and before the tests).
 */
export type EngineEntry = 'actor-thread' | 'actor-process' | 'store-writer' | 'runner' | 'runner-guard' | 'run-log-reader' | 'trace-encoder';

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
