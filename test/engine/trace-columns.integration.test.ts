// Events in columns: a trace's templates, its unchecked slots, its ring in shared memory, and the encoders
// (on the actor's thread, on the runner's loop, on the encoder thread) all give exactly the JSON rows that
// JSON.stringify gives for the same events, and a thread's messages reach the runner in the order it sent them.
import { describe, expect, test } from 'vitest';
import { ByteLimitError } from '../../src-main/engine/spec/limits';
import { ColumnRelay, INLINE_EVENTS, sharedEncoder, type BatchEncoder } from '../../src-main/engine/trace/batch-encoder';
import { BATCH_EVENTS, ColumnEncoder, eventBatch, ringBytes, RING_SLOTS, type RingBatch } from '../../src-main/engine/trace/event-columns';
import { TraceBuffer, type TraceBufferOptions } from '../../src-main/engine/trace/trace-buffer';
import type { ActorToRunner } from '../../src-main/engine/actors/protocol';
import type { EncodedEvent, EventBatch, TracePhase } from '../../src-main/model/trace-event';
import { outcome, runSpec } from './helpers/run-spec';

type Expected = [op: string, ph: TracePhase, data: Record<string, unknown> | undefined, step: number];

function trace(options: Partial<TraceBufferOptions> = {}): { trace: TraceBuffer; batches: EventBatch[] } {
  const batches: EventBatch[] = [];
  const made = new TraceBuffer({ actor: 'a', trial: 0, runStartNs: process.hrtime.bigint(), budget: 1_000_000, sink: (batch) => batches.push(batch), ...options });
  return { trace: made, batches };
}

/** The rows JSON.stringify writes for the expected events, at the times the payloads carry. */
function expectedText(batches: readonly EventBatch[], expected: readonly Expected[]): string[] {
  let seq = 0;
  return batches.map((batch) => {
    const times = (JSON.parse(batch.payload) as EncodedEvent[]).map((row) => row[1]);
    const rows = times.map((t) => {
      const [op, ph, data, step] = expected[seq]!;
      const row = step >= 0 ? [seq, t, op, ph, data ?? {}, step] : data === undefined ? [seq, t, op, ph] : [seq, t, op, ph, data];
      seq++;
      return row;
    });
    return JSON.stringify(rows);
  });
}

/** Numbers a slot may carry, JSON's edge cases among them (not finite: null; -0: 0; past 2^53; exponents). */
const NUMBERS = [0, -0, 1, -1, 9, 10, 2147483647, 2147483648, 1e9, 999_999_999, 1_000_000_007_000, 2 ** 53 - 1, 2 ** 53 + 2, 1.5, -2.25, Number.NaN, Infinity, -Infinity, 1e21, 5e-7];

/** Emits a mix of every kind of event into `made`, saying what each should encode as. */
function emitMix(made: TraceBuffer, rounds: number): Expected[] {
  const expected: Expected[] = [];
  const acquire = made.template('acquire', 'B', { prim: 'm' });
  const added = made.template('add', 'I', { var: 'n', delta: 1 }, { slot: 'value' });
  const bare = made.template('tick', 'I');
  const bareSlot = made.template('count', 'E', undefined, { slot: 'n' });
  const marked = made.template('mark', 'I', { name: 'été ✓ "quoted"' }, { force: true });
  for (let k = 0; k < rounds; k++) {
    made.step = k % 3 === 0 ? -1 : k;
    const step = made.step;
    switch (k % 7) {
      case 0:
        made.emitTemplate(acquire);
        expected.push(['acquire', 'B', { prim: 'm' }, step]);
        break;
      case 1: {
        const value = NUMBERS[k % NUMBERS.length]!;
        made.emitValue(added, value);
        expected.push(['add', 'I', { var: 'n', delta: 1, value }, step]);
        break;
      }
      case 2:
        made.emitTemplate(bare);
        expected.push(['tick', 'I', undefined, step]);
        break;
      case 3:
        made.emitValue(bareSlot, k);
        expected.push(['count', 'E', { n: k }, step]);
        break;
      case 4:
        made.emitTemplate(marked);
        expected.push(['mark', 'I', { name: 'été ✓ "quoted"' }, step]);
        break;
      case 5:
        made.emit('own', 'I', { text: `line ${k}\u2028 "é" \ud800`, k });
        expected.push(['own', 'I', { text: `line ${k}\u2028 "é" \ud800`, k }, step]);
        break;
      default:
        made.emit('bare', 'E');
        expected.push(['bare', 'E', undefined, step]);
    }
  }
  return expected;
}

