import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Builds out/engine, out/cli and out/bench before any test runs: actors start from those bundles. */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..');
  execFileSync(process.execPath, [resolve(root, 'scripts/build-engine.mjs')], {
    cwd: root,
    env: { ...process.env, CONLAB_QUIET_BUILD: '1' },
    stdio: 'inherit',
  });
}
