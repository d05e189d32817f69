// Hostile run logs through the real CLI, with a 256 MB heap: each is refused with exit 2 and one line naming
// the file and the problem, the history is unchanged, memory stays bounded and nothing hangs.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildRunLog, serializeRunLog, type RunLog } from '../../src-main/export/run-log';
import { makeBatch, makeRun, makeTrial } from '../export/run-fixture';
import { conlab, historyFingerprint, type ConlabResult } from './conlab-process';

const BASE_ID = '5eed0000-1111-4222-8333-444455556666';
/** Node, SQLite and the CLI bundle take ~90 MB; the largest case here (a 20 MB file) peaks near 170 MB. */
const RSS_BOUND_MB = 300;

let dir: string;
let db: string;
let before: string;

function baseLog(overrides: Parameters<typeof makeRun>[0] = {}): RunLog {
  const trials = [makeTrial({ index: 0 }), makeTrial({ index: 1 })];
  const run = makeRun({ id: BASE_ID, trials, repeat: 2, ...overrides });
  const batches = [
    makeBatch(0, 'worker-1', [
      [0, 1_000, 'add', 'I', { var: 'counter' }],
      [1, 2_000, 'add', 'I', { var: 'counter' }],
    ]),
    makeBatch(0, 'worker-1', [[2, 3_000, 'end', 'I']]),
    makeBatch(1, 'worker-1', [[0, 1_500, 'add', 'I']]),
  ];
  return buildRunLog(run, batches, '0.1.0', new Date('2025-03-01T10:10:00.000Z'));
}

/** The log as a JSON tree to break one field at a time. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests overwrite fields with values of any type
function tree(overrides: Parameters<typeof makeRun>[0] = {}): any {
  return JSON.parse(serializeRunLog(baseLog(overrides)).toString('utf8'));
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Writes prefix + unit × repeats + suffix gzip-compressed, streaming (the inflated text never exists here). */
async function gzipFile(name: string, prefix: string, unit: string, repeats: number, suffix: string): Promise<string> {
  const path = join(dir, name);
  const block = Buffer.from(unit.repeat(Math.max(1, Math.floor((1 << 20) / unit.length))));
  const perBlock = block.length / Buffer.byteLength(unit);
  async function* pieces(): AsyncGenerator<Buffer> {
    yield Buffer.from(prefix);
    let left = repeats;
    for (; left >= perBlock; left -= perBlock) yield block;
    if (left > 0) yield Buffer.from(unit.repeat(left));
    yield Buffer.from(suffix);
  }
  await pipeline(Readable.from(pieces()), createGzip(), createWriteStream(path));
  return path;
}

/** Exit 2, one line on stderr naming the file and matching `problem`, nothing on stdout, history unchanged, memory bounded. */
function expectRefused(result: ConlabResult, path: string, problem: RegExp): void {
  expect(result.timedOut, 'the CLI hung').toBe(false);
  expect(result.signal, `killed by a signal: ${result.stderr}`).toBeNull();
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toContain(path);
  expect(lines[0]).toMatch(problem);
  expect(lines[0]!.length).toBeLessThan(1_000);
  expect(result.maxRssMb, 'the CLI did not reach its exit handler').not.toBeNull();
  expect(result.maxRssMb!).toBeLessThan(RSS_BOUND_MB);
  expect(historyFingerprint(db)).toBe(before);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-hostile-'));
  db = join(dir, 'history.db');
  const imported = await conlab(dir, db, ['import', file('base.runlog.json', serializeRunLog(baseLog()))]);
  expect(imported.code, imported.stderr).toBe(0);
  expect(imported.stdout).toContain(`imported run ${BASE_ID}`);
  before = historyFingerprint(db);
  expect(JSON.parse(before).counts.events).toBe(3);
});

