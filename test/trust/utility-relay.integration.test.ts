import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { forkHost, type ActorHost } from '../../src-main/engine/actors/hosts';
import type { RunRecord } from '../../src-main/model/run-model';
import { RUN_MARKER_ENV } from '../../src-main/engine/runner/runner-protocol';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { decodeBatches, type EventBatch } from '../../src-main/model/trace-event';
import { LabService } from '../../src-main/service/lab-service';
import { isAlive, procStat, pollUntil } from '../engine/helpers/procfs';
import { recordsOf } from '../engine/helpers/run-spec';
import { busyRunner, cmdline, leftAfter, markedProcesses, runnerAmong } from './runner-process-helpers';

/**
 * Utility actors relayed to the runner: the service is given a utility host (here a stand-in for
 * Electron's utilityProcess, the engine's fork host under another name, since Electron is not running),
 * starts the run's utility actors itself and relays their messages; the runner never forks them.
 * Linux only: processes are found through /proc.
 */

const MECHANISM = 'electron.utilityProcess (stand-in: child_process.fork)';
const utilityStandIn: ActorHost = forkHost(MECHANISM);

// Every process started from here on (the runner, its actors, the relayed actors) inherits this marker.
const MARKER_NAME = 'CONLAB_TEST_UTILITY_RELAY';
const MARKER = `${MARKER_NAME}=${process.pid}-${Date.now()}`;

/** A queue between a producer and a consumer, a managed counter and a mutex shared with a thread, trace marks: all on `kind`. */
function workSpec(kind: 'utility' | 'process' | 'thread'): AuthoredSpec {
  const lockedAdds = [
    { op: 'acquire', prim: 'mu' },
    { op: 'read', var: 'board', index: 'hits', into: 'h' },
    { op: 'sleep', ms: 2 },
    { op: 'write', var: 'board', index: 'hits', value: { add: [{ ref: 'h' }, 1] } },
    { op: 'release', prim: 'mu' },
    { op: 'mark', name: 'added' },
  ];
  return {
    version: 1,
    title: { en: `relay check on ${kind}`, zh: `relay check on ${kind}` },
    shared: { board: { scope: 'managed', initial: { hits: 0 } } },
    primitives: { mu: { type: 'mutex' } },
    queues: { box: { order: 'fifo', maxsize: 2 } },
    actors: [
      {
        name: 'producer',
        kind,
        program: [
          { op: 'let', name: 'i', value: 1 },
          { op: 'repeat', times: 6, steps: [{ op: 'put', queue: 'box', value: { ref: 'i' } }, { op: 'let', name: 'i', value: { add: [{ ref: 'i' }, 1] } }] },
        ],
      },
      {
        name: 'consumer',
        kind,
        program: [{ op: 'repeat', times: 6, steps: [{ op: 'get', queue: 'box', into: 'item' }, { op: 'record', name: 'got', value: { ref: 'item' } }] }],
      },
      { name: 'locker', kind, count: 2, program: [{ op: 'repeat', times: 4, steps: lockedAdds }] },
      // Across kinds: a thread takes the same mutex.
      { name: 'threadLocker', kind: 'thread', program: [{ op: 'repeat', times: 4, steps: lockedAdds }] },
    ],
  } as AuthoredSpec;
}

/** Sleeps in utility actors (and in a process actor) until stopped; `stuck`: a task keeps the runner's loop busy too. */
function sleepers(stuck: boolean): AuthoredSpec {
  return {
    version: 1,
    limits: { wallTimeMs: 60_000 },
    actors: [
      { name: 'u', kind: 'utility', count: 2, program: [{ op: 'mark', name: 'up' }, { op: 'sleep', ms: 50_000 }] },
      { name: 'p', kind: 'process', program: [{ op: 'sleep', ms: 50_000 }] },
      ...(stuck ? [{ name: 't', kind: 'task' as const, program: [{ op: 'sleep' as const, ms: 300 }, { op: 'compute' as const, iterations: 1e11 }] }] : []),
    ],
  };
}

let dir: string;
let relaying: LabService;
let plain: LabService;
let savedMarker: string | undefined;

beforeAll(() => {
  savedMarker = process.env[MARKER_NAME];
  process.env[MARKER_NAME] = MARKER.slice(MARKER_NAME.length + 1);
  dir = mkdtempSync(join(tmpdir(), 'conlab-utility-relay-'));
  relaying = LabService.open({ dbPath: join(dir, 'relay.db'), hosts: { utility: utilityStandIn } });
  plain = LabService.open({ dbPath: join(dir, 'plain.db') });
});

