import { describe, expect, test } from 'vitest';
import { deriveTrialStates, type TrialStates } from '../../src-main/contract/actor-states';
import type { ActorRecord, DeadlockReport, EventBatch, RunRecord, TrialRecord } from '../../src-main/contract/dto';
import { LiveStatesFold, liveHoldsOf, settledIntervals } from '../../src-renderer/components/timeline/live-states';
import { TimelineModel } from '../../src-renderer/components/timeline/timeline-model';
import { batch, record } from './fixtures';
// Five lesson runs of the engine (their last trial's batches and actor records), exported once.
import liveRuns from './runs/live-runs.json';

type Row = [number, string, 'B' | 'E' | 'I', Record<string, unknown>?];
const ms = 1e6;

/** A deterministic pseudo-random sequence (the same cases on every run). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * One actor's program as events: locks (nested, timed out, a semaphore released by others), sleeps, waits,
 * compute, sections, queue puts and gets, marks; it ends with its actor E event unless `open`.
 */
function actorRows(index: number, rounds: number, next: () => number, open: boolean, startAt: number): Row[] {
  let t = startAt;
  // Times on a coarse grid now and then, so that events of one actor and of several share a time.
  const step = (): number => (t += next() < 0.2 ? 0 : next() < 0.5 ? ms : Math.floor(next() * 3 * ms) + 1);
  const rows: Row[] = [[t, 'actor', 'B', { kind: 'thread', pid: 100, threadId: index + 1 }]];
  for (let round = 0; round < rounds; round++) {
    const pick = next();
    if (pick < 0.3) {
      rows.push([step(), 'acquire', 'B', { prim: 'L' }], [step(), 'acquire', 'E', { prim: 'L', ok: true }]);
      if (next() < 0.3) rows.push([step(), 'acquire', 'B', { prim: 'M' }], [step(), 'acquire', 'E', { prim: 'M', ok: true }], [step(), 'release', 'I', { prim: 'L' }], [step(), 'release', 'I', { prim: 'M' }]);
      else rows.push([step(), 'release', 'I', { prim: 'L' }]);
    } else if (pick < 0.38) rows.push([step(), 'acquire', 'B', { prim: 'L' }], [step(), 'acquire', 'E', { prim: 'L', ok: false, timedOut: true }]);
    else if (pick < 0.45) rows.push([step(), 'release', 'I', { prim: 'S' }]);
    else if (pick < 0.5) rows.push([step(), 'acquire', 'B', { prim: 'S' }], [step(), 'acquire', 'E', { prim: 'S', ok: true }]);
    else if (pick < 0.6) rows.push([step(), 'sleep', 'B', { ms: 1 }], [step(), 'sleep', 'E']);
    else if (pick < 0.67) rows.push([step(), 'wait', 'B', { prim: 'E' }], [step(), 'wait', 'E', { prim: 'E' }]);
    else if (pick < 0.74) rows.push([step(), 'compute', 'B'], [step(), 'compute', 'E']);
    else if (pick < 0.77) rows.push([step(), 'section', 'B', { name: 'cs' }], [step(), 'section', 'E', { name: 'cs' }]);
    else if (pick < 0.8) rows.push([t, 'section', 'B', { name: 'cs' }], [t, 'section', 'E', { name: 'cs' }]);
    else if (pick < 0.88) rows.push([step(), next() < 0.5 ? 'put' : 'get', 'B', { queue: 'q' }], [step(), next() < 0.5 ? 'put' : 'get', 'E', { queue: 'q', ok: next() < 0.9 }]);
    else if (pick < 0.93) rows.push([step(), 'mark', 'I', { name: `m${round}` }]);
    else rows.push([step(), 'write', 'I', { var: 'x', value: round }]);
  }
  // Something still open at the end now and then: a lock held, a wait going on.
  if (next() < 0.5) rows.push([step(), 'acquire', 'B', { prim: 'L' }], [step(), 'acquire', 'E', { prim: 'L', ok: true }]);
  if (open && next() < 0.5) rows.push([step(), 'wait', 'B', { prim: 'E' }]);
  if (!open) rows.push([step(), 'actor', 'E', { ok: next() < 0.9 }]);
  return rows;
}