describe('import refuses files that would exhaust memory or hang', () => {
  test('a 300 MB array in a gzip of a few hundred KB is refused at the array, while it inflates', async () => {
    const bomb = await gzipFile('array-bomb.json.gz', '{"format":"conlab-run-log","version":1,"events":[', '0,', 150_000_000, '0]}');
    const result = await conlab(dir, db, ['import', bomb]);
    expectRefused(result, bomb, /refused at events: an array longer than 1000000 items/);
  });

  test('a gzip that inflates past the size limit is refused at the limit, which the small heap lowers', async () => {
    // With a 256 MB heap the limit is ~35 MB (runLogByteLimit), not 512 MB: a log that large could not be parsed.
    const bomb = await gzipFile('space-bomb.json.gz', '{"format":"conlab-run-log"', ' ', 100_000_000, '}');
    const result = await conlab(dir, db, ['import', bomb]);
    expectRefused(result, bomb, /decompresses to more than 3\d{7} bytes/);
    const plain = file('large-plain.json', `{"format":"conlab-run-log"${' '.repeat(40_000_000)}}`);
    expectRefused(await conlab(dir, db, ['import', plain]), plain, /it holds 40000027 bytes, more than the limit of 3\d{7} bytes/);
  });

  test('a 10 MB string inside a payload is refused at its path before the payload is parsed', async () => {
    const log = tree();
    log.events[0].payload = JSON.stringify([[0, 1_000, 'log', 'I', { text: 'a'.repeat(10_000_000) }]]);
    const hostile = file('payload-string.json', JSON.stringify(log));
    const result = await conlab(dir, db, ['import', hostile]);
    expectRefused(result, hostile, /events\[0\]\.payload\[0\]\[4\]\.text: payload holds a string longer than 6000000 bytes/);
  });

  test('nesting a million levels deep is refused at the depth limit', async () => {
    const deep = file('deep.json', `{"format":"conlab-run-log","run":{"spec":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}}`);
    const result = await conlab(dir, db, ['import', deep]);
    expectRefused(result, deep, /refused at run\.spec(\[0\])+…\(\d+ levels\)…(\[0\])+: nested deeper than 80 levels/);
  });

  test('an array of five million numbers is refused at the array', async () => {
    const huge = file('huge-array.json', `{"format":"conlab-run-log","events":[${'0,'.repeat(5_000_000)}0]}`);
    const result = await conlab(dir, db, ['import', huge]);
    expectRefused(result, huge, /refused at events: an array longer than 1000000 items/);
  });

  test('a payload holding ten million rows is refused at the payload, before it is parsed', async () => {
    const log = tree();
    log.events[0].payload = `[${'0,'.repeat(10_000_000)}0]`;
    const hostile = file('payload-bomb.json', JSON.stringify(log));
    const result = await conlab(dir, db, ['import', hostile]);
    expectRefused(result, hostile, /events\[0\]\.payload: payload holds an array longer than 100000 items/);
  });

  test('a 5 MB title is refused naming the field', async () => {
    const hostile = file('long-title.json', JSON.stringify(tree({ title: 'x'.repeat(5_000_000) })));
    const result = await conlab(dir, db, ['import', hostile]);
    expectRefused(result, hostile, /run\.title: Too big: expected string to have <=1000 characters/);
  });

  test('/dev/zero, a directory and a FIFO are refused at once, without reading', async () => {
    expectRefused(await conlab(dir, db, ['import', '/dev/zero']), '/dev/zero', /a character device, not a regular file/);
    expectRefused(await conlab(dir, db, ['import', dir]), dir, /a directory, not a regular file/);
    const fifo = join(dir, 'log.fifo');
    execFileSync('mkfifo', [fifo]);
    // Nobody writes to the FIFO: a blocking open would wait forever, and the bound below would kill it.
    expectRefused(await conlab(dir, db, ['import', fifo], 20_000), fifo, /a FIFO \(named pipe\), not a regular file/);
    expectRefused(await conlab(dir, db, ['run', fifo], 20_000), fifo, /a FIFO \(named pipe\), not a regular file/);
    expectRefused(await conlab(dir, db, ['run', '/dev/zero'], 20_000), '/dev/zero', /a character device, not a regular file/);
    const asHistory = await conlab(dir, '/dev/zero', ['history'], 20_000);
    expect(asHistory.code, asHistory.stderr).toBe(2);
    expect(asHistory.stderr).toBe('conlab: cannot use /dev/zero as the run history: it is not a regular file; give a file path\n');
  });
});

