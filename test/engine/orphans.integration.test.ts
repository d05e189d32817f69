// Orphan safety: when the runner's process dies without any chance to clean up (SIGKILL), its actor
// processes notice and exit by themselves.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { expect, test } from 'vitest';
import { isAlive, pollUntil, procStat } from './helpers/procfs';

const root = resolve(import.meta.dirname, '../..');

/** Bundles the fixture runner inside the repository (out/test-fixtures) so that its packages resolve from node_modules. */
async function bundleFixture(): Promise<string> {
  const outdir = join(root, 'out', 'test-fixtures');
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, 'orphan-runner.mjs');
  await build({
    entryPoints: [join(root, 'test/engine/fixtures/orphan-runner.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}

test('actors of a runner killed with SIGKILL exit by themselves', async () => {
  const fixture = await bundleFixture();
  const runner = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  runner.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(runner, 'exit');
  const pids = new Map<string, number>();
  try {
    const lines = createInterface({ input: runner.stdout });
    const allReported = new Promise<void>((resolveAll, reject) => {
      lines.on('line', (line) => {
        const { actor, pid } = JSON.parse(line) as { actor: string; pid: number };
        pids.set(actor, pid);
        if (pids.size === 3) resolveAll();
      });
      void exited.then(() => reject(new Error(`the fixture runner exited early: ${stderr}`)));
    });
    await allReported;
    expect([...pids.keys()].sort()).toEqual(['helper', 'sleeper-0', 'sleeper-1']);
    // They are real children of the fixture runner, running.
    for (const [actor, pid] of pids) {
      expect(isAlive(pid), actor).toBe(true);
      expect(procStat(pid)?.ppid, actor).toBe(runner.pid);
    }

    runner.kill('SIGKILL');
    await exited;
    const gone = await pollUntil(() => [...pids.values()].every((pid) => !isAlive(pid)), 3_000);
    expect(gone, `still alive after 3 s: ${[...pids].filter(([, pid]) => isAlive(pid)).map(([a, pid]) => `${a} ${pid}`).join(', ')}`).toBe(true);
  } finally {
    if (runner.exitCode === null && runner.signalCode === null) runner.kill('SIGKILL');
    // Should the test fail, leave no survivor behind for the next tests.
    for (const pid of pids.values()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}, 30_000);
