// The wait-for graph's derivation: holds and waits edges from a replay state, the cycle of a deadlock,
// the bound on actors drawn, and the live fold (lane by lane) agreeing with the replay in time order.
import { describe, expect, test } from 'vitest';
import { Replay, type TraceEvent } from '../../src-main/contract/dto';
import { layoutWaitGraph, waitGraph } from '../../src-renderer/components/graph/wait-graph';
import { LiveWaitState } from '../../src-renderer/components/graph/live-wait-state';
import { TimelineModel } from '../../src-renderer/components/timeline/timeline-model';

let seq = 0;
const ev = (actor: string, t: number, op: string, ph: TraceEvent['ph'], data?: Record<string, unknown>): TraceEvent => ({ actor, seq: seq++, t, op, ph, ...(data ? { data } : {}) });
const acquire = (actor: string, t: number, prim: string): TraceEvent[] => [ev(actor, t, 'acquire', 'B', { prim }), ev(actor, t + 1, 'acquire', 'E', { prim, ok: true })];

/** Two workers take A and B in opposite orders and each waits for the other's lock; a third holds C and waits for nothing. */
function deadlockEvents(): TraceEvent[] {
  return [
    ev('w-0', 0, 'actor', 'B'),
    ev('w-1', 0, 'actor', 'B'),
    ev('w-2', 0, 'actor', 'B'),
    ...acquire('w-0', 10, 'A'),
    ...acquire('w-1', 12, 'B'),
    ...acquire('w-2', 14, 'C'),
    ev('w-0', 20, 'acquire', 'B', { prim: 'B' }),
    ev('w-1', 22, 'acquire', 'B', { prim: 'A' }),
  ];
}
const primitives = { A: 'mutex', B: 'mutex', C: 'mutex', D: 'mutex' };