describe('conlab run reads a spec file within the same kind of bounds', () => {
  test('a spec nested 10,000 deep, or with a key named twice, is refused at its path before anything runs', async () => {
    const deep = file('deep-spec.json', `{"version":1,"actors":[{"name":"a","kind":"thread","program":${'['.repeat(10_000)}${']'.repeat(10_000)}}]}`);
    expectRefused(await conlab(dir, db, ['run', deep]), deep, /is refused at actors\[0\]\.program(\[0\])+…\(\d+ levels\)…(\[0\])+: nested deeper than 256 levels/);
    const twice = file('twice-spec.json', '{"version":1,"title":"shown","title":"run","actors":[]}');
    expectRefused(await conlab(dir, db, ['run', twice]), twice, /is refused at title: a key that appears twice/);
  });
});

describe('import refuses logs that would change data silently', () => {
  test('the same log again is a no-op with exit 0; an edited log under a stored id is refused naming the run', async () => {
    const same = await conlab(dir, db, ['import', join(dir, 'base.runlog.json')]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain(`run ${BASE_ID} is already in the history, identical; nothing changed`);
    expect(historyFingerprint(db)).toBe(before);

    const edited = file('edited.json', JSON.stringify(tree({ title: 'a quieter result' })));
    expectRefused(await conlab(dir, db, ['import', edited]), edited, new RegExp(`run ${BASE_ID} is already in the history with different title`));
    const moreEvents = tree();
    moreEvents.events.push({ trial: 1, actor: 'worker-1', firstSeq: 1, count: 1, tFirst: 1, tLast: 1, payload: '[[1,1,"add","I"]]' });
    const withEvents = file('edited-events.json', JSON.stringify(moreEvents));
    expectRefused(await conlab(dir, db, ['import', withEvents]), withEvents, /with different events/);
  });

  test('a key named twice, so that a reader and the importer would see different values, is refused at its path', async () => {
    const text = JSON.stringify(tree({ id: 'dup-key-0001', title: 'imported' })).replace('"title":"imported"', '"title":"shown","title":"imported"');
    const hostile = file('dup-key.json', text);
    expectRefused(await conlab(dir, db, ['import', hostile]), hostile, /refused at run\.title: a key that appears twice in one object/);
  });

  test('a duplicate trial index is refused at its path', async () => {
    const log = tree({ id: 'dup-trial-0001' });
    log.run.trials[1].index = 0;
    const hostile = file('dup-trial.json', JSON.stringify(log));
    expectRefused(await conlab(dir, db, ['import', hostile]), hostile, /run\.trials\[1\]\.index: trial index 0 appears twice \(also run\.trials\[0\]\)/);
  });

  test('a repeated batch, and a batch overlapping another, are refused at their path', async () => {
    const repeated = tree({ id: 'dup-batch-0001' });
    repeated.events.push({ ...repeated.events[0] });
    const hostile = file('dup-batch.json', JSON.stringify(repeated));
    expectRefused(await conlab(dir, db, ['import', hostile]), hostile, /events\[3\]\.firstSeq: trial 0, actor "worker-1": this batch \(events 0-1\) starts at the same sequence number as events\[0\]/);

    const overlapping = tree({ id: 'dup-batch-0002' });
    overlapping.events[1].firstSeq = 1;
    overlapping.events[1].payload = '[[1,3000,"end","I"]]';
    const overlap = file('overlap-batch.json', JSON.stringify(overlapping));
    expectRefused(await conlab(dir, db, ['import', overlap]), overlap, /events\[1\]\.firstSeq: .*overlaps the sequence numbers of events\[0\]/);
  });

  test("an id that is another run's short prefix is refused; show-run prefers an exact id and refuses an ambiguous prefix", async () => {
    const shortId = BASE_ID.slice(0, 8);
    const impostor = file('impostor.json', JSON.stringify(tree({ id: shortId, title: 'impostor' })));
    expectRefused(await conlab(dir, db, ['import', impostor]), impostor, new RegExp(`run id ${shortId} and the stored run ${BASE_ID} start alike`));

    const shown = await conlab(dir, db, ['show-run', shortId, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect((JSON.parse(shown.stdout) as { id: string }).id).toBe(BASE_ID);

    // A second run sharing the first 8 characters (neither id is a prefix of the other) makes the prefix ambiguous.
    const sibling = `${shortId}-9999-4999-8999-999999999999`;
    const imported = await conlab(dir, db, ['import', file('sibling.json', JSON.stringify(tree({ id: sibling, title: 'sibling' })))]);
    expect(imported.code, imported.stderr).toBe(0);
    const ambiguous = await conlab(dir, db, ['show-run', shortId]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(ambiguous.stderr).toMatch(/is ambiguous: it starts the ids of several runs/);
    expect(ambiguous.stderr).toContain(BASE_ID);
    expect(ambiguous.stderr).toContain(sibling);
    // The history lists the two with prefixes long enough to tell them apart.
    const listed = await conlab(dir, db, ['history']);
    expect(listed.stdout).toMatch(/│ 5eed0000-1 +│/);
    expect(listed.stdout).toMatch(/│ 5eed0000-9 +│/);
    expect((await conlab(dir, db, ['show-run', BASE_ID, '--json'])).code).toBe(0);
    expect((await conlab(dir, db, ['delete', sibling])).code).toBe(0);
    expect(historyFingerprint(db)).toBe(before);
  });

  test('a lone UTF-16 surrogate, escaped or encoded, is refused at its path', async () => {
    const escaped = file('surrogate.json', JSON.stringify(tree({ id: 'surrogate-0001', title: 'ok' })).replace('"title":"ok"', '"title":"ok \\ud800 then"'));
    expectRefused(await conlab(dir, db, ['import', escaped]), escaped, /refused at run\.title: a lone UTF-16 surrogate/);
    const low = file('surrogate-low.json', JSON.stringify(tree({ id: 'surrogate-0002', tags: ['x'] })).replace('"tags":["x"]', '"tags":["\\udc00"]'));
    expectRefused(await conlab(dir, db, ['import', low]), low, /refused at run\.tags\[0\]: a lone UTF-16 surrogate/);
    const encoded = Buffer.from(JSON.stringify(tree({ id: 'surrogate-0003', title: 'ok' })).replace('"title":"ok"', '"title":"ok ÿÿÿ"'), 'utf8');
    const at = encoded.indexOf(Buffer.from('ÿÿÿ', 'utf8'));
    Buffer.from([0xed, 0xa0, 0x80, 0x20, 0x20, 0x20]).copy(encoded, at); // U+D800 as UTF-8 would write it, were it allowed
    const raw = file('surrogate-raw.json', encoded);
    expectRefused(await conlab(dir, db, ['import', raw]), raw, /refused at run\.title: a UTF-16 surrogate encoded in UTF-8/);
  });

  test('a NUL character is refused at its path, in the run and inside a payload', async () => {
    const nul = file('nul.json', JSON.stringify(tree({ id: 'nul-0001', notes: [{ id: 1, text: 'a\u0000b', createdAt: '2025-03-01T10:05:00.000Z' }] })));
    expectRefused(await conlab(dir, db, ['import', nul]), nul, /refused at run\.notes\[0\]\.text: a NUL character/);
    const log = tree({ id: 'nul-0002' });
    log.events[2].payload = JSON.stringify([[0, 1_500, 'add', 'I', { var: 'a\u0000' }]]);
    const inPayload = file('nul-payload.json', JSON.stringify(log));
    expectRefused(await conlab(dir, db, ['import', inPayload]), inPayload, /events\[2\]\.payload\[0\]\[4\]\.var: payload holds a NUL character/);
  });
});
