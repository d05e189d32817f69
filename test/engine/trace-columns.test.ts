// Events kept as columns (engine/trace/event-columns.ts) make the same batches, byte for byte, as the rows the trace
// buffer kept before (helpers/trace-buffer-v1.ts), written as JSON by the actor at each flush. Compared event for event over scripted emits that reach every path (constant data,
// numbers beside a constant start, object data, previews, records, byte limits, dropped events, muted repeats, flushes
// by count and by bytes) and over the step programs of the conformance suite run by the interpreter.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Interpreter, type ActorServices } from '../../src-main/engine/actors/interpreter';
import { NetClients } from '../../src-main/engine/actors/net-clients';
import { WordVars } from '../../src-main/engine/actors/var-access';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { PrimitiveAccess } from '../../src-main/engine/sync/primitive-access';
import { buildLayout, createSharedMemory } from '../../src-main/engine/sync/shared-layout';
import { numberJson } from '../../src-main/engine/trace/event-columns';
import { constantData, eventKind, TraceBuffer, valueKind, type TraceBufferOptions } from '../../src-main/engine/trace/trace-buffer';
import { decodeBatch, type EventBatch } from '../../src-main/model/trace-event';
import { TraceBufferV1 } from './helpers/trace-buffer-v1';
import { suite, withKind } from './helpers/step-conformance';

/** Times that reach both ways numbers are written: small, around 10^9, large, past 9·10^15. */
function clock(): () => number {
  const times = [0, 7, 999_999_999, 1_000_000_000, 1_000_000_007, 1_000_100_000, 12_345_678_901_234, 9_007_199_254_740_991, 86_400_000_000_123];
  let k = 0;
  return () => {
    k++;
    return times[k % times.length]! + k * 1_001;
  };
}

type Options = Omit<TraceBufferOptions, 'sink' | 'clock' | 'actor' | 'trial' | 'runStartNs'>;

interface Made {
  readonly trace: TraceBuffer;
  readonly batches: EventBatch[];
}

/** The two buffers compared: the rows of before, and the columns written as JSON by the buffer. */
function buffers(options: Options): Record<'rows' | 'local', Made> {
  const common = { actor: 'a', trial: 2, runStartNs: 0n, ...options };
  const rows: EventBatch[] = [];
  const local: EventBatch[] = [];
  return {
    rows: { batches: rows, trace: new TraceBufferV1({ ...common, clock: clock(), sink: (batch) => rows.push(batch) }) as unknown as TraceBuffer },
    local: { batches: local, trace: new TraceBuffer({ ...common, clock: clock(), sink: (batch) => local.push(batch) }) },
  };
}

function expectSame(made: Record<'rows' | 'local', Made>): void {
  const [rows, local] = [made.rows, made.local];
  expect(rows.batches.length).toBeGreaterThan(0);
  expect(local.batches).toEqual(rows.batches);
  for (const [i, batch] of rows.batches.entries()) expect(decodeBatch(local.batches[i]!)).toEqual(decodeBatch(batch));
  for (const counter of ['emitted', 'dropped', 'muted', 'pending'] as const) {
    expect(local.trace[counter]).toBe(rows.trace[counter]);
  }
}

