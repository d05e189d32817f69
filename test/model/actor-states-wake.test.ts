import { describe, expect, it } from 'vitest';
import { countStatesAt, deriveTrialStates, stateAt, type ActorTimeline, type StateInterval } from '../../src-main/model/actor-states';
import type { TraceEvent } from '../../src-main/model/trace-event';

/** A loop actor's wait that another actor satisfied while a third (or the same) actor held the loop: ready from that moment. */

const MS = 1e6;
type Row = [actor: string, seq: number, tMs: number, op: string, ph: TraceEvent['ph'], data?: Record<string, unknown>];
function events(rows: Row[]): TraceEvent[] {
  return rows.map(([actor, seq, tMs, op, ph, data]) => ({ actor, seq, t: tMs * MS, op, ph, ...(data ? { data } : {}) }));
}
const task = { kind: 'task', pid: 10, threadId: 0 };
const thread = (id: number) => ({ kind: 'thread', pid: 10, threadId: id });
const actorOf = (states: { actors: readonly ActorTimeline[] }, name: string): ActorTimeline => states.actors.find((a) => a.actor === name)!;
/** The actor's intervals as [state, start ms, end ms], neighbours of one state and step joined as drawn. */
const drawn = (actor: ActorTimeline): [StateInterval['state'], number, number][] => actor.intervals.map((i) => [i.state, i.start / MS, i.end / MS]);
const readyOf = (actor: ActorTimeline) => actor.intervals.filter((i) => i.state === 'ready');