afterAll(async () => {
  await relaying.close();
  await plain.close();
  if (savedMarker === undefined) delete process.env[MARKER_NAME];
  else process.env[MARKER_NAME] = savedMarker;
});

interface Outcome {
  readonly run: RunRecord;
  readonly got: unknown[];
  readonly hits: unknown;
}

async function runOn(service: LabService, kind: 'utility' | 'process' | 'thread'): Promise<Outcome> {
  const run = await service.run({ spec: workSpec(kind) });
  const events = decodeBatches(service.runEvents(run.id));
  const trial = run.trials[0]!;
  return { run, got: recordsOf(events, 'consumer', 'got'), hits: (trial.finalShared['board'] as { hits: number }).hits };
}

describe.skipIf(process.platform !== 'linux')('utility actors relayed through the service (Linux: /proc)', () => {
  test('a run with utility actors is ok, gives the results thread and process actors give, records no substitution, and its utility actors are the service\'s children', async () => {
    const relayed = await runOn(relaying, 'utility');
    const trial = relayed.run.trials[0]!;
    expect(trial.error ?? relayed.run.status).toBe('ok');
    expect(relayed.run.substitutions).toEqual([]);

    // The same results on every kind: FIFO order through the queue, every locked add counted.
    for (const kind of ['process', 'thread'] as const) {
      const other = await runOn(plain, kind);
      expect(other.run.status, kind).toBe('ok');
      expect(other.got, kind).toEqual(relayed.got);
      expect(other.hits, kind).toBe(relayed.hits);
    }
    expect(relayed.got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(relayed.hits).toBe(12);

    // Utility actors are children of this (the service's) process; the thread runs in the runner, another process.
    const utilityActors = trial.actors.filter((a) => a.kind === 'utility');
    expect(utilityActors.map((a) => a.name).sort()).toEqual(['consumer', 'locker-0', 'locker-1', 'producer']);
    const threadLocker = trial.actors.find((a) => a.name === 'threadLocker')!;
    expect(threadLocker.pid).not.toBe(process.pid);
    for (const actor of utilityActors) {
      expect(actor.exit, actor.name).toBe('completed');
      expect(actor.ppid, actor.name).toBe(process.pid);
      expect(actor.pid, actor.name).not.toBe(threadLocker.pid);
    }

    // Every event made it through the relay and into the history.
    for (const actor of trial.actors) expect(actor.eventsReceived, actor.name).toBe(actor.eventsEmitted);
    const stored = relaying.runEvents(relayed.run.id).reduce((sum, batch) => sum + batch.count, 0);
    expect(stored).toBe(trial.eventCount);
    expect(stored).toBe(trial.actors.reduce((sum, a) => sum + a.eventsEmitted, 0));
    expect(trial.actors.filter((a) => a.kind === 'utility').every((a) => a.eventsEmitted > 0)).toBe(true);
  });

  test('without a utility host the runner forks utility actors itself and the run records the substitution', async () => {
    const { run } = await runOn(plain, 'utility');
    expect(run.status).toBe('ok');
    expect(run.substitutions).toEqual([expect.objectContaining({ kind: 'utility', ranAs: expect.stringContaining('child_process.fork') })]);
    const runnerPid = run.trials[0]!.actors.find((a) => a.kind === 'utility')!.ppid;
    expect(runnerPid).not.toBe(process.pid);
  });

  test('a relayed actor that exited leaving its own child behind: the trial\'s teardown kills that child through the relay, before the next trial', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      actors: [
        { name: 'u', kind: 'utility', program: [{ op: 'os_child', mode: 'sleep', ms: 1_000_000, into: 'c' }, { op: 'record', name: 'child', value: { ref: 'c' } }] },
        // Keeps each trial going well past the point where the run's final sweep could be what kills the child.
        { name: 'w', kind: 'utility', program: [{ op: 'sleep', ms: 1_500 }] },
      ],
    };
    const batches: EventBatch[] = [];
    let firstChildGone: Promise<boolean> | null = null;
    const { runId, done } = await relaying.startRun({
      spec,
      repeat: 2,
      onBatch: (batch) => batches.push(batch),
      onProgress: (progress) => {
        if (progress.phase !== 'started' || progress.trial !== 2) return;
        const [first] = recordsOf(decodeBatches(batches.filter((b) => b.trial === 0)), 'u', 'child') as number[];
        firstChildGone = first === undefined ? Promise.resolve(false) : pollUntil(() => !isAlive(first), 1_000);
      },
    });
    const run = await done;
    expect(run.id).toBe(runId);
    expect(run.status).toBe('ok');
    expect(firstChildGone, 'the second trial started').not.toBeNull();
    expect(await firstChildGone!, 'the first trial\'s orphaned child is gone when the second trial starts').toBe(true);
    const children = recordsOf(decodeBatches(relaying.runEvents(run.id)), 'u', 'child') as number[];
    expect(children).toHaveLength(2);
    expect(await pollUntil(() => children.every((pid) => !isAlive(pid)), 5_000)).toBe(true);
    expect(await leftAfter(MARKER, 5_000)).toEqual([]);
  });

  /** Starts the sleepers and waits until both relayed actors run (children of this process, marked). */
  async function startSleepers(stuck = false): Promise<{ runId: string; done: Promise<RunRecord>; relayedPids: number[]; runner: number }> {
    const { runId, done } = await relaying.startRun({ spec: sleepers(stuck) });
    let relayedPids: number[] = [];
    let runner: number | null = null;
    const up = await pollUntil(() => {
      const marked = markedProcesses(MARKER);
      runner = runnerAmong(marked.filter((pid) => procStat(pid)?.ppid === process.pid));
      relayedPids = marked.filter((pid) => procStat(pid)?.ppid === process.pid && cmdline(pid).includes('actor-process'));
      return relayedPids.length === 2 && runner !== null && markedProcesses(`${RUN_MARKER_ENV}=${runId}`).length >= 2;
    }, 30_000);
    expect(up, 'two relayed utility actors and the runner started').toBe(true);
    return { runId, done, relayedPids, runner: runner! };
  }

  test('cancel during a run ends the relayed actors with the rest of the run', async () => {
    const { runId, done, relayedPids } = await startSleepers();
    expect(relaying.cancel(runId)).toBe(true);
    const run = await done;
    expect(run.status).toBe('cancelled');
    expect(await leftAfter(MARKER, 5_000)).toEqual([]);
    for (const pid of relayedPids) expect(isAlive(pid), `relayed actor ${pid}`).toBe(false);
  });

  test('cancel while the runner\'s loop is stuck: the service kills the tree and the relayed actors it owns', async () => {
    const { runId, done, relayedPids, runner } = await startSleepers(true);
    await busyRunner(`${RUN_MARKER_ENV}=${runId}`, 1_500);
    expect(relaying.cancel(runId)).toBe(true);
    const run = await done;
    expect(run.status).toBe('cancelled');
    expect(run.error).toMatch(/did not answer within/);
    expect(isAlive(runner)).toBe(false);
    expect(await leftAfter(MARKER, 5_000)).toEqual([]);
    for (const pid of relayedPids) expect(isAlive(pid), `relayed actor ${pid}`).toBe(false);
  });

  test('the runner SIGKILLed: the service kills the relayed actors it owns', async () => {
    const { done, relayedPids, runner } = await startSleepers();
    process.kill(runner, 'SIGKILL');
    const run = await done;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/runner process ended unexpectedly/);
    expect(await leftAfter(MARKER, 5_000)).toEqual([]);
    for (const pid of relayedPids) expect(isAlive(pid), `relayed actor ${pid}`).toBe(false);
  });

  test('the wall limit passed while the runner is stuck: the tree and the relayed actors are killed', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      limits: { wallTimeMs: 1_000 },
      actors: [
        { name: 'u', kind: 'utility', program: [{ op: 'sleep', ms: 50_000 }] },
        // Keeps the runner's loop busy: its own wall timer cannot fire, the service's backstop does.
        { name: 't', kind: 'task', program: [{ op: 'compute', iterations: 1e11 }] },
      ],
    };
    const { runId, done } = await relaying.startRun({ spec });
    // The relayed actor runs (a child of this process) before the limit is reached.
    expect(await pollUntil(() => markedProcesses(MARKER).some((pid) => procStat(pid)?.ppid === process.pid && cmdline(pid).includes('actor-process')), 30_000)).toBe(true);
    const run = await done;
    expect(run.status).toBe('timed-out');
    expect(await leftAfter(`${RUN_MARKER_ENV}=${runId}`, 5_000)).toEqual([]);
    expect(await leftAfter(MARKER, 5_000)).toEqual([]);
  });
});
