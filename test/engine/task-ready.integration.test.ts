import { describe, expect, test } from 'vitest';
import { toTraceEvents } from '../../src-main/export/trace-events';
import { deriveTrialStates, stateAt } from '../../src-main/model/actor-states';
import type { RuntimeName } from '../../src-main/model/run-model';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { python, skipReason } from '../cpython/cpython-helpers';
import { only, outcome, runSpec } from './helpers/run-spec';

/**
 * Two tasks of one loop: b waits for the lock a holds; a releases it and keeps the loop busy computing.
 * On both runtimes b is then ready (its wait is over, the loop is not free) from a's release until the
 * loop is free again and b resumes, as the timeline, the live counters and the exports draw it.
 */

function spec(iterations: number): AuthoredSpec {
  return {
    version: 1,
    primitives: { L: { type: 'mutex' } },
    actors: [
      // a holds L long enough for b to be waiting for it on any machine (b asks after 5 ms).
      { name: 'a', kind: 'task', program: [{ op: 'acquire', prim: 'L' }, { op: 'sleep', ms: 200 }, { op: 'release', prim: 'L' }, { op: 'compute', iterations }] },
      { name: 'b', kind: 'task', program: [{ op: 'sleep', ms: 5 }, { op: 'acquire', prim: 'L' }, { op: 'release', prim: 'L' }] },
    ],
  };
}

async function checkReadyAfterRelease(runtime: RuntimeName, iterations: number): Promise<void> {
  const { run, trial, events, batches } = await runSpec(spec(iterations), { runtime });
  expect(outcome(trial)).toBe('ok');
  const waitBegins = only(events, { actor: 'b', op: 'acquire', ph: 'B' });
  const resumed = only(events, { actor: 'b', op: 'acquire', ph: 'E' });
  const released = only(events, { actor: 'a', op: 'release' });
  const computeBegins = only(events, { actor: 'a', op: 'compute', ph: 'B' });
  const computeEnds = only(events, { actor: 'a', op: 'compute', ph: 'E' });
  // The scene as the events tell it: b asked before a let go, and got the lock only after a's compute.
  expect(waitBegins.t).toBeLessThan(released.t);
  expect(released.t).toBeLessThanOrEqual(computeBegins.t);
  expect(computeEnds.t).toBeLessThanOrEqual(resumed.t);

  const states = deriveTrialStates({ events, actors: trial.actors, deadlock: trial.deadlock });
  const a = states.actors.find((actor) => actor.actor === 'a')!;
  const b = states.actors.find((actor) => actor.actor === 'b')!;
  expect(a.loop).not.toBeNull();
  expect(b.loop).toBe(a.loop);
  const ready = b.intervals.filter((interval) => interval.state === 'ready' && interval.wake !== undefined);
  expect(ready).toHaveLength(1);
  const [woken] = ready;
  expect(woken).toMatchObject({ op: 'acquire', target: 'L', start: released.t, wake: { op: 'release', actor: 'a', t: released.t, target: 'L' } });
  // Ready for as long as a held the loop: through its compute, and never past b's resuming.
  expect(woken!.end).toBeGreaterThanOrEqual(computeEnds.t);
  expect(woken!.end).toBeLessThanOrEqual(resumed.t);
  const midCompute = (computeBegins.t + computeEnds.t) / 2;
  expect(stateAt(b, midCompute).state).toBe('ready');
  expect(stateAt(a, midCompute).state).toBe('running');
  expect(stateAt(b, (waitBegins.t + released.t) / 2).state).toBe('blocked');

  // The Perfetto export draws the same ready slice, with what ended the wait.
  const slices = toTraceEvents(run, batches).traceEvents.filter((event) => event.cat === 'state' && event.ph === 'b' && event.name === 'ready (acquire L)');
  expect(slices.map((slice) => [slice.ts, slice.args?.['wokenBy']])).toEqual([[woken!.start / 1000, { op: 'release', actor: 'a', target: 'L', atMs: released.t / 1e6 }]]);
}