describe('events in columns encode exactly as JSON.stringify writes their rows', () => {
  test('templates with and without data or a number, rows of their own, steps and none, times past 2^31 ns: written by the trace itself and by the encoder from a ring', () => {
    // The run began an hour and a half ago: every time has more than 31 bits.
    const runStartNs = process.hrtime.bigint() - 5_400_000_000_000n;
    const { trace: made, batches } = trace({ runStartNs, batchSize: 50 });
    const expected = emitMix(made, 700);
    made.flush();
    expect(batches.reduce((sum, batch) => sum + batch.count, 0)).toBe(700);
    expect(batches.map((batch) => batch.payload)).toEqual(expectedText(batches, expected));
    for (const batch of batches) {
      const times = (JSON.parse(batch.payload) as EncodedEvent[]).map((row) => row[1]);
      expect(times[0]).toBe(batch.tFirst);
      expect(times.at(-1)).toBe(batch.tLast);
      expect(Math.min(...times)).toBeGreaterThan(5_400_000_000_000);
      expect(times.every(Number.isInteger)).toBe(true);
    }

    // The same events from a thread's ring, written by the encoder the encoder thread runs.
    const ring = new SharedArrayBuffer(ringBytes(BATCH_EVENTS));
    const encoder = new ColumnEncoder();
    const fromRing: EventBatch[] = [];
    const threaded = new TraceBuffer({
      actor: 'a',
      trial: 0,
      runStartNs,
      budget: 1_000_000,
      sink: (batch) => fromRing.push(batch),
      columns: {
        ring,
        sink: (batch) => {
          encoder.add(batch.templates);
          fromRing.push(eventBatch(batch, encoder.encode({ ...batch, buffer: ring })));
        },
      },
    });
    const again = emitMix(threaded, 700);
    threaded.flush();
    expect(fromRing.reduce((sum, batch) => sum + batch.count, 0)).toBe(700);
    expect(fromRing.map((batch) => batch.payload)).toEqual(expectedText(fromRing, again));
  });

  test('a batch of rows of their own only is their JSON joined', () => {
    const { trace: made, batches } = trace();
    for (let k = 0; k < 5; k++) made.emit('log', 'I', { message: `m${k}` });
    made.flush();
    expect(batches).toHaveLength(1);
    expect(JSON.parse(batches[0]!.payload)).toHaveLength(5);
    expect(batches[0]!.payload).toBe(expectedText(batches, Array.from({ length: 5 }, (_, k): Expected => ['log', 'I', { message: `m${k}` }, -1]))[0]);
  });
});

