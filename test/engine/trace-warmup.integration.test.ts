// A thread actor whose program traces loops of many events runs the trace's recording methods until optimised
// before it starts its program: its loop's rounds then cost less than a cold thread's, and nothing of the warm-up
// shows.
import { describe, expect, test } from 'vitest';
import type { AuthoredSpec, Step } from '../../src-main/model/spec-schema';
import { tracedLoopEvents, WARM_FROM_EVENTS } from '../../src-main/engine/trace/trace-warmup';
import { outcome, runSpec, select } from './helpers/run-spec';

const lockRound: Step[] = [
  { op: 'acquire', prim: 'm' },
  { op: 'add', var: 'n', delta: 1 },
  { op: 'release', prim: 'm' },
];

function loop(times: number, trace?: 'each' | 'summary', steps: Step[] = lockRound): Step {
  return { op: 'repeat', times, ...(trace ? { trace } : {}), steps } as Step;
}

describe('how many events a program traces in loops', () => {
  test('a traced repeat counts its rounds times its steps, nested repeats multiply, a summary or a paced repeat counts only itself', () => {
    expect(tracedLoopEvents([{ op: 'mark', name: 'once' } as Step])).toBe(0);
    expect(tracedLoopEvents([loop(100)])).toBe(300);
    expect(tracedLoopEvents([loop(10, 'each', [loop(20)])])).toBe(10 + 10 * 20 * 3);
    expect(tracedLoopEvents([loop(100_000, 'summary')])).toBe(0);
    // Past 10,000 rounds a repeat without `trace` is a summary; `trace: 'each'` keeps it traced.
    expect(tracedLoopEvents([loop(20_000)])).toBe(0);
    expect(tracedLoopEvents([loop(20_000, 'each')])).toBe(60_000);
    expect(tracedLoopEvents([loop(10, 'each', [loop(1_000, 'summary')])])).toBe(10);
    expect(tracedLoopEvents([loop(5_000, 'each', [{ op: 'sleep', ms: 1 } as Step, ...lockRound])])).toBe(0);
    const branch = { op: 'if', cond: { ref: 'x' }, then: lockRound, else: [{ op: 'mark', name: 'no' }] } as unknown as Step;
    expect(tracedLoopEvents([loop(100, 'each', [branch])])).toBe(100 + 300);
  });
});

/**
 * One thread through `rounds` traced lock rounds: the median time of a round, in ns, from one acquire's begin to the
 * next. The median, not the mean: a thread descheduled by other work on the machine shows as a few long rounds only.
 */
async function roundNs(rounds: number): Promise<number> {
  const spec: AuthoredSpec = {
    version: 1,
    shared: { n: { scope: 'shared', initial: 0 } },
    primitives: { m: { type: 'mutex' } },
    actors: [{ name: 'w', kind: 'thread', program: [loop(rounds, 'each')] }],
  };
  const { trial, events } = await runSpec(spec);
  expect(outcome(trial)).toBe('ok');
  // Nothing of the warm-up is in the trace: the actor's events are its program's, numbered from 0 without a gap.
  const own = select(events, { actor: 'w' });
  expect(own.map((e) => e.seq)).toEqual(own.map((_, i) => i));
  expect(select(events, { name: 'warm-up' })).toEqual([]);
  expect(select(events, { actor: 'w', op: 'acquire' })).toHaveLength(2 * rounds);
  const begins = select(events, { actor: 'w', op: 'acquire', ph: 'B' }).map((e) => e.t);
  const times = begins.slice(1).map((t, i) => t - begins[i]!).sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

describe('the trace warmed before a program that traces many events', () => {
  // Just under the threshold (not warmed) and just over it (warmed): every round of the first runs cold.
  const coldRounds = Math.floor((WARM_FROM_EVENTS - 1) / 3);
  const warmRounds = Math.ceil(WARM_FROM_EVENTS / 3);

  test("a thread's traced lock rounds cost less after the warm-up than on a cold trace", async () => {
    expect(tracedLoopEvents([loop(coldRounds)])).toBeLessThan(WARM_FROM_EVENTS);
    expect(tracedLoopEvents([loop(warmRounds)])).toBeGreaterThanOrEqual(WARM_FROM_EVENTS);
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      cold.push(await roundNs(coldRounds));
      warm.push(await roundNs(warmRounds));
    }
    // The fastest of five runs each, so that a run slowed by another process on the machine does not decide. Measured
    // with one or two busy processes beside the tests: cold rounds 700-1,500 ns, warmed ones 260-520 ns.
    expect(Math.min(...warm), `cold ${cold.map(Math.round).join(', ')} ns a round, warm ${warm.map(Math.round).join(', ')}`).toBeLessThan(0.6 * Math.min(...cold));
  });
});
