// Text from an imported run log reaches the terminal with its control characters escaped: no screen clears,
// window titles, OSC 8 links or bidi reordering; --json output stays valid JSON holding the original text.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildRunLog, serializeRunLog } from '../../src-main/export/run-log';
import { makeBatch, makeRun, makeTrial } from '../export/run-fixture';
import { conlab } from './conlab-process';

const RUN_ID = 'e5c0e5c0-0000-4000-8000-000000000001';
const CLEAR = '\u001b[2J\u001b[H';
const TITLE = '\u001b]0;pwned\u0007';
const LINK = '\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\';
const C1_CSI = '\u009b31m';
const BIDI = 'abc\u202edcba\u2066x\u2069';
const hostileTitle = `race ${CLEAR}${TITLE}${LINK}${C1_CSI}${BIDI}\r\bfake\nsecond line\u007f`;

/** Every byte or character a terminal could act on, except the newline. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

let dir: string;
let db: string;

function expectSafe(output: string): void {
  const found = UNSAFE.exec(output);
  expect(found, found ? `U+${found[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${found.index}: ${JSON.stringify(output.slice(Math.max(0, found.index - 30), found.index + 30))}` : '').toBeNull();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-terminal-'));
  db = join(dir, 'history.db');
  const run = makeRun({
    id: RUN_ID,
    lessonId: null,
    title: hostileTitle,
    error: `failed ${CLEAR}badly`,
    warnings: [`careful ${TITLE}`],
    tags: [`tag${CLEAR}`, `link${LINK}`],
    notes: [{ id: 1, text: `note ${TITLE}${BIDI}`, createdAt: '2025-03-01T10:05:00.000Z' }],
    claims: [{ id: 'c', text: { en: `claim ${C1_CSI}`, zh: `论断 ${C1_CSI}` }, status: 'fails', detail: `detail ${CLEAR}` }],
    trials: [makeTrial({ records: { [`rec${TITLE}`]: [`v${C1_CSI}`] } })],
  });
  const log = buildRunLog(run, [makeBatch(0, 'worker-1', [[0, 1, 'add', 'I']])], '0.1.0');
  const file = join(dir, 'hostile.runlog.json');
  writeFileSync(file, serializeRunLog(log));
  const imported = await conlab(dir, db, ['import', file]);
  expect(imported.code, imported.stderr).toBe(0);
});

describe('what the CLI prints from an imported log', () => {
  test('history shows the title and tags escaped, on one table row', async () => {
    const result = await conlab(dir, db, ['history', '--search', 'race']);
    expect(result.code, result.stderr).toBe(0);
    expectSafe(result.stdout);
    expect(result.stdout).toContain('\\u001b[2J');
    expect(result.stdout).toContain('\\u009b31m');
    expect(result.stdout).toContain('\\u202e');
    // Header, top and bottom borders, the row: a newline in the title did not make a row of its own.
    expect(result.stdout.trimEnd().split('\n').filter((line) => line.includes('second line'))).toHaveLength(1);
  });

  test('show-run shows title, tags, notes, claims, records, warnings and the error escaped', async () => {
    const result = await conlab(dir, db, ['show-run', RUN_ID.slice(0, 8)]);
    expect(result.code, result.stderr).toBe(0);
    expectSafe(result.stdout);
    for (const shown of ['race \\u001b[2J', 'tags: link\\u001b]8;;https://evil.example/', 'note \\u001b]0;pwned\\u0007', 'detail \\u001b[2J', 'rec\\u001b]0;pwned', 'warning: careful \\u001b]0;pwned', 'reason: failed \\u001b[2J\\u001b[Hbadly']) {
      expect(result.stdout).toContain(shown);
    }
    expect(result.stdout.split('\n')[0]).toContain('\\u000d\\u0008fake\\nsecond line\\u007f');
  });

  test('--json output is valid JSON with the original text, and has no raw control characters either', async () => {
    for (const args of [['show-run', RUN_ID, '--json'], ['history', '--json']]) {
      const result = await conlab(dir, db, args);
      expect(result.code, result.stderr).toBe(0);
      expectSafe(result.stdout);
      const parsed = JSON.parse(result.stdout) as { title: string } | { title: string }[];
      expect(Array.isArray(parsed) ? parsed[0]!.title : parsed.title).toBe(hostileTitle);
    }
  });

  test('error messages quoting what a person typed are escaped too', async () => {
    const result = await conlab(dir, db, ['show-run', `${TITLE}${C1_CSI}`]);
    expect(result.code).toBe(2);
    expectSafe(result.stderr);
    expect(result.stderr).toContain('\\u001b]0;pwned\\u0007');
    const unknown = await conlab(dir, db, ['history', `--status=${CLEAR}`]);
    expect(unknown.code).toBe(2);
    expectSafe(unknown.stderr);
    expect(unknown.stderr).toContain('\\u001b[2J');
  });
});
