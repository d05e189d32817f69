// The replay fold on hand-built events: actors' steps, lock holders and waiters, queue items, shared
// values, checkpoints, and moving by actor.
import { describe, expect, test } from 'vitest';
import { Replay } from '../../src-main/model/replay';
import type { TraceEvent } from '../../src-main/model/trace-event';

let seq = 0;
const ev = (actor: string, t: number, op: string, ph: TraceEvent['ph'], data?: Record<string, unknown>, s?: number): TraceEvent => ({ actor, seq: seq++, t, op, ph, ...(data ? { data } : {}), ...(s === undefined ? {} : { s }) });

function twoRacers(): TraceEvent[] {
  return [
    ev('a', 1, 'actor', 'B', { kind: 'thread' }),
    ev('b', 2, 'actor', 'B', { kind: 'thread' }),
    ev('a', 3, 'acquire', 'B', { prim: 'm' }, 0),
    ev('a', 4, 'acquire', 'E', { prim: 'm', ok: true }, 0),
    ev('b', 5, 'acquire', 'B', { prim: 'm' }, 0),
    ev('a', 6, 'read', 'I', { var: 'n', value: 5 }, 1),
    ev('a', 7, 'write', 'I', { var: 'n', value: 6 }, 2),
    ev('a', 8, 'release', 'I', { prim: 'm' }, 3),
    ev('b', 9, 'acquire', 'E', { prim: 'm', ok: true }, 0),
    ev('a', 10, 'put', 'B', { queue: 'q', value: { job: 1 } }, 4),
    ev('a', 11, 'put', 'E', { queue: 'q', ok: true }, 4),
    ev('a', 12, 'put', 'B', { queue: 'q', value: 'two' }, 4),
    ev('a', 13, 'put', 'E', { queue: 'q', ok: true }, 4),
    ev('b', 14, 'get', 'B', { queue: 'q' }, 1),
    ev('b', 15, 'get', 'E', { queue: 'q', ok: true, value: { job: 1 } }, 1),
    ev('a', 16, 'actor', 'E', { ok: true }),
  ];
}

