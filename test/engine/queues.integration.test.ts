// Queues hosted by the runner: order, bounds, timeouts, task_done/join, and reach across threads,
// processes and tasks.
import { expect, test } from 'vitest';
import type { AuthoredSpec, Step } from '../../src-main/model/spec-schema';
import { actorRecord, outcome, ms, only, recordsOf, runSpec, select } from './helpers/run-spec';

/** Puts `values` (optionally with priorities), then gets as many, recording what came out. */
function putThenGet(values: number[], priorities?: number[]): Step[] {
  return [
    ...values.map((value, i): Step => (priorities ? { op: 'put', queue: 'q', value, priority: priorities[i]! } : { op: 'put', queue: 'q', value })),
    ...values.flatMap((): Step[] => [{ op: 'get', queue: 'q', into: 'v' }, { op: 'record', name: 'got', value: { ref: 'v' } }]),
  ];
}

test.each([
  { order: 'fifo' as const, puts: [1, 2, 3], expected: [1, 2, 3] },
  { order: 'lifo' as const, puts: [1, 2, 3], expected: [3, 2, 1] },
  { order: 'priority' as const, puts: [10, 8, 12], expected: [8, 10, 12] },
])('$order queue hands items out in $order order, to a thread and to a process', async ({ order, puts, expected }) => {
  const spec: AuthoredSpec = {
    version: 1,
    queues: { q: { order } },
    actors: [
      { name: 't', kind: 'thread', autostart: false, program: putThenGet(puts) },
      { name: 'p', kind: 'process', autostart: false, program: putThenGet(puts) },
      { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 't' }, { op: 'join', actor: 't' }, { op: 'spawn', actor: 'p' }, { op: 'join', actor: 'p' }] },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(recordsOf(events, 't', 'got')).toEqual(expected);
  expect(recordsOf(events, 'p', 'got')).toEqual(expected);
});

test('priority queue: an explicit priority wins over the value; ties leave in arrival order', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    queues: { q: { order: 'priority' } },
    actors: [
      {
        name: 't',
        kind: 'task',
        program: [
          { op: 'put', queue: 'q', value: 'low', priority: 5 },
          { op: 'put', queue: 'q', value: 'first-of-two', priority: 1 },
          { op: 'put', queue: 'q', value: 'second-of-two', priority: 1 },
          { op: 'put', queue: 'q', value: 'urgent', priority: 0 },
          ...Array.from({ length: 4 }, (): Step[] => [{ op: 'get', queue: 'q', into: 'v' }, { op: 'record', name: 'got', value: { ref: 'v' } }]).flat(),
        ],
      },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(recordsOf(events, 't', 'got')).toEqual(['urgent', 'first-of-two', 'second-of-two', 'low']);
});

test('bounded queue: a non-blocking put on a full queue fails, a timed get on an empty one fails after about the timeout', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    queues: { q: { order: 'fifo', maxsize: 2 } },
    actors: [
      {
        name: 't',
        kind: 'thread',
        program: [
          { op: 'put', queue: 'q', value: 1, into: 'ok1' },
          { op: 'put', queue: 'q', value: 2, into: 'ok2' },
          { op: 'put', queue: 'q', value: 3, blocking: false, into: 'ok3' },
          { op: 'put', queue: 'q', value: 4, timeoutMs: 100, into: 'ok4' },
          { op: 'record', name: 'puts', value: { list: [{ ref: 'ok1' }, { ref: 'ok2' }, { ref: 'ok3' }, { ref: 'ok4' }] } },
          { op: 'get', queue: 'q', into: 'a' },
          { op: 'get', queue: 'q', into: 'b' },
          { op: 'record', name: 'gets', value: { list: [{ ref: 'a' }, { ref: 'b' }] } },
          { op: 'get', queue: 'q', blocking: false, into: 'c' },
          { op: 'record', name: 'emptyNow', value: { ref: 'c' } },
          { op: 'get', queue: 'q', timeoutMs: 150, into: 'd' },
          { op: 'record', name: 'emptyLater', value: { ref: 'd' } },
        ],
      },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(recordsOf(events, 't', 'puts')).toEqual([[true, true, false, false]]);
  expect(recordsOf(events, 't', 'gets')).toEqual([[1, 2]]);
  expect(recordsOf(events, 't', 'emptyNow')).toEqual([null]);
  expect(recordsOf(events, 't', 'emptyLater')).toEqual([null]);

  const putBegins = select(events, { actor: 't', op: 'put', ph: 'B' });
  const putEnds = select(events, { actor: 't', op: 'put', ph: 'E' });
  expect(putEnds.map((e) => e.data?.['ok'])).toEqual([true, true, false, false]);
  expect(ms(putEnds[3]!) - ms(putBegins[3]!)).toBeGreaterThanOrEqual(95);
  const getBegins = select(events, { actor: 't', op: 'get', ph: 'B' });
  const getEnds = select(events, { actor: 't', op: 'get', ph: 'E' });
  const waited = ms(getEnds[3]!) - ms(getBegins[3]!);
  expect(waited).toBeGreaterThanOrEqual(145);
  expect(waited).toBeLessThan(3_000);
  // The non-blocking get did not wait at all (a generous bound: it is one broker round trip).
  expect(ms(getEnds[2]!) - ms(getBegins[2]!)).toBeLessThan(waited);
});

