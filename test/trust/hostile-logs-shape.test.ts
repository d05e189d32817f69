// The JSON shape scanner that stands before every JSON.parse of a file from someone else: it agrees with
// JSON.parse on what is JSON, whatever the chunking, and refuses at each limit exactly, naming the path.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { JsonShapeError, JsonShapeScanner, type JsonShapeLimits } from '../../src-main/engine/untrusted/json-shape';
import { RunLogError, serializeRunLog, buildRunLog } from '../../src-main/export/run-log';
import { RunLogReader } from '../../src-main/export/run-log-reader';
import { makeRun, makeTrial } from '../export/run-fixture';
import { LabError, LabService } from '../../src-main/service/lab-service';

const roomy: JsonShapeLimits = {
  maxBytes: 1 << 20,
  maxDepth: 64,
  maxParsedBytes: 10_000_000,
  maxArrayItems: 10_000,
  maxObjectKeys: 1_000,
  maxStringBytes: 10_000,
  maxKeyBytes: 100,
  maxNumberChars: 40,
};

/** Scans `text` cut into pieces at `cuts`; returns null when accepted, else the error. */
function scan(text: string | Buffer, limits: JsonShapeLimits = roomy, cuts: readonly number[] = []): JsonShapeError | null {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const scanner = new JsonShapeScanner(limits);
  try {
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      scanner.push(bytes.subarray(from, cut));
      from = cut;
    }
    scanner.end();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(JsonShapeError);
    return error as JsonShapeError;
  }
}

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

const corpus = [
  '0', '-0', '12.5e-3', '-1E+9', '1e999', 'true', 'false', 'null', '"plain"', '"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9"',
  '"pair \\ud83d\\ude00"', '"中文 ünïcödé 😀"', '[]', '{}', ' [ 1 , [ 2 , { "a" : [ ] } ] ] ', '{"a":{"b":{"c":[true,false,null]}}}',
  '\ufeff{"bom":1}', '{"dup":1,"dup":2}',
  // not JSON
  '', ' ', '01', '1.', '.5', '-', '+1', '1e', '1e+', '0x10', 'NaN', 'Infinity', 'tru', 'nul', 'True', "'single'", '"unterminated',
  '"bad \\x escape"', '"bad \\u12g4"', '"raw\ttab"', '[1,]', '[,1]', '{"a":1,}', '{"a"}', '{a:1}', '{"a" 1}', '[1 2]', '[1}', '{"a":1]',
  '[[]', '[]]', '{} {}', '1 2', '"a" x', '[1,2',
];

describe('JsonShapeScanner', () => {
  test('accepts exactly what JSON.parse accepts, cut into chunks anywhere', () => {
    for (const text of corpus) {
      const expected = parses(text.replace(/^\ufeff/, ''));
      expect(scan(text) === null, `${JSON.stringify(text)}: ${scan(text)?.message}`).toBe(expected);
      const length = Buffer.byteLength(text);
      for (let cut = 0; cut <= length; cut++) {
        expect(scan(text, roomy, [cut]) === null, `${JSON.stringify(text)} cut at ${cut}`).toBe(expected);
      }
      expect(scan(text, roomy, Array.from({ length }, (_, i) => i)) === null, `${JSON.stringify(text)} byte by byte`).toBe(expected);
    }
  });

  test('refuses at each limit, not before, naming the path', () => {
    const at = (text: string, limits: Partial<JsonShapeLimits>): string | null => {
      const error = scan(text, { ...roomy, ...limits });
      return error ? error.message : null;
    };
    expect(at('{"a":[1,2,3]}', { maxArrayItems: 3 })).toBeNull();
    expect(at('{"a":[1,2,3,4]}', { maxArrayItems: 3 })).toBe('a: an array longer than 3 items');
    expect(at('[[[1]]]', { maxDepth: 3 })).toBeNull();
    expect(at('{"x":[[[[1]]]]}', { maxDepth: 4 })).toBe('x[0][0][0]: nested deeper than 4 levels');
    expect(at('{"o":{"a":1,"b":2}}', { maxObjectKeys: 2 })).toBeNull();
    expect(at('{"o":{"a":1,"b":2,"c":3}}', { maxObjectKeys: 2 })).toBe('o: an object with more than 2 keys');
    expect(at('["12345"]', { maxStringBytes: 5 })).toBeNull();
    expect(at('["1234\\"6"]', { maxStringBytes: 5 })).toBe('[0]: a string longer than 5 bytes');
    expect(at('{"k\\"ey":{"long key":1}}', { maxKeyBytes: 5 })).toBe('["k\\"ey"]: an object key longer than 5 bytes');
    // An array with 2 numbers and an array of one (40 + 2 × 24 + 48 + 24 = 160 bytes), then one more number.
    expect(at('[1,2,[3]]', { maxParsedBytes: 160 })).toBeNull();
    expect(at('[1,2,[3,4]]', { maxParsedBytes: 160 })).toBe('[2][1]: more values than fit in 160 bytes once parsed (6 values so far)');
    expect(at('{"a":{}}', { maxParsedBytes: 143 })).toBe('a: more values than fit in 143 bytes once parsed (2 values so far)');
    expect(at('[123456]', { maxNumberChars: 6 })).toBeNull();
    expect(at('[1234567]', { maxNumberChars: 6 })).toBe('[0]: a number longer than 6 characters');
    expect(at('[1,2]', { maxBytes: 4 })).toBe('the text is longer than 4 bytes');
  });

  test('refuses NUL and lone surrogates wherever they are, and accepts surrogate pairs', () => {
    expect(scan('{"a":["x\\u0000"]}')?.message).toBe('a[0]: a NUL character (\\u0000) in a string');
    expect(scan(Buffer.from('{"a":"x\u0000"}'))?.message).toBe('a: a NUL character in a string');
    expect(scan('{"a":"\\ud800"}')?.message).toMatch(/^a: a lone UTF-16 surrogate/);
    expect(scan('{"a":"\\ud800x"}')?.message).toMatch(/^a: a lone UTF-16 surrogate/);
    expect(scan('{"a":"\\ud800\\n"}')?.message).toMatch(/^a: a lone UTF-16 surrogate/);
    expect(scan('{"a":"\\ud800\\ud800"}')?.message).toMatch(/^a: a lone UTF-16 surrogate/);
    expect(scan('{"a":"\\udc00"}')?.message).toMatch(/^a: a lone UTF-16 surrogate/);
    expect(scan('{"\\udfff":1}')?.message).toMatch(/^a lone UTF-16 surrogate/);
    expect(scan(Buffer.from([0x22, 0xed, 0xb0, 0x80, 0x22]))?.message).toMatch(/a UTF-16 surrogate encoded in UTF-8/);
    expect(scan('{"a":"\\uD83D\\uDE00 and \\ud83d\\ude00"}')).toBeNull();
  });
});

