// Synchronisation primitives on real threads and processes: what each one guarantees, observed in
// section concurrency (metric section.<name>.max), event order and recorded results.
import { expect, test } from 'vitest';
import type { AuthoredSpec, Step } from '../../src-main/model/spec-schema';
import { untilCount } from './helpers/programs';
import { actorRecord, outcome, ms, only, recordsOf, runSpec, select } from './helpers/run-spec';

/** Barrier first (so every instance contends at once), then a section of `holdMs` inside acquire/release. */
function guardedSection(prim: string, holdMs: number, barrier = 'start'): Step[] {
  return [
    { op: 'wait', prim: barrier },
    { op: 'acquire', prim },
    { op: 'section', name: 'critical', steps: [{ op: 'block', ms: holdMs }] },
    { op: 'release', prim },
  ];
}

test('mutex: 8 threads contending are never inside the section together', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { m: { type: 'mutex' }, start: { type: 'barrier', parties: 8 } },
    actors: [{ name: 't', kind: 'thread', count: 8, program: [...guardedSection('m', 5), { op: 'acquire', prim: 'm' }, { op: 'section', name: 'critical', steps: [{ op: 'block', ms: 1 }] }, { op: 'release', prim: 'm' }] }],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.metrics['section.critical.max']).toBe(1);
  expect(select(events, { op: 'section', ph: 'B' })).toHaveLength(16);
});

test('control: the same 8 threads without the mutex do overlap (the metric sees concurrency)', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { start: { type: 'barrier', parties: 8 } },
    actors: [{ name: 't', kind: 'thread', count: 8, program: [{ op: 'wait', prim: 'start' }, { op: 'section', name: 'critical', steps: [{ op: 'block', ms: 100 }] }] }],
  };
  const { trial } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.metrics['section.critical.max']).toBeGreaterThan(1);
});

test('mutex across processes: the broker keeps 3 processes and 2 threads mutually exclusive', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { m: { type: 'mutex' }, start: { type: 'barrier', parties: 5 } },
    actors: [
      { name: 'p', kind: 'process', count: 3, program: guardedSection('m', 30) },
      { name: 't', kind: 'thread', count: 2, program: guardedSection('m', 30) },
    ],
  };
  const { trial } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.metrics['section.critical.max']).toBe(1);
});

test('rlock: the owner re-enters; other threads wait until it released as many times', async () => {
  const reenter: Step[] = [
    { op: 'wait', prim: 'start' },
    { op: 'acquire', prim: 'r' },
    { op: 'acquire', prim: 'r' },
    { op: 'section', name: 'critical', steps: [{ op: 'block', ms: 20 }] },
    { op: 'release', prim: 'r' },
    // Still held once: nobody else may enter yet.
    { op: 'section', name: 'critical', steps: [{ op: 'block', ms: 20 }] },
    { op: 'release', prim: 'r' },
  ];
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { r: { type: 'rlock' }, start: { type: 'barrier', parties: 3 } },
    actors: [{ name: 't', kind: 'thread', count: 3, program: reenter }],
  };
  const { trial } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.metrics['section.critical.max']).toBe(1);
});

test('rlock: a release by a thread that does not hold it fails that actor with a clear error', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { r: { type: 'rlock' } },
    actors: [{ name: 't', kind: 'thread', program: [{ op: 'release', prim: 'r' }] }],
  };
  const { trial } = await runSpec(spec);
  expect(trial.status).toBe('failed');
  expect(actorRecord(trial, 't').error).toContain('does not hold it');
});

test('semaphore(3): 10 threads, at most 3 inside, and 3 do get in together', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { s: { type: 'semaphore', value: 3 }, start: { type: 'barrier', parties: 10 } },
    actors: [{ name: 't', kind: 'thread', count: 10, program: guardedSection('s', 150) }],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.metrics['section.critical.max']).toBe(3);
  expect(select(events, { op: 'section', ph: 'E' })).toHaveLength(10);
});

test('semaphore(2) across processes and threads through the broker: never more than 2 inside', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { s: { type: 'semaphore', value: 2 }, start: { type: 'barrier', parties: 5 } },
    actors: [
      { name: 'p', kind: 'process', count: 3, program: guardedSection('s', 60) },
      { name: 't', kind: 'thread', count: 2, program: guardedSection('s', 60) },
    ],
  };
  const { trial } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.metrics['section.critical.max']).toBeLessThanOrEqual(2);
  expect(trial.metrics['section.critical.max']).toBeGreaterThanOrEqual(1);
});

