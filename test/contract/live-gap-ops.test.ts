import { describe, expect, test } from 'vitest';
import { LiveGapGate, lockOps } from '../../src-main/contract/live-batcher';
import type { EventBatch } from '../../src-main/contract/dto';
import type { LiveEvent } from '../../src-main/contract/messages';

const lockBatch = (firstSeq: number): EventBatch => {
  const rows = [
    [firstSeq, 1, 'acquire', 'B', { prim: 'L' }],
    [firstSeq + 1, 2, 'acquire', 'E', { prim: 'L', ok: true }],
    [firstSeq + 2, 3, 'release', 'I', { prim: 'L' }],
    [firstSeq + 3, 4, 'repeat', 'E', { times: 500, muted: { acquire: 1000, release: 500 } }],
  ];
  return { trial: 0, actor: 'a', firstSeq, count: rows.length, tFirst: 1, tLast: 4, payload: JSON.stringify(rows) };
};
const live = (seq: number, batches: EventBatch[]): LiveEvent => ({ type: 'run-live', runId: 'r', seq, progress: null, batches });

describe('lock steps of skipped live messages', () => {
  test('lockOps reads acquire and release events off the text and adds what a summary repeat states', () => {
    expect(lockOps(lockBatch(0))).toEqual({ acquire: 1002, release: 501 });
    // A muted tally that is not a count is ignored; a payload that is not JSON only gives what its text shows.
    const odd = { ...lockBatch(0), payload: '[[0,1,"repeat","E",{"times":1,"muted":{"acquire":-5,"release":"many"}}]]' };
    expect(lockOps(odd)).toEqual({ acquire: 0, release: 0 });
    expect(lockOps({ ...lockBatch(0), payload: '"acquire","B" "muted":{ not json' })).toEqual({ acquire: 1, release: 0 });
  });

  test("the gap marker carries the skipped messages' lock steps, so the page's lock counters stay right", () => {
    const gate = new LiveGapGate(100, 8);
    expect(gate.pass(live(1, [lockBatch(0)]), 1_000)).toEqual([]);
    expect(gate.pass(live(2, [lockBatch(4)]), 1_000)).toEqual([]);
    const [marker, next] = gate.pass(live(3, []), 0);
    expect(marker).toMatchObject({ seq: 2, skippedEvents: 8, skippedOps: { acquire: 2004, release: 1002 } });
    expect(next).toMatchObject({ seq: 3 });
  });
});
