import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { RUN_MARKER_ENV } from '../../src-main/engine/runner/runner-protocol';
import type { EventBatch } from '../../src-main/model/trace-event';
import { startLabServer } from '../../src-main/serve/lab-server';
import { LabService } from '../../src-main/service/lab-service';
import { pollUntil } from '../engine/helpers/procfs';
import { busyRunner, leftAfter, markedProcesses } from './runner-process-helpers';

/** LabService runs each experiment in a runner process and stays free to answer while it computes. */

let service: LabService;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-runnerproc-service-'));
  service = LabService.open({ dbPath: join(dir, 'history.db') });
});

afterAll(async () => {
  await service.close();
});

test('while a task computes in its runner the service answers; cancel of the stuck run records cancelled and leaves nothing', async () => {
  const { runId, done } = await service.startRun({
    spec: { version: 1, actors: [{ name: 't', kind: 'task', program: [{ op: 'compute', iterations: 1e11 }] }] },
  });
  const marker = `${RUN_MARKER_ENV}=${runId}`;
  await busyRunner(marker, 500);
  expect(service.activeRuns()).toEqual([runId]);

  // The runner's loop is stuck in the compute; this process's loop is not.
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const asked = performance.now();
    await nextTurn();
    const runs = service.listRuns();
    latencies.push(performance.now() - asked);
    expect(runs.find((r) => r.id === runId)?.status).toBe('running');
  }
  expect(Math.max(...latencies)).toBeLessThan(1_000); // the compute itself would take ~100 s

  const cancelled = performance.now();
  expect(service.cancel(runId)).toBe(true);
  const run = await done;
  expect(performance.now() - cancelled).toBeLessThan(5_000);
  expect(run.status).toBe('cancelled');
  expect(run.error).toMatch(/did not answer within 200 ms/);
  expect(run.endedAt).not.toBeNull();
  expect(await leftAfter(marker)).toEqual([]);
  expect(service.activeRuns()).toEqual([]);
  expect(service.cancel(runId)).toBe(false);
});

test('browser mode answers HTTP requests while 8 tasks compute in the runner; cancel then ends the stuck run', async () => {
  const root = join(dir, 'renderer');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>lab</title>');
  const server = await startLabServer({ service, rendererRoot: root });
  try {
    const { runId, done } = await service.startRun({
      spec: { version: 1, actors: [{ name: 't', kind: 'task', count: 8, program: [{ op: 'compute', iterations: 1e11 }] }] },
    });
    await busyRunner(`${RUN_MARKER_ENV}=${runId}`, 500);
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const asked = performance.now();
      const response = await fetch(`http://127.0.0.1:${server.port}/`);
      expect(response.status).toBe(200);
      await response.text();
      latencies.push(performance.now() - asked);
    }
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    expect(service.activeRuns()).toContain(runId);
    service.cancel(runId);
    expect((await done).status).toBe('cancelled');
  } finally {
    await server.close();
  }
});

test('a runner that answers cancel ends the run itself: cancelled, its trial recorded, nothing left', async () => {
  const { runId, done } = await service.startRun({
    spec: {
      version: 1,
      actors: [
        { name: 'p', kind: 'process', count: 2, program: [{ op: 'sleep', ms: 600_000 }] },
        { name: 'k', kind: 'task', program: [{ op: 'sleep', ms: 600_000 }] },
      ],
    },
  });
  const marker = `${RUN_MARKER_ENV}=${runId}`;
  // The runner and both process actors are up (the runner's writer and guard are threads).
  expect(await pollUntil(() => markedProcesses(marker).length >= 3, 30_000)).toBe(true);
  service.cancel(runId);
  const run = await done;
  expect(run.status).toBe('cancelled');
  expect(run.error).toBe('cancelled by the user');
  expect(run.trials.map((t) => t.status)).toEqual(['cancelled']);
  expect(run.trials[0]!.actors.map((a) => a.exit)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  expect(await leftAfter(marker)).toEqual([]);
});

test('live batches cross from the runner to onBatch: every stored event was relayed once', async () => {
  const batches: EventBatch[] = [];
  const run = await service.run({
    spec: {
      version: 1,
      actors: [
        { name: 'th', kind: 'thread', program: [{ op: 'repeat', times: 50, steps: [{ op: 'mark', name: 'tick' }] }] },
        { name: 'pr', kind: 'process', program: [{ op: 'repeat', times: 50, steps: [{ op: 'mark', name: 'tick' }] }] },
        { name: 'ta', kind: 'task', program: [{ op: 'repeat', times: 50, steps: [{ op: 'mark', name: 'tick' }] }] },
      ],
    },
    onBatch: (batch) => batches.push(batch),
  });
  expect(run.status).toBe('ok');
  const stored = service.runEvents(run.id);
  const key = (b: EventBatch): string => `${b.trial}/${b.actor}/${b.firstSeq}/${b.count}`;
  expect(batches.map(key).sort()).toEqual(stored.map(key).sort());
  expect(new Set(batches.map((b) => b.actor))).toEqual(new Set(['th', 'pr', 'ta']));
  expect(batches.reduce((sum, b) => sum + b.count, 0)).toBe(run.trials[0]!.eventCount);
});

test('inside the runner a trial that outran its wall limit in one synchronous step is timed-out, never ok', async () => {
  // No parent here to kill it: the compute ends on its own, well after the limit (≈ 1 s for 1e9 iterations).
  const { run } = await runExperiment({
    spec: { version: 1, limits: { wallTimeMs: 100 }, actors: [{ name: 't', kind: 'task', program: [{ op: 'compute', iterations: 1e9 }] }] },
    workRoot: join(dir, 'runs'),
  });
  expect(run.trials[0]!.wallMs).toBeGreaterThan(100);
  expect(run.status).toBe('timed-out');
  expect(run.error).toMatch(/wall-time limit of 100 ms/);
});