describe('replay', () => {
  test('the state after each event: steps, holders and waiters, queue items, shared values; final values at the end', () => {
    const replay = new Replay({
      actors: [{ name: 'a', group: 'a', kind: 'thread' }, { name: 'b', group: 'b', kind: 'thread' }, { name: 'c', group: 'c', kind: 'thread' }],
      initialShared: { n: 5 },
      finalShared: { n: 6 },
      queues: ['q'],
      primitives: { m: 'mutex' },
    });
    replay.append(twoRacers());
    const start = replay.at(0);
    expect(start.event).toBeNull();
    expect(start.actors.map((a) => a.phase)).toEqual(['not started', 'not started', 'not started']);
    expect(start.shared).toEqual([{ name: 'n', value: 5, by: null, op: null }]);

    const waiting = replay.at(5);
    expect(waiting.primitives[0]).toMatchObject({ name: 'm', holders: ['a'], waiters: ['b'] });
    expect(waiting.actors.find((a) => a.name === 'b')).toMatchObject({ step: 0, waitingOn: 'm', op: 'acquire', ph: 'B' });

    const wrote = replay.at(7);
    expect(wrote.shared[0]).toEqual({ name: 'n', value: 6, by: 'a', op: 'write' });
    expect(wrote.actors.find((a) => a.name === 'a')!.step).toBe(2);

    const handedOver = replay.at(9);
    expect(handedOver.primitives[0]).toMatchObject({ holders: ['b'], waiters: [] });

    const twoItems = replay.at(13);
    expect(twoItems.queues[0]).toEqual({ name: 'q', length: 2, items: [{ job: 1 }, 'two'], itemsComplete: true });
    const taken = replay.at(15);
    expect(taken.queues[0]).toEqual({ name: 'q', length: 1, items: ['two'], itemsComplete: true });

    const end = replay.at(16);
    expect(end.actors.map((a) => a.phase)).toEqual(['ended', 'running', 'not started']);
    expect(end.shared[0]).toEqual({ name: 'n', value: 6, by: null, op: null });
    // Backwards gives the same answers as forwards.
    expect(replay.at(5)).toEqual(waiting);
    expect(replay.at(100).position).toBe(16);
    expect(replay.at(-3).position).toBe(0);
  });

  test("moving by actor: the next and previous positions after one of an actor's events; position at a time", () => {
    const replay = new Replay({ actors: [] });
    replay.append(twoRacers());
    expect(replay.actorStep(0, 'b', 1)).toBe(2);
    expect(replay.actorStep(2, 'b', 1)).toBe(5);
    expect(replay.actorStep(5, 'b', -1)).toBe(2);
    expect(replay.actorStep(2, 'b', -1)).toBeNull();
    expect(replay.actorStep(15, 'b', 1)).toBeNull();
    expect(replay.actorStep(0, 'nobody', 1)).toBeNull();
    expect(replay.positionAt(0)).toBe(0);
    expect(replay.positionAt(6.5)).toBe(6);
    expect(replay.positionAt(1e9)).toBe(16);
  });

  test('a condition wait lets the lock go and takes it back; an event shows set and clear', () => {
    const replay = new Replay({ actors: [], primitives: { c: 'condition', e: 'event' } });
    replay.append([
      ev('a', 1, 'acquire', 'B', { prim: 'c' }, 0),
      ev('a', 2, 'acquire', 'E', { prim: 'c', ok: true }, 0),
      ev('a', 3, 'wait', 'B', { prim: 'c' }, 1),
      ev('b', 4, 'set', 'I', { prim: 'e' }, 0),
      ev('a', 5, 'wait', 'E', { prim: 'c', passed: true }, 1),
    ]);
    expect(replay.at(3).primitives.find((p) => p.name === 'c')).toMatchObject({ holders: [], waiters: ['a'] });
    expect(replay.at(4).primitives.find((p) => p.name === 'e')).toMatchObject({ isSet: true });
    expect(replay.at(5).primitives.find((p) => p.name === 'c')).toMatchObject({ holders: ['a'], waiters: [] });
  });

  test('a queue keeps at most maxQueueItems items: the length stays exact and the items say they are not all', () => {
    const replay = new Replay({ actors: [], maxQueueItems: 2 });
    const events: TraceEvent[] = [];
    for (let i = 0; i < 5; i++) events.push(ev('a', 2 * i, 'put', 'B', { queue: 'q', value: i }, 0), ev('a', 2 * i + 1, 'put', 'E', { queue: 'q', ok: true }, 0));
    replay.append(events);
    expect(replay.at(10).queues[0]).toEqual({ name: 'q', length: 5, items: [0, 1], itemsComplete: false });
  });

  test('100,000 events: any position is answered from a checkpoint, at most checkpointEvery events folded per answer', () => {
    const replay = new Replay({ actors: [], checkpointEvery: 512, initialShared: { n: 0 } });
    const events: TraceEvent[] = [];
    for (let i = 0; i < 100_000; i++) events.push(ev(`t${i % 8}`, i, 'add', 'I', { var: 'n', delta: 1, value: i + 1 }, 0));
    replay.append(events);
    let worst = 0;
    const started = performance.now();
    for (let k = 0; k < 400; k++) {
      const position = (k * 7919 * 13) % 100_001;
      const before = replay.applied;
      const state = replay.at(position);
      worst = Math.max(worst, replay.applied - before);
      expect(state.shared[0]!.value).toBe(position);
    }
    expect(worst).toBeLessThanOrEqual(512);
    // A generous bound (the fold itself is a few microseconds per event): 400 random seeks well inside a second.
    expect(performance.now() - started).toBeLessThan(4_000);
    // Stepping forward one by one folds one event each.
    replay.at(50_000);
    const before = replay.applied;
    for (let p = 50_001; p <= 50_100; p++) replay.at(p);
    expect(replay.applied - before).toBe(100);
  });

  test('latest(): the state after everything appended, the same as at(length), without folding any event again', () => {
    const replay = new Replay({ actors: [], primitives: { m: 'mutex' }, initialShared: { n: 0 }, finalShared: { n: 3 } });
    replay.append([ev('a', 0, 'acquire', 'B', { prim: 'm' }, 0), ev('a', 1, 'acquire', 'E', { prim: 'm', ok: true }, 0), ev('b', 2, 'acquire', 'B', { prim: 'm' }, 0)]);
    const before = replay.applied;
    const first = replay.latest();
    expect(replay.applied).toBe(before);
    expect(first.primitives[0]).toMatchObject({ holders: ['a'], waiters: ['b'] });
    replay.append([ev('a', 3, 'add', 'I', { var: 'n', delta: 3, value: 3 }, 1), ev('a', 4, 'release', 'I', { prim: 'm' }, 2), ev('b', 5, 'acquire', 'E', { prim: 'm', ok: true }, 0)]);
    const second = replay.latest();
    expect(second).toEqual(replay.at(replay.length));
    expect(second.primitives[0]).toMatchObject({ holders: ['b'], waiters: [] });
    // What was answered before is a copy: appending did not change it.
    expect(first.primitives[0]).toMatchObject({ holders: ['a'], waiters: ['b'] });
  });

  test('a trace missing its ends (events past the budget) does not grow the lists; a semaphore taken twice shows ×2', () => {
    const replay = new Replay({ actors: [], primitives: { m: 'mutex', sem: 'semaphore' } });
    const events: TraceEvent[] = [];
    for (let i = 0; i < 1_000; i++) events.push(ev('a', i, 'acquire', 'B', { prim: 'm' }, 0));
    events.push(ev('b', 2_000, 'acquire', 'E', { prim: 'sem', ok: true }, 0), ev('b', 2_001, 'acquire', 'E', { prim: 'sem', ok: true }, 0));
    replay.append(events);
    const end = replay.at(replay.length);
    expect(end.primitives.find((p) => p.name === 'm')!.waiters).toEqual(['a']);
    expect(end.primitives.find((p) => p.name === 'sem')!.holders).toEqual(['b ×2']);
    replay.append([ev('b', 2_002, 'release', 'I', { prim: 'sem' }, 1)]);
    expect(replay.at(replay.length).primitives.find((p) => p.name === 'sem')!.holders).toEqual(['b']);
  });
});
