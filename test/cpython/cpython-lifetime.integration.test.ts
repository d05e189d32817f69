import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { markedProcesses } from '../../src-main/engine/runner/process-tree';
import { validateSpec } from '../../src-main/engine/spec/validate';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { pollUntil } from '../engine/helpers/procfs';
import { LabService } from '../../src-main/service/lab-service';
import { leftAfter, startCli } from '../trust/runner-process-helpers';
import { orphanedInterpreter, python, runtimeProcesses, skipReason } from './cpython-helpers';

/**
 * Nothing of a CPython trial outlives it: cancel kills the interpreter's whole process group (its
 * forked process actors included), and an interpreter whose parent died ends itself and its children.
 */


/** Main, a thread, a task and a forked process, each waiting far longer than any test runs. */
const lingering: AuthoredSpec = {
  version: 1,
  actors: [
    { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 'child' }, { op: 'spawn', actor: 'worker' }, { op: 'sleep', ms: 600_000 }] },
    { name: 'child', kind: 'process', autostart: false, program: [{ op: 'sleep', ms: 600_000 }] },
    { name: 'worker', kind: 'thread', autostart: false, program: [{ op: 'block', ms: 600_000 }] },
    { name: 'waiter', kind: 'task', program: [{ op: 'sleep', ms: 600_000 }] },
  ],
};

/** Interpreters of the lab's runtime carrying `marker` (not a shell whose script names the module). */

describe.skipIf(!python)(`CPython lifetime${skipReason}`, () => {
  test('cancel kills the interpreter and its forked process actor within 500 ms; the trial is recorded cancelled', async () => {
    const runId = randomUUID();
    const marker = `CONLAB_RUN_ID=${runId}`;
    const controller = new AbortController();
    // Which actors have traced their first step: cancel comes once all four are at work (on a loaded machine
    // main may not yet have started "worker" when the processes are up; it would be recorded never-started).
    const tracing = new Set<string>();
    const running = runExperiment({
      spec: lingering,
      runtime: 'cpython',
      runId,
      signal: controller.signal,
      workRoot: mkdtempSync(join(tmpdir(), 'conlab-cpython-')),
      onBatch: (batch) => tracing.add(batch.actor),
    });
    // The interpreter and the process it forked for "child" both carry the run's marker.
    expect(await pollUntil(() => runtimeProcesses(marker).length >= 2 && tracing.size === 4, 15_000), `tracing: ${[...tracing].join(', ')}`).toBe(true);
    const before = runtimeProcesses(marker);
    const cancelledAt = performance.now();
    controller.abort();
    const gone = await pollUntil(() => markedProcesses(marker).length === 0, 5_000, 10);
    const goneMs = performance.now() - cancelledAt;
    expect(gone).toBe(true);
    expect(goneMs).toBeLessThan(500);
    const { run } = await running;
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(run.status).toBe('cancelled');
    const exits = Object.fromEntries(run.trials[0]!.actors.map((a) => [a.name, a.exit]));
    expect(exits).toEqual({ main: 'cancelled', child: 'cancelled', worker: 'cancelled', waiter: 'cancelled' });
  });

  test('an interpreter whose parent dies ends itself and its forked children, even with its input still open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-cpython-orphan-'));
    const validated = validateSpec(lingering);
    const { started, gone } = await orphanedInterpreter(dir, { spec: validated.spec, trial: 0, originNs: process.hrtime.bigint().toString(), eventBudget: 10_000 }, 2);
    expect(started).toBe(true);
    expect(gone).toBe(true);
  });
  test('a CLI killed during a CPython run takes the interpreter and its forked actor with it; the run is marked interrupted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-cpython-kill-'));
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(lingering));
    const db = join(dir, 'history.db');
    const marker = `CONLAB_TEST_MARK=${randomUUID()}`;
    const cli = startCli(['--db', db, 'run', specFile, '--runtime', 'cpython'], marker);
    try {
      expect(await pollUntil(() => runtimeProcesses(marker).length >= 2, 20_000)).toBe(true);
      cli.child.kill('SIGKILL');
      await cli.exited;
      expect(await leftAfter(marker, 5_000)).toEqual([]);
    } finally {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    }
    expect(existsSync(db)).toBe(true);
    const service = LabService.open({ dbPath: db });
    try {
      const [summary] = service.listRuns();
      expect(summary?.status).toBe('interrupted');
    } finally {
      await service.close();
    }
  });
});
