import { describe, expect, test } from 'vitest';
import type { EventBatch, RunProgress, TrialSummary } from '../../src-main/contract/dto';
import type { LiveEvent } from '../../src-main/contract/messages';
import { CatchUpLog } from '../../src-main/serve/run-hub';

const batch = (trial: number, firstSeq: number, count: number, bytes = 100): EventBatch => ({
  trial,
  actor: 'a',
  firstSeq,
  count,
  tFirst: firstSeq,
  tLast: firstSeq + count,
  payload: 'x'.repeat(bytes),
});
const progress = (trial: number): RunProgress => ({ runId: 'r', trial, trials: 3, warmup: false, phase: 'started', elapsedMs: trial * 10, events: 0 });
type Live = Extract<LiveEvent, { type: 'run-live' }>;
const live = (seq: number, batches: EventBatch[], p: RunProgress | null = null): Live => ({ type: 'run-live', runId: 'r', seq, progress: p, batches });
type CatchUp = Extract<LiveEvent, { type: 'run-catchup' }>;

describe('CatchUpLog: the run so far for a page that joins late', () => {
  test('before any live message: one empty part at seq 0', () => {
    expect(new CatchUpLog('r').parts()).toEqual([{ type: 'run-catchup', runId: 'r', seq: 0, progress: null, batches: [], skippedEvents: 0, part: 1, last: true }]);
  });

  test('keeps the current trial whole, counts earlier trials as skipped, and keeps the latest progress and seq', () => {
    const log = new CatchUpLog('r');
    log.record(live(1, [batch(0, 0, 5), batch(0, 5, 5)], progress(1)));
    log.record(live(2, [batch(0, 10, 5), batch(1, 0, 7)], progress(2)));
    log.record(live(3, [batch(1, 7, 3)]));
    log.record({ type: 'run-ended', runId: 'r', status: 'ok', error: null });
    const [only, ...rest] = log.parts() as CatchUp[];
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ seq: 3, progress: progress(2), skippedEvents: 15, part: 1, last: true });
    expect(only!.batches.map((b) => [b.trial, b.firstSeq])).toEqual([
      [1, 0],
      [1, 7],
    ]);
  });

  test('past the byte cap the rest is counted, not kept; parts are at most the part size', () => {
    const log = new CatchUpLog('r', 1_000, 300);
    for (let seq = 1; seq <= 20; seq++) log.record(live(seq, [batch(0, (seq - 1) * 10, 10, 100)]));
    expect(log.heldBytes).toBe(1_000);
    const parts = log.parts() as CatchUp[];
    expect(parts.map((p) => p.batches.length)).toEqual([3, 3, 3, 1]);
    expect(parts.map((p) => p.part)).toEqual([1, 2, 3, 4]);
    expect(parts.map((p) => p.last)).toEqual([false, false, false, true]);
    expect(parts.map((p) => p.skippedEvents)).toEqual([0, 0, 0, 100]);
    expect(parts.every((p) => p.seq === 20)).toBe(true);
    const kept = parts.flatMap((p) => p.batches);
    expect(kept.map((b) => b.firstSeq)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    // Once full, a smaller batch that would fit is not kept either: the catch-up is a prefix, without holes.
    log.record(live(21, [batch(0, 200, 1, 1)]));
    expect(log.heldBytes).toBe(1_000);
    expect((log.parts().at(-1) as CatchUp).skippedEvents).toBe(101);
  });
});

describe('CatchUpLog: the lock counters of what it does not hold', () => {
  const rows = (list: unknown[][]): string => JSON.stringify(list);
  const withPayload = (trial: number, firstSeq: number, payload: string, count: number): EventBatch => ({ trial, actor: 'a', firstSeq, count, tFirst: 0, tLast: 1, payload });

  test('acquire and release events of earlier trials, summarised ones included, go with the skipped count', () => {
    const log = new CatchUpLog('r');
    const earlier = rows([
      [0, 1, 'acquire', 'B', { prim: 'L' }],
      [1, 2, 'acquire', 'E', { prim: 'L', ok: true }],
      [2, 3, 'release', 'I', { prim: 'L' }],
      [3, 4, 'repeat', 'B', { times: 1000, trace: 'summary' }],
      [4, 5, 'repeat', 'E', { times: 1000, muted: { acquire: 2000, release: 1000, add: 1000 } }],
      [5, 6, 'record', 'I', { name: 'x', value: 'acquire' }],
    ]);
    log.record(live(1, [withPayload(0, 0, earlier, 6)]));
    log.record(live(2, [withPayload(1, 0, rows([[0, 1, 'acquire', 'B', { prim: 'L' }]]), 1)]));
    const [part] = log.parts() as CatchUp[];
    expect(part).toMatchObject({ skippedEvents: 6, skippedOps: { acquire: 2002, release: 1001 } });
    expect(part!.batches).toHaveLength(1);
  });

  test('past the cap, the lock steps of the batches not kept are counted', () => {
    const payload = rows([
      [0, 1, 'acquire', 'B', { prim: 'L' }],
      [1, 2, 'acquire', 'E', { prim: 'L', ok: true }],
      [2, 3, 'release', 'I', { prim: 'L' }],
    ]);
    const log = new CatchUpLog('r', payload.length * 2);
    for (let seq = 1; seq <= 5; seq++) log.record(live(seq, [withPayload(0, (seq - 1) * 3, payload, 3)]));
    const [part] = log.parts() as CatchUp[];
    expect(part!.batches).toHaveLength(2);
    expect(part).toMatchObject({ skippedEvents: 9, skippedOps: { acquire: 6, release: 3 } });
  });

  test('nothing skipped: no lock counts to add', () => {
    const log = new CatchUpLog('r');
    log.record(live(1, [batch(0, 0, 3)]));
    expect((log.parts()[0] as CatchUp).skippedOps).toBeUndefined();
  });
});

describe('CatchUpLog: finished trials', () => {
  const finished = (index: number): TrialSummary => ({ index, warmup: false, status: 'ok', wallMs: 10 + index, eventCount: 5, deadlock: false, error: null, records: [], claims: [] });

  test('every finished trial sent live comes with the first part of the catch-up, in order, once each', () => {
    const log = new CatchUpLog('r', 1_000, 300);
    log.record({ ...live(1, [batch(0, 0, 5)], progress(1)) });
    log.record({ ...live(2, [batch(1, 0, 5)], progress(2)), trials: [finished(0)] });
    log.record({ ...live(3, [batch(2, 0, 3, 250), batch(2, 3, 3, 250)], progress(3)), trials: [finished(1)] });
    // A summary sent again (a marker after a gap repeats none, but the merge must not duplicate) replaces the first.
    log.record({ ...live(4, []), trials: [{ ...finished(1), wallMs: 99 }] });
    const parts = log.parts() as CatchUp[];
    expect(parts.length).toBe(2);
    expect(parts[0]!.trials!.map((s) => [s.index, s.wallMs])).toEqual([
      [0, 10],
      [1, 99],
    ]);
    expect(parts[1]!.trials).toBeUndefined();
    expect(log.trialCount).toBe(2);
    expect(parts.at(-1)!.skippedEvents).toBe(10);
  });

  test('no trial finished yet: no trials field', () => {
    const log = new CatchUpLog('r');
    log.record(live(1, [batch(0, 0, 5)], progress(1)));
    expect((log.parts()[0] as CatchUp).trials).toBeUndefined();
  });
});