describe('a satisfied wait of a task is ready until the task resumes', () => {
  it('lock hand-off: b is blocked until a releases L, ready while a computes, running from the loop being free until its acquire ends', () => {
    const states = deriveTrialStates({
      events: events([
        ['a', 0, 0, 'actor', 'B', task],
        ['b', 0, 0, 'actor', 'B', task],
        ['a', 1, 1, 'acquire', 'B', { prim: 'L' }],
        ['a', 2, 1, 'acquire', 'E', { prim: 'L', ok: true }],
        ['a', 3, 1, 'sleep', 'B', { ms: 30 }],
        ['b', 1, 5, 'acquire', 'B', { prim: 'L' }],
        ['a', 4, 31, 'sleep', 'E'],
        ['a', 5, 35, 'release', 'I', { prim: 'L' }],
        ['a', 6, 35, 'compute', 'B', { iterations: 1 }],
        ['a', 7, 187, 'compute', 'E'],
        ['a', 8, 187, 'sleep', 'B', { ms: 10 }],
        ['b', 2, 188, 'acquire', 'E', { prim: 'L', ok: true }],
        ['b', 3, 188.5, 'release', 'I', { prim: 'L' }],
        ['b', 4, 189, 'actor', 'E', { ok: true }],
        ['a', 9, 197, 'sleep', 'E'],
        ['a', 10, 198, 'actor', 'E', { ok: true }],
      ]),
    });
    const b = actorOf(states, 'b');
    expect(drawn(b).filter(([state]) => state !== 'running')).toEqual([
      ['ready', 0, 1],
      ['blocked', 5, 35],
      ['ready', 35, 187],
    ]);
    const ready = readyOf(b)[1]!;
    expect([ready.op, ready.target, ready.wake]).toEqual(['acquire', 'L', { op: 'release', actor: 'a', t: 35 * MS, target: 'L' }]);
    expect(stateAt(b, 100 * MS).state).toBe('ready');
    expect(stateAt(b, 187.5 * MS).state).toBe('running');
    // The hand-off itself is unchanged.
    expect(states.handOffs).toEqual([{ lock: 'L', from: 'a', to: 'b', releasedAt: 35 * MS, acquiredAt: 188 * MS }]);
  });

  it('event set, queue put and a condition notified then its lock released: ready from the satisfying event', () => {
    const states = deriveTrialStates({
      events: events([
        ['a', 0, 0, 'actor', 'B', task],
        ['b', 0, 0, 'actor', 'B', task],
        ['b', 1, 1, 'wait', 'B', { prim: 'E' }],
        ['a', 1, 10, 'set', 'I', { prim: 'E' }],
        ['a', 2, 10, 'compute', 'B'],
        ['a', 3, 50, 'compute', 'E'],
        ['a', 4, 50, 'sleep', 'B', { ms: 10 }],
        ['b', 2, 51, 'wait', 'E', { prim: 'E', passed: true }],
        ['b', 3, 51, 'get', 'B', { queue: 'q' }],
        ['a', 5, 60, 'sleep', 'E'],
        ['a', 6, 60, 'put', 'B', { queue: 'q', value: 1 }],
        ['a', 7, 61, 'put', 'E', { queue: 'q', ok: true }],
        ['a', 8, 61, 'compute', 'B'],
        ['a', 9, 90, 'compute', 'E'],
        ['a', 10, 90, 'sleep', 'B', { ms: 10 }],
        ['b', 4, 91, 'get', 'E', { queue: 'q', ok: true, value: 1 }],
        ['b', 5, 91, 'acquire', 'B', { prim: 'C' }],
        ['b', 6, 91, 'acquire', 'E', { prim: 'C', ok: true }],
        ['b', 7, 92, 'wait', 'B', { prim: 'C' }],
        ['a', 11, 100, 'sleep', 'E'],
        ['a', 12, 100, 'acquire', 'B', { prim: 'C' }],
        ['a', 13, 101, 'acquire', 'E', { prim: 'C', ok: true }],
        ['a', 14, 102, 'notify', 'I', { prim: 'C', n: 1 }],
        ['a', 15, 103, 'release', 'I', { prim: 'C' }],
        ['a', 16, 103, 'compute', 'B'],
        ['a', 17, 140, 'compute', 'E'],
        ['a', 18, 140, 'actor', 'E', { ok: true }],
        ['b', 8, 141, 'wait', 'E', { prim: 'C', passed: true }],
        ['b', 9, 141, 'release', 'I', { prim: 'C' }],
        ['b', 10, 142, 'actor', 'E', { ok: true }],
      ]),
    });
    const b = actorOf(states, 'b');
    const woken = readyOf(b).filter((i) => i.wake !== undefined);
    expect(woken.map((i) => [i.op, i.target, i.start / MS, i.end / MS, i.wake!.op, i.wake!.actor])).toEqual([
      ['wait', 'E', 10, 50, 'set', 'a'],
      ['get', 'q', 61, 90, 'put', 'a'],
      ['wait', 'C', 103, 140, 'release', 'a'],
    ]);
    // Until then it waited: the notify alone did not free it (a still held C).
    expect(stateAt(b, 102.5 * MS).state).toBe('waiting');
    expect(stateAt(b, 30 * MS).state).toBe('ready');
  });

  it('a barrier is filled by the last arrival: the early arrival is ready from then while the filler computes', () => {
    const states = deriveTrialStates({
      events: events([
        ['a', 0, 0, 'actor', 'B', task],
        ['b', 0, 0, 'actor', 'B', task],
        ['b', 1, 10, 'wait', 'B', { prim: 'meet' }],
        ['a', 1, 20, 'wait', 'B', { prim: 'meet' }],
        ['a', 2, 20.1, 'wait', 'E', { prim: 'meet', passed: true, index: 1 }],
        ['a', 3, 20.2, 'compute', 'B'],
        ['a', 4, 60, 'compute', 'E'],
        ['a', 5, 60.1, 'actor', 'E', { ok: true }],
        ['b', 2, 60.3, 'wait', 'E', { prim: 'meet', passed: true, index: 0 }],
        ['b', 3, 60.4, 'actor', 'E', { ok: true }],
      ]),
    });
    const b = actorOf(states, 'b');
    expect(drawn(b).filter(([state]) => state === 'waiting' || state === 'ready').slice(-2)).toEqual([
      ['waiting', 10, 20],
      // a ran on after its compute until it ended at 60.1 ms.
      ['ready', 20, 60.1],
    ]);
    expect(readyOf(b).at(-1)!.wake).toEqual({ op: 'wait', actor: 'a', t: 20 * MS, target: 'meet' });
  });

  it('a lock released and taken again by another actor first: ready only from the release that left it free', () => {
    const states = deriveTrialStates({
      events: events([
        ['a', 0, 0, 'actor', 'B', task],
        ['b', 0, 0, 'actor', 'B', task],
        ['c', 0, 0, 'actor', 'B', thread(7)],
        ['b', 1, 5, 'acquire', 'B', { prim: 'L' }],
        ['a', 1, 10, 'release', 'I', { prim: 'L' }],
        ['c', 1, 10.5, 'acquire', 'E', { prim: 'L', ok: true }],
        ['a', 2, 11, 'compute', 'B'],
        ['c', 2, 30, 'release', 'I', { prim: 'L' }],
        ['a', 3, 59, 'compute', 'E'],
        ['a', 4, 59, 'actor', 'E', { ok: true }],
        ['b', 2, 59.5, 'acquire', 'E', { prim: 'L', ok: true }],
        ['b', 3, 60, 'actor', 'E', { ok: true }],
        ['c', 3, 60, 'actor', 'E', { ok: true }],
      ]),
    });
    const b = actorOf(states, 'b');
    expect(stateAt(b, 20 * MS).state).toBe('blocked');
    expect(readyOf(b).at(-1)!.wake).toMatchObject({ op: 'release', actor: 'c', t: 30 * MS });
    expect([readyOf(b).at(-1)!.start / MS, readyOf(b).at(-1)!.end / MS]).toEqual([30, 59]);
  });

  it('threads are woken by the OS: a thread waiting for a lock another thread released stays blocked until its acquire ends', () => {
    const states = deriveTrialStates({
      events: events([
        ['a', 0, 0, 'actor', 'B', thread(1)],
        ['b', 0, 0, 'actor', 'B', thread(2)],
        ['a', 1, 1, 'acquire', 'B', { prim: 'L' }],
        ['a', 2, 1, 'acquire', 'E', { prim: 'L', ok: true }],
        ['b', 1, 5, 'acquire', 'B', { prim: 'L' }],
        ['a', 3, 35, 'release', 'I', { prim: 'L' }],
        ['a', 4, 35, 'compute', 'B'],
        ['a', 5, 187, 'compute', 'E'],
        ['b', 2, 188, 'acquire', 'E', { prim: 'L', ok: true }],
        ['b', 3, 189, 'actor', 'E', { ok: true }],
        ['a', 6, 190, 'actor', 'E', { ok: true }],
      ]),
    });
    const b = actorOf(states, 'b');
    expect(readyOf(b)).toEqual([]);
    expect(drawn(b).filter(([state]) => state === 'blocked')).toEqual([['blocked', 5, 188]]);
  });

  it('a task still waiting when the trial ends (cancelled) whose lock was released is ready to the end; the counters count it', () => {
    const states = deriveTrialStates({
      events: events([
        ['a', 0, 0, 'actor', 'B', task],
        ['b', 0, 0, 'actor', 'B', task],
        ['m', 0, 0, 'actor', 'B', task],
        ['m', 1, 1, 'join', 'B', { actor: 'a' }],
        ['a', 1, 1, 'acquire', 'B', { prim: 'L' }],
        ['a', 2, 1, 'acquire', 'E', { prim: 'L', ok: true }],
        ['b', 1, 5, 'acquire', 'B', { prim: 'L' }],
        ['a', 3, 10, 'release', 'I', { prim: 'L' }],
        ['a', 4, 10, 'compute', 'B'],
      ]),
      endNs: 100 * MS,
    });
    const b = actorOf(states, 'b');
    expect(b.endedBy).toBe('trial-end');
    expect(readyOf(b).at(-1)).toMatchObject({ start: 10 * MS, end: 100 * MS, endedBy: 'trial-end', wake: { op: 'release', actor: 'a' } });
    // The joiner waits for a, which has not ended: it is waiting, not ready.
    expect(stateAt(actorOf(states, 'm'), 50 * MS).state).toBe('waiting');
    expect(countStatesAt(states, 50 * MS, false)).toEqual({ running: 1, ready: 1, blocking: 0, blocked: 0, waiting: 1, sleeping: 0, done: 0 });
    // At the trial's end, still live: each in its last state; once the trial is over (cancelled): done.
    expect(countStatesAt(states, states.end, false)).toEqual({ running: 1, ready: 1, blocking: 0, blocked: 0, waiting: 1, sleeping: 0, done: 0 });
    expect(countStatesAt(states, states.end, true)).toEqual({ running: 0, ready: 0, blocking: 0, blocked: 0, waiting: 0, sleeping: 0, done: 3 });
  });

  it("a wait begun by the trial's newest event (no interval yet) still counts as the state the actor is in", () => {
    const states = deriveTrialStates({ events: events([['w', 0, 0, 'actor', 'B'], ['w', 1, 1, 'acquire', 'B', { prim: 'L' }], ['v', 0, 0, 'actor', 'B']]) });
    expect(actorOf(states, 'w').endState).toBe('blocked');
    expect(countStatesAt(states, states.end, false)).toMatchObject({ blocked: 1, running: 1 });
  });

  it('joining a group: ready from the end of its last instance while another task holds the loop', () => {
    const states = deriveTrialStates({
      events: events([
        ['main', 0, 0, 'actor', 'B', task],
        ['w-0', 0, 0, 'actor', 'B', task],
        ['w-1', 0, 0, 'actor', 'B', task],
        ['x', 0, 0, 'actor', 'B', task],
        ['main', 1, 1, 'join', 'B', { actor: 'w' }],
        ['w-0', 1, 2, 'actor', 'E', { ok: true }],
        ['w-1', 1, 3, 'actor', 'E', { ok: true }],
        ['x', 1, 3.5, 'block', 'B', { ms: 40 }],
        ['x', 2, 43.5, 'block', 'E'],
        ['x', 3, 44, 'actor', 'E', { ok: true }],
        ['main', 2, 44, 'join', 'E', { actor: 'w', ok: true }],
        ['main', 3, 45, 'actor', 'E', { ok: true }],
      ]),
    });
    const main = actorOf(states, 'main');
    expect(readyOf(main).at(-1)).toMatchObject({ start: 3 * MS, end: 43.5 * MS, op: 'join', wake: { op: 'actor', actor: 'w-1', t: 3 * MS, target: 'w' } });
    expect(stateAt(main, 2.5 * MS).state).toBe('waiting');
  });

  it('a wait that timed out is not made ready by a later give', () => {
    const states = deriveTrialStates({
      events: events([
        ['a', 0, 0, 'actor', 'B', task],
        ['b', 0, 0, 'actor', 'B', task],
        ['b', 1, 1, 'get', 'B', { queue: 'q' }],
        ['a', 1, 5, 'block', 'B', { ms: 50 }],
        ['a', 2, 55, 'block', 'E'],
        ['a', 3, 55, 'put', 'B', { queue: 'q', value: 1 }],
        ['a', 4, 55.1, 'put', 'E', { queue: 'q', ok: true }],
        ['b', 2, 56, 'get', 'E', { queue: 'q', ok: false }],
      ]),
      endNs: 60 * MS,
    });
    expect(readyOf(actorOf(states, 'b')).filter((i) => i.wake !== undefined)).toEqual([]);
  });
});
