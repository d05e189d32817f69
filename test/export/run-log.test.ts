import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { summarizeTrials } from '../../src-main/engine/metrics/stats';
import {
  buildRunLog,
  parseRunLog,
  RunLogError,
  runLogByteLimit,
  runLogJsonSchema,
  serializeRunLog,
  type RunLog,
} from '../../src-main/export/run-log';
import { makeActor, makeBatch, makeRun, makeTrial } from './run-fixture';

function richLog(): RunLog {
  const trials = [
    makeTrial({ index: 0, warmup: true, wallMs: 30 }),
    makeTrial({
      index: 1,
      wallMs: 12,
      status: 'deadlocked',
      actors: [makeActor({ name: 'a-1', group: 'a' }), makeActor({ name: 'b-1', group: 'b', kind: 'process', threadId: null, exit: 'deadlocked', error: '卡住了' })],
      deadlock: {
        detectedAtMs: 4.5,
        cycle: [
          { actor: 'a-1', waitsFor: 'B', heldBy: 'b-1' },
          { actor: 'b-1', waitsFor: 'A', heldBy: 'a-1' },
        ],
        description: 'a-1 waits for B held by b-1, which waits for A held by a-1',
      },
    }),
    makeTrial({ index: 2, wallMs: 14 }),
  ];
  const run = makeRun({ trials, stats: summarizeTrials(trials), repeat: 2, warmup: 1, warnings: ['一个警告, with "quotes"'] });
  const batches = [
    makeBatch(1, 'a-1', [
      [0, 1_000, 'acquire', 'B', { prim: 'A' }],
      [1, 2_500, 'acquire', 'E', { prim: 'A' }],
      [2, 3_000, 'log', 'I', { text: '你好' }, 4],
    ]),
    makeBatch(1, 'b-1', [[0, 1_200, 'start', 'I']]),
  ];
  return buildRunLog(run, batches, '0.1.0', new Date('2025-03-01T10:10:00.000Z'));
}