test('a get or put that fails without "into" fails the actor with a message saying how to handle it', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    queues: { q: { order: 'fifo', maxsize: 1 } },
    actors: [{ name: 'p', kind: 'process', program: [{ op: 'get', queue: 'q', timeoutMs: 30 }] }],
  };
  const { trial } = await runSpec(spec);
  expect(trial.status).toBe('failed');
  expect(actorRecord(trial, 'p').error).toBe('queue q is empty (get timed out after 30 ms); give the step an "into" to handle it');
});

test('a blocked put waits for room: it completes only after a get made some', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    queues: { q: { order: 'fifo', maxsize: 1 } },
    primitives: { full: { type: 'event' } },
    actors: [
      { name: 'producer', kind: 'process', program: [{ op: 'put', queue: 'q', value: 1 }, { op: 'set', prim: 'full' }, { op: 'put', queue: 'q', value: 2 }, { op: 'mark', name: 'second-in' }] },
      { name: 'consumer', kind: 'thread', program: [{ op: 'wait', prim: 'full' }, { op: 'sleep', ms: 150 }, { op: 'mark', name: 'taking' }, { op: 'get', queue: 'q', into: 'a' }, { op: 'get', queue: 'q', into: 'b' }, { op: 'record', name: 'got', value: { list: [{ ref: 'a' }, { ref: 'b' }] } }] },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(recordsOf(events, 'consumer', 'got')).toEqual([[1, 2]]);
  expect(only(events, { actor: 'producer', op: 'mark', name: 'second-in' }).t).toBeGreaterThan(only(events, { actor: 'consumer', op: 'mark', name: 'taking' }).t);
});

test('task_done and join: join returns only after the last item is marked done', async () => {
  const worker: Step[] = [
    { op: 'get', queue: 'jobs', into: 'job' },
    { op: 'block', ms: 60 },
    { op: 'record', name: 'job', value: { ref: 'job' } },
    { op: 'mark', name: 'finishing' },
    { op: 'task_done', queue: 'jobs' },
  ];
  const spec: AuthoredSpec = {
    version: 1,
    queues: { jobs: { order: 'fifo' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'put', queue: 'jobs', value: 1 },
          { op: 'put', queue: 'jobs', value: 2 },
          { op: 'put', queue: 'jobs', value: 3 },
          { op: 'put', queue: 'jobs', value: 4 },
          { op: 'spawn', actor: 'threadWorker' },
          { op: 'spawn', actor: 'processWorker' },
          { op: 'join', queue: 'jobs' },
          { op: 'mark', name: 'joined' },
        ],
      },
      { name: 'threadWorker', kind: 'thread', count: 2, autostart: false, program: worker },
      { name: 'processWorker', kind: 'process', count: 2, autostart: false, program: worker },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  const done = select(events, { op: 'record', name: 'job' }).map((e) => e.data?.['value']);
  expect(done.sort()).toEqual([1, 2, 3, 4]);
  const joined = only(events, { actor: 'main', op: 'mark', name: 'joined' });
  const finishing = select(events, { op: 'mark', name: 'finishing' });
  expect(finishing).toHaveLength(4);
  for (const event of finishing) expect(event.t, `${event.actor} finished before join returned`).toBeLessThan(joined.t);
  // join really waited: it began before the first worker was done.
  expect(only(events, { actor: 'main', op: 'join', ph: 'B' }).t).toBeLessThan(Math.min(...finishing.map((e) => e.t)));
});