describe('wait-for graph', () => {
  test('holds and waits edges; the cycle is the two workers and the two locks; a report with them confirms it', () => {
    const replay = new Replay({ actors: [], primitives });
    replay.append(deadlockEvents());
    const state = replay.at(replay.length);
    const graph = waitGraph(state, { deadlock: { actors: ['w-0', 'w-1'], locks: ['A', 'B'] } });
    const edges = graph.edges.map((edge) => `${edge.actor} ${edge.kind} ${edge.target}${edge.inCycle ? ' (cycle)' : ''}`).sort();
    expect(edges).toEqual(['w-0 holds A (cycle)', 'w-0 waits B (cycle)', 'w-1 holds B (cycle)', 'w-1 waits A (cycle)', 'w-2 holds C']);
    expect(graph.cycle).toEqual({ actors: ['w-0', 'w-1'], targets: ['A', 'B'], confirmed: true });
    // Cycle first, then by name; the lock nobody holds or waits for is counted, not drawn.
    expect(graph.actors.map((actor) => [actor.name, actor.inCycle])).toEqual([['w-0', true], ['w-1', true], ['w-2', false]]);
    expect(graph.targets.map((target) => [target.name, target.type, target.inCycle])).toEqual([['A', 'mutex', true], ['B', 'mutex', true], ['C', 'mutex', false]]);
    expect(graph.idleTargets).toBe(1);
    const layout = layoutWaitGraph(graph);
    expect(layout.actors.every((actor) => actor.x < layout.width / 2)).toBe(true);
    expect(layout.targets.every((target) => target.x > layout.width / 2)).toBe(true);
  });

  test('before the second wait there is no cycle, and a report does not invent one', () => {
    const replay = new Replay({ actors: [], primitives });
    replay.append(deadlockEvents());
    const state = replay.at(replay.length - 1);
    const graph = waitGraph(state, { deadlock: { actors: ['w-0', 'w-1'], locks: ['A', 'B'] } });
    expect(graph.cycle).toEqual({ actors: [], targets: [], confirmed: false });
    expect(graph.edges.filter((edge) => edge.kind === 'waits').map((edge) => `${edge.actor}→${edge.target}`)).toEqual(['w-0→B']);
    expect(graph.edges.some((edge) => edge.inCycle)).toBe(false);
  });

  test('a chain of waits without a cycle; queues and joins are waits too; a released lock drops its edge', () => {
    const replay = new Replay({ actors: [], primitives, queues: ['jobs'] });
    replay.append([
      ...acquire('a', 1, 'A'),
      ev('b', 2, 'acquire', 'B', { prim: 'A' }),
      ev('c', 3, 'get', 'B', { queue: 'jobs' }),
      ev('main', 4, 'join', 'B', { actor: 'c' }),
      ...acquire('d', 5, 'D'),
      ev('d', 7, 'release', 'I', { prim: 'D' }),
    ]);
    const graph = waitGraph(replay.at(replay.length));
    expect(graph.edges.map((edge) => `${edge.actor} ${edge.kind} ${edge.target}`).sort()).toEqual(['a holds A', 'b waits A', 'c waits jobs', 'main waits c']);
    expect(graph.cycle.actors).toEqual([]);
    expect(graph.targets.find((target) => target.name === 'jobs')?.type).toBe('queue');
    expect(graph.targets.find((target) => target.name === 'c')?.type).toBe('actor');
    expect(graph.idleActors).toBe(1);
  });

  test('an actor waiting for a lock it holds itself is a cycle of one', () => {
    const replay = new Replay({ actors: [], primitives });
    replay.append([...acquire('solo', 1, 'A'), ev('solo', 3, 'acquire', 'B', { prim: 'A' })]);
    expect(waitGraph(replay.at(replay.length)).cycle).toEqual({ actors: ['solo'], targets: ['A'], confirmed: false });
  });

  test('bounded: past maxActors the cycle stays and the rest are counted', () => {
    const replay = new Replay({ actors: [], primitives: { ...primitives, S: 'semaphore' } });
    const many: TraceEvent[] = [];
    for (let i = 0; i < 30; i++) many.push(ev(`s-${String(i).padStart(2, '0')}`, 1, 'acquire', 'B', { prim: 'S' }));
    replay.append([...many, ...deadlockEvents()]);
    const graph = waitGraph(replay.at(replay.length), { maxActors: 5 });
    expect(graph.actors.map((actor) => actor.name)).toEqual(['w-0', 'w-1', 's-00', 's-01', 's-02']);
    expect(graph.omittedActors).toBe(28);
    expect(graph.edges.every((edge) => graph.actors.some((actor) => actor.name === edge.actor))).toBe(true);
  });

  test('the live fold, lane by lane as batches arrive, gives the replay\'s holders and waiters', () => {
    const events = deadlockEvents();
    const model = new TimelineModel();
    const live = new LiveWaitState(primitives);
    // Batches arrive per actor, w-1's first: not in time order.
    const byActor = new Map<string, TraceEvent[]>();
    for (const event of events) byActor.set(event.actor, [...(byActor.get(event.actor) ?? []), event]);
    const batchOf = (actor: string, list: TraceEvent[]) => ({ trial: 0, actor, firstSeq: list[0]!.seq, count: list.length, tFirst: list[0]!.t, tLast: list[list.length - 1]!.t, payload: JSON.stringify(list.map((e) => (e.data ? [e.seq, e.t, e.op, e.ph, e.data] : [e.seq, e.t, e.op, e.ph]))) });
    model.ingest([batchOf('w-1', byActor.get('w-1')!.slice(0, 3))]);
    expect(waitGraph(live.update(model, 0)).edges.map((edge) => `${edge.actor} ${edge.kind} ${edge.target}`)).toEqual(['w-1 holds B']);
    model.ingest([batchOf('w-1', byActor.get('w-1')!.slice(3)), batchOf('w-0', byActor.get('w-0')!), batchOf('w-2', byActor.get('w-2')!)]);
    const replay = new Replay({ actors: [], primitives });
    replay.append(events);
    expect(waitGraph(live.update(model, 0))).toEqual(waitGraph(replay.at(replay.length)));
    expect(waitGraph(live.update(model, 0)).cycle.actors).toEqual(['w-0', 'w-1']);
  });
});
