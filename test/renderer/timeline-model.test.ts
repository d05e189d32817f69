import { describe, expect, test } from 'vitest';
import { TimelineModel } from '../../src-renderer/components/timeline/timeline-model';
import { batch } from './fixtures';

const ms = 1e6;

describe('TimelineModel', () => {
  test('turns spans into lane states: blocked on a lock, waiting, sleeping, running, done', () => {
    const model = new TimelineModel();
    model.ingest([
      batch('worker-0', [
        [0, 'actor', 'B'],
        [1 * ms, 'acquire', 'B', { prim: 'A' }],
        [3 * ms, 'acquire', 'E', { prim: 'A', ok: true }],
        [4 * ms, 'sleep', 'B', { ms: 2 }],
        [6 * ms, 'sleep', 'E'],
        [7 * ms, 'get', 'B', { queue: 'jobs' }],
        [9 * ms, 'get', 'E', { queue: 'jobs', ok: true }],
        [10 * ms, 'actor', 'E', { ok: true }],
      ]),
      batch('worker-1', [[0.5 * ms, 'actor', 'B'], [2 * ms, 'join', 'B', { actor: 'x' }]]),
    ]);
    const [first, second] = model.lanes;
    const at = (lane: typeof first, t: number) => model.stateAt(lane!, t);
    expect(at(first, 0.5 * ms).state).toBe('running');
    expect(at(first, 2 * ms)).toMatchObject({ state: 'blocked', span: { op: 'acquire', target: 'A' } });
    expect(at(first, 5 * ms).state).toBe('sleeping');
    expect(at(first, 8 * ms)).toMatchObject({ state: 'waiting', span: { target: 'jobs' } });
    expect(at(first, 11 * ms).state).toBe('done');
    expect(at(second, 0).state).toBe('idle');
    // An open span lasts until it ends: worker-1 is still waiting for its join.
    expect(at(second, 50 * ms)).toMatchObject({ state: 'waiting', span: { op: 'join', end: Number.POSITIVE_INFINITY } });
    expect(model.countStates(11 * ms)).toEqual({ running: 0, blocked: 0, waiting: 1, sleeping: 0, done: 1 });
    expect(model.opCounts.get('acquire')).toBe(2);
    expect(model.tMax).toBe(10 * ms);
  });

  test('keeps the log in time order across interleaved batches of different actors', () => {
    const model = new TimelineModel();
    model.ingest([batch('b', [[5, 'log', 'I'], [9, 'log', 'I']]), batch('a', [[1, 'log', 'I'], [7, 'log', 'I']])]);
    model.ingest([batch('a', [[8, 'log', 'I']], 0, 2)]);
    expect(model.orderedEvents().map((event) => `${event.actor}@${event.t}`)).toEqual(['a@1', 'b@5', 'a@7', 'a@8', 'b@9']);
  });

  test('keeps the log in time order when events arrive out of order between reads (sorted tail merged in)', () => {
    const model = new TimelineModel();
    const times = (): number[] => model.orderedEvents().map((event) => event.t);
    model.ingest([batch('b', [[5, 'log', 'I'], [9, 'log', 'I']]), batch('a', [[1, 'log', 'I'], [7, 'log', 'I']])]);
    expect(times()).toEqual([1, 5, 7, 9]);
    model.ingest([batch('c', [[2, 'log', 'I'], [10, 'log', 'I']], 0, 0), batch('a', [[3, 'log', 'I'], [8, 'log', 'I']], 0, 2)]);
    expect(times()).toEqual([1, 2, 3, 5, 7, 8, 9, 10]);
    model.ingest([batch('d', [[0, 'log', 'I']])]);
    expect(times()).toEqual([0, 1, 2, 3, 5, 7, 8, 9, 10]);
  });

  test('keeps the log in time order when late actors bring events from long before the newest (the ordered rest moves up in blocks)', () => {
    let state = 7;
    const next = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const model = new TimelineModel();
    const all: string[] = [];
    for (let round = 0; round < 30; round++) {
      const batches = [];
      for (let k = 0; k < 1 + Math.floor(next() * 4); k++) {
        const actor = `a${Math.floor(next() * 50)}`;
        const start = Math.floor(next() * 10_000);
        const rows: [number, string, 'I'][] = Array.from({ length: 1 + Math.floor(next() * 20) }, (_, i) => [start + i * Math.floor(1 + next() * 50), 'log', 'I']);
        const firstSeq = 1000 * round + 100 * k;
        batches.push(batch(actor, rows, 0, firstSeq));
        rows.forEach(([t], i) => all.push(`${t}|${actor}|${firstSeq + i}`));
      }
      model.ingest(batches);
      if (next() < 0.5) continue;
      const expected = all
        .map((key) => key.split('|'))
        .sort((a, b) => Number(a[0]) - Number(b[0]) || (a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : Number(a[2]) - Number(b[2])))
        .map(([t, actor, seq]) => `${t}|${actor}|${seq}`);
      expect(model.orderedEvents().map((event) => `${event.t}|${event.actor}|${event.seq}`)).toEqual(expected);
    }
  });

  test('finds the first span in view by binary search, even behind a long span', () => {
    const model = new TimelineModel();
    const rows: [number, string, 'B' | 'E'][] = [[0, 'wait', 'B'], [1000, 'wait', 'E']];
    for (let i = 0; i < 100; i++) rows.push([2000 + i * 10, 'acquire', 'B'], [2005 + i * 10, 'acquire', 'E']);
    model.ingest([batch('w', rows)]);
    const lane = model.lanes[0]!;
    // The 1000 ns wait is the longest span: a window starting at 500 must still include it.
    expect(lane.spans[model.firstSpanFrom(lane, 500)]!.op).toBe('wait');
    const index = model.firstSpanFrom(lane, 2503);
    expect(lane.spans[index]!.start).toBeLessThanOrEqual(2503);
    expect(lane.spans.slice(0, index).every((span) => span.end < 2503)).toBe(true);
  });

  test('takes 100,000 events in a few hundred batches in time that grows linearly with the events', () => {
    // Each batch costs in proportion to its own rows, not to what is already there: 10× the events
    // must take well under 100× the time (a quadratic model), whatever the machine's speed.
    const feed = (rounds: number): { model: TimelineModel; ingestMs: number; sortMs: number } => {
      const model = new TimelineModel();
      const started = performance.now();
      for (let round = 0; round < rounds; round++) {
        const batches = [];
        for (let actor = 0; actor < 20; actor++) {
          const rows: [number, string, 'B' | 'E' | 'I', Record<string, unknown>?][] = [];
          for (let i = 0; i < 10; i++) {
            const t = (round * 10 + i) * 1000 + actor;
            rows.push([t, 'acquire', i % 2 === 0 ? 'B' : 'E', { prim: 'lock' }]);
          }
          batches.push(batch(`worker-${actor}`, rows, 0, round * 10));
        }
        model.ingest(batches);
      }
      const ingestMs = performance.now() - started;
      const sortStarted = performance.now();
      expect(model.orderedEvents()).toHaveLength(rounds * 200);
      return { model, ingestMs, sortMs: performance.now() - sortStarted };
    };
    feed(50); // warm-up: the first pass pays for compilation
    const small = feed(50);
    const large = feed(500);
    expect(large.model.eventCount).toBe(100_000);
    expect(large.model.lanes).toHaveLength(20);
    // A floor of 1 ms keeps a sub-millisecond small run from turning timer noise into a ratio.
    expect(large.ingestMs / Math.max(small.ingestMs, 1)).toBeLessThan(40);
    expect(large.sortMs / Math.max(small.sortMs, 1)).toBeLessThan(40);
  });
});
