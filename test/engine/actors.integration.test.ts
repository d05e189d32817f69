// Actor kinds on their real mechanisms: who runs where (pids, thread ids), what is shared and what is
// isolated, how main spawns and joins, and how daemons end.
import { threadId } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { UTILITY_SUBSTITUTION_REASON } from '../../src-main/engine/actors/hosts';
import type { AuthoredSpec, Step } from '../../src-main/model/spec-schema';
import { actorRecord, outcome, logsOf, only, recordsOf, runSpec, select } from './helpers/run-spec';

/** Records who the actor is, as it sees itself. */
const identify: Step[] = [
  { op: 'record', name: 'pid', value: { self: 'pid' } },
  { op: 'record', name: 'ppid', value: { self: 'ppid' } },
  { op: 'record', name: 'threadId', value: { self: 'threadId' } },
  { op: 'record', name: 'kind', value: { self: 'kind' } },
];

test('main spawns and joins a thread, a process, a utility and a task; each runs where its kind says', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          ...identify,
          { op: 'spawn', actor: 't' },
          { op: 'spawn', actor: 'p' },
          { op: 'spawn', actor: 'u' },
          { op: 'spawn', actor: 'k' },
          { op: 'join', actor: 't' },
          { op: 'join', actor: 'p' },
          { op: 'join', actor: 'u' },
          { op: 'join', actor: 'k' },
          { op: 'mark', name: 'joined' },
        ],
      },
      { name: 't', kind: 'thread', count: 2, autostart: false, program: identify },
      { name: 'p', kind: 'process', count: 2, autostart: false, program: identify },
      { name: 'u', kind: 'utility', autostart: false, program: identify },
      { name: 'k', kind: 'task', autostart: false, program: identify },
    ],
  };
  const { run, trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.actors.map((a) => [a.name, a.exit])).toEqual([
    ['main', 'completed'],
    ['t-0', 'completed'],
    ['t-1', 'completed'],
    ['p-0', 'completed'],
    ['p-1', 'completed'],
    ['u', 'completed'],
    ['k', 'completed'],
  ]);

  // Utility processes need Electron: outside it the run says what ran instead, and why.
  expect(run.substitutions).toEqual([{ kind: 'utility', ranAs: expect.stringContaining('child_process.fork'), reason: UTILITY_SUBSTITUTION_REASON }]);

  // What each actor saw of itself agrees with what the runner recorded.
  for (const actor of trial.actors) {
    expect(recordsOf(events, actor.name, 'pid'), actor.name).toEqual([actor.pid]);
    expect(recordsOf(events, actor.name, 'ppid'), actor.name).toEqual([actor.ppid]);
    expect(recordsOf(events, actor.name, 'threadId'), actor.name).toEqual([actor.threadId]);
    expect(recordsOf(events, actor.name, 'kind'), actor.name).toEqual([actor.kind]);
  }

  // Threads, tasks and main live in the runner's process; threads each on their own thread.
  for (const name of ['main', 'k', 't-0', 't-1']) expect(actorRecord(trial, name).pid, name).toBe(process.pid);
  expect(actorRecord(trial, 'main').threadId).toBe(threadId);
  expect(actorRecord(trial, 'k').threadId).toBe(threadId);
  const threadIds = ['t-0', 't-1'].map((name) => actorRecord(trial, name).threadId);
  expect(new Set([...threadIds, threadId]).size).toBe(3);

  // Processes (and the stand-in utility) are children of the runner, each with its own pid.
  const processPids = ['p-0', 'p-1', 'u'].map((name) => actorRecord(trial, name).pid);
  expect(new Set([...processPids, process.pid]).size).toBe(4);
  for (const name of ['p-0', 'p-1', 'u']) expect(actorRecord(trial, name).ppid, name).toBe(process.pid);

  // Spawned actors start after main asked for them and have all ended before main's join returns.
  const joined = only(events, { actor: 'main', op: 'mark', name: 'joined' });
  for (const name of ['t-0', 't-1', 'p-0', 'p-1', 'u', 'k']) {
    const ended = only(events, { actor: name, op: 'actor', ph: 'E' });
    expect(ended.t, `${name} ended before main's join returned`).toBeLessThan(joined.t);
    const record = actorRecord(trial, name);
    expect(record.spawnLatencyMs, name).toBeGreaterThanOrEqual(0);
  }
});

