import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleDir } from '../package-root';
import { NetError } from './errors';

/**
 * Where the network lab's worker and child entries live (`out/net/*.mjs`). Like the engine's actors,
 * they start from plain JavaScript bundles built by `scripts/build-engine.mjs`, never from TypeScript
 * through a loader (a loader would add its own start-up cost to every thread and process the lab
 * measures). The package root is found as the engine finds it (src-main/package-root.ts).
 */
export type NetEntry = 'session-worker' | 'server-child' | 'load-worker';

export function netDir(): string {
  return process.env['CONLAB_NET_DIR'] || bundleDir('net');
}

export function netEntryPath(entry: NetEntry): string {
  const file = join(netDir(), `${entry}.mjs`);
  if (!existsSync(file)) throw new NetError('entry-missing', `network bundle ${file} is missing: run "npm run build:engine" (npm install does it)`);
  return file;
}

/** V8 flags for every child the network lab forks: stable CPU timings (ANCHORS.md: concurrent OSR). */
export const NET_CHILD_EXEC_ARGV: readonly string[] = ['--no-concurrent-osr'];
