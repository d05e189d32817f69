// The trace: every actor's events are complete and in order (consecutive seq from 0, span B before E,
// timestamps monotonic per actor), accounted for (emitted = received), and limits end or trim a run visibly.
import { expect, test } from 'vitest';
import type { AuthoredSpec, Step } from '../../src-main/model/spec-schema';
import type { TraceEvent } from '../../src-main/model/trace-event';
import { actorRecord, outcome, runSpec, select } from './helpers/run-spec';

const work: Step[] = [
  { op: 'let', name: 'i', value: 0 },
  { op: 'repeat', times: 5, steps: [{ op: 'add', var: 'n', delta: 1 }, { op: 'compute', iterations: 1_000 }] },
  { op: 'section', name: 'nap', steps: [{ op: 'sleep', ms: 5 }, { op: 'block', ms: 5 }] },
  { op: 'acquire', prim: 'm' },
  { op: 'release', prim: 'm' },
  { op: 'log', message: 'value {v}', values: { v: { self: 'name' } } },
];

test('every actor of every kind: consecutive seq from 0, actor B first and E last, timestamps non-decreasing, nothing lost', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    shared: { n: { scope: 'shared', initial: 0 } },
    primitives: { m: { type: 'mutex' } },
    actors: [
      { name: 'main', kind: 'main', program: [...work, { op: 'spawn', actor: 'late' }, { op: 'join', actor: 'late' }] },
      { name: 't', kind: 'thread', count: 2, program: work },
      { name: 'p', kind: 'process', count: 2, program: work },
      { name: 'u', kind: 'utility', program: work },
      { name: 'k', kind: 'task', program: work },
      { name: 'late', kind: 'thread', autostart: false, program: work },
    ],
  };
  const { trial, events, batches } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.eventsLost).toBe(0);
  expect(trial.eventsDropped).toBe(0);
  expect(trial.eventCount).toBe(events.length);

  for (const actor of trial.actors) {
    const own = events.filter((e) => e.actor === actor.name).sort((a, b) => a.seq - b.seq);
    expect(own.map((e) => e.seq), actor.name).toEqual(own.map((_, i) => i));
    expect(actor.eventsEmitted, actor.name).toBe(own.length);
    expect(actor.eventsReceived, actor.name).toBe(own.length);
    expect(own[0]).toMatchObject({ op: 'actor', ph: 'B' });
    expect(own[own.length - 1]).toMatchObject({ op: 'actor', ph: 'E', data: { ok: true } });
    expect(own[0]!.t, actor.name).toBeGreaterThanOrEqual(0);
    for (let i = 1; i < own.length; i++) expect(own[i]!.t, `${actor.name} seq ${i}`).toBeGreaterThanOrEqual(own[i - 1]!.t);
    // Spans nest: every E closes the most recent open B of the same op.
    const open: TraceEvent[] = [];
    for (const event of own) {
      if (event.ph === 'B') open.push(event);
      if (event.ph === 'E') expect(open.pop()?.op, `${actor.name} seq ${event.seq}`).toBe(event.op);
    }
    expect(open, actor.name).toEqual([]);
    // Batches of one actor are contiguous runs of its sequence.
    const ownBatches = batches.filter((b) => b.actor === actor.name);
    let next = 0;
    for (const batch of ownBatches) {
      expect(batch.firstSeq, actor.name).toBe(next);
      next += batch.count;
    }
    expect(next).toBe(own.length);
  }
  // The repeat traced each iteration: 5 adds for each of the 8 actors; only the 5 that share the runner's
  // memory (main, two threads, the task, the late thread) count in n, the processes add to their copies.
  expect(select(events, { op: 'add' })).toHaveLength(5 * 8);
  expect(trial.finalShared['n']).toBe(5 * 5);
  // The late thread's events all come after main asked for it.
  const spawnAsked = select(events, { actor: 'main', op: 'spawn', ph: 'B' })[0]!;
  expect(Math.min(...events.filter((e) => e.actor === 'late').map((e) => e.t))).toBeGreaterThan(spawnAsked.t);
});

test('a long repeat is traced as a summary, records still come through', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    shared: { n: { scope: 'shared', initial: 0 } },
    actors: [
      {
        name: 't',
        kind: 'thread',
        program: [
          { op: 'repeat', times: 20_000, steps: [{ op: 'add', var: 'n', delta: 1 }] },
          { op: 'repeat', times: 3, trace: 'summary', steps: [{ op: 'add', var: 'n', delta: 1, into: 'v' }, { op: 'record', name: 'seen', value: { ref: 'v' } }] },
        ],
      },
    ],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  expect(trial.finalShared['n']).toBe(20_003);
  expect(select(events, { op: 'add' })).toHaveLength(0);
  expect(select(events, { op: 'repeat', ph: 'B' }).map((e) => e.data?.['trace'])).toEqual(['summary', 'summary']);
  expect(trial.records['seen']).toEqual([20_001, 20_002, 20_003]);
});

test('past the event limit, events are dropped on purpose and counted, not lost', async () => {
  // The budget is per actor, at least 1,000 events: 1,500 traced steps overflow it.
  const spec: AuthoredSpec = {
    version: 1,
    limits: { maxEvents: 1_000 },
    actors: [{ name: 'chatty', kind: 'process', program: [{ op: 'repeat', times: 1_500, trace: 'each', steps: [{ op: 'let', name: 'x', value: 1 }] }] }],
  };
  const { run, trial } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  const chatty = actorRecord(trial, 'chatty');
  expect(chatty.eventsReceived).toBe(1_000);
  expect(chatty.eventsDropped).toBeGreaterThan(500);
  expect(trial.eventsLost).toBe(0);
  expect(run.warnings.some((w) => w.includes('event limit was reached'))).toBe(true);
});

test('the wall-time limit ends a run timed-out, close to the limit, every actor stopped', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    limits: { wallTimeMs: 700 },
    actors: [
      { name: 'p', kind: 'process', program: [{ op: 'sleep', ms: 30_000 }, { op: 'log', message: 'woke' }] },
      { name: 't', kind: 'thread', program: [{ op: 'block', ms: 30_000 }, { op: 'log', message: 'woke' }] },
      { name: 'k', kind: 'task', program: [{ op: 'sleep', ms: 30_000 }, { op: 'log', message: 'woke' }] },
    ],
  };
  const started = performance.now();
  const { run, trial, events } = await runSpec(spec);
  const elapsed = performance.now() - started;
  expect(run.status).toBe('timed-out');
  expect(trial.error).toBe('the trial exceeded its wall-time limit of 700 ms');
  expect(trial.wallMs).toBeGreaterThanOrEqual(695);
  expect(trial.wallMs).toBeLessThan(700 + 1_000);
  expect(elapsed).toBeLessThan(700 + 3_000);
  expect(trial.actors.map((a) => a.exit)).toEqual(['timed-out', 'timed-out', 'timed-out']);
  expect(select(events, { op: 'log' })).toEqual([]);
});