test('a task runs on the runner loop: a task that sleeps lets another run, one that blocks holds everyone', async () => {
  // Two tasks: "sleeper" yields for 100 ms, so "other" runs meanwhile and finishes first.
  // Then "blocker" blocks the loop for 150 ms: "waiter", due after 20 ms, cannot run until it ends.
  const spec: AuthoredSpec = {
    version: 1,
    actors: [
      { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 'sleeper' }, { op: 'spawn', actor: 'other' }, { op: 'join', actor: 'sleeper' }, { op: 'join', actor: 'other' }, { op: 'spawn', actor: 'blocker' }, { op: 'spawn', actor: 'waiter' }] },
      { name: 'sleeper', kind: 'task', autostart: false, program: [{ op: 'sleep', ms: 100 }, { op: 'mark', name: 'done' }] },
      { name: 'other', kind: 'task', autostart: false, program: [{ op: 'mark', name: 'done' }] },
      { name: 'blocker', kind: 'task', autostart: false, program: [{ op: 'block', ms: 150 }, { op: 'mark', name: 'done' }] },
      { name: 'waiter', kind: 'task', autostart: false, program: [{ op: 'sleep', ms: 20 }, { op: 'mark', name: 'done' }] },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  const done = (actor: string): number => only(events, { actor, op: 'mark', name: 'done' }).t;
  expect(done('other')).toBeLessThan(done('sleeper'));
  expect(done('blocker')).toBeLessThan(done('waiter'));
  const blockEnd = only(events, { actor: 'blocker', op: 'block', ph: 'E' }).t;
  const waiterSleepBegin = only(events, { actor: 'waiter', op: 'sleep', ph: 'B' }).t;
  // The waiter only began its sleep once the blocker released the loop.
  expect(waiterSleepBegin).toBeGreaterThan(blockEnd);
});

test('shared variables: a thread writes the runner memory, a process writes its private copy, a managed variable reaches the runner', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    shared: {
      seenByThreads: { scope: 'shared', initial: 5 },
      copied: { scope: 'shared', initial: 5 },
      cells: { scope: 'shared', initial: [0, 0, 0] },
      board: { scope: 'managed', initial: { owner: null, hits: 0 } },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'spawn', actor: 'writer' },
          { op: 'join', actor: 'writer' },
          { op: 'read', var: 'seenByThreads', into: 'afterThread' },
          { op: 'record', name: 'afterThread', value: { ref: 'afterThread' } },
          { op: 'spawn', actor: 'proc' },
          { op: 'join', actor: 'proc' },
          { op: 'read', var: 'copied', into: 'afterProcess' },
          { op: 'record', name: 'afterProcess', value: { ref: 'afterProcess' } },
          { op: 'read', var: 'board', index: 'owner', into: 'owner' },
          { op: 'record', name: 'owner', value: { ref: 'owner' } },
        ],
      },
      {
        name: 'writer',
        kind: 'thread',
        autostart: false,
        program: [
          { op: 'write', var: 'seenByThreads', value: 42 },
          { op: 'write', var: 'cells', index: 2, value: 7 },
        ],
      },
      {
        name: 'proc',
        kind: 'process',
        autostart: false,
        program: [
          // The copy was taken when the process was spawned: it sees the thread's earlier write.
          { op: 'read', var: 'seenByThreads', into: 'inherited' },
          { op: 'record', name: 'inherited', value: { ref: 'inherited' } },
          { op: 'write', var: 'copied', value: 99 },
          { op: 'add', var: 'copied', delta: 1, into: 'mine' },
          { op: 'record', name: 'mine', value: { ref: 'mine' } },
          { op: 'write', var: 'board', index: 'owner', value: 'proc' },
          { op: 'add', var: 'board', index: 'hits', delta: 3 },
        ],
      },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  // The thread's writes are the runner's memory.
  expect(recordsOf(events, 'main', 'afterThread')).toEqual([42]);
  expect(trial.finalShared['seenByThreads']).toBe(42);
  expect(trial.finalShared['cells']).toEqual([0, 0, 7]);
  // The process changed only its own copy.
  expect(recordsOf(events, 'proc', 'inherited')).toEqual([42]);
  expect(recordsOf(events, 'proc', 'mine')).toEqual([100]);
  expect(recordsOf(events, 'main', 'afterProcess')).toEqual([5]);
  expect(trial.finalShared['copied']).toBe(5);
  // The managed variable lives in the runner: the process's writes are everyone's.
  expect(recordsOf(events, 'main', 'owner')).toEqual(['proc']);
  expect(trial.finalShared['board']).toEqual({ owner: 'proc', hits: 3 });
});

