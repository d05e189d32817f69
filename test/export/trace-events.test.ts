import { describe, expect, it } from 'vitest';
import { toTraceEvents, type ChromeTraceEvent } from '../../src-main/export/trace-events';
import { makeActor, makeBatch, makeRun, makeTrial } from './run-fixture';

/** Replays every thread's B/E events in file order; returns the problems (empty when all nest). */
function nestingProblems(events: readonly ChromeTraceEvent[]): string[] {
  const stacks = new Map<string, ChromeTraceEvent[]>();
  const lastTs = new Map<string, number>();
  const problems: string[] = [];
  for (const event of events) {
    if (event.ph !== 'B' && event.ph !== 'E') continue;
    const track = `${event.pid}/${event.tid}`;
    if (event.ts < (lastTs.get(track) ?? 0)) problems.push(`${track}: ${event.name} goes back in time`);
    lastTs.set(track, event.ts);
    const stack = stacks.get(track) ?? [];
    stacks.set(track, stack);
    if (event.ph === 'B') stack.push(event);
    else {
      const open = stack.pop();
      if (open === undefined) problems.push(`${track}: E ${event.name} without B`);
      else if (open.name !== event.name) problems.push(`${track}: E ${event.name} closes B ${open.name}`);
      else if (event.ts < open.ts) problems.push(`${track}: ${event.name} ends before it begins`);
    }
  }
  for (const [track, stack] of stacks) for (const open of stack) problems.push(`${track}: B ${open.name} never ends`);
  return problems;
}

function lockRun() {
  const run = makeRun({
    trials: [
      makeTrial({ index: 0, warmup: true, actors: [makeActor({ name: 'buyer-1', threadId: 1 })] }),
      makeTrial({
        index: 1,
        actors: [
          makeActor({ name: 'buyer-1', threadId: 1 }),
          makeActor({ name: 'buyer-2', kind: 'process', pid: 5001, threadId: null }),
        ],
      }),
    ],
  });
  const batches = [
    makeBatch(0, 'buyer-1', [[0, 500, 'start', 'I']]),
    makeBatch(1, 'buyer-1', [
      [0, -2_000, 'start', 'I'],
      [1, 1_000, 'acquire', 'B', { prim: 'A' }],
      [2, 4_000, 'acquire', 'E', { prim: 'A' }],
    ]),
    makeBatch(1, 'buyer-1', [
      [3, 5_000, 'compute', 'B', { n: 1000 }],
      [4, 9_000, 'compute', 'E'],
      [5, 10_000, 'release', 'I', { prim: 'A' }],
    ]),
    makeBatch(1, 'buyer-2', [
      [0, 2_000, 'acquire', 'B', { prim: 'A' }],
      [1, 10_500, 'acquire', 'E', { prim: 'A' }],
      [2, 12_000, 'release', 'I', { prim: 'A' }],
    ]),
  ];
  return { run, batches };
}

