import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetError } from './errors';

/**
 * Where the network lab's worker and child entries live (`out/net/*.mjs`). Like the engine's actors,
 * they start from plain JavaScript bundles built by `scripts/build-engine.mjs`, never from TypeScript
 * through a loader (a loader would add its own start-up cost to every thread and process the lab
 * measures). The same lookup as src-main/engine/entry-paths.ts, kept here so that the network lab
 * stands on its own.
 */
export type NetEntry = 'session-worker' | 'server-child' | 'load-worker';

let cachedRoot: string | null = null;

function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'concurrency-lab') {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // an unreadable manifest on the way up is not ours; keep climbing
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new NetError('entry-missing', 'cannot find the Concurrency Lab package root (package.json named concurrency-lab)');
    dir = parent;
  }
}

export function netDir(): string {
  const override = process.env['CONLAB_NET_DIR'];
  if (override) return override;
  // Packaged apps keep these bundles unpacked: a forked child cannot execute a file inside app.asar.
  return join(packageRoot(), 'out', 'net').replace(/app\.asar([/\\])/, 'app.asar.unpacked$1');
}

export function netEntryPath(entry: NetEntry): string {
  const file = join(netDir(), `${entry}.mjs`);
  if (!existsSync(file)) throw new NetError('entry-missing', `network bundle ${file} is missing: run "npm run build:engine" (npm install does it)`);
  return file;
}

/** V8 flags for every child the network lab forks: stable CPU timings (ANCHORS.md: concurrent OSR). */
export const NET_CHILD_EXEC_ARGV: readonly string[] = ['--no-concurrent-osr'];