/** The serialized log as a mutable JSON tree, to break one field at a time. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests overwrite fields with values of any type
function tree(): any {
  return JSON.parse(serializeRunLog(richLog()).toString('utf8'));
}

async function parseError(input: Buffer | string, opts?: { maxBytes?: number }): Promise<RunLogError> {
  try {
    await parseRunLog(input, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(RunLogError);
    return error as RunLogError;
  }
  throw new Error('expected parseRunLog to refuse the input');
}

describe('run log round trip', () => {
  it('builds the documented envelope', async () => {
    const log = richLog();
    expect(log).toMatchObject({
      format: 'conlab-run-log',
      version: 1,
      exportedAt: '2025-03-01T10:10:00.000Z',
      app: { name: 'Concurrency Lab', version: '0.1.0' },
    });
    expect(log.events).toHaveLength(2);
  });

  it('survives serialize → parse, plain and gzip, deep-equal', async () => {
    const log = richLog();
    const plain = serializeRunLog(log);
    const gzipped = serializeRunLog(log, { gzip: true });
    expect([gzipped[0], gzipped[1]]).toEqual([0x1f, 0x8b]);
    expect(await parseRunLog(plain)).toEqual(log);
    expect(await parseRunLog(gzipped)).toEqual(log);
    expect(await parseRunLog(plain.toString('utf8'))).toEqual(log);
    expect(await parseRunLog(`\uFEFF${plain.toString('utf8')}`)).toEqual(log);
  });

  it("keeps a claim verdict's code and values; a code that is not a code is refused", async () => {
    const coded = {
      trial: 1,
      status: 'inconclusive' as const,
      detail: 'metric wallMs was not measured',
      comparisons: [],
      detailCode: 'metric-missing',
      detailParams: { metric: 'wallMs' },
    };
    const claim = { id: 'c', text: { en: 'x', zh: 'x' }, status: 'inconclusive' as const, detail: coded.detail, trials: [coded] };
    const log = buildRunLog(makeRun({ claims: [claim] }), [], '0.1.0', new Date('2025-03-01T10:10:00.000Z'));
    const parsed = await parseRunLog(serializeRunLog(log));
    expect(parsed.run.claims[0]!.trials![0]).toEqual(coded);
    const bad = JSON.parse(serializeRunLog(log).toString('utf8'));
    bad.run.claims[0].trials[0].detailCode = 'Not A Code!';
    expect((await parseError(JSON.stringify(bad))).message).toContain('detailCode');
  });

  it('publishes a JSON Schema of the format', async () => {
    const schema = runLogJsonSchema();
    expect(schema['type']).toBe('object');
    expect(schema['additionalProperties']).toBe(false);
  });
});

describe('parseRunLog refuses', () => {
  it('malformed JSON', async () => {
    expect((await parseError('{"format": "conlab-run-log", ')).message).toMatch(/not valid JSON/);
  });

  it('another format, and input that is not an object', async () => {
    const other = tree();
    other.format = 'chrome-trace';
    expect((await parseError(JSON.stringify(other))).message).toBe(
      'not a Concurrency Lab run log: format is "chrome-trace", expected "conlab-run-log"',
    );
    expect((await parseError('[1, 2]')).message).toMatch(/expected a JSON object, found an array of 2/);
  });

  it('a newer version, saying to update', async () => {
    const newer = tree();
    newer.version = 2;
    newer.somethingNew = true;
    expect((await parseError(JSON.stringify(newer))).message).toBe(
      'run log version 2 is newer than this Concurrency Lab understands (1); update the app',
    );
  });

  it('a bad field, naming its path and what was there', async () => {
    const bad = tree();
    bad.run.trials[0].wallMs = 'fast';
    const error = (await parseError(JSON.stringify(bad)));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ path: 'run.trials[0].wallMs', received: '"fast"' });
    expect(error.issues[0]!.message).toMatch(/expected number/);
    expect(error.message).toMatch(/^run log is not valid: 1 problem: run\.trials\[0\]\.wallMs: /);
  });

  it('unknown keys, wrong enums, non-finite numbers and over-long strings', async () => {
    const bad = tree();
    bad.run.surprise = 1;
    bad.run.status = 'exploded';
    bad.run.trials[1].actors[0].pid = 987_654_321; // replaced by 1e999 in the text, which JSON.parse reads as Infinity
    bad.run.title = 'x'.repeat(2_000);
    const error = (await parseError(JSON.stringify(bad).replace('"pid":987654321', '"pid":1e999')));
    const paths = error.issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining(['run', 'run.status', 'run.title', 'run.trials[1].actors[0].pid']),
    );
    expect(error.issues.find((issue) => issue.path === 'run')!.message).toMatch(/surprise/);
    expect(error.message).toMatch(/\(and \d+ more\)$/);
  });

  it('payloads that are not arrays of [int, number, string, B|E|I, object?]', async () => {
    const cases: [string, string, RegExp][] = [
      ['not json', 'events[0].payload', /not valid JSON/],
      ['{"a": 1}', 'events[0].payload', /JSON array/],
      ['[[0, 1, "step", "X"]]', 'events[0].payload[0][3]', /ph/],
      ['[[0.5, 1, "step", "I"]]', 'events[0].payload[0][0]', /seq/],
      ['[[0, "1", "step", "I"]]', 'events[0].payload[0][1]', /t: expected a finite number/],
      ['[[0, 1, "step", "I", [1]]]', 'events[0].payload[0][4]', /data: expected an object/],
      ['[[0, 1, "step"]]', 'events[0].payload[0]', /event row/],
      ['[[0, 1, "step", "I", {}, -1]]', 'events[0].payload[0][5]', /step: expected a non-negative integer/],
      ['[[0, 1, "step", "I", {}, 1, 2]]', 'events[0].payload[0]', /event row/],
      ['[[0, 1, "step", "I"], [1, 2, "step", "I"]]', 'events[0].count', /count is 3 but the payload holds 2/],
    ];
    for (const [payload, path, message] of cases) {
      const bad = tree();
      bad.events[0].payload = payload;
      const error = (await parseError(JSON.stringify(bad)));
      expect(error.issues.map((issue) => issue.path), payload).toEqual([path]);
      expect(error.issues[0]!.message, payload).toMatch(message);
    }
  });

  it('a gzip bomb past the cap, and plain input past the cap', async () => {
    const bomb = gzipSync(Buffer.alloc(5_000_000, 0x20));
    expect(bomb.length).toBeLessThan(50_000);
    expect((await parseError(bomb, { maxBytes: 1_000_000 })).message).toMatch(/decompresses to more than 1000000 bytes; refusing/);
    expect((await parseError(serializeRunLog(richLog()), { maxBytes: 100 })).message).toMatch(/larger than 100 bytes/);
  });

  it('by default, logs larger than the heap could parse: 512 MB on a default heap, less on a small one', () => {
    const mb = 1024 * 1024;
    expect(runLogByteLimit(4144 * mb)).toBe(512_000_000);
    expect(runLogByteLimit(304 * mb)).toBe(Math.floor((304 - 128) * mb / 5));
    expect(runLogByteLimit(64 * mb)).toBe(mb);
  });

  it('bytes that are not UTF-8, and damaged gzip', async () => {
    expect((await parseError(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).message).toMatch(/not UTF-8/);
    const damaged = serializeRunLog(richLog(), { gzip: true }).subarray(0, 40);
    expect((await parseError(damaged)).message).toMatch(/cannot be decompressed/);
  });
});

describe('parseRunLog refuses what a store keyed by trial and batch would silently drop', () => {
  const rows = (first: number, count: number) => Array.from({ length: count }, (_, k) => [first + k, k, 'step', 'I'] as [number, number, string, 'I']);

  it('batches of one actor in one trial that repeat or overlap; adjacent batches and other actors pass', async () => {
    const ok = tree();
    ok.events = [makeBatch(1, 'a-1', rows(0, 3)), makeBatch(1, 'a-1', rows(3, 2)), makeBatch(1, 'b-1', rows(0, 3)), makeBatch(2, 'a-1', rows(0, 3))];
    await expect(parseRunLog(JSON.stringify(ok))).resolves.toBeTruthy();

    const bad = tree();
    // [0] covers 0-9; [1] starts inside it; [2] starts past [1] but still inside [0]; [3] repeats [4]'s start.
    bad.events = [makeBatch(1, 'a-1', rows(0, 10)), makeBatch(1, 'a-1', rows(2, 2)), makeBatch(1, 'a-1', rows(5, 1)), makeBatch(1, 'a-1', rows(20, 1)), makeBatch(1, 'a-1', rows(20, 2))];
    const error = await parseError(JSON.stringify(bad));
    expect(error.issues.map((issue) => [issue.path, issue.message.replace(/^.*this batch /, '')])).toEqual([
      ['events[1].firstSeq', '(events 2-3) overlaps the sequence numbers of events[0] (events 0-9)'],
      ['events[2].firstSeq', '(events 5-5) overlaps the sequence numbers of events[0] (events 0-9)'],
      ['events[4].firstSeq', '(events 20-21) starts at the same sequence number as events[3] (events 20-20)'],
    ]);
  });

  it('two trials with one index', async () => {
    const bad = tree();
    bad.run.trials[2].index = 1;
    const error = await parseError(JSON.stringify(bad));
    expect(error.issues).toEqual([{ path: 'run.trials[2].index', message: 'trial index 1 appears twice (also run.trials[1]); each trial must have its own index', received: '1' }]);
  });

  it('a run id another front end could not name', async () => {
    for (const id of ['abc', 'has space-0001', '../../etc/passwd', 'x'.repeat(65), '-leading-dash']) {
      const bad = tree();
      bad.run.id = id;
      expect((await parseError(JSON.stringify(bad))).issues.map((issue) => issue.path), id).toEqual(['run.id']);
    }
  });
});

describe('parseRunLog never executes what it reads', () => {
  it('keeps __proto__ and code-looking text as inert data', async () => {
    const hostile = tree();
    hostile.run.spec = JSON.parse('{"__proto__": {"polluted": true}, "toString": "() => process.exit(1)"}');
    const log = await parseRunLog(JSON.stringify(hostile));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((log.run.spec as Record<string, unknown>)['toString']).toBe('() => process.exit(1)');

    const pollutingRecord = tree();
    pollutingRecord.run.params = JSON.parse('{"__proto__": {"polluted": true}}');
    expect((await parseError(JSON.stringify(pollutingRecord))).issues[0]!.path).toBe('run.params.__proto__');
  });
});