/** Runs `script` on each buffer; what it throws is part of what must match. */
function each(made: Record<'rows' | 'local', Made>, script: (trace: TraceBuffer) => void): void {
  const thrown = Object.values(made).map(({ trace }) => {
    try {
      script(trace);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  });
  expect(thrown[1]).toBe(thrown[0]);
}

describe('columns written as JSON: the same batches as the rows of before', () => {
  test('numbers are written as JSON writes them', () => {
    for (const n of [0, -0, 1, -1, 0.5, -2.25, 1e9, 1e9 - 1, 1e9 + 1, 1_000_000_000_500, 123_456_789_012_345, 8_999_999_999_999_999, 9e15, 2 ** 53 - 1, 2 ** 53, 1e21, 1.5e9, NaN, Infinity, -Infinity, 5e-7]) {
      expect(numberJson(n)).toBe(JSON.stringify(n));
    }
  });

  // Batches of 50 events, and of up to 1,000 (the columns then grow as the batch fills).
  test.each([50, 1_000])('every kind of event, previews, records, limits, muted repeats, flushes, then dropped events (batches of %i)', (batchSize) => {
    const made = buffers({ budget: 600, batchSize, batchBytes: 96 * 1024, valueBytes: 1_000, limits: { maxEventBytes: 40_000, maxRecordBytes: 20_000 } });
    const begin = eventKind('acquire', 'B', { prim: 'm' });
    const ended = eventKind('acquire', 'E', { prim: 'm', ok: true });
    const released = eventKind('release', 'I', { prim: 'm' });
    const slept = eventKind('sleep', 'E');
    const added = valueKind('add', 'I', { var: 'n', delta: 1 }, 'value', 60);
    const named = valueKind('add', 'I', { var: 'ü"\\', delta: -2.5 }, 'value', 60);
    const wide = eventKind('mark', 'I', { name: 'w'.repeat(3_000) });
    const wideValue = valueKind('add', 'I', { var: 'v'.repeat(3_000), delta: 1 }, 'value', 3_100);
    const mark = constantData({ name: 'é "quoted" \u2028' });
    const longMark = constantData({ name: 'x'.repeat(5_000) });
    each(made, (trace) => {
      trace.step = -1;
      trace.emit('actor', 'B', { kind: 'thread', pid: 12, ppid: 1, threadId: 3 });
      trace.emit('plain', 'I');
      trace.emit('empty', 'I', {});
      trace.step = 0;
      trace.emit('plain', 'I');
      for (let i = 0; i < 120; i++) {
        trace.step = 1 + (i % 3);
        trace.emitKind(begin);
        trace.flushIfNearlyFull();
        trace.emitKind(ended);
        trace.emitValue(i % 2 === 0 ? added : named, i % 7 === 0 ? -i / 4 : i);
        trace.emitKind(released);
        if (i % 17 === 0) trace.emitKind(slept);
      }
      trace.step = 5;
      trace.emit('let', 'I', { name: 's', value: 'y'.repeat(2_000) });
      trace.emit('let', 'I', { name: 'list', value: [1, 'two', { three: [3] }, null, true] });
      trace.emit('write', 'I', { var: 'w', value: NaN, gone: undefined });
      trace.emit('record', 'I', { name: 'big', value: 'r'.repeat(5_000) }, true);
      trace.emit('log', 'I', { message: 'line\nwith "quotes" and ünïcödé 🎉' }, true);
      trace.emit('mark', 'I', mark, true);
      trace.emit('mark', 'I', longMark, true);
      trace.emitKind(wide);
      trace.emitValue(wideValue, 5);
      trace.emitSized('add', 'I', { var: 'n', delta: 1, value: 3 }, 40);
      trace.emitSized('add', 'I', { var: 'n', delta: 1, value: 'z'.repeat(2_000) }, 5_000);
      trace.mute();
      trace.emitKind(begin);
      trace.emitKind(ended);
      trace.emitValue(added, 1);
      trace.emitKind(released);
      trace.emit('read', 'I');
      trace.emit('record', 'I', { name: 'inside', value: 1 }, true);
      trace.unmute();
      const muted = trace.takeMuted();
      trace.emit('repeat', 'E', muted ? { times: 1, muted } : { times: 1 });
      trace.flush();
      trace.flush();
    });
    // A record past the record limit, an event past the event limit: refused with the same error, nothing kept.
    each(made, (trace) => trace.emit('record', 'I', { name: 'huge', value: 'h'.repeat(30_000) }, true));
    each(made, (trace) => trace.emitSized('big', 'I', { value: 'e'.repeat(50_000) }, 50_010));
    // Past the budget every event is dropped, and counted.
    each(made, (trace) => {
      for (let i = 0; i < 300; i++) {
        trace.emitKind(begin);
        trace.emit('record', 'I', { name: 'late', value: i }, true);
      }
      trace.flush();
    });
    expect(made.rows.trace.dropped).toBeGreaterThan(0);
    expect(made.rows.batches.some((batch) => batch.count === batchSize || batch.count > 256)).toBe(true);
    expectSame(made);
  });

  test('batches cut by bytes before their count is reached', () => {
    const made = buffers({ budget: 10_000, batchSize: 1_000, batchBytes: 2_048 });
    const begin = eventKind('acquire', 'B', { prim: 'a lock with a long name' });
    each(made, (trace) => {
      for (let i = 0; i < 400; i++) {
        trace.step = i % 2 === 0 ? -1 : 9;
        trace.emitKind(begin);
        trace.emit('let', 'I', { name: 'i', value: i });
      }
      trace.flush();
    });
    expect(made.rows.batches.length).toBeGreaterThan(10);
    expectSame(made);
  });
});

describe('columns written as JSON: the conformance programs run by the interpreter', () => {
  const workRoot = mkdtempSync(join(tmpdir(), 'conlab-trace-columns-'));
  afterAll(() => rmSync(workRoot, { recursive: true, force: true }));

  /** Runs actor "a" of `spec` as a thread would (its own thread, blocking waits), with no broker: a step that needs one fails. */
  async function runWith(spec: unknown, made: Made, workDir: string): Promise<string | null> {
    const validated = validateSpec(withKind(spec, 'thread'));
    const layout = buildLayout(validated.spec, 1);
    const memory = createSharedMemory(validated.spec, layout);
    const { trace } = made;
    const call = (): Promise<unknown> => Promise.reject(new Error('no broker in this test'));
    const services: ActorServices = {
      self: { id: 0, name: 'a', group: 'a', index: 0, kind: 'thread', pid: 1, ppid: 1, threadId: 1 },
      trace,
      prims: new PrimitiveAccess(memory, layout, 0, 'blocking', () => trace.flush()),
      vars: new WordVars(memory, layout, call),
      workDir,
      call,
      block: () => undefined,
      sleep: () => Promise.resolve(),
      net: new NetClients({}, trace, workDir),
      maxValueBytes: 1024 * 1024,
    };
    let error: string | null = null;
    try {
      await new Interpreter(services, validated.spec.functions ?? {}, { ownThread: true }).run(validated.spec.actors.find((a) => a.name === 'a')!.program);
    } catch (caught) {
      error = (caught as Error).message;
    }
    trace.flush();
    return error;
  }

  const cases = suite.cases.filter((c) => ['work and output', 'shared and managed variables', 'locks, events, conditions, barriers', 'files in the run folder', 'structure', 'fail'].includes(c.name));
  /** The program without the steps whose data holds a measured time (it differs from run to run). */
  const untimed = (spec: unknown): unknown =>
    JSON.parse(JSON.stringify(spec), (key, value: unknown) => (key === 'program' && Array.isArray(value) ? value.filter((step: { op?: string }) => step.op !== 'generator_pingpong') : value));

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    expect(c.name).toBe(name);
    expect(cases).toHaveLength(6);
    const made = buffers({ budget: 100_000, batchSize: 7, valueBytes: 64 * 1024 });
    const errors: Array<string | null> = [];
    for (const one of Object.values(made)) {
      // The same folder for each (a path in an error must match), emptied between them.
      const workDir = join(workRoot, name.replace(/\W+/g, '-'));
      rmSync(workDir, { recursive: true, force: true });
      mkdirSync(workDir);
      errors.push(await runWith(untimed(c.spec), one, workDir));
    }
    expect(errors[1]).toBe(errors[0]);
    expectSame(made);
  });

  test('a traced lock loop', async () => {
    const spec = {
      version: 1,
      shared: { n: { scope: 'shared', initial: 0 } },
      primitives: { m: { type: 'mutex' } },
      actors: [
        {
          name: 'a',
          kind: '$KIND',
          program: [
            { op: 'repeat', times: 300, trace: 'each', steps: [{ op: 'acquire', prim: 'm' }, { op: 'add', var: 'n', delta: 1, into: 'got' }, { op: 'release', prim: 'm' }] },
            { op: 'repeat', times: 300, trace: 'summary', steps: [{ op: 'acquire', prim: 'm' }, { op: 'add', var: 'n', delta: 1 }, { op: 'release', prim: 'm' }] },
            { op: 'acquire', prim: 'm', blocking: false, into: 'again' },
            { op: 'acquire', prim: 'm', blocking: false, into: 'twice' },
            { op: 'record', name: 'twice', value: { ref: 'twice' } },
            { op: 'mark', name: 'end' },
          ],
        },
      ],
    };
    const made = buffers({ budget: 100_000 });
    for (const one of Object.values(made)) expect(await runWith(spec, one, workRoot)).toBeNull();
    expect(made.rows.trace.emitted).toBe(1 + 300 * 4 + 2 * 2 + 2 + 3);
    expectSame(made);
  });
});