test('daemons are stopped when main and the other actors end; a non-daemon is awaited', async () => {
  const sleepThenDone: Step[] = [{ op: 'sleep', ms: 20_000 }, { op: 'log', message: 'done' }];
  const spec: AuthoredSpec = {
    version: 1,
    actors: [
      { name: 'main', kind: 'main', program: [{ op: 'sleep', ms: 20 }] },
      { name: 'daemonThread', kind: 'thread', daemon: true, program: sleepThenDone },
      { name: 'daemonProcess', kind: 'process', daemon: true, program: sleepThenDone },
      { name: 'daemonTask', kind: 'task', daemon: true, program: sleepThenDone },
      { name: 'worker', kind: 'thread', program: [{ op: 'sleep', ms: 300 }, { op: 'log', message: 'done' }] },
    ],
  };
  const started = performance.now();
  const { trial, events } = await runSpec(spec);
  const elapsed = performance.now() - started;
  expect(outcome(trial)).toBe('ok');
  expect(logsOf(events, 'worker')).toEqual(['done']);
  for (const name of ['daemonThread', 'daemonProcess', 'daemonTask']) {
    expect(logsOf(events, name), name).toEqual([]);
    expect(actorRecord(trial, name).exit, name).toBe('daemon-stopped');
    // They were running (their sleep began) when they were stopped.
    expect(select(events, { actor: name, op: 'sleep', ph: 'B' }), name).toHaveLength(1);
  }
  expect(actorRecord(trial, 'worker').exit).toBe('completed');
  // The daemons' daemon-stop came after the worker's end, and the run did not wait out their sleep.
  const workerDone = only(events, { actor: 'worker', op: 'log' }).t;
  expect(actorRecord(trial, 'daemonProcess').endedNs!).toBeGreaterThan(workerDone);
  expect(elapsed).toBeLessThan(10_000);
});

test('without a main, the trial ends when every non-daemon actor has ended', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    actors: [
      { name: 'short', kind: 'process', program: [{ op: 'sleep', ms: 50 }] },
      { name: 'background', kind: 'process', daemon: true, program: [{ op: 'sleep', ms: 20_000 }, { op: 'log', message: 'done' }] },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(actorRecord(trial, 'short').exit).toBe('completed');
  expect(actorRecord(trial, 'background').exit).toBe('daemon-stopped');
  expect(logsOf(events, 'background')).toEqual([]);
});

test('terminate ends an actor from outside; is_alive and join see it', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'spawn', actor: 'victimProcess' },
          { op: 'spawn', actor: 'victimThread' },
          { op: 'sleep', ms: 300 },
          { op: 'is_alive', actor: 'victimProcess', into: 'before' },
          { op: 'record', name: 'aliveBefore', value: { ref: 'before' } },
          { op: 'terminate', actor: 'victimProcess' },
          { op: 'terminate', actor: 'victimThread' },
          { op: 'join', actor: 'victimProcess' },
          { op: 'join', actor: 'victimThread' },
          { op: 'is_alive', actor: 'victimProcess', into: 'after' },
          { op: 'record', name: 'aliveAfter', value: { ref: 'after' } },
        ],
      },
      { name: 'victimProcess', kind: 'process', autostart: false, program: [{ op: 'sleep', ms: 20_000 }, { op: 'log', message: 'done' }] },
      { name: 'victimThread', kind: 'thread', autostart: false, program: [{ op: 'block', ms: 20_000 }, { op: 'log', message: 'done' }] },
    ],
  };
  const started = performance.now();
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(recordsOf(events, 'main', 'aliveBefore')).toEqual([true]);
  expect(recordsOf(events, 'main', 'aliveAfter')).toEqual([false]);
  expect(actorRecord(trial, 'victimProcess').exit).toBe('terminated');
  expect(actorRecord(trial, 'victimThread').exit).toBe('terminated');
  expect(logsOf(events, 'victimProcess')).toEqual([]);
  expect(logsOf(events, 'victimThread')).toEqual([]);
});

test('an actor that fails ends the trial as failed, with its error, and the others are stopped', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    actors: [
      { name: 'bad', kind: 'process', program: [{ op: 'fail', message: 'the account went negative' }] },
      { name: 'patient', kind: 'thread', program: [{ op: 'sleep', ms: 20_000 }, { op: 'log', message: 'done' }] },
    ],
  };
  const started = performance.now();
  const { run, trial, events } = await runSpec(spec);
  expect(run.status).toBe('failed');
  expect(trial.error).toContain('bad failed: the account went negative');
  expect(actorRecord(trial, 'bad').exit).toBe('failed');
  expect(actorRecord(trial, 'bad').error).toBe('the account went negative');
  expect(logsOf(events, 'patient')).toEqual([]);
  expect(performance.now() - started).toBeLessThan(10_000);
});
