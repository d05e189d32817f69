// The group watchdog itself: killed while a run goes on, it is replaced at once and the new one is
// handed every registered group, so the runner's later death still takes the group with it.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { expect, test } from 'vitest';
import { killMarked, listProcesses, MARK_VARIABLE, markedProcesses, repoRoot, until } from './lifetime-procs';

/** Bundled inside the repository (out/test-fixtures) so that it finds out/engine/watchdog.mjs as the engine does. */
async function bundleFixture(): Promise<string> {
  const outdir = join(repoRoot, 'out', 'test-fixtures');
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, 'watchdog-runner.mjs');
  await build({ entryPoints: [join(repoRoot, 'test/trust/fixtures/watchdog-runner.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
  return outfile;
}

test.runIf(process.platform === 'linux')('a watchdog killed mid-run is replaced, and the replacement still ends the group when the runner dies', async () => {
  const fixture = await bundleFixture();
  const mark = randomUUID();
  const runner = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, [MARK_VARIABLE]: mark } });
  const exited = once(runner, 'exit');
  const reports: { sleeper: number; watchdog: number | null }[] = [];
  createInterface({ input: runner.stdout }).on('line', (line) => reports.push(JSON.parse(line) as (typeof reports)[number]));
  try {
    const first = await until('the first report', () => reports[0] ?? null, 20_000);
    expect(first.watchdog).not.toBeNull();
    const alive = (pid: number): boolean => markedProcesses(mark).some((p) => p.pid === pid);
    expect(alive(first.sleeper) && alive(first.watchdog!)).toBe(true);

    process.kill(first.watchdog!, 'SIGKILL');
    const second = await until('a new watchdog', () => reports.find((r) => r.watchdog !== null && r.watchdog !== first.watchdog) ?? null, 10_000);
    // Killing the old watchdog killed nothing else: it is end of input, not its death, that kills.
    expect(alive(first.sleeper)).toBe(true);

    runner.kill('SIGKILL');
    await exited;
    const left = await until('no marked process left', () => (markedProcesses(mark).length === 0 ? [] : null), 5_000).catch(() => markedProcesses(mark));
    expect(listProcesses(left), `watchdogs ${first.watchdog} then ${second.watchdog}`).toBe('none');
  } finally {
    if (runner.exitCode === null && runner.signalCode === null) runner.kill('SIGKILL');
    killMarked(mark);
  }
}, 60_000);
