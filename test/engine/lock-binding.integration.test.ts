// Lock and add steps bound once to their primitive and word, and event data measured once: the same
// guarantees and the same trace as the lookups by name and the per-event measure they replace.
import { describe, expect, test } from 'vitest';
import type { AuthoredSpec, Spec } from '../../src-main/model/spec-schema';
import { PrimitiveAccess } from '../../src-main/engine/sync/primitive-access';
import { lockOwner } from '../../src-main/engine/sync/primitives';
import { buildLayout, createSharedMemory } from '../../src-main/engine/sync/shared-layout';
import { TraceBuffer } from '../../src-main/engine/trace/trace-buffer';
import type { EventBatch } from '../../src-main/model/trace-event';
import { outcome, runSpec, select } from './helpers/run-spec';

const lockSpec = {
  version: 1,
  primitives: { m: { type: 'mutex' }, r: { type: 'rlock' }, c: { type: 'condition', lock: 'm' }, e: { type: 'event' } },
  actors: [{ name: 'a', kind: 'thread', count: 2, program: [] }],
} as unknown as Spec;

function twoActors(): { memory: Int32Array; first: PrimitiveAccess; second: PrimitiveAccess; layout: ReturnType<typeof buildLayout> } {
  const layout = buildLayout(lockSpec, 2);
  const memory = createSharedMemory(lockSpec, layout);
  return { memory, layout, first: new PrimitiveAccess(memory, layout, 0, 'blocking'), second: new PrimitiveAccess(memory, layout, 1, 'blocking') };
}

/** Four threads that pass a barrier together, then run `steps`; `shared` names words that start at 0. */
function fourThreads(shared: readonly string[], steps: AuthoredSpec['actors'][number]['program']): AuthoredSpec {
  return {
    version: 1,
    shared: Object.fromEntries(shared.map((name) => [name, { scope: 'shared', initial: 0 }])),
    primitives: { m: { type: 'mutex' }, go: { type: 'barrier', parties: 4 } },
    actors: [{ name: 't', kind: 'thread', count: 4, program: [{ op: 'wait', prim: 'go' }, ...steps] }],
  };
}

describe('bound lock operations', () => {
  test('a bound mutex excludes, records its owner where the deadlock detector reads it, and refuses a release of a free lock', () => {
    const { memory, layout, first, second } = twoActors();
    const mine = first.lockOps('m')!;
    const theirs = second.lockOps('m')!;
    const slot = layout.primByName['m']!;
    expect(mine.acquire({})).toBe(true);
    expect(lockOwner(memory, slot)).toBe(1);
    expect(theirs.acquire({ blocking: false })).toBe(false);
    expect(theirs.acquire({ timeoutMs: 5 })).toBe(false);
    mine.release();
    expect(lockOwner(memory, slot)).toBe(0);
    expect(theirs.acquire({ blocking: false })).toBe(true);
    expect(lockOwner(memory, slot)).toBe(2);
    // The name-based path sees the same state.
    expect(first.acquire('m', { blocking: false })).toBe(false);
    theirs.release();
    expect(() => mine.release()).toThrow(/^release of m, which is not locked$/);
  });

  test('a condition binds to its lock; an rlock re-enters; a name that is no lock has no binding (its step fails by name, as before)', () => {
    const { memory, layout, first, second } = twoActors();
    const viaCondition = first.lockOps('c')!;
    expect(viaCondition.acquire({})).toBe(true);
    expect(lockOwner(memory, layout.primByName['m']!)).toBe(1);
    expect(second.lockOps('m')!.acquire({ blocking: false })).toBe(false);
    viaCondition.release();

    const r = first.lockOps('r')!;
    expect(r.acquire({})).toBe(true);
    expect(r.acquire({})).toBe(true);
    r.release();
    expect(second.lockOps('r')!.acquire({ blocking: false })).toBe(false);
    r.release();
    expect(second.lockOps('r')!.acquire({ blocking: false })).toBe(true);

    expect(first.lockOps('e')).toBeUndefined();
    expect(first.lockOps('nope')).toBeUndefined();
    expect(first.lockOps('constructor')).toBeUndefined();
    expect(() => first.acquire('e')).toThrow(/^acquire does not apply to e \(event\)$/);
  });

  test('4 threads through one mutex with every step traced: each add sees a value no other add saw, and the count is exact', async () => {
    const iterations = 2_000;
    const spec = fourThreads(['n'], [{ op: 'repeat', times: iterations, trace: 'each', steps: [{ op: 'acquire', prim: 'm' }, { op: 'add', var: 'n', delta: 1, into: 'got' }, { op: 'release', prim: 'm' }] }]);
    const { trial, events } = await runSpec(spec);
    expect(outcome(trial)).toBe('ok');
    expect(trial.finalShared['n']).toBe(4 * iterations);
    const adds = select(events, { op: 'add' });
    expect(adds).toHaveLength(4 * iterations);
    const values = adds.map((event) => event.data!['value'] as number).sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: 4 * iterations }, (_, i) => i + 1));
    expect(adds.every((event) => event.data!['var'] === 'n' && event.data!['delta'] === 1)).toBe(true);
    expect(select(events, { op: 'acquire', ph: 'E' }).every((event) => event.data!['ok'] === true && event.data!['prim'] === 'm')).toBe(true);
    expect(select(events, { op: 'release' })).toHaveLength(4 * iterations);
    // Each thread's own adds rise: it took the lock for each one.
    for (const actor of new Set(adds.map((event) => event.actor))) {
      const own = adds.filter((event) => event.actor === actor).sort((a, b) => a.seq - b.seq).map((event) => event.data!['value'] as number);
      expect(own.every((value, i) => i === 0 || value > own[i - 1]!)).toBe(true);
    }
  });
});

