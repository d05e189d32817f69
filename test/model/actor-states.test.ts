import { describe, expect, it } from 'vitest';
import { deriveTrialStates, stateAt, valueLabel, type ActorTimeline, type StateInterval } from '../../src-main/model/actor-states';
import type { TraceEvent } from '../../src-main/model/trace-event';

const MS = 1e6;
type Row = [actor: string, seq: number, tMs: number, op: string, ph: TraceEvent['ph'], data?: Record<string, unknown>];
function events(rows: Row[]): TraceEvent[] {
  return rows.map(([actor, seq, tMs, op, ph, data]) => ({ actor, seq, t: tMs * MS, op, ph, ...(data ? { data } : {}) }));
}
const loop = { kind: 'task', pid: 10, threadId: 0 };
const actorOf = (states: { actors: readonly ActorTimeline[] }, name: string): ActorTimeline => states.actors.find((a) => a.actor === name)!;
const of = (actor: ActorTimeline, state: StateInterval['state']) => actor.intervals.filter((i) => i.state === state).map((i) => [i.start / MS, i.end / MS]);

/** Every moment at which two actors of the list are both running; [] when they never are. */
function overlapsRunning(actors: readonly ActorTimeline[]): string[] {
  const runs = actors.flatMap((a) => a.intervals.filter((i) => i.state === 'running').map((i) => ({ actor: a.actor, start: i.start, end: i.end })));
  runs.sort((a, b) => a.start - b.start);
  const problems: string[] = [];
  for (let i = 1; i < runs.length; i++) {
    for (let j = i - 1; j >= 0 && j >= i - 8; j--) {
      if (runs[j]!.end > runs[i]!.start && runs[j]!.actor !== runs[i]!.actor) problems.push(`${runs[j]!.actor} and ${runs[i]!.actor} at ${runs[i]!.start / MS} ms`);
    }
  }
  return problems;
}

