// The two classic failures, made to happen for certain: a read-modify-write race that loses updates,
// and lock-order deadlocks that the runner detects, names and ends.
import { expect, test } from 'vitest';
import type { AuthoredSpec, Step } from '../../src-main/model/spec-schema';
import { actorRecord, only, outcome, recordsOf, runSpec, select } from './helpers/run-spec';

/** read → wait → write back + 1: the window between read and write is `windowMs` wide. */
function increment(windowMs: number): Step[] {
  return [
    { op: 'read', var: 'counter', into: 't' },
    { op: 'block', ms: windowMs },
    { op: 'write', var: 'counter', value: { add: [{ ref: 't' }, 1] } },
  ];
}

test('race: 20 threads increment without a lock and lose updates', async () => {
  // The barrier lines every thread up, so the reads all fall inside one another's 50 ms window.
  const spec: AuthoredSpec = {
    version: 1,
    shared: { counter: { scope: 'shared', initial: 0 } },
    primitives: { start: { type: 'barrier', parties: 20 } },
    actors: [{ name: 't', kind: 'thread', count: 20, program: [{ op: 'wait', prim: 'start' }, ...increment(50)] }],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  const final = trial.finalShared['counter'] as number;
  expect(final).toBeGreaterThanOrEqual(1);
  expect(final).toBeLessThan(20);
  // Several threads read the same value: that is what was lost.
  const reads = select(events, { op: 'read' }).map((e) => e.data?.['value']);
  expect(reads).toHaveLength(20);
  expect(new Set(reads).size).toBeLessThan(20);
});

test('race fixed: the same 20 threads with a mutex around the increment count exactly 20', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    shared: { counter: { scope: 'shared', initial: 0 } },
    primitives: { start: { type: 'barrier', parties: 20 }, m: { type: 'mutex' } },
    actors: [{ name: 't', kind: 'thread', count: 20, program: [{ op: 'wait', prim: 'start' }, { op: 'acquire', prim: 'm' }, ...increment(2), { op: 'release', prim: 'm' }] }],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.finalShared['counter']).toBe(20);
  expect(select(events, { op: 'read' }).map((e) => e.data?.['value']).sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test('race across processes: a managed counter loses updates between read and write; add is atomic', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    shared: { racy: { scope: 'managed', initial: 0 }, atomic: { scope: 'managed', initial: 0 } },
    primitives: { start: { type: 'barrier', parties: 4 } },
    actors: [
      {
        name: 'p',
        kind: 'process',
        count: 4,
        program: [
          { op: 'wait', prim: 'start' },
          { op: 'read', var: 'racy', into: 't' },
          { op: 'sleep', ms: 100 },
          { op: 'write', var: 'racy', value: { add: [{ ref: 't' }, 1] } },
          { op: 'add', var: 'atomic', delta: 1 },
        ],
      },
    ],
  };
  const { trial } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.finalShared['racy']).toBeLessThan(4);
  expect(trial.finalShared['atomic']).toBe(4);
});

/** A takes `first` then `second`; B the other way round. The barrier makes both hold their first lock before either asks for its second. */
function lockOrder(kind: 'thread' | 'process'): AuthoredSpec {
  const takeBoth = (first: string, second: string): Step[] => [
    { op: 'acquire', prim: first },
    { op: 'wait', prim: 'bothHoldOne' },
    { op: 'acquire', prim: second },
    { op: 'log', message: 'got both' },
    { op: 'release', prim: second },
    { op: 'release', prim: first },
  ];
  return {
    version: 1,
    // Should detection fail, the trial ends timed-out instead of hanging the test.
    limits: { wallTimeMs: 15_000 },
    primitives: { m1: { type: 'mutex' }, m2: { type: 'mutex' }, bothHoldOne: { type: 'barrier', parties: 2 } },
    actors: [
      { name: 'A', kind, program: takeBoth('m1', 'm2') },
      { name: 'B', kind, program: takeBoth('m2', 'm1') },
    ],
  };
}

test.each(['thread', 'process'] as const)('deadlock between two %s actors is detected, the cycle named, the actors ended', async (kind) => {
  const started = performance.now();
  const { run, trial, events } = await runSpec(lockOrder(kind));
  const elapsed = performance.now() - started;
  expect(run.status).toBe('deadlocked');
  expect(elapsed).toBeLessThan(5_000);
  const cycle = trial.deadlock?.cycle ?? [];
  expect([...cycle].sort((a, b) => a.actor.localeCompare(b.actor))).toEqual([
    { actor: 'A', waitsFor: 'm2', heldBy: 'B' },
    { actor: 'B', waitsFor: 'm1', heldBy: 'A' },
  ]);
  for (const word of ['A', 'B', 'm1', 'm2']) expect(trial.deadlock!.description).toContain(word);
  expect(trial.error).toBe(trial.deadlock!.description);
  expect(trial.deadlock!.detectedAtMs).toBeLessThanOrEqual(trial.wallMs);
  // The latency runs from the later of the two waits that closed the cycle, as the full trace shows them.
  const waitsBegan = [only(events, { actor: 'A', op: 'acquire', ph: 'B', name: 'm2' }), only(events, { actor: 'B', op: 'acquire', ph: 'B', name: 'm1' })];
  expect(trial.metrics['deadlockLatencyMs']).toBeCloseTo(trial.deadlock!.detectedAtMs - Math.max(...waitsBegan.map((e) => e.t)) / 1e6, 6);
  for (const name of ['A', 'B']) {
    expect(actorRecord(trial, name).exit, name).toBe('deadlocked');
    expect(select(events, { actor: name, op: 'log' }), name).toHaveLength(0);
  }
});

