// Cancel: a run stopped by its AbortSignal ends promptly and leaves no actor process or thread behind.
import { beforeAll, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { decodeBatch, type EventBatch } from '../../src-main/model/trace-event';
import { commandLine, isAlive, liveChildrenOf, pollUntil } from './helpers/procfs';

let childrenBefore: Set<number>;
beforeAll(() => {
  childrenBefore = new Set(liveChildrenOf(process.pid).map((child) => child.pid));
});

/** Children of this test process that were not there before the file's tests and still run. */
function newLiveChildren(): string[] {
  return liveChildrenOf(process.pid)
    .filter((child) => !childrenBefore.has(child.pid))
    .map((child) => `${child.pid} (${child.state}) ${commandLine(child.pid)}`);
}

const longSleepers: AuthoredSpec = {
  version: 1,
  actors: [
    { name: 'p', kind: 'process', count: 4, program: [{ op: 'sleep', ms: 30_000 }, { op: 'log', message: 'woke' }] },
    { name: 't', kind: 'thread', count: 2, program: [{ op: 'block', ms: 30_000 }, { op: 'log', message: 'woke' }] },
    { name: 'k', kind: 'task', program: [{ op: 'sleep', ms: 30_000 }, { op: 'log', message: 'woke' }] },
  ],
};

test('cancel during a run: it ends cancelled within a bound, and no actor process survives', async () => {
  const controller = new AbortController();
  const started = new Set<string>();
  let allStarted!: () => void;
  const allRunning = new Promise<void>((resolve) => (allStarted = resolve));
  const onBatch = (batch: EventBatch): void => {
    // Each actor flushes its events before it goes to sleep or blocks: its "sleep"/"block" B means it is in there.
    for (const event of decodeBatch(batch)) if ((event.op === 'sleep' || event.op === 'block') && event.ph === 'B') started.add(event.actor);
    if (started.size === 7) allStarted();
  };
  const running = runExperiment({ spec: longSleepers, signal: controller.signal, onBatch });
  await allRunning;
  const abortedAt = performance.now();
  controller.abort();
  const { run } = await running;
  const stopMs = performance.now() - abortedAt;

  expect(run.status).toBe('cancelled');
  expect(stopMs).toBeLessThan(3_000);
  const trial = run.trials[0]!;
  expect(trial.error).toBe('cancelled by the user');
  expect(trial.actors.map((a) => a.exit)).toEqual(Array(7).fill('cancelled'));
  expect(trial.actors.every((a) => a.startedNs !== null)).toBe(true);

  const processPids = trial.actors.filter((a) => a.kind === 'process').map((a) => a.pid!);
  expect(processPids).toHaveLength(4);
  expect(new Set(processPids).size).toBe(4);
  // Killed at once, but reaping is asynchronous: allow a moment before calling one a survivor.
  const gone = await pollUntil(() => processPids.every((pid) => !isAlive(pid)) && newLiveChildren().length === 0, 1_000);
  expect(gone, `still alive: ${processPids.filter(isAlive).join(', ')}; children: ${newLiveChildren().join('; ')}`).toBe(true);
  // Nobody woke up to log anything.
  expect(trial.eventCount).toBeGreaterThan(0);
}, 20_000);

test('a signal aborted before the run starts cancels it without starting any actor', async () => {
  const controller = new AbortController();
  controller.abort();
  const started = performance.now();
  const { run } = await runExperiment({ spec: longSleepers, signal: controller.signal, repeat: 3 });
  expect(run.status).toBe('cancelled');
  expect(performance.now() - started).toBeLessThan(2_000);
  // The first trial was cancelled and the run stopped there: no further trial was attempted.
  expect(run.trials).toHaveLength(1);
  expect(run.trials[0]!.actors.every((a) => a.exit === 'never-started' || a.exit === 'cancelled')).toBe(true);
  expect(run.trials[0]!.actors.every((a) => a.pid === null || a.kind !== 'process')).toBe(true);
  expect(newLiveChildren()).toEqual([]);
});

test('cancel while processes wait on a brokered lock and a queue: the broker lets go, nothing survives', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { m: { type: 'mutex' }, held: { type: 'event' } },
    queues: { q: { order: 'fifo' } },
    actors: [
      { name: 'holder', kind: 'process', program: [{ op: 'acquire', prim: 'm' }, { op: 'set', prim: 'held' }, { op: 'sleep', ms: 30_000 }] },
      { name: 'locker', kind: 'process', program: [{ op: 'wait', prim: 'held' }, { op: 'acquire', prim: 'm' }] },
      { name: 'getter', kind: 'process', program: [{ op: 'get', queue: 'q' }] },
    ],
  };
  const controller = new AbortController();
  const waiting = new Set<string>();
  let ready!: () => void;
  const allWaiting = new Promise<void>((resolve) => (ready = resolve));
  const running = runExperiment({
    spec,
    signal: controller.signal,
    onBatch: (batch) => {
      for (const event of decodeBatch(batch)) {
        if (event.ph === 'B' && ['sleep', 'acquire', 'get'].includes(event.op) && !(event.actor === 'holder' && event.op === 'acquire')) waiting.add(event.actor);
      }
      if (waiting.size === 3) ready();
    },
  });
  await allWaiting;
  const abortedAt = performance.now();
  controller.abort();
  const { run } = await running;
  expect(run.status).toBe('cancelled');
  expect(performance.now() - abortedAt).toBeLessThan(3_000);
  const pids = run.trials[0]!.actors.map((a) => a.pid!);
  expect(await pollUntil(() => pids.every((pid) => !isAlive(pid)), 1_000)).toBe(true);
  expect(newLiveChildren()).toEqual([]);
}, 20_000);
