import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The e2e tests serve out/renderer. `npm test` builds it just before; a direct `vitest run test/e2e`
 * rebuilds it here when a renderer or contract source is newer than the build.
 */
export default function setup(): void {
  const built = join(root, 'out', 'renderer', 'index.html');
  const stale = !existsSync(built) || Math.max(newestMtime(join(root, 'src-renderer')), newestMtime(join(root, 'src-main', 'contract'))) > statSync(built).mtimeMs;
  if (!stale) return;
  execFileSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
}