test('bounded semaphore: a release beyond its bound fails the actor; a plain semaphore just grows', async () => {
  const overRelease: Step[] = [
    { op: 'acquire', prim: 's' },
    { op: 'release', prim: 's' },
    { op: 'release', prim: 's' },
    { op: 'log', message: 'after' },
  ];
  const bounded = await runSpec({ version: 1, primitives: { s: { type: 'bounded-semaphore', value: 1 } }, actors: [{ name: 't', kind: 'thread', program: overRelease }] });
  expect(bounded.trial.status).toBe('failed');
  expect(actorRecord(bounded.trial, 't').error).toBe('s released more times than it was acquired (bounded at 1)');
  expect(select(bounded.events, { actor: 't', op: 'log' })).toHaveLength(0);

  // Through the broker the same error reaches a process actor.
  const brokered = await runSpec({ version: 1, primitives: { s: { type: 'bounded-semaphore', value: 1 } }, actors: [{ name: 'p', kind: 'process', program: overRelease }] });
  expect(brokered.trial.status).toBe('failed');
  expect(actorRecord(brokered.trial, 'p').error).toContain('released more times than it was acquired');

  const plain = await runSpec({ version: 1, primitives: { s: { type: 'semaphore', value: 1 } }, actors: [{ name: 't', kind: 'thread', program: overRelease }] });
  expect(outcome(plain.trial)).toBe('ok');
});

test('non-blocking and timed acquire of a held lock fail, and say so', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { m: { type: 'mutex' }, held: { type: 'event' }, checked: { type: 'event' } },
    actors: [
      { name: 'holder', kind: 'thread', program: [{ op: 'acquire', prim: 'm' }, { op: 'set', prim: 'held' }, { op: 'wait', prim: 'checked' }, { op: 'release', prim: 'm' }] },
      {
        name: 'prober',
        kind: 'process',
        program: [
          { op: 'wait', prim: 'held' },
          { op: 'acquire', prim: 'm', blocking: false, into: 'now' },
          { op: 'record', name: 'nonBlocking', value: { ref: 'now' } },
          { op: 'acquire', prim: 'm', timeoutMs: 150, into: 'later' },
          { op: 'record', name: 'timed', value: { ref: 'later' } },
          { op: 'set', prim: 'checked' },
          { op: 'acquire', prim: 'm', into: 'finally' },
          { op: 'record', name: 'blocking', value: { ref: 'finally' } },
          { op: 'release', prim: 'm' },
        ],
      },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(recordsOf(events, 'prober', 'nonBlocking')).toEqual([false]);
  expect(recordsOf(events, 'prober', 'timed')).toEqual([false]);
  expect(recordsOf(events, 'prober', 'blocking')).toEqual([true]);
  const [, timedBegin] = select(events, { actor: 'prober', op: 'acquire', ph: 'B' });
  const [, timedEnd] = select(events, { actor: 'prober', op: 'acquire', ph: 'E' });
  expect(ms(timedEnd!) - ms(timedBegin!)).toBeGreaterThanOrEqual(140);
});

