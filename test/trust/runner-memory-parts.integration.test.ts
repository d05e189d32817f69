// The parts that keep the runner's memory bounded, on their own: the trace buffer's byte-bounded batches,
// previews and refusals, and a queue's count of the bytes it holds.
import { describe, expect, test } from 'vitest';
import { BrokerQueue } from '../../src-main/engine/runner/broker-queue';
import { ByteLimitError, ITEM_OVERHEAD_BYTES, jsonBytes, jsonPrefix } from '../../src-main/engine/spec/limits';
import { TraceBuffer, type BatchInfo } from '../../src-main/engine/trace/trace-buffer';
import { decodeBatch, type EventBatch } from '../../src-main/model/trace-event';

function buffer(options: { batchBytes?: number; maxRecordBytes?: number; maxEventBytes?: number } = {}): { trace: TraceBuffer; sent: { batch: EventBatch; info: BatchInfo }[] } {
  const sent: { batch: EventBatch; info: BatchInfo }[] = [];
  const trace = new TraceBuffer({
    actor: 'a',
    trial: 0,
    runStartNs: process.hrtime.bigint(),
    budget: 1_000_000,
    ...(options.batchBytes !== undefined ? { batchBytes: options.batchBytes } : {}),
    limits: { maxEventBytes: options.maxEventBytes ?? 64 * 1024 * 1024, maxRecordBytes: options.maxRecordBytes ?? 64 * 1024 * 1024 },
    sink: (batch, info) => sent.push({ batch, info }),
  });
  return { trace, sent };
}

describe('measuring values', () => {
  test('jsonBytes is the JSON length of plain values', () => {
    const values: unknown[] = [0, -12.5, 1e21, true, false, null, 'text', '', [], {}, [1, 'a', null, [2, [3]]], { a: 1, bb: [true, { c: 'd' }], e: {} }, { skipped: undefined, kept: 1 }];
    for (const value of values) expect(jsonBytes(value), JSON.stringify(value)).toBe(JSON.stringify(value).length);
  });

  test('a value sharing its parts (JSON of 2^40 leaves, a few objects in memory) is measured and previewed without expanding it', () => {
    let shared: unknown = 'leaf';
    for (let i = 0; i < 40; i++) shared = [shared, shared];
    const started = performance.now();
    expect(jsonBytes(shared, 1_000_000)).toBeGreaterThan(1_000_000);
    expect(jsonBytes(shared, 1_000_000)).toBeLessThan(1_000_100);
    const preview = jsonPrefix(shared, 200);
    expect(preview).toHaveLength(200);
    expect(preview.startsWith('[[[[')).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('trace buffer', () => {
  test('batches are bounded in bytes as well as in events, with no gap in sequence numbers', () => {
    const { trace, sent } = buffer({ batchBytes: 64 * 1024 });
    const text = 'y'.repeat(10_000);
    for (let i = 0; i < 100; i++) trace.emit('log', 'I', { message: text });
    trace.flush();
    expect(sent.length).toBeGreaterThanOrEqual(15);
    for (const { batch } of sent) expect(batch.payload.length).toBeLessThan(64 * 1024 + 11_000);
    const seqs = sent.flatMap(({ batch }) => decodeBatch(batch).map((e) => e.seq));
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  test('a long value outside a record is traced as a preview; a record keeps its value and counts its bytes', () => {
    const { trace, sent } = buffer();
    const long = 'z'.repeat(200_000);
    trace.emit('let', 'I', { name: 's', value: long });
    trace.emit('record', 'I', { name: 'r', value: 'x'.repeat(1_000) });
    trace.flush();
    const [letEvent, recordEvent] = decodeBatch(sent[0]!.batch);
    const preview = String(letEvent!.data!['value']);
    expect(preview.length).toBeLessThan(400);
    expect(preview).toMatch(/^"z{199}… \(more than 64 KB of JSON, not traced whole\)$/);
    expect(recordEvent!.data!['value']).toHaveLength(1_000);
    expect(sent[0]!.info.recordBytes).toBeGreaterThan(1_000);
    expect(sent[0]!.info.recordBytes).toBeLessThan(1_200);
  });

  test('a record larger than the record limit is refused before it is kept; the next event takes its place in sequence', () => {
    const { trace, sent } = buffer({ maxRecordBytes: 50_000 });
    trace.emit('mark', 'I', { name: 'before' });
    expect(() => trace.emit('record', 'I', { name: 'big', value: 'x'.repeat(60_000) })).toThrow(ByteLimitError);
    expect(() => trace.emit('record', 'I', { name: 'big', value: 'x'.repeat(60_000) })).toThrow(/^actor a exceeded limits\.maxRecordBytes \(48\.8 KB\) with one record larger than that$/);
    trace.emit('mark', 'I', { name: 'after' });
    trace.flush();
    const events = sent.flatMap(({ batch }) => decodeBatch(batch));
    expect(events.map((e) => [e.seq, e.data?.['name']])).toEqual([
      [0, 'before'],
      [1, 'after'],
    ]);
  });
});

describe('broker queue bytes', () => {
  test('counts what it holds: items in it and waiting to enter, released as they leave or give up', async () => {
    const queue = new BrokerQueue('q', { order: 'fifo', maxsize: 2 });
    await queue.put('aa', undefined, true, undefined, 4);
    await queue.put('bbb', undefined, true, undefined, 5);
    expect(queue.bytes).toBe(9 + 2 * ITEM_OVERHEAD_BYTES);
    // Full: a timed put waits (its item held meanwhile), then gives up and takes it away.
    const waiting = queue.put('cccc', undefined, true, 30, 6);
    expect(queue.bytes).toBe(15 + 3 * ITEM_OVERHEAD_BYTES);
    expect(await waiting).toBe(false);
    expect(queue.bytes).toBe(9 + 2 * ITEM_OVERHEAD_BYTES);
    expect(await queue.get(false, undefined)).toEqual({ ok: true, value: 'aa' });
    expect(queue.bytes).toBe(5 + ITEM_OVERHEAD_BYTES);
    queue.close();
    expect(queue.bytes).toBe(0);
  });
});