describe('toTraceEvents', () => {
  it('writes non-negative microsecond timestamps and properly nested slices', () => {
    const { run, batches } = lockRun();
    const trace = toTraceEvents(run, batches);
    expect(trace.displayTimeUnit).toBe('ms');
    expect(trace.traceEvents.every((event) => event.ts >= 0)).toBe(true);
    expect(nestingProblems(trace.traceEvents)).toEqual([]);
    expect(trace.metadata).toMatchObject({ runId: run.id, trials: 2, actors: 2, events: 10, negativeTimesClamped: 1 });
    expect(trace.metadata.repairs.total).toBe(0);
    const compute = trace.traceEvents.find((event) => event.name === 'compute' && event.ph === 'B');
    expect(compute).toMatchObject({ ts: 5, pid: 2, args: { n: 1000 } });
    expect(() => JSON.parse(JSON.stringify(trace))).not.toThrow();
  });

  it('names every trial and actor with metadata events, tids stable per actor', () => {
    const { run, batches } = lockRun();
    const metadata = toTraceEvents(run, batches).traceEvents.filter((event) => event.ph === 'M');
    const processNames = metadata.filter((event) => event.name === 'process_name').map((event) => [event.pid, event.args!['name']]);
    expect(processNames).toEqual([
      [1, 'trial 0 (warm-up)'],
      [2, 'trial 1'],
    ]);
    const threadNames = metadata.filter((event) => event.name === 'thread_name').map((event) => [event.pid, event.tid, event.args!['name']]);
    expect(threadNames).toEqual([
      [1, 1, 'buyer-1 (thread, pid 4211, thread 1)'],
      [2, 1, 'buyer-1 (thread, pid 4211, thread 1)'],
      [2, 2, 'buyer-2 (process, pid 5001)'],
    ]);
  });

  it('shows lock waits as "acquire A" slices and holds as async "hold A" slices', () => {
    const { run, batches } = lockRun();
    const events = toTraceEvents(run, batches).traceEvents;
    const waits = events.filter((event) => event.name === 'acquire A' && event.pid === 2);
    expect(waits.map((event) => [event.tid, event.ph, event.ts])).toEqual([
      [1, 'B', 1],
      [1, 'E', 4],
      [2, 'B', 2],
      [2, 'E', 10.5],
    ]);
    const holds = events.filter((event) => event.cat === 'lock');
    expect(holds.map((event) => [event.name, event.ph, event.tid, event.ts])).toEqual([
      ['hold A', 'b', 1, 4],
      ['hold A', 'e', 1, 10],
      ['hold A', 'b', 2, 10.5],
      ['hold A', 'e', 2, 12],
    ]);
    expect(holds[0]!.id).toBe(holds[1]!.id);
    expect(holds[2]!.id).toBe(holds[3]!.id);
    expect(holds[0]!.id).not.toBe(holds[2]!.id);
    const release = events.find((event) => event.name === 'release A' && event.tid === 1);
    expect(release).toMatchObject({ ph: 'i', s: 't', ts: 10, args: { prim: 'A' } });
  });

  it('repairs crossing spans, unmatched ends and spans left open, and counts each repair', () => {
    const run = makeRun({ trials: [makeTrial({ index: 0, actors: [makeActor({ name: 'w' })] })] });
    const batches = [
      makeBatch(0, 'w', [
        [0, 1_000, 'outer', 'B'],
        [1, 2_000, 'inner', 'B'],
        [2, 3_000, 'outer', 'E'], // crosses: inner is still open
        [3, 4_000, 'inner', 'E'], // its span was already ended: absorbed, not a second repair
        [4, 5_000, 'stray', 'E'], // no B at all: dropped
        [5, 6_000, 'open', 'B'], // never ended: closed at the trial's end (the actor record's end, 9 ms), not at the last event
        [6, 7_000, 'acquire', 'E', { prim: 'L' }], // acquired, never released: the hold lasts until the trial's end too
        [7, 6_500, 'tick', 'I'], // earlier than its predecessor: raised to keep order
      ]),
    ];
    const trace = toTraceEvents(run, batches);
    expect(nestingProblems(trace.traceEvents)).toEqual([]);
    expect(trace.metadata.repairs).toEqual({ crossingClosed: 1, unmatchedEndsDropped: 2, openClosedAtEnd: 1, total: 4 });
    expect(trace.metadata.backwardTimesRaised).toBe(1);
    expect(trace.metadata.lockHolds).toEqual({ count: 1, openAtEnd: 1, unmatchedReleases: 0 });
    const slices = trace.traceEvents.filter((event) => event.ph === 'B' || event.ph === 'E').map((event) => `${event.ph} ${event.name} ${event.ts}`);
    expect(slices).toEqual(['B outer 1', 'B inner 2', 'E inner 3', 'E outer 3', 'B open 6', 'E open 9000']);
    expect(trace.traceEvents.find((event) => event.ph === 'E' && event.name === 'open')?.args).toEqual({ repair: "still open at the trial's end" });
  });

  it('does not start a hold when an acquire gave up, and counts a release with no hold', () => {
    const run = makeRun({ trials: [makeTrial({ index: 0, actors: [makeActor({ name: 'w' })] })] });
    const batches = [
      makeBatch(0, 'w', [
        [0, 1_000, 'acquire', 'B', { prim: 'S' }],
        [1, 2_000, 'acquire', 'E', { prim: 'S', ok: false }],
        [2, 3_000, 'release', 'I', { prim: 'S' }],
      ]),
    ];
    const trace = toTraceEvents(run, batches);
    expect(trace.traceEvents.some((event) => event.cat === 'lock')).toBe(false);
    expect(trace.metadata.lockHolds).toEqual({ count: 0, openAtEnd: 0, unmatchedReleases: 1 });
  });
});