test('event: waiters on threads, a process and a task pass only after the set', async () => {
  // Each waiter counts itself in just before its wait; the setter sets only once all four counted
  // and a further 100 ms passed, so every wait has really begun before the set.
  const waitForGo: Step[] = [{ op: 'add', var: 'arrived', delta: 1 }, { op: 'wait', prim: 'go', into: 'passed' }, { op: 'record', name: 'passed', value: { ref: 'passed' } }];
  const spec: AuthoredSpec = {
    version: 1,
    shared: { arrived: { scope: 'managed', initial: 0 } },
    primitives: { go: { type: 'event' } },
    actors: [
      { name: 'w', kind: 'thread', count: 2, program: waitForGo },
      { name: 'pw', kind: 'process', program: waitForGo },
      { name: 'tw', kind: 'task', program: waitForGo },
      { name: 'setter', kind: 'thread', program: [...untilCount('arrived', 4), { op: 'sleep', ms: 100 }, { op: 'mark', name: 'setting' }, { op: 'set', prim: 'go' }] },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  const setting = only(events, { actor: 'setter', op: 'mark', name: 'setting' });
  for (const name of ['w-0', 'w-1', 'pw', 'tw']) {
    expect(recordsOf(events, name, 'passed'), name).toEqual([true]);
    expect(only(events, { actor: name, op: 'wait', ph: 'B' }).t, `${name} was waiting before the set`).toBeLessThan(setting.t);
    expect(only(events, { actor: name, op: 'wait', ph: 'E' }).t, `${name} passed after the set`).toBeGreaterThan(setting.t);
  }
});

test('event: a wait with a timeout returns false after about the timeout; clear makes a set event block again', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { never: { type: 'event' }, flag: { type: 'event' } },
    actors: [
      {
        name: 't',
        kind: 'thread',
        program: [
          { op: 'wait', prim: 'never', timeoutMs: 120, into: 'a' },
          { op: 'record', name: 'timedOut', value: { ref: 'a' } },
          { op: 'set', prim: 'flag' },
          { op: 'wait', prim: 'flag', timeoutMs: 5_000, into: 'b' },
          { op: 'record', name: 'afterSet', value: { ref: 'b' } },
          { op: 'clear', prim: 'flag' },
          { op: 'wait', prim: 'flag', timeoutMs: 50, into: 'c' },
          { op: 'record', name: 'afterClear', value: { ref: 'c' } },
        ],
      },
      { name: 'p', kind: 'process', program: [{ op: 'wait', prim: 'never', timeoutMs: 120, into: 'a' }, { op: 'record', name: 'timedOut', value: { ref: 'a' } }] },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  for (const name of ['t', 'p']) {
    expect(recordsOf(events, name, 'timedOut'), name).toEqual([false]);
    const [begin] = select(events, { actor: name, op: 'wait', ph: 'B' });
    const [end] = select(events, { actor: name, op: 'wait', ph: 'E' });
    const waited = ms(end!) - ms(begin!);
    expect(waited, name).toBeGreaterThanOrEqual(110);
    expect(waited, name).toBeLessThan(3_000);
  }
  expect(recordsOf(events, 't', 'afterSet')).toEqual([true]);
  expect(recordsOf(events, 't', 'afterClear')).toEqual([false]);
});

test('condition: consumers wait (releasing the lock), the producer notifies all, each wakes holding the lock and sees the data', async () => {
  const consumer: Step[] = [
    { op: 'acquire', prim: 'c' },
    { op: 'add', var: 'waiting', delta: 1 },
    { op: 'wait', prim: 'c', into: 'notified' },
    { op: 'read', var: 'data', into: 'seen' },
    { op: 'record', name: 'seen', value: { ref: 'seen' } },
    { op: 'record', name: 'notified', value: { ref: 'notified' } },
    { op: 'section', name: 'holding', steps: [{ op: 'block', ms: 10 }] },
    { op: 'release', prim: 'c' },
  ];
  const spec: AuthoredSpec = {
    version: 1,
    // `waiting` is managed so that the process's count reaches the producer; `data` is shared words.
    shared: { waiting: { scope: 'managed', initial: 0 }, data: { scope: 'shared', initial: 0 } },
    primitives: { c: { type: 'condition' } },
    actors: [
      { name: 'consumer', kind: 'thread', count: 2, program: consumer },
      { name: 'pconsumer', kind: 'process', program: consumer },
      {
        name: 'producer',
        kind: 'thread',
        program: [
          // Until all three consumers are inside their wait (each counts itself holding the lock, which
          // its wait releases: the producer's acquire below succeeds only once that consumer waits).
          ...untilCount('waiting', 3),
          { op: 'acquire', prim: 'c' },
          { op: 'write', var: 'data', value: 42 },
          { op: 'mark', name: 'notifying' },
          { op: 'notify', prim: 'c', all: true },
          { op: 'release', prim: 'c' },
        ],
      },
    ],
  };
  const started = performance.now();
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  // The producer saw all three waiting long before its polling budget (1,000 × 10 ms) ran out.
  expect(performance.now() - started).toBeLessThan(8_000);
  const notifying = only(events, { actor: 'producer', op: 'mark', name: 'notifying' });
  for (const name of ['consumer-0', 'consumer-1']) {
    expect(recordsOf(events, name, 'seen'), name).toEqual([42]);
    expect(recordsOf(events, name, 'notified'), name).toEqual([true]);
    expect(only(events, { actor: name, op: 'wait', ph: 'E' }).t).toBeGreaterThan(notifying.t);
  }
  // The process's copy of `data` is private: it was woken through the broker but reads its own 0.
  expect(recordsOf(events, 'pconsumer', 'notified')).toEqual([true]);
  expect(recordsOf(events, 'pconsumer', 'seen')).toEqual([0]);
  // Woken consumers re-acquire the lock one at a time.
  expect(trial.metrics['section.holding.max']).toBe(1);
});

test('condition: a wait with a timeout and no notify returns false, holding the lock again', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { m: { type: 'mutex' }, c: { type: 'condition', lock: 'm' } },
    actors: [{ name: 't', kind: 'thread', program: [{ op: 'acquire', prim: 'c' }, { op: 'wait', prim: 'c', timeoutMs: 80, into: 'n' }, { op: 'record', name: 'notified', value: { ref: 'n' } }, { op: 'release', prim: 'm' }] }],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(recordsOf(events, 't', 'notified')).toEqual([false]);
});

test('barrier: nobody passes before the last party arrives, then all pass together, each with its own index', async () => {
  const arriveAndWait: Step[] = [{ op: 'add', var: 'arrived', delta: 1 }, { op: 'wait', prim: 'b' }];
  const spec: AuthoredSpec = {
    version: 1,
    shared: { arrived: { scope: 'managed', initial: 0 } },
    primitives: { b: { type: 'barrier', parties: 4 } },
    actors: [
      { name: 'early', kind: 'thread', count: 2, program: arriveAndWait },
      { name: 'earlyProcess', kind: 'process', program: arriveAndWait },
      // The last party arrives 300 ms after the three others counted themselves in.
      { name: 'late', kind: 'thread', program: [...untilCount('arrived', 3), { op: 'sleep', ms: 300 }, { op: 'mark', name: 'arriving' }, { op: 'wait', prim: 'b' }] },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  const arriving = only(events, { actor: 'late', op: 'mark', name: 'arriving' });
  for (const name of ['early-0', 'early-1', 'earlyProcess']) expect(only(events, { actor: name, op: 'wait', ph: 'B' }).t, `${name} waited first`).toBeLessThan(arriving.t);
  const passes = select(events, { op: 'wait', ph: 'E', name: 'b' });
  expect(passes).toHaveLength(4);
  for (const pass of passes) {
    expect(pass.t, `${pass.actor} passed after the last arrival`).toBeGreaterThan(arriving.t);
    expect(pass.data?.['passed']).toBe(true);
  }
  // Together: the passes are spread over less time than separated the last arrival from the others (≥ 300 ms).
  const spread = Math.max(...passes.map(ms)) - Math.min(...passes.map(ms));
  const lastEarlyWait = Math.max(...['early-0', 'early-1', 'earlyProcess'].map((name) => ms(only(events, { actor: name, op: 'wait', ph: 'B' }))));
  expect(spread).toBeLessThan(ms(arriving) - lastEarlyWait);
  expect(passes.map((p) => p.data?.['index']).sort()).toEqual([0, 1, 2, 3]);
  // As Python's Barrier.wait: arrivals are numbered from 0, so the last of four gets 3.
  expect(only(events, { actor: 'late', op: 'wait', ph: 'E' }).data?.['index']).toBe(3);
});

test('barrier: a wait that times out withdraws its arrival and returns false', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    primitives: { b: { type: 'barrier', parties: 2 }, retry: { type: 'event' } },
    actors: [
      {
        name: 'alone',
        kind: 'thread',
        program: [
          { op: 'wait', prim: 'b', timeoutMs: 80, into: 'first' },
          { op: 'record', name: 'passed', value: { ref: 'first' } },
          { op: 'set', prim: 'retry' },
          { op: 'wait', prim: 'b', into: 'second' },
          { op: 'record', name: 'passed', value: { ref: 'second' } },
        ],
      },
      // Arrives only after the first wait gave up: had that arrival stayed counted, this one would pass alone.
      { name: 'other', kind: 'thread', program: [{ op: 'wait', prim: 'retry' }, { op: 'sleep', ms: 50 }, { op: 'mark', name: 'arriving' }, { op: 'wait', prim: 'b' }] },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(recordsOf(events, 'alone', 'passed')).toEqual([false, true]);
  const arriving = only(events, { actor: 'other', op: 'mark', name: 'arriving' });
  expect(select(events, { actor: 'alone', op: 'wait', ph: 'E', name: 'b' })[1]!.t).toBeGreaterThan(arriving.t);
});