describe('deriveTrialStates on hand-built events', () => {
  it('two tasks of one loop computing in turn: the one not computing is ready, never running with the other', () => {
    const states = deriveTrialStates({
      events: events([
        ['a', 0, 0, 'actor', 'B', loop],
        ['b', 0, 0, 'actor', 'B', loop],
        ['a', 1, 1, 'compute', 'B'],
        ['a', 2, 11, 'compute', 'E'],
        ['b', 1, 11.2, 'compute', 'B'],
        ['b', 2, 21, 'compute', 'E'],
        ['a', 3, 21.1, 'actor', 'E', { ok: true }],
        ['b', 3, 21.2, 'actor', 'E', { ok: true }],
      ]),
    });
    const a = actorOf(states, 'a');
    const b = actorOf(states, 'b');
    expect(a.loop).toBe('10:0');
    // b waited for the loop while a ran and computed, and a while b computed (each runs only at the end of its gap).
    expect(of(b, 'ready')).toEqual([[0, 11], [21, 21.1]]);
    expect(of(a, 'ready')).toEqual([[11, 21]]);
    expect(overlapsRunning(states.actors)).toEqual([]);
    expect(stateAt(b, 5 * MS).state).toBe('ready');
    expect(stateAt(a, 5 * MS).state).toBe('running');
    expect(stateAt(a, 30 * MS).state).toBe('done');
  });

  it('a block step blocks the loop: the other task is ready, and a sleep whose time is up meanwhile is ready for the rest', () => {
    const states = deriveTrialStates({
      events: events([
        ['s', 0, 0, 'actor', 'B', loop],
        ['k', 0, 0, 'actor', 'B', loop],
        ['s', 1, 1, 'sleep', 'B', { ms: 5 }],
        ['k', 1, 2, 'block', 'B', { ms: 20 }],
        ['k', 2, 22, 'block', 'E'],
        ['s', 2, 22.5, 'sleep', 'E'],
        ['s', 3, 23, 'actor', 'E', { ok: true }],
        ['k', 3, 23, 'actor', 'E', { ok: true }],
      ]),
    });
    const s = actorOf(states, 's');
    const k = actorOf(states, 'k');
    expect(of(k, 'blocking')).toEqual([[2, 22]]);
    expect(of(s, 'sleeping')).toEqual([[1, 6]]);
    // Its timer was due at 6 ms, but the loop was held until 22 ms.
    expect(of(s, 'ready')[0]).toEqual([6, 22]);
    expect(stateAt(s, 10 * MS).state).toBe('ready');
  });

  it('threads (one thread each) are never made ready by each other, and their block is blocking, not sleeping', () => {
    const states = deriveTrialStates({
      events: events([
        ['t1', 0, 0, 'actor', 'B', { kind: 'thread', pid: 10, threadId: 1 }],
        ['t2', 0, 0, 'actor', 'B', { kind: 'thread', pid: 10, threadId: 2 }],
        ['t1', 1, 1, 'compute', 'B'],
        ['t1', 2, 9, 'compute', 'E'],
        ['t2', 1, 1, 'block', 'B', { ms: 8 }],
        ['t2', 2, 9, 'block', 'E'],
      ]),
      endNs: 10 * MS,
    });
    expect(states.actors.every((a) => a.loop === null)).toBe(true);
    expect(states.actors.flatMap((a) => of(a, 'ready'))).toEqual([]);
    expect(of(actorOf(states, 't2'), 'blocking')).toEqual([[1, 9]]);
  });

  it("a deadlocked acquire lasts until the deadlock's detection, with the cycle, its locks, holds and the wait that closed it", () => {
    const thread = (id: number) => ({ kind: 'thread', pid: 10, threadId: id });
    const states = deriveTrialStates({
      events: events([
        ['w1', 0, 0, 'actor', 'B', thread(1)],
        ['w2', 0, 0, 'actor', 'B', thread(2)],
        ['w1', 1, 1, 'acquire', 'B', { prim: 'A' }],
        ['w1', 2, 1.1, 'acquire', 'E', { prim: 'A', ok: true }],
        ['w2', 1, 2, 'acquire', 'B', { prim: 'B' }],
        ['w2', 2, 2.1, 'acquire', 'E', { prim: 'B', ok: true }],
        ['w1', 3, 3, 'acquire', 'B', { prim: 'B' }],
        ['w2', 3, 4, 'acquire', 'B', { prim: 'A' }],
      ]),
      deadlock: {
        detectedAtMs: 500,
        cycle: [
          { actor: 'w1', waitsFor: 'B', heldBy: 'w2' },
          { actor: 'w2', waitsFor: 'A', heldBy: 'w1' },
        ],
        description: 'deadlock',
      },
    });
    const w1 = actorOf(states, 'w1');
    expect(w1.endedBy).toBe('deadlock');
    const last = w1.intervals.at(-1)!;
    expect([last.state, last.target, last.start / MS, last.end / MS, last.endedBy]).toEqual(['blocked', 'B', 3, 500, 'deadlock']);
    expect(states.deadlock).toMatchObject({ detectedAt: 500 * MS, actors: ['w1', 'w2'], locks: ['B', 'A'], closingWait: { actor: 'w2', lock: 'A', start: 4 * MS } });
    expect(states.holds.map((h) => [h.actor, h.lock, h.start / MS, h.end / MS, h.open])).toEqual([
      ['w1', 'A', 1.1, 500, true],
      ['w2', 'B', 2.1, 500, true],
    ]);
  });

  it('a semaphore released by other actors than its taker (a count of arrivals) is not drawn as held by the taker', () => {
    const thread = (id: number) => ({ kind: 'thread', pid: 10, threadId: id });
    const states = deriveTrialStates({
      events: events([
        ['m', 0, 0, 'actor', 'B', thread(0)],
        ['w', 0, 0, 'actor', 'B', thread(1)],
        ['w', 1, 1, 'release', 'I', { prim: 'arrived' }],
        ['m', 1, 2, 'acquire', 'B', { prim: 'arrived' }],
        ['m', 2, 2.1, 'acquire', 'E', { prim: 'arrived', ok: true }],
        ['m', 3, 3, 'acquire', 'B', { prim: 'L' }],
        ['m', 4, 3.1, 'acquire', 'E', { prim: 'L', ok: true }],
      ]),
      endNs: 10 * MS,
    });
    expect(states.holds.map((h) => [h.actor, h.lock, h.open])).toEqual([['m', 'L', true]]);
  });

  it('without a deadlock, a wait still open lasts until the trial ends, not the last event', () => {
    const states = deriveTrialStates({ events: events([['w', 0, 0, 'actor', 'B'], ['w', 1, 1, 'wait', 'B', { prim: 'E' }]]), endNs: 80 * MS });
    const w = actorOf(states, 'w');
    expect(of(w, 'waiting')).toEqual([[1, 80]]);
    expect(w.intervals.at(-1)!.endedBy).toBe('trial-end');
  });

  it('hand-offs, phase marks, queue lengths, section occupancy and value labels', () => {
    const thread = (id: number) => ({ kind: 'thread', pid: 10, threadId: id });
    const rows: Row[] = [
      ['m', 0, 0, 'actor', 'B', thread(0)],
      ['m', 1, 0.5, 'mark', 'I', { name: 'phase one' }],
      ['m', 2, 1, 'put', 'B', { queue: 'q', value: 1 }],
      ['m', 3, 1.1, 'put', 'E', { queue: 'q', ok: true }],
      ['m', 4, 1.2, 'put', 'B', { queue: 'q', value: 2 }],
      ['m', 5, 1.3, 'put', 'E', { queue: 'q', ok: true }],
      ['a', 0, 0, 'actor', 'B', thread(1)],
      ['a', 1, 2, 'acquire', 'B', { prim: 'L' }],
      ['a', 2, 2, 'acquire', 'E', { prim: 'L', ok: true }],
      ['a', 3, 2.5, 'section', 'B', { name: 'crit' }],
      ['a', 4, 2.6, 'read', 'I', { var: 'counter', value: 20 }],
      ['a', 5, 2.7, 'write', 'I', { var: 'counter', value: 19 }],
      ['a', 6, 3, 'section', 'E', { name: 'crit' }],
      ['a', 7, 3.1, 'release', 'I', { prim: 'L' }],
      ['b', 0, 0, 'actor', 'B', thread(2)],
      ['b', 1, 2.2, 'acquire', 'B', { prim: 'L' }],
      ['b', 2, 3.2, 'acquire', 'E', { prim: 'L', ok: true }],
      ['b', 3, 3.3, 'release', 'I', { prim: 'L' }],
      ['b', 4, 4, 'get', 'B', { queue: 'q' }],
      ['b', 5, 4.1, 'get', 'E', { queue: 'q', ok: true, value: 1 }],
    ];
    const list = events(rows);
    const states = deriveTrialStates({ events: list });
    expect(states.handOffs).toEqual([{ lock: 'L', from: 'a', to: 'b', releasedAt: 3.1 * MS, acquiredAt: 3.2 * MS }]);
    expect(states.marks).toEqual([{ t: 0.5 * MS, name: 'phase one', actor: 'm' }]);
    const queue = states.counters.find((c) => c.kind === 'queue')!;
    expect(queue.points.map((p) => p.value)).toEqual([1, 2, 1]);
    expect(queue.max).toBe(2);
    expect(states.counters.find((c) => c.kind === 'section')!.points.map((p) => p.value)).toEqual([1, 0]);
    expect(of(actorOf(states, 'b'), 'blocked')).toEqual([[2.2, 3.2]]);
    expect(list.map(valueLabel).filter((label) => label !== null)).toEqual(['read 20', 'write 19']);
  });
});
