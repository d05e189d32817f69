// Nothing outlives its run: a `conlab run` killed with SIGKILL — no cleanup code of ours runs — takes
// every process of its run with it, whatever state they are in: process actors blocked in
// Atomics.wait (their event loop cannot notice anything), the OS children an actor started, and the
// watchdog itself. Each iteration must pass; there is no retry.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { OWNER_FILE } from '../../src-main/engine/runner/run-folders';
import { blockedTreeSpec, conlabBin, fullTree, listProcesses, killMarked, MARK_VARIABLE, markedProcesses, until } from './lifetime-procs';

const ITERATIONS = 10;
const dir = mkdtempSync(join(tmpdir(), 'conlab-lifetime-'));
const specPath = join(dir, 'blocked-tree.json');
writeFileSync(specPath, JSON.stringify(blockedTreeSpec));
const db = join(dir, 'history.db');
/** Where `conlab run` works by default (runExperiment's default work root). */
const defaultWorkRoot = join(tmpdir(), 'conlab-runs');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(process.platform === 'linux')('a runner killed with SIGKILL leaves no process behind', () => {
  const killedRunners: number[] = [];

  test(`${ITERATIONS} times: blocked process actors, their OS children and a blocked thread all go with the runner`, async () => {
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const mark = randomUUID();
      const runner = spawn(process.execPath, [conlabBin, '--db', db, 'run', specPath], { stdio: 'ignore', env: { ...process.env, [MARK_VARIABLE]: mark } });
      const exited = once(runner, 'exit');
      try {
        const tree = await until(`iteration ${iteration}: the whole tree up, the actors blocked (${listProcesses(markedProcesses(mark))})`, () => fullTree(mark), 30_000);
        // The shape the guarantee relies on: every actor leads its own group, the OS children are in
        // their actor's group, and the watchdog is in a group of its own, not the runner's.
        for (const actor of tree.actors) expect(actor.pgid, `actor ${actor.pid}`).toBe(actor.pid);
        const parent = tree.actors.find((actor) => tree.sleepers.every((sleeper) => sleeper.pgid === actor.pgid));
        expect(parent, `the sleepers' group is their actor's: ${listProcesses([...tree.actors, ...tree.sleepers])}`).toBeDefined();
        const runnerPgid = markedProcesses(mark).find((p) => p.pid === runner.pid)?.pgid;
        expect(tree.watchdogs[0]!.pgid).not.toBe(runnerPgid);

        runner.kill('SIGKILL');
        await exited;
        killedRunners.push(runner.pid!);
        const left = await until(
          `iteration ${iteration}: no marked process left`,
          () => (markedProcesses(mark).length === 0 ? [] : null),
          5_000,
        ).catch(() => markedProcesses(mark));
        expect(listProcesses(left), `iteration ${iteration}`).toBe('none');
      } finally {
        if (runner.exitCode === null && runner.signalCode === null) runner.kill('SIGKILL');
        killMarked(mark);
      }
    }
  }, 180_000);

  test('the next run removes the folders the killed runners left, and its own', async () => {
    expect(killedRunners.length).toBe(ITERATIONS);
    const ownedByKilled = (): string[] =>
      (existsSync(defaultWorkRoot) ? readdirSync(defaultWorkRoot) : []).filter((name) => {
        try {
          const owner = JSON.parse(readFileSync(join(defaultWorkRoot, name, OWNER_FILE), 'utf8')) as { pid: number };
          return killedRunners.includes(owner.pid);
        } catch {
          return false;
        }
      });
    // Each runner swept its predecessors' folders when it started; only the last one's can be left.
    expect(ownedByKilled().length).toBeLessThanOrEqual(1);
    const quick = join(dir, 'quick.json');
    writeFileSync(quick, JSON.stringify({ version: 1, actors: [{ name: 'one', kind: 'process', program: [{ op: 'compute', iterations: 10 }] }] }));
    const runner = spawn(process.execPath, [conlabBin, '--db', db, 'run', quick, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    runner.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const [code] = (await once(runner, 'exit')) as [number | null];
    expect(code).toBe(0);
    const { runId } = JSON.parse(stdout) as { runId: string };
    expect(ownedByKilled()).toEqual([]);
    expect(existsSync(join(defaultWorkRoot, runId))).toBe(false);
  }, 60_000);
});
