import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { LabService } from '../../src-main/service/lab-service';
import { pollUntil } from '../engine/helpers/procfs';
import { busyRunner, leftAfter, markedProcesses, startCli, type CliRun } from './runner-process-helpers';

/**
 * The CLI runs each experiment in a runner process: a task or main actor stuck in a synchronous
 * compute can no longer hold the CLI, its wall limit, Ctrl-C or the process tree hostage.
 */

// Far more than any bound below: ~100 s of compute on our machines, so a run that "finishes" failed.
const FOREVER = 1e11;
const started: CliRun[] = [];

afterEach(() => {
  for (const run of started.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
});

function setup(spec: unknown): { db: string; specFile: string; marker: string } {
  const dir = mkdtempSync(join(tmpdir(), 'conlab-runnerproc-'));
  const specFile = join(dir, 'spec.json');
  writeFileSync(specFile, JSON.stringify(spec));
  return { db: join(dir, 'history.db'), specFile, marker: `CONLAB_TEST_MARK=${randomUUID()}` };
}

async function onlyRun(db: string) {
  const service = LabService.open({ dbPath: db });
  try {
    const [summary] = service.listRuns();
    expect(summary).toBeDefined();
    return service.getRun(summary!.id);
  } finally {
    await service.close();
  }
}

test('a main actor computing far past a 2 s wall limit: the run is timed-out, the CLI exits, no process is left', async () => {
  const { db, specFile, marker } = setup({
    version: 1,
    limits: { wallTimeMs: 2_000 },
    actors: [
      { name: 'm', kind: 'main', program: [{ op: 'compute', iterations: FOREVER }] },
      { name: 'p', kind: 'process', program: [{ op: 'sleep', ms: 600_000 }] },
    ],
  });
  const t0 = performance.now();
  const cli = startCli(['--db', db, 'run', specFile], marker);
  started.push(cli);
  await busyRunner(marker, 500);
  const exit = await cli.exited;
  // The trial's 2 s + the parent's 1.5 s grace + start-up; far below the compute's own length.
  expect(exit.at - t0, cli.output()).toBeLessThan(20_000);
  expect(exit.code, cli.output()).toBe(1);
  expect(await leftAfter(marker)).toEqual([]);
  const run = await onlyRun(db);
  expect(run.status).toBe('timed-out');
  expect(run.error).toMatch(/wall-time limit of 2000 ms/);
  expect(run.endedAt).not.toBeNull();
});

test('Ctrl-C during a CPU-bound task run ends the CLI quickly: run cancelled in the history, no process left', async () => {
  const { db, specFile, marker } = setup({
    version: 1,
    // The tasks take the runner's loop only once the process actor says it runs (a busy machine may start it late).
    primitives: { up: { type: 'semaphore', value: 0 } },
    actors: [
      { name: 'p', kind: 'process', program: [{ op: 'release', prim: 'up' }, { op: 'sleep', ms: 600_000 }] },
      { name: 't', kind: 'task', count: 2, program: [{ op: 'acquire', prim: 'up' }, { op: 'release', prim: 'up' }, { op: 'compute', iterations: FOREVER }] },
    ],
  });
  const cli = startCli(['--db', db, 'run', specFile], marker);
  started.push(cli);
  await busyRunner(marker, 500);
  expect(markedProcesses(marker).length).toBeGreaterThanOrEqual(3); // the CLI, the runner, the process actor
  const interrupted = performance.now();
  cli.child.kill('SIGINT');
  const exit = await cli.exited;
  expect(exit.at - interrupted, cli.output()).toBeLessThan(5_000);
  expect(exit.code, cli.output()).toBe(1);
  expect(await leftAfter(marker)).toEqual([]);
  const run = await onlyRun(db);
  expect(run.status).toBe('cancelled');
  expect(run.error).toMatch(/cancelled by the user/);
});

test('the runner dies with its parent, even while a task is inside a synchronous compute', async () => {
  const { db, specFile, marker } = setup({
    version: 1,
    // The task computes only once both process actors say they run.
    primitives: { up: { type: 'semaphore', value: 0 } },
    actors: [
      { name: 'p', kind: 'process', count: 2, program: [{ op: 'release', prim: 'up' }, { op: 'sleep', ms: 600_000 }] },
      { name: 't', kind: 'task', program: [{ op: 'acquire', prim: 'up' }, { op: 'acquire', prim: 'up' }, { op: 'compute', iterations: FOREVER }] },
    ],
  });
  const cli = startCli(['--db', db, 'run', specFile], marker);
  started.push(cli);
  const runner = await busyRunner(marker, 500);
  expect(markedProcesses(marker)).toContain(runner);
  expect(markedProcesses(marker).length).toBeGreaterThanOrEqual(4); // the CLI, the runner, two process actors
  cli.child.kill('SIGKILL');
  await cli.exited;
  // The guard thread polls the parent pid every 50 ms; the actors go with the runner's tree.
  expect(await leftAfter(marker, 5_000)).toEqual([]);
  // Recovery asks whether the run's owner (the runner) still exists; a zombie does until init reaps it.
  expect(await pollUntil(() => !existsSync(`/proc/${runner}`), 5_000)).toBe(true);
  const run = await onlyRun(db);
  expect(run.status).toBe('interrupted');
  expect(run.error).toMatch(new RegExp(`pid ${runner}`));
});