describe('JsonShapeScanner with rejectDuplicateKeys', () => {
  test('refuses a key named twice in one object, however it is written, at its path; the same key in other objects is fine', () => {
    const strict = { ...roomy, rejectDuplicateKeys: true };
    expect(scan('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}', strict)).toBeNull();
    expect(scan('{"a":1,"b":{"x":1,"y":2,"x":3}}', strict)?.message).toBe('b.x: a key that appears twice in one object (JSON readers disagree on which value to keep)');
    expect(scan('{"é":1,"\\u00e9":2}', strict)?.message).toMatch(/^\["é"\]: a key that appears twice/);
    expect(scan('{"a":1,"\\u0061":2}', strict)?.message).toMatch(/^a: a key that appears twice/);
    expect(scan('{"a":1,"a":2}', roomy)).toBeNull();
  });
});

describe('LabService.importRunLog (the browser-mode upload path)', () => {
  test('refuses a gzip bomb and a deep document as bad input, quickly and without materialising them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-upload-'));
    const service = LabService.open({ dbPath: join(dir, 'history.db') });
    try {
      const bomb = gzipSync(Buffer.concat([Buffer.from('{"format":"conlab-run-log","events":['), Buffer.alloc(200_000_000, '0,'), Buffer.from('0]}')]));
      expect(bomb.length).toBeLessThan(1_000_000);
      const before = process.memoryUsage().rss;
      const refused = await service.importRunLog(bomb).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(LabError);
      expect((refused as LabError).code).toBe('bad-input');
      expect((refused as LabError).message).toBe('run log is refused at events: an array longer than 1000000 items');
      expect(process.memoryUsage().rss - before).toBeLessThan(200 * 2 ** 20);
      const deep = await service.importRunLog(`{"run":${'['.repeat(100_000)}`).catch((error: unknown) => error);
      expect((deep as LabError).message).toMatch(/^run log is refused at run(\[0\])+…\(\d+ levels\)…(\[0\])+: nested deeper than 80 levels$/);
      expect(service.listRuns()).toEqual([]);
    } finally {
      await service.close();
    }
  });
});

describe('RunLogReader (parsing in a worker thread)', () => {
  test('returns the validated log, refuses a bad one, and turns a worker heap filled up into a refusal', async () => {
    const log = buildRunLog(makeRun({ id: 'reader-0001' }), [], '0.1.0', new Date('2025-03-01T10:10:00.000Z'));
    const reader = new RunLogReader();
    expect(await reader.read(serializeRunLog(log, { gzip: true }))).toEqual(log);
    await expect(reader.read('{"format":"conlab-run-log","version":1}')).rejects.toThrow(RunLogError);

    // A million empty objects (3 MB of text) fit the value budget but not a 24 MB heap, which, left to itself,
    // would have refused a log this size: the worker's heap fills gradually and it ends, not this process.
    const empty = Array.from({ length: 250_000 }, () => ({}));
    const big = buildRunLog(makeRun({ id: 'reader-0002', trials: [makeTrial({ records: { a: empty, b: empty, c: empty, d: empty } })] }), [], '0.1.0');
    const text = serializeRunLog(big);
    const refused = await new RunLogReader({ heapMb: 24, maxBytes: 64_000_000 }).read(text).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RunLogError);
    expect((refused as Error).message).toBe('run log needs more memory to check than this process has (a 24 MB heap); refusing it');
    expect((await new RunLogReader({ heapMb: 24 }).read(text).catch((error: unknown) => error) as Error).message).toMatch(/^run log is larger than 1048576 bytes/);
    expect((await reader.read(text)).run.trials[0]!.records['d']).toHaveLength(250_000);
  });
});
