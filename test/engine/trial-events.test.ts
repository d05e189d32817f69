import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrialEvents } from '../../src-main/engine/runner/trial-analysis';
import { TraceBuffer } from '../../src-main/engine/trace/trace-buffer';
import { decodeBatch, type EventBatch } from '../../src-main/model/trace-event';

/** Batches written by a real trace buffer for one actor, `emit` driving it. */
function batchesOf(actor: string, batchSize: number, emit: (trace: TraceBuffer) => void): EventBatch[] {
  const batches: EventBatch[] = [];
  const trace = new TraceBuffer({ actor, trial: 0, runStartNs: process.hrtime.bigint(), budget: 1_000_000, batchSize, sink: (batch) => batches.push(batch) });
  emit(trace);
  trace.flush();
  return batches;
}

/** The latest acquire begin per actor and primitive, from fully decoded events: what the runner must find. */
function expectedWaitStarts(batches: readonly EventBatch[]): Map<string, number> {
  const starts = new Map<string, number>();
  for (const batch of batches) {
    for (const event of decodeBatch(batch)) {
      const prim = event.data?.['prim'];
      if (event.op !== 'acquire' || event.ph !== 'B' || typeof prim !== 'string') continue;
      const key = `${event.actor} ${prim}`;
      starts.set(key, Math.max(starts.get(key) ?? -Infinity, event.t));
    }
  }
  return starts;
}

function followed(batches: readonly EventBatch[]): TrialEvents {
  const events = new TrialEvents([], new Map());
  for (const batch of batches) events.add(batch);
  return events;
}

function batch(actor: string, rows: readonly unknown[]): EventBatch {
  return { trial: 0, actor, firstSeq: 0, count: rows.length, tFirst: 0, tLast: 0, payload: JSON.stringify(rows) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('TrialEvents: wait starts', () => {
  it('finds the latest acquire begin per actor and primitive without parsing batches of lock steps', () => {
    const prims = ['m', 'lock-2', 'a.b_c'];
    const batches: EventBatch[] = [];
    for (const actor of ['worker-0', 'worker-1']) {
      const data = prims.map((prim) => ({ begin: { prim }, end: { prim, ok: true } }));
      batches.push(
        ...batchesOf(actor, 37, (trace) => {
          for (let i = 0; i < 500; i++) {
            const { begin, end } = data[(i * 7 + actor.length) % data.length]!;
            trace.emit('acquire', 'B', begin);
            trace.emit('acquire', 'E', end);
            trace.emit('add', 'I', { var: 'n', value: i });
            trace.emit('release', 'I', begin);
          }
        }),
      );
    }
    const expected = expectedWaitStarts(batches);
    expect(expected.size).toBe(6);
    const parse = vi.spyOn(JSON, 'parse');
    const events = followed(batches);
    expect(parse).not.toHaveBeenCalled();
    for (const [key, t] of expected) {
      const [actor, prim] = key.split(' ') as [string, string];
      expect(events.waitStart(actor, prim)).toBe(t);
    }
    expect(events.waitStart('worker-0', 'other')).toBeUndefined();
    expect(events.waitStart('worker-9', 'm')).toBeUndefined();
  });

  it('reads the rows of a program\'s steps (the step id after the data) without parsing them', () => {
    const begin = { prim: 'm' };
    const batches = batchesOf('worker-0', 64, (trace) => {
      for (let i = 0; i < 300; i++) {
        trace.step = 2;
        trace.emit('acquire', 'B', begin);
        trace.emit('acquire', 'E', { prim: 'm', ok: true });
        trace.step = 13;
        trace.emit('release', 'I', begin);
      }
    });
    expect(batches[0]!.payload).toContain('{"prim":"m"},2]');
    const expected = expectedWaitStarts(batches);
    const parse = vi.spyOn(JSON, 'parse');
    const events = followed(batches);
    expect(events.waitStart('worker-0', 'm')).toBe(expected.get('worker-0 m'));
    expect(parse).not.toHaveBeenCalled();
    // A row whose step id is not a number is not the plain form: decoded, and still found.
    const odd = batch('a', [[0, 100, 'acquire', 'B', { prim: 'm' }, 'x'], [1, 120, 'acquire', 'B', { prim: 'm' }, 4]]);
    expect(followed([odd]).waitStart('a', 'm')).toBe(120);
    expect(parse).toHaveBeenCalled();
  });

  it('does not take a row imitated inside an event value for an acquire begin', () => {
    const rows = [
      [0, 100, 'acquire', 'B', { prim: 'm' }],
      [1, 150, 'let', 'I', { var: 'x', value: [[7, 999_999, 'acquire', 'B', { prim: 'm' }]] }],
      [2, 160, 'let', 'I', { var: 'y', value: { nested: [5, 888_888, 'acquire', 'B', { prim: 'q' }] } }],
      [3, 170, 'log', 'I', { text: '[9,777777,"acquire","B",{"prim":"m"}]' }],
      [4, 180, 'let', 'I', { var: 'z', value: 'acquire' }],
    ];
    const events = followed([batch('a', rows)]);
    expect(events.waitStart('a', 'm')).toBe(100);
    expect(events.waitStart('a', 'q')).toBeUndefined();
  });

  it('reads names with escapes, other data shapes and compact foreign JSON the same as a full decode', () => {
    const batches = [
      batch('a', [
        [0, 10, 'acquire', 'B', { prim: 'say "hi"' }],
        [1, 20, 'acquire', 'B', { prim: 'é\\x' }],
        [2, 30, 'acquire', 'E', { prim: 'é\\x', ok: true }],
      ]),
      batch('b', [
        [0, 40, 'acquire', 'B', { timeoutMs: 5, prim: 'm' }],
        [1, 50, 'acquire', 'B', { prim: 'm', blocking: false }],
        [2, 60, 'acquire', 'B'],
        [3, 70, 'acquire', 'B', { prim: 7 }],
      ]),
      // As a CPython actor writes it: compact separators, non-ASCII escaped.
      { trial: 0, actor: 'c', firstSeq: 0, count: 2, tFirst: 80, tLast: 90, payload: '[[0,80,"acquire","B",{"prim":"\\u00e9"}],[1,90,"acquire","B",{"prim":"plain"}]]' },
    ];
    const events = followed(batches);
    const expected = expectedWaitStarts(batches);
    expect(expected.size).toBe(5);
    for (const [key, t] of expected) {
      const [actor, ...prim] = key.split(' ');
      expect(events.waitStart(actor!, prim.join(' '))).toBe(t);
    }
    expect(events.waitStart('b', 'm')).toBe(50);
    expect(events.waitStart('c', 'é')).toBe(80);
  });

  it('keeps the latest start when batches of one actor hold the same primitive again, asked for before and after', () => {
    const events = followed([batch('a', [[0, 500, 'acquire', 'B', { prim: 'm' }], [1, 510, 'acquire', 'E', { prim: 'm', ok: true }]])]);
    expect(events.waitStart('a', 'm')).toBe(500);
    events.add(batch('a', [[2, 900, 'acquire', 'B', { prim: 'm' }], [3, 910, 'acquire', 'B', { prim: 'n' }]]));
    events.add(batch('a', [[4, 300, 'acquire', 'B', { prim: 'm' }]]));
    expect(events.waitStart('a', 'm')).toBe(900);
    expect(events.waitStart('a', 'n')).toBe(910);
  });
});