describe('the unchecked slots of a trace', () => {
  test('a budget is kept: events past it are counted as dropped, whichever path took them', () => {
    const { trace: made, batches } = trace({ budget: 10, batchSize: 4 });
    const tick = made.template('tick', 'I');
    for (let k = 0; k < 20; k++) made.emitTemplate(tick);
    made.emit('own', 'I', { k: 1 });
    for (let k = 0; k < 5; k++) made.emitTemplate(tick);
    made.flush();
    expect(made.emitted).toBe(10);
    expect(made.dropped).toBe(16);
    expect(batches.map((batch) => [batch.firstSeq, batch.count])).toEqual([
      [0, 4],
      [4, 4],
      [8, 2],
    ]);
  });

  test('the count of recorded events is in its word after every event', () => {
    const words = new Int32Array(4);
    const { trace: made } = trace({ countWord: { words, at: 2 }, batchSize: 3 });
    const tick = made.template('tick', 'I');
    const seen: number[] = [];
    for (let k = 0; k < 5; k++) {
      if (k === 2) made.emit('own', 'I');
      else made.emitTemplate(tick);
      seen.push(words[2]!);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  test('a batch fills to its size and its bytes: large rows of their own make it send sooner', () => {
    const { trace: made, batches } = trace({ batchSize: 100, batchBytes: 4_000 });
    const tick = made.template('tick', 'I');
    for (let k = 0; k < 30; k++) made.emitTemplate(tick);
    made.emit('big', 'I', { text: 'x'.repeat(2_000) });
    for (let k = 0; k < 60; k++) made.emitTemplate(tick);
    made.flush();
    for (const batch of batches) expect(batch.payload.length).toBeLessThan(4_000 + 2_100);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.reduce((sum, batch) => sum + batch.count, 0)).toBe(91);
    expect(batches.map((batch) => batch.firstSeq)).toEqual(batches.map((_, i) => batches.slice(0, i).reduce((sum, b) => sum + b.count, 0)));
  });

  test('a template made after events were counted for smaller ones still keeps the batch within its bytes', () => {
    const { trace: made, batches } = trace({ batchSize: 1_000, batchBytes: 8_000 });
    const small = made.template('tick', 'I');
    for (let k = 0; k < 5; k++) made.emitTemplate(small);
    const large = made.template('mark', 'I', { name: 'n'.repeat(1_000) });
    for (let k = 0; k < 30; k++) made.emitTemplate(large);
    made.flush();
    expect(batches.reduce((sum, batch) => sum + batch.count, 0)).toBe(35);
    expect(batches.length).toBeGreaterThan(3);
    for (const batch of batches) expect(batch.payload.length).toBeLessThanOrEqual(8_000);
  });

  test('muted, a template is tallied as its op (acquire, release, other); a forced one is recorded', () => {
    const { trace: made, batches } = trace();
    const begin = made.template('acquire', 'B', { prim: 'm' });
    const release = made.template('release', 'I', { prim: 'm' });
    const added = made.template('add', 'I', { var: 'n' }, { slot: 'value' });
    const marked = made.template('mark', 'I', { name: 'here' }, { force: true });
    made.mute();
    made.emitTemplate(begin);
    made.emitTemplate(release);
    made.emitValue(added, 3);
    made.emitTemplate(marked);
    made.unmute();
    expect(made.takeMuted()).toEqual({ acquire: 1, release: 1 });
    expect(made.muted).toBe(3);
    made.flush();
    expect(batches.flatMap((batch) => (JSON.parse(batch.payload) as EncodedEvent[]).map((row) => row[2]))).toEqual(['mark']);
  });

  test('a template meets the byte limits when an event of it is emitted: past the value size previewed, past the event limit refused', () => {
    const previewing = trace({ valueBytes: 1_000 });
    const long = previewing.trace.template('mark', 'I', { name: 'x'.repeat(5_000) });
    previewing.trace.emitTemplate(long);
    previewing.trace.flush();
    const [row] = JSON.parse(previewing.batches[0]!.payload) as EncodedEvent[];
    expect(String((row![4] as Record<string, unknown>)['name'])).toMatch(/not traced whole\)$/);

    const limited = trace({ limits: { maxEventBytes: 2_000, maxRecordBytes: 1024 * 1024 } });
    const refused = limited.trace.template('mark', 'I', { name: 'y'.repeat(3_000) });
    expect(limited.trace.emitted).toBe(0);
    expect(() => limited.trace.emitTemplate(refused)).toThrow(ByteLimitError);
    expect(limited.trace.emitted).toBe(0);
  });
});

describe("a thread's ring of columns", () => {
  function ringTrace(): { made: TraceBuffer; ring: SharedArrayBuffer; sent: RingBatch[]; encoded: EventBatch[] } {
    const sent: RingBatch[] = [];
    const encoded: EventBatch[] = [];
    const ring = new SharedArrayBuffer(ringBytes(BATCH_EVENTS));
    const made = new TraceBuffer({
      actor: 'a',
      trial: 0,
      runStartNs: process.hrtime.bigint(),
      budget: 1_000_000,
      sink: (batch) => encoded.push(batch),
      columns: { ring, sink: (batch) => sent.push(batch) },
    });
    return { made, ring, sent, encoded };
  }

  test('batches go out in the ring slot after slot, wrapping round; read there, they encode as JSON.stringify writes them', () => {
    const { made, ring, sent } = ringTrace();
    const tick = made.template('tick', 'I', { n: 1 });
    const added = made.template('add', 'I', { var: 'n' }, { slot: 'value' });
    const batches = RING_SLOTS + 3;
    const expected: Expected[] = [];
    const encoder = new ColumnEncoder();
    const payloads: string[] = [];
    for (let b = 0; b < batches; b++) {
      for (let k = 0; k < BATCH_EVENTS; k++) {
        made.step = k % 5;
        if (k % 2 === 0) {
          made.emitTemplate(tick);
          expected.push(['tick', 'I', { n: 1 }, k % 5]);
        } else {
          made.emitValue(added, b * BATCH_EVENTS + k);
          expected.push(['add', 'I', { var: 'n', value: b * BATCH_EVENTS + k }, k % 5]);
        }
      }
      made.flushIfNearlyFull();
      made.flush();
      // Encoded as the encoder thread would, before the slot comes round again.
      const batch = sent.at(-1)!;
      encoder.add(batch.templates);
      payloads.push(encoder.encode({ ...batch, buffer: ring }));
    }
    expect(sent.map((batch) => batch.offset / (batch.capacity * 24))).toEqual(Array.from({ length: sent.length }, (_, i) => i % RING_SLOTS));
    expect(sent[0]!.templates).toHaveLength(2);
    expect(sent.slice(1).every((batch) => batch.templates.length === 0)).toBe(true);
    const asBatches = sent.map((batch, i): EventBatch => ({ trial: 0, actor: 'a', firstSeq: batch.firstSeq, count: batch.count, tFirst: batch.tFirst, tLast: batch.tLast, payload: payloads[i]! }));
    expect(payloads).toEqual(expectedText(asBatches, expected));
  });

  test('a batch mostly of rows of their own is encoded on its thread and sent as text, its slot kept', () => {
    const { made, sent, encoded } = ringTrace();
    const tick = made.template('tick', 'I');
    made.emitTemplate(tick);
    for (let k = 0; k < 3; k++) made.emit('log', 'I', { message: `m${k}` });
    made.flush();
    made.emitTemplate(tick);
    made.flush();
    expect(encoded.map((batch) => [batch.firstSeq, batch.count])).toEqual([[0, 4]]);
    expect(sent.map((batch) => [batch.firstSeq, batch.count, batch.offset])).toEqual([[4, 1, 0]]);
    // The template the text batch used still goes with the first batch in columns.
    expect(sent[0]!.templates).toHaveLength(1);
  });
});

describe('the relay of a thread’s messages', () => {
  /** A thread's trace in its ring: `next(count)` records that many events of one template and gives the batch it sends. */
  function threadTrace(): { ring: SharedArrayBuffer; next: (count: number) => RingBatch; local: (batch: RingBatch) => string } {
    const ring = new SharedArrayBuffer(ringBytes(BATCH_EVENTS));
    const sent: RingBatch[] = [];
    const made = new TraceBuffer({ actor: 'a', trial: 0, runStartNs: process.hrtime.bigint(), budget: 1_000_000, sink: () => undefined, columns: { ring, sink: (batch) => sent.push(batch) } });
    const tick = made.template('tick', 'I', { k: 1 });
    const encoder = new ColumnEncoder();
    return {
      ring,
      next: (count) => {
        for (let k = 0; k < count; k++) made.emitTemplate(tick);
        made.flush();
        return sent.at(-1)!;
      },
      // What an encoder on this thread writes for a batch (given in the order sent).
      local: (batch) => {
        encoder.add(batch.templates);
        return encoder.encode({ ...batch, buffer: ring });
      },
    };
  }

  /** An encoder that answers when told to, or fails. */
  function heldEncoder(fail = false): BatchEncoder & { release: () => void; seen: number[] } {
    const waiting: (() => void)[] = [];
    const encoders = new Map<number, ColumnEncoder>();
    return {
      seen: [],
      encode(actor, batch) {
        this.seen.push(batch.templates.length);
        let encoder = encoders.get(actor);
        if (!encoder) encoders.set(actor, (encoder = new ColumnEncoder()));
        encoder.add(batch.templates);
        const payload = encoder.encode(batch);
        return new Promise<string>((resolve, reject) => waiting.push(() => (fail ? reject(new Error('encoder gone')) : resolve(payload))));
      },
      forget: () => undefined,
      release: () => waiting.splice(0).forEach((answer) => answer()),
    };
  }

  /** A relay of a thread's ring that keeps the event batches it delivers. */
  function eventsRelay(ring: SharedArrayBuffer, encoder: () => BatchEncoder): { relay: ColumnRelay; events: EventBatch[] } {
    const events: EventBatch[] = [];
    const relay = new ColumnRelay(ring, (message) => message.type === 'events' && events.push(message.batch), () => undefined, encoder);
    return { relay, events };
  }

  const done: ActorToRunner = { type: 'done', ok: true, error: null, emitted: 0, dropped: 0, t: 0, usage: { userUs: 0, systemUs: 0, maxRssKb: 0 } };

  test('a message after a batch waits for it; batches are answered in the order sent', async () => {
    const delivered: string[] = [];
    let answered = 0;
    const encoder = heldEncoder();
    const thread = threadTrace();
    const relay = new ColumnRelay(
      thread.ring,
      (message) => delivered.push(message.type === 'events' ? `events ${message.batch.firstSeq}` : message.type),
      () => answered++,
      () => encoder,
    );
    relay.receive({ type: 'started', pid: 1, ppid: 1, threadId: 1, t: 0 });
    relay.receive({ type: 'event-columns', batch: thread.next(500) });
    relay.receive({ type: 'event-columns', batch: thread.next(10) });
    relay.receive(done);
    expect(delivered).toEqual(['started']);
    expect(answered).toBe(0);
    const drained = relay.drained();
    encoder.release();
    await drained;
    expect(delivered).toEqual(['started', 'events 0', 'events 500', 'done']);
    expect(answered).toBe(2);
    expect(encoder.seen).toEqual([1]);
  });

  test(`a batch of at most ${INLINE_EVENTS} events is encoded at once; its templates go with the next batch sent out`, async () => {
    const encoder = heldEncoder();
    const thread = threadTrace();
    const { relay, events } = eventsRelay(thread.ring, () => encoder);
    relay.receive({ type: 'event-columns', batch: thread.next(INLINE_EVENTS) });
    expect(events.map((batch) => batch.count)).toEqual([INLINE_EVENTS]);
    relay.receive({ type: 'event-columns', batch: thread.next(200) });
    expect(encoder.seen).toEqual([1]);
    encoder.release();
    await relay.drained();
    expect(events.map((batch) => [batch.firstSeq, batch.count])).toEqual([
      [0, INLINE_EVENTS],
      [INLINE_EVENTS, 200],
    ]);
    expect(JSON.parse(events[1]!.payload)[0]).toEqual([INLINE_EVENTS, expect.any(Number), 'tick', 'I', { k: 1 }]);
  });

  test('should the encoder fail, the batch is encoded where the relay runs, the same text', async () => {
    const failing = heldEncoder(true);
    const thread = threadTrace();
    const { relay, events } = eventsRelay(thread.ring, () => failing);
    const batch = thread.next(300);
    const expected = thread.local(batch);
    relay.receive({ type: 'event-columns', batch });
    failing.release();
    await relay.drained();
    expect(events.map((event) => event.payload)).toEqual([expected]);
  });

  test('the encoder thread writes the same text as an encoder on this thread', async () => {
    const thread = threadTrace();
    const { relay, events } = eventsRelay(thread.ring, sharedEncoder);
    const batches = [thread.next(900), thread.next(800)];
    const expected = batches.map((batch) => thread.local(batch));
    for (const batch of batches) relay.receive({ type: 'event-columns', batch });
    await relay.drained();
    expect(events.map((event) => event.payload)).toEqual(expected);
  });
});

describe('traced threads through a lock, their events kept in their rings', () => {
  test('4 threads × 3,000 traced rounds: every event arrives once, in order, and the adds count up one by one in time', { timeout: 60_000 }, async () => {
    const rounds = 3_000;
    const threads = 4;
    const { trial, events, batches } = await runSpec({
      version: 1,
      shared: { n: { scope: 'shared', initial: 0 } },
      primitives: { m: { type: 'mutex' }, go: { type: 'barrier', parties: threads } },
      actors: [
        {
          name: 't',
          kind: 'thread',
          count: threads,
          program: [
            { op: 'wait', prim: 'go' },
            { op: 'repeat', times: rounds, trace: 'each', steps: [{ op: 'acquire', prim: 'm' }, { op: 'add', var: 'n', delta: 1 }, { op: 'release', prim: 'm' }] },
            { op: 'mark', name: 'end' },
          ],
        },
      ],
    });
    expect(outcome(trial)).toBe('ok');
    expect(trial.finalShared['n']).toBe(threads * rounds);
    // Several laps of each thread's ring: 12,000+ events a thread, 1,000 a slot.
    const names = Array.from({ length: threads }, (_, i) => `t-${i}`);
    for (const name of names) {
      const own = batches.filter((batch) => batch.actor === name);
      expect(own.reduce((sum, batch) => sum + batch.count, 0)).toBeGreaterThan(RING_SLOTS * BATCH_EVENTS);
      // Handed on in order: each batch starts where the one before ended.
      let next = 0;
      for (const batch of own) {
        expect(batch.firstSeq).toBe(next);
        next += batch.count;
      }
      const mine = events.filter((event) => event.actor === name);
      // Every sequence number once, none missing.
      expect(mine.map((event) => event.seq).sort((a, b) => a - b)).toEqual(mine.map((_, i) => i));
      const lockSteps = mine.filter((event) => event.op === 'acquire' || event.op === 'add' || event.op === 'release');
      expect(lockSteps).toHaveLength(rounds * 4);
      for (let i = 0; i < lockSteps.length; i += 4) {
        const round = lockSteps.slice(i, i + 4);
        expect(round.map((event) => `${event.op} ${event.ph}`)).toEqual(['acquire B', 'acquire E', 'add I', 'release I']);
        // Stamped in the order they happened.
        expect(round.map((event) => event.t)).toEqual(round.map((event) => event.t).sort((a, b) => a - b));
      }
    }
    // The lock made the adds one total order: by time, the values count up 1, 2, 3, … with no gap.
    const adds = events.filter((event) => event.op === 'add').sort((a, b) => a.t - b.t);
    expect(adds.map((event) => event.data?.['value'])).toEqual(adds.map((_, i) => i + 1));
  });
});