test('a timed acquire breaks the lock-order cycle: no deadlock is reported, both finish', async () => {
  // A gives up m2 after 1 s and backs off, releasing m1: a wait with a deadline is not a deadlock.
  const spec: AuthoredSpec = {
    version: 1,
    limits: { wallTimeMs: 15_000 },
    primitives: { m1: { type: 'mutex' }, m2: { type: 'mutex' }, bothHoldOne: { type: 'barrier', parties: 2 } },
    actors: [
      {
        name: 'A',
        kind: 'thread',
        program: [
          { op: 'acquire', prim: 'm1' },
          { op: 'wait', prim: 'bothHoldOne' },
          { op: 'acquire', prim: 'm2', timeoutMs: 1_000, into: 'got' },
          { op: 'record', name: 'gotSecond', value: { ref: 'got' } },
          { op: 'if', cond: { truthy: { ref: 'got' } }, then: [{ op: 'release', prim: 'm2' }] },
          { op: 'release', prim: 'm1' },
        ],
      },
      {
        name: 'B',
        kind: 'process',
        program: [{ op: 'acquire', prim: 'm2' }, { op: 'wait', prim: 'bothHoldOne' }, { op: 'acquire', prim: 'm1' }, { op: 'release', prim: 'm1' }, { op: 'release', prim: 'm2' }],
      },
    ],
  };
  const { trial, events } = await runSpec(spec, { deadlockSampleMs: 100 });
  expect(outcome(trial)).toBe('ok');
  expect(trial.deadlock).toBeNull();
  expect(recordsOf(events, 'A', 'gotSecond')).toEqual([false]);
});

test.each(['thread', 'process'] as const)('a %s acquiring a mutex it already holds deadlocks on itself; with an rlock it re-enters', async (kind) => {
  const twice = (prim: string): Step[] => [{ op: 'acquire', prim }, { op: 'acquire', prim }, { op: 'log', message: 'inside twice' }, { op: 'release', prim }, { op: 'release', prim }];
  const started = performance.now();
  const mutex = await runSpec({ version: 1, limits: { wallTimeMs: 15_000 }, primitives: { m: { type: 'mutex' } }, actors: [{ name: 'T', kind, program: twice('m') }] });
  expect(mutex.run.status).toBe('deadlocked');
  expect(performance.now() - started).toBeLessThan(5_000);
  expect(mutex.trial.deadlock?.cycle).toEqual([{ actor: 'T', waitsFor: 'm', heldBy: 'T' }]);
  expect(mutex.trial.deadlock?.description).toBe('deadlock: T waits for m held by T');
  expect(actorRecord(mutex.trial, 'T').exit).toBe('deadlocked');

  const rlock = await runSpec({ version: 1, primitives: { r: { type: 'rlock' } }, actors: [{ name: 'T', kind, program: twice('r') }] });
  expect(outcome(rlock.trial)).toBe('ok');
  expect(select(rlock.events, { actor: 'T', op: 'log' })).toHaveLength(1);
});

test('a three-way cycle among a thread, a process and a task is named whole', async () => {
  const take = (first: string, second: string): Step[] => [{ op: 'acquire', prim: first }, { op: 'wait', prim: 'allHoldOne' }, { op: 'acquire', prim: second }];
  const spec: AuthoredSpec = {
    version: 1,
    limits: { wallTimeMs: 15_000 },
    primitives: { a: { type: 'mutex' }, b: { type: 'mutex' }, c: { type: 'mutex' }, allHoldOne: { type: 'barrier', parties: 3 } },
    actors: [
      { name: 'T', kind: 'thread', program: take('a', 'b') },
      { name: 'P', kind: 'process', program: take('b', 'c') },
      { name: 'K', kind: 'task', program: take('c', 'a') },
    ],
  };
  const { run, trial } = await runSpec(spec);
  expect(run.status).toBe('deadlocked');
  expect([...(trial.deadlock?.cycle ?? [])].sort((x, y) => x.actor.localeCompare(y.actor))).toEqual([
    { actor: 'K', waitsFor: 'a', heldBy: 'T' },
    { actor: 'P', waitsFor: 'c', heldBy: 'K' },
    { actor: 'T', waitsFor: 'b', heldBy: 'P' },
  ]);
  for (const name of ['T', 'P', 'K']) expect(actorRecord(trial, name).exit).toBe('deadlocked');
});

test('a long but finite hold is not a deadlock: waiting behind a lock held 600 ms completes', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { m: { type: 'mutex' }, held: { type: 'event' } },
    actors: [
      { name: 'holder', kind: 'thread', program: [{ op: 'acquire', prim: 'm' }, { op: 'set', prim: 'held' }, { op: 'block', ms: 600 }, { op: 'release', prim: 'm' }] },
      { name: 'waiter', kind: 'thread', program: [{ op: 'wait', prim: 'held' }, { op: 'acquire', prim: 'm' }, { op: 'release', prim: 'm' }] },
    ],
  };
  const { trial } = await runSpec(spec, { deadlockSampleMs: 50 });
  expect(outcome(trial)).toBe('ok');
  expect(trial.deadlock).toBeNull();
});