/** b waits for an event, then a queue item, then a barrier; a sets, puts and arrives, each time then computing. */
function gives(iterations: number): AuthoredSpec {
  const compute = { op: 'compute' as const, iterations };
  // a's sleeps let b resume and begin its next wait before a gives again, on any machine.
  return {
    version: 1,
    primitives: { go: { type: 'event' }, meet: { type: 'barrier', parties: 2 } },
    queues: { items: { order: 'fifo' } },
    actors: [
      { name: 'a', kind: 'task', program: [{ op: 'sleep', ms: 100 }, { op: 'set', prim: 'go' }, compute, { op: 'sleep', ms: 100 }, { op: 'put', queue: 'items', value: 1 }, compute, { op: 'sleep', ms: 100 }, { op: 'wait', prim: 'meet' }, compute] },
      { name: 'b', kind: 'task', program: [{ op: 'wait', prim: 'go' }, { op: 'get', queue: 'items', into: 'item' }, { op: 'wait', prim: 'meet' }] },
    ],
  };
}

async function checkReadyAfterGives(runtime: RuntimeName, iterations: number): Promise<void> {
  const { trial, events } = await runSpec(gives(iterations), { runtime });
  expect(outcome(trial)).toBe('ok');
  const states = deriveTrialStates({ events, actors: trial.actors, deadlock: trial.deadlock });
  const b = states.actors.find((actor) => actor.actor === 'b')!;
  const given = [only(events, { actor: 'a', op: 'set' }), only(events, { actor: 'a', op: 'put', ph: 'E' }), only(events, { actor: 'a', op: 'wait', ph: 'B' })];
  const waits = [only(events, { actor: 'b', op: 'wait', ph: 'B', name: 'go' }), only(events, { actor: 'b', op: 'get', ph: 'B' }), only(events, { actor: 'b', op: 'wait', ph: 'B', name: 'meet' })];
  const resumed = [only(events, { actor: 'b', op: 'wait', ph: 'E', name: 'go' }), only(events, { actor: 'b', op: 'get', ph: 'E' }), only(events, { actor: 'b', op: 'wait', ph: 'E', name: 'meet' })];
  const computes = events.filter((event) => event.actor === 'a' && event.op === 'compute');
  const expected = [
    ['wait', 'go', 'set'],
    ['get', 'items', 'put'],
    ['wait', 'meet', 'wait'],
  ] as const;
  // A set is instant: a computes right after it, so b resumes only after that compute.
  expect(resumed[0]!.t).toBeGreaterThanOrEqual(computes[1]!.t);
  for (let index = 0; index < 3; index++) {
    const [op, target, wakeOp] = expected[index]!;
    // The wait began before a gave what it waited for.
    expect(waits[index]!.t).toBeLessThan(given[index]!.t);
    const woken = b.intervals.filter((interval) => interval.state === 'ready' && interval.wake !== undefined && interval.op === op && interval.target === target);
    const computeEnd = computes[index * 2 + 1]!;
    if (resumed[index]!.t >= computeEnd.t) {
      // b resumed after a's compute: ready from the give, through the compute.
      expect(woken.map((interval) => [interval.wake!.op, interval.wake!.actor, interval.start]), `${op} ${target}`).toEqual([[wakeOp, 'a', given[index]!.t]]);
      expect(woken[0]!.end).toBeGreaterThanOrEqual(computeEnd.t);
    } else {
      // A put and a barrier wait yield to the loop on some runtimes before a computes: b resumed at once.
      expect(resumed[index]!.t, `${op} ${target}`).toBeLessThanOrEqual(computes[index * 2]!.t);
      expect(woken.every((interval) => interval.end <= computes[index * 2]!.t)).toBe(true);
    }
  }
}

describe('a task whose lock was released while the other task computes is ready until it resumes', () => {
  test('Node: tasks on the runner loop', async () => {
    await checkReadyAfterRelease('node', 20_000_000);
  });

  test.skipIf(!python)(`CPython: asyncio tasks${skipReason}`, async () => {
    await checkReadyAfterRelease('cpython', 1_500_000);
  });
});

describe('an event set, a queue item put and a barrier filled by a task that then computes: the waiting task is ready from each', () => {
  test('Node', async () => {
    await checkReadyAfterGives('node', 20_000_000);
  });

  test.skipIf(!python)(`CPython${skipReason}`, async () => {
    await checkReadyAfterGives('cpython', 1_000_000);
  });
});