describe('a summary repeat takes a plain mutex itself (its uncontended path inline)', () => {
  test('4 threads contend: never two inside, the count is exact, and each end states its lock steps', async () => {
    const iterations = 20_000;
    const spec = fourThreads(['n', 'inside', 'overlaps'], [
      {
        op: 'repeat',
        times: iterations,
        trace: 'summary',
        steps: [
          { op: 'acquire', prim: 'm', into: 'got' },
          { op: 'add', var: 'inside', delta: 1, into: 'c' },
          { op: 'if', cond: { compare: [{ ref: 'c' }, '!=', 1] }, then: [{ op: 'add', var: 'overlaps', delta: 1 }] },
          { op: 'add', var: 'n', delta: 1 },
          { op: 'add', var: 'inside', delta: -1 },
          { op: 'release', prim: 'm' },
        ],
      },
      { op: 'record', name: 'got', value: { ref: 'got' } },
    ]);
    const { trial, events } = await runSpec(spec);
    expect(outcome(trial)).toBe('ok');
    expect(trial.finalShared['n']).toBe(4 * iterations);
    expect(trial.finalShared['overlaps']).toBe(0);
    expect(trial.finalShared['inside']).toBe(0);
    expect(select(events, { op: 'record' }).map((event) => event.data!['value'])).toEqual([true, true, true, true]);
    const ends = select(events, { op: 'repeat', ph: 'E' });
    expect(ends.map((event) => event.data!['muted'])).toEqual(Array.from({ length: 4 }, () => ({ acquire: 2 * iterations, release: iterations })));
    expect(select(events, { op: 'acquire' })).toHaveLength(0);
  });

  test('a non-blocking acquire of a held mutex answers false there; a release of a free one fails the actor by name', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      shared: { misses: { scope: 'shared', initial: 0 } },
      primitives: { m: { type: 'mutex' }, held: { type: 'event' }, done: { type: 'event' } },
      actors: [
        { name: 'holder', kind: 'thread', program: [{ op: 'acquire', prim: 'm' }, { op: 'set', prim: 'held' }, { op: 'wait', prim: 'done' }, { op: 'release', prim: 'm' }] },
        {
          name: 'trier',
          kind: 'thread',
          program: [
            { op: 'wait', prim: 'held' },
            {
              op: 'repeat',
              times: 50,
              trace: 'summary',
              steps: [
                { op: 'acquire', prim: 'm', blocking: false, into: 'got' },
                { op: 'if', cond: { compare: [{ ref: 'got' }, '==', false] }, then: [{ op: 'add', var: 'misses', delta: 1 }] },
              ],
            },
            { op: 'set', prim: 'done' },
            { op: 'sleep', ms: 20 },
            { op: 'repeat', times: 2, trace: 'summary', steps: [{ op: 'acquire', prim: 'm' }, { op: 'release', prim: 'm' }, { op: 'release', prim: 'm' }] },
          ],
        },
      ],
    };
    const { trial } = await runSpec(spec);
    expect(trial.finalShared['misses']).toBe(50);
    expect(trial.actors.find((actor) => actor.name === 'holder')?.error ?? null).toBeNull();
    expect(trial.actors.find((actor) => actor.name === 'trier')?.error).toMatch(/release of m, which is not locked/);
  });
});

describe('a batch flushed ahead of a lock', () => {
  function buffer(): { trace: TraceBuffer; sent: EventBatch[] } {
    const sent: EventBatch[] = [];
    const trace = new TraceBuffer({
      actor: 'a',
      trial: 0,
      runStartNs: process.hrtime.bigint(),
      budget: 1_000,
      limits: { maxEventBytes: 1024 * 1024, maxRecordBytes: 1024 * 1024 },
      sink: (batch) => sent.push(batch),
    });
    return { trace, sent };
  }

  test('a nearly full batch is sent before a lock is taken, a batch with room is kept; sequence numbers stay contiguous', () => {
    const { trace, sent } = buffer();
    const data = { prim: 'm' };
    for (let i = 0; i < 100; i++) trace.emit('acquire', 'B', data);
    trace.flushIfNearlyFull();
    expect(sent).toHaveLength(0);
    for (let i = 100; i < 940; i++) trace.emit('acquire', 'B', data);
    trace.flushIfNearlyFull();
    expect(sent.map((batch) => batch.count)).toEqual([940]);
    trace.emit('acquire', 'B', data);
    trace.flush();
    expect(sent.map((batch) => [batch.firstSeq, batch.count])).toEqual([
      [0, 940],
      [940, 1],
    ]);
  });
});