/** Every field of a snapshot as plain data (its holds and hand-offs are getters). */
function plain(states: TrialStates) {
  return {
    start: states.start,
    end: states.end,
    actors: states.actors,
    holds: [...states.holds],
    handOffs: [...states.handOffs],
    handOffsOmitted: states.handOffsOmitted,
    deadlock: states.deadlock,
    marks: [...states.marks],
    counters: states.counters.map((track) => ({ ...track, points: [...track.points] })),
  };
}

function derived(model: TimelineModel, trial: number, trialRecord: TrialRecord | null = null): TrialStates {
  const byActor = new Map(model.lanes.filter((lane) => lane.trial === trial).map((lane) => [lane.actor, lane.eventList]));
  return deriveTrialStates({ events: [], byActor, actors: trialRecord?.actors ?? [], deadlock: trialRecord?.deadlock ?? null });
}

function actorRecord(name: string, threadId: number, change: Partial<ActorRecord> = {}): ActorRecord {
  return { name, group: 'w', kind: 'thread', daemon: false, pid: 100, threadId, ppid: 1, requestedNs: 0, startedNs: 0, endedNs: null, spawnLatencyMs: 0, exit: 'completed', error: null, eventsEmitted: 0, eventsReceived: 0, eventsDropped: 0, ...change };
}

/** A run record with one trial of these actors (and a deadlock, when given). */
function runWith(actors: ActorRecord[], deadlock: DeadlockReport | null = null): RunRecord {
  const trial = { index: 0, warmup: false, status: 'ok', startedAt: '', wallMs: 1, metrics: {}, actors, records: {}, finalShared: {}, deadlock, error: null, eventCount: 0, eventsLost: 0, eventsDropped: 0 } as TrialRecord;
  return record('r', { trials: [trial] });
}

