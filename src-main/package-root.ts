import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Concurrency Lab package on disk: its root folder and the folders of bundles built under out/.
 * Shared by the engine (actor, runner and writer entries) and the network lab (its worker and child
 * entries), neither of which may import the other's internals.
 */

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
