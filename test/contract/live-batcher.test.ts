import { describe, expect, test } from 'vitest';
import type { EventBatch, RunProgress, TrialSummary } from '../../src-main/contract/dto';
import { LiveGapGate, LiveRunBatcher, type BatcherClock } from '../../src-main/contract/live-batcher';
import type { LiveEvent } from '../../src-main/contract/messages';

/** A clock the test moves by hand: timers fire only inside `advance`. */
class ManualClock implements BatcherClock {
  time = 0;
  private timers: { at: number; fn: () => void; handle: number }[] = [];
  private nextHandle = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.timers.push({ at: this.time + ms, fn, handle });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.handle !== handle);
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = until;
  }
}

const batch = (firstSeq: number): EventBatch => ({ trial: 0, actor: 'a', firstSeq, count: 1, tFirst: firstSeq, tLast: firstSeq, payload: `[[${firstSeq},${firstSeq},"log","I"]]` });
const progress = (events: number): RunProgress => ({ runId: 'r', trial: 1, trials: 1, warmup: false, phase: 'started', elapsedMs: events, events });

describe('LiveRunBatcher', () => {
  test('sends at most one run-live message per interval, carrying every batch in order', () => {
    const clock = new ManualClock();
    const sent: (LiveEvent & { at: number })[] = [];
    const batcher = new LiveRunBatcher('r', (event) => sent.push({ ...event, at: clock.time }), 100, clock);
    for (let i = 0; i < 1000; i++) {
      batcher.batch(batch(i));
      if (i % 100 === 0) batcher.progress(progress(i));
      clock.advance(1); // 1,000 batches over one second
    }
    clock.advance(200);
    const live = sent.filter((event) => event.type === 'run-live');
    expect(live.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < live.length; i++) expect(live[i]!.at - live[i - 1]!.at).toBeGreaterThanOrEqual(100);
    const seqs = live.flatMap((event) => (event.type === 'run-live' ? event.batches.map((b) => b.firstSeq) : []));
    expect(seqs).toEqual([...Array(1000).keys()]);
    expect(live.map((event) => (event.type === 'run-live' ? event.seq : 0))).toEqual(live.map((_, index) => index + 1));
  });

  test('end flushes what is pending, then sends one run-ended and nothing after it', () => {
    const clock = new ManualClock();
    const sent: LiveEvent[] = [];
    const batcher = new LiveRunBatcher('r', (event) => sent.push(event), 100, clock);
    batcher.batch(batch(0));
    clock.advance(0);
    batcher.batch(batch(1));
    batcher.progress(progress(2));
    batcher.end('ok');
    batcher.batch(batch(2));
    batcher.end('failed');
    clock.advance(1000);
    expect(sent.map((event) => event.type)).toEqual(['run-live', 'run-live', 'run-ended']);
    expect(sent[1]).toMatchObject({ seq: 2, progress: { events: 2 }, batches: [{ firstSeq: 1 }] });
    expect(sent[2]).toEqual({ type: 'run-ended', runId: 'r', status: 'ok', error: null });
  });

  test('a batch is answered once it has left; past maxMessageBytes pending batches leave at once', async () => {
    const clock = new ManualClock();
    const sent: LiveEvent[] = [];
    const payload = `[${'0,'.repeat(199)}0]`; // 400 bytes
    const big = (firstSeq: number): EventBatch => ({ trial: 0, actor: 'a', firstSeq, count: 1, tFirst: 0, tLast: 0, payload });
    const batcher = new LiveRunBatcher('r', (event) => sent.push(event), 100, clock, 1_000);
    let left = 0;
    void batcher.batch(big(0)).then(() => left++);
    void batcher.batch(big(1)).then(() => left++);
    await Promise.resolve();
    // Two batches (800 bytes) wait for the interval and are not answered yet.
    expect(sent).toEqual([]);
    expect(left).toBe(0);
    // The third reaches 1,200 bytes: all three leave now, in one message, and all three are answered.
    void batcher.batch(big(2)).then(() => left++);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'run-live', seq: 1, batches: [{ firstSeq: 0 }, { firstSeq: 1 }, { firstSeq: 2 }] });
    expect(left).toBe(3);
    // A batch after the end is answered at once and sent nowhere.
    batcher.end('ok');
    await batcher.batch(big(3));
    expect(sent.map((event) => event.type)).toEqual(['run-live', 'run-ended']);
  });

  test('LiveGapGate: a connection as many messages ahead of its acknowledgements as its window is skipped, then told', () => {
    const gate = new LiveGapGate(1_000_000, 2);
    const live = (seq: number): LiveEvent => ({ type: 'run-live', runId: 'r', seq, progress: null, batches: [{ ...batch(seq), count: 10 }] });
    expect(gate.pass(live(1), 0, 0)).toHaveLength(1);
    expect(gate.pass(live(2), 0, 1)).toHaveLength(1);
    // Two unacknowledged: the next ones are skipped, whatever the bytes waiting.
    expect(gate.pass(live(3), 0, 2)).toEqual([]);
    expect(gate.pass(live(4), 0, 2)).toEqual([]);
    // Acknowledged again: a marker for the two skipped, then the message.
    expect(gate.pass(live(5), 0, 0)).toEqual([{ type: 'run-live', runId: 'r', seq: 4, progress: null, batches: [], skippedEvents: 20 }, live(5)]);
  });

  test('an idle run sends nothing', () => {
    const clock = new ManualClock();
    const sent: LiveEvent[] = [];
    new LiveRunBatcher('r', (event) => sent.push(event), 100, clock);
    clock.advance(10_000);
    expect(sent).toEqual([]);
  });
  test('every trial that finished between two messages is sent, though only the latest progress is', () => {
    const clock = new ManualClock();
    const sent: LiveEvent[] = [];
    const batcher = new LiveRunBatcher('r', (event) => sent.push(event), 100, clock);
    const done = (index: number): TrialSummary => ({ index, warmup: false, status: 'ok', wallMs: 1, eventCount: 0, deadlock: false, error: null, records: [], claims: [] });
    batcher.progress({ ...progress(1), phase: 'trial-done', finished: done(0) });
    batcher.progress({ ...progress(2), phase: 'trial-done', finished: done(1) });
    batcher.progress(progress(3));
    clock.advance(100);
    batcher.progress(progress(4));
    batcher.end('ok');
    const live = sent.filter((event): event is Extract<LiveEvent, { type: 'run-live' }> => event.type === 'run-live');
    expect(live.map((event) => [event.progress?.events, event.trials?.map((trial) => trial.index)])).toEqual([
      [3, [0, 1]],
      [4, undefined],
    ]);
  });

  test('LiveGapGate: the trials that finished in skipped messages come on the marker', () => {
    const gate = new LiveGapGate(1_000_000, 1);
    const done = (index: number): TrialSummary => ({ index, warmup: false, status: 'ok', wallMs: 1, eventCount: 0, deadlock: false, error: null, records: [], claims: [] });
    const live = (seq: number, trials?: TrialSummary[]): LiveEvent => ({ type: 'run-live', runId: 'r', seq, progress: null, batches: [], ...(trials ? { trials } : {}) });
    expect(gate.pass(live(1), 0, 0)).toHaveLength(1);
    expect(gate.pass(live(2, [done(0)]), 0, 1)).toEqual([]);
    expect(gate.pass(live(3, [done(1)]), 0, 1)).toEqual([]);
    const [marker, next] = gate.pass(live(4), 0, 0);
    expect(marker).toMatchObject({ seq: 3, skippedEvents: 0, trials: [done(0), done(1)] });
    expect(next).toEqual(live(4));
  });
});