test('join with a timeout returns false while a task is not done; task_done beyond the puts fails the actor', async () => {
  const timedJoin = await runSpec({
    version: 1,
    queues: { q: { order: 'fifo' } },
    actors: [
      {
        name: 't',
        kind: 'thread',
        program: [
          { op: 'put', queue: 'q', value: 'a' },
          { op: 'put', queue: 'q', value: 'b' },
          { op: 'get', queue: 'q', into: 'x' },
          { op: 'task_done', queue: 'q' },
          { op: 'join', queue: 'q', timeoutMs: 80 },
          { op: 'get', queue: 'q', into: 'y' },
          { op: 'task_done', queue: 'q' },
          { op: 'join', queue: 'q', timeoutMs: 5_000 },
        ],
      },
    ],
  });
  expect(outcome(timedJoin.trial)).toBe('ok');
  expect(select(timedJoin.events, { actor: 't', op: 'join', ph: 'E' }).map((e) => e.data?.['ok'])).toEqual([false, true]);

  const tooMany = await runSpec({
    version: 1,
    queues: { q: { order: 'fifo' } },
    actors: [{ name: 't', kind: 'task', program: [{ op: 'put', queue: 'q', value: 1 }, { op: 'get', queue: 'q', into: 'x' }, { op: 'task_done', queue: 'q' }, { op: 'task_done', queue: 'q' }] }],
  });
  expect(tooMany.trial.status).toBe('failed');
  expect(actorRecord(tooMany.trial, 't').error).toContain('task_done on queue q called more times than items were put');
});

test('one queue joins producers and consumers of every kind: each item is delivered exactly once', async () => {
  const produce = (base: number): Step[] => [1, 2, 3].map((i): Step => ({ op: 'put', queue: 'q', value: { add: [base, i] } }));
  const consume: Step[] = Array.from({ length: 3 }, (): Step[] => [{ op: 'get', queue: 'q', into: 'v' }, { op: 'record', name: 'got', value: { ref: 'v' } }]).flat();
  const spec: AuthoredSpec = {
    version: 1,
    queues: { q: { order: 'fifo', maxsize: 2 } },
    actors: [
      { name: 'threadProducer', kind: 'thread', program: produce(10) },
      { name: 'processProducer', kind: 'process', program: produce(20) },
      { name: 'taskProducer', kind: 'task', program: produce(30) },
      { name: 'threadConsumer', kind: 'thread', program: consume },
      { name: 'processConsumer', kind: 'process', program: consume },
      { name: 'taskConsumer', kind: 'task', program: consume },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  const got = select(events, { op: 'record', name: 'got' }).map((e) => e.data?.['value'] as number);
  expect(got.sort((a, b) => a - b)).toEqual([11, 12, 13, 21, 22, 23, 31, 32, 33]);
  // FIFO per producer, as each consumer sees it: a consumer receives in the queue's order, so the items
  // of one producer reach it in the order they were put. (Across consumers, the time an actor stamps its
  // own 'get' end depends on when its thread or process got the CPU back, so it says nothing about order.)
  for (const consumer of ['threadConsumer', 'processConsumer', 'taskConsumer']) {
    const received = select(events, { op: 'get', ph: 'E', actor: consumer }).map((e) => e.data?.['value'] as number);
    for (const base of [10, 20, 30]) {
      const fromProducer = received.filter((v) => v > base && v < base + 10);
      expect(fromProducer, `items of producer ${base} at ${consumer}`).toEqual([...fromProducer].sort((a, b) => a - b));
    }
  }
});