describe('LiveStatesFold: the actor states folded as events arrive', () => {
  test('equal the derivation from every event so far after each batch, for actors on threads of their own', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const next = random(seed);
      const actors = Array.from({ length: 2 + Math.floor(next() * 5) }, (_, index) => ({
        name: `w-${index}`,
        // One actor joins late with times before others' newest events (hand-offs settle again).
        rows: actorRows(index, 10 + Math.floor(next() * 40), next, next() < 0.4, index === 3 ? 0 : Math.floor(next() * 5 * ms)),
      }));
      const sent = new Map(actors.map((actor) => [actor.name, 0]));
      const model = new TimelineModel();
      let checks = 0;
      while ([...sent].some(([name, count]) => count < actors.find((actor) => actor.name === name)!.rows.length)) {
        const batches = [];
        for (const actor of actors) {
          if (actor.name === 'w-3' && checks < 4) continue;
          const from = sent.get(actor.name)!;
          if (from >= actor.rows.length || next() < 0.3) continue;
          const count = 1 + Math.floor(next() * 6);
          batches.push(batch(actor.name, actor.rows.slice(from, from + count), 0, from));
          sent.set(actor.name, Math.min(actor.rows.length, from + count));
        }
        if (batches.length === 0) continue;
        model.ingest(batches);
        const live = model.statesOf(0);
        expect(live.fresh).toBe(true);
        expect(liveHoldsOf(live.states), `seed ${seed}: folded, not derived in full`).toBeDefined();
        expect(plain(live.states), `seed ${seed}, check ${checks}`).toEqual(plain(derived(model, 0)));
        checks++;
      }
      expect(checks).toBeGreaterThan(5);
      // The run's record at its end: threads, kinds, ends past the newest event, exits.
      const ran = runWith(
        actors.map((actor, index) => {
          const last = actor.rows[actor.rows.length - 1]![0];
          return actorRecord(actor.name, index + 1, { kind: index % 2 === 0 ? 'thread' : 'process', endedNs: next() < 0.5 ? last + Math.floor(next() * 9 * ms) : null, exit: next() < 0.7 ? 'completed' : 'failed' });
        }),
      );
      model.setRecord(ran);
      const withRecord = model.statesOf(0).states;
      expect(liveHoldsOf(withRecord), `seed ${seed}: folded with the record`).toBeDefined();
      expect(plain(withRecord), `seed ${seed}, with the record`).toEqual(plain(derived(model, 0, ran.trials[0]!)));
    }
  });

  test('with a record naming actors whose events the page does not hold: folded all the same, as the derivation has them', () => {
    const model = new TimelineModel();
    model.ingest([batch('a', [[0, 'actor', 'B'], [1 * ms, 'acquire', 'B', { prim: 'L' }], [2 * ms, 'acquire', 'E', { prim: 'L', ok: true }]]), batch('b', [[0, 'actor', 'B'], [4 * ms, 'sleep', 'B', { ms: 1 }]])]);
    const ran = runWith([actorRecord('a', 1), actorRecord('b', 2, { endedNs: 6 * ms }), actorRecord('silent', 3, { startedNs: 1 * ms, endedNs: 9 * ms, exit: 'failed' }), actorRecord('unstarted', 4, { startedNs: null })]);
    model.setRecord(ran);
    const states = model.statesOf(0).states;
    expect(liveHoldsOf(states)).toBeDefined();
    expect(plain(states)).toEqual(plain(derived(model, 0, ran.trials[0]!)));
    expect(states.actors.find((actor) => actor.actor === 'silent')).toMatchObject({ start: 1 * ms, end: 9 * ms, exitOk: false });
  });

  test('with a record naming a deadlock, or two actors on one thread: derived in full', () => {
    const rows = (name: string): Row[] => [[0, 'actor', 'B'], [1 * ms, 'acquire', 'B', { prim: name }], [2 * ms, 'acquire', 'E', { prim: name, ok: true }], [3 * ms, 'acquire', 'B', { prim: name === 'A' ? 'B' : 'A' }]];
    const cases: RunRecord[] = [
      runWith([actorRecord('a', 1), actorRecord('b', 2)], { detectedAtMs: 5, cycle: [{ actor: 'a', waitsFor: 'B', heldBy: 'b' }, { actor: 'b', waitsFor: 'A', heldBy: 'a' }], description: 'a and b' } as DeadlockReport),
      runWith([actorRecord('a', 1), actorRecord('b', 2), actorRecord('silent', 1, { endedNs: 9 * ms })]),
      runWith([actorRecord('a', 1), actorRecord('b', 1)]),
    ];
    for (const ran of cases) {
      const model = new TimelineModel();
      model.ingest([batch('a', rows('A')), batch('b', rows('B'))]);
      expect(liveHoldsOf(model.statesOf(0).states)).toBeDefined();
      model.setRecord(ran);
      const states = model.statesOf(0).states;
      expect(liveHoldsOf(states)).toBeUndefined();
      expect(plain(states)).toEqual(plain(derived(model, 0, ran.trials[0]!)));
    }
  });

  test('per actor: the closed holds by start, the open ones, the longest; the intervals that will not change', () => {
    const model = new TimelineModel();
    model.ingest([
      batch('w', [
        [0, 'actor', 'B', { pid: 1, threadId: 1 }],
        [1 * ms, 'acquire', 'B', { prim: 'A' }],
        [2 * ms, 'acquire', 'E', { prim: 'A', ok: true }],
        [3 * ms, 'acquire', 'B', { prim: 'B' }],
        [4 * ms, 'acquire', 'E', { prim: 'B', ok: true }],
        [5 * ms, 'release', 'I', { prim: 'B' }],
        [9 * ms, 'acquire', 'B', { prim: 'C' }],
        [10 * ms, 'acquire', 'E', { prim: 'C', ok: true }],
        [12 * ms, 'release', 'I', { prim: 'C' }],
      ]),
    ]);
    const { states } = model.statesOf(0);
    const holds = liveHoldsOf(states)!.get('w')!;
    expect(holds.closed.map((hold) => [hold.lock, hold.start / ms, hold.end / ms])).toEqual([['B', 4, 5], ['C', 10, 12]]);
    expect(holds.open.map((hold) => [hold.lock, hold.start / ms, hold.end / ms, hold.open])).toEqual([['A', 2, 12, true]]);
    expect(holds.longest).toBe(10 * ms);
    const intervals = states.actors[0]!.intervals;
    // Every interval but the provisional last one (running until the trial's newest event) is final.
    expect(settledIntervals(intervals)).toBe(intervals.length);
    model.ingest([batch('w', [[15 * ms, 'sleep', 'B', { ms: 5 }]], 0, 9)]);
    const later = model.statesOf(0).states.actors[0]!;
    expect(settledIntervals(later.intervals)).toBe(later.intervals.length);
    expect(later.endState).toBe('sleeping');
    expect(settledIntervals(derived(model, 0).actors[0]!.intervals)).toBeNull();
  });

  test('turns itself off where states depend on other actors or on order it does not keep: derived in full then', () => {
    // Two actors on one thread (a loop): a task is ready while the other holds the loop.
    const loop = new TimelineModel();
    loop.ingest([
      batch('a', [[0, 'actor', 'B', { pid: 1, threadId: 1 }], [1 * ms, 'compute', 'B'], [5 * ms, 'compute', 'E']]),
      batch('b', [[0, 'actor', 'B', { pid: 1, threadId: 1 }], [1 * ms, 'sleep', 'B', { ms: 1 }], [6 * ms, 'sleep', 'E']]),
    ]);
    const loopStates = loop.statesOf(0, 0).states;
    expect(liveHoldsOf(loopStates)).toBeUndefined();
    expect(plain(loopStates)).toEqual(plain(derived(loop, 0)));
    expect(loopStates.actors.find((actor) => actor.actor === 'b')!.intervals.some((interval) => interval.state === 'ready')).toBe(true);

    // An actor's events out of program order.
    const shuffled = new TimelineModel();
    shuffled.ingest([batch('a', [[0, 'actor', 'B'], [3 * ms, 'acquire', 'B', { prim: 'L' }]], 0, 0)]);
    expect(liveHoldsOf(shuffled.statesOf(0, 0).states)).toBeDefined();
    shuffled.ingest([batch('a', [[1 * ms, 'sleep', 'B', { ms: 1 }]], 0, 0)]);
    const after = shuffled.statesOf(0, 1e9).states;
    expect(liveHoldsOf(after)).toBeUndefined();
    expect(plain(after)).toEqual(plain(derived(shuffled, 0)));
  });

  test('answers the same snapshot for the same version, and folds only what came since', () => {
    const fold = new LiveStatesFold();
    const lanes = [{ actor: 'w', trial: 0, eventList: [{ actor: 'w', seq: 0, t: 0, op: 'actor', ph: 'B' as const }] }];
    const first = fold.update(lanes, 0, 1);
    expect(fold.update(lanes, 0, 1)).toBe(first);
    lanes[0]!.eventList.push({ actor: 'w', seq: 1, t: 5, op: 'acquire', ph: 'B' as const, data: { prim: 'L' } } as never);
    const second = fold.update(lanes, 0, 2)!;
    expect(second).not.toBe(first);
    expect(second.actors[0]!.endState).toBe('blocked');
    expect(second.actors[0]!.intervals.map((interval) => interval.state)).toEqual(['running']);
  });

  test('on real runs (threads with a semaphore, an event, a pipeline, a shared counter; processes with a queue): equal to the derivation batch by batch, and with the record', () => {
    const runs = liveRuns as unknown as { lesson: string; trial: TrialRecord; batches: EventBatch[] }[];
    expect(runs.map((run) => run.lesson).sort()).toEqual(['event', 'producer-consumer', 'race-counter', 'semaphore', 'thread-pipeline']);
    for (const [index, run] of runs.entries()) {
      // As a live page gets them: each actor's batches in order, the actors' interleaved.
      const next = random(index + 100);
      const queues = new Map<string, EventBatch[]>();
      for (const item of run.batches) queues.set(item.actor, [...(queues.get(item.actor) ?? []), item]);
      const arrival: EventBatch[] = [];
      while (queues.size > 0) {
        const actors = [...queues.keys()];
        const actor = actors[Math.floor(next() * actors.length)]!;
        const list = queues.get(actor)!;
        arrival.push(list.shift()!);
        if (list.length === 0) queues.delete(actor);
      }
      const model = new TimelineModel();
      const step = Math.max(1, Math.floor(arrival.length / 15));
      for (let from = 0; from < arrival.length; from += step) {
        model.ingest(arrival.slice(from, from + step));
        const live = model.statesOf(run.trial.index).states;
        expect(liveHoldsOf(live), `${run.lesson}: folded`).toBeDefined();
        expect(plain(live), `${run.lesson} after ${from + step} batches`).toEqual(plain(derived(model, run.trial.index)));
      }
      const ran = record('r', { trials: [run.trial] });
      model.setRecord(ran);
      const ended = model.statesOf(run.trial.index).states;
      expect(liveHoldsOf(ended), `${run.lesson}: folded with the record`).toBeDefined();
      expect(plain(ended), `${run.lesson} with the record`).toEqual(plain(derived(model, run.trial.index, run.trial)));
    }
  });
});
