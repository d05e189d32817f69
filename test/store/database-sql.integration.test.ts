import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, test } from 'vitest';

/**
 * The database as a sqlite3 user sees it (docs/database.md), on a file made by real runs of the CLI:
 * the event_rows view gives one row per stored event, the page's five worked queries run and answer
 * what they say, and a run deleted without foreign key enforcement (the sqlite3 shell's default)
 * takes its trials, events, metrics, claims, tags and notes with it.
 */

const run = promisify(execFile);
const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');
const sqlite3 = ['/usr/bin/sqlite3', '/usr/local/bin/sqlite3'].find((path) => existsSync(path)) ?? null;
const CHILD_TABLES = ['trials', 'events', 'metrics', 'claims', 'tags', 'notes'] as const;

/** The worked queries of docs/database.md, by the name on their `-- query:` line. */
function workedQueries(): Map<string, string> {
  const text = readFileSync(join(__dirname, '..', '..', 'docs', 'database.md'), 'utf8');
  const queries = new Map<string, string>();
  for (const block of text.matchAll(/```sql\n-- query: ([\w-]+)\n([\s\S]*?)```/g)) queries.set(block[1]!, block[2]!.trim());
  return queries;
}

/**
 * Three threads take turns on one mutex, each holding it 30 ms: two of them wait more than 10 ms. They
 * meet at a barrier first, so a busy machine starting them far apart does not let each find it free.
 */
const lockSpec = {
  version: 1,
  title: 'lock waits for the database page',
  primitives: { m: { type: 'mutex' }, ready: { type: 'barrier', parties: 3 } },
  actors: [
    {
      name: 'worker',
      kind: 'thread',
      count: 3,
      program: [
        { op: 'wait', prim: 'ready' },
        { op: 'acquire', prim: 'm' },
        { op: 'sleep', ms: 30 },
        { op: 'release', prim: 'm' },
        { op: 'record', name: 'done', value: 1 },
      ],
    },
  ],
  claims: [{ id: 'impossible', text: 'one is more than two', check: { compare: [{ const: 1 }, '>', { const: 2 }] } }],
};

let dir: string;
let db: string;
let lessonRun: string;
let specRun: string;

async function conlab(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [bin, '--db', db, ...args], { cwd: dir, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-sql-'));
  db = join(dir, 'history.db');
  writeFileSync(join(dir, 'locks.json'), JSON.stringify(lockSpec));
  const lesson = await conlab('run', 'ticket-race', '--json');
  expect(lesson.code).toBe(0);
  lessonRun = (JSON.parse(lesson.stdout) as { runId: string }).runId;
  const spec = await conlab('run', 'locks.json', '--json');
  // The impossible claim fails: exit code 1, and the run is recorded.
  expect(spec.code).toBe(1);
  specRun = (JSON.parse(spec.stdout) as { runId: string }).runId;
  await conlab('tag', specRun, 'sql-test');
  await conlab('note', specRun, 'a note to delete with the run');
}, 120_000);

describe('the database for sqlite3 users', () => {
  test('event_rows has one row per stored event, in the batch layout the page describes', () => {
    const conn = new Database(db, { readonly: true });
    try {
      const stored = conn.prepare('SELECT sum(count) FROM events').pluck().get() as number;
      expect(stored).toBeGreaterThan(0);
      expect(conn.prepare('SELECT count(*) FROM event_rows').pluck().get()).toBe(stored);
      // Every batch's rows are numbered first_seq, first_seq + 1, … and lie between t_first and t_last.
      const broken = conn
        .prepare(
          `SELECT count(*) FROM events e JOIN event_rows r ON r.run_id = e.run_id AND r.trial = e.trial AND r.actor = e.actor
             AND r.seq BETWEEN e.first_seq AND e.first_seq + e.count - 1
           WHERE r.t_ns < e.t_first OR r.t_ns > e.t_last OR r.ph NOT IN ('B', 'E', 'I')`,
        )
        .pluck()
        .get();
      expect(broken).toBe(0);
      const first = conn.prepare(`SELECT op, ph, json_extract(data, '$.kind') AS kind FROM event_rows WHERE run_id = ? AND seq = 0 LIMIT 1`).get(lessonRun);
      expect(first).toEqual({ op: 'actor', ph: 'B', kind: expect.any(String) as string });
    } finally {
      conn.close();
    }
  });

  test('the five worked queries of docs/database.md run and answer what they say', () => {
    const queries = workedQueries();
    expect([...queries.keys()]).toEqual(['runs-of-a-lesson', 'median-wall-time-per-lesson', 'failed-claims', 'events-of-one-actor', 'lock-waits-over-10ms']);
    const conn = new Database(db, { readonly: true });
    try {
      const records = conn.prepare(queries.get('runs-of-a-lesson')!).all({ lesson: 'ticket-race' }) as { run: string; record: string; value: unknown }[];
      expect(new Set(records.map((row) => row.run))).toEqual(new Set([lessonRun]));
      expect(records.filter((row) => row.record === 'lockedSold')).toHaveLength(1);

      const medians = conn.prepare(queries.get('median-wall-time-per-lesson')!).all() as { lesson_id: string; runs: number; median_wall_ms: number }[];
      const wall = conn.prepare('SELECT wall_ms FROM runs WHERE id = ?').pluck().get(lessonRun) as number;
      expect(medians).toEqual([{ lesson_id: 'ticket-race', runs: 1, median_wall_ms: wall }]);

      const failed = conn.prepare(queries.get('failed-claims')!).all() as { run: string; claim_id: string }[];
      expect(failed.map((row) => [row.run, row.claim_id])).toEqual([[specRun, 'impossible']]);

      const events = conn.prepare(queries.get('events-of-one-actor')!).all({ run: specRun, trial: 0, actor: 'worker-0' }) as { seq: number; op: string; ph: string }[];
      expect(events.map((row) => row.seq)).toEqual(events.map((_, i) => i));
      expect(events.filter((row) => row.op === 'acquire').map((row) => row.ph)).toEqual(['B', 'E']);

      const waits = conn.prepare(queries.get('lock-waits-over-10ms')!).all() as { run_id: string; actor: string; prim: string; waited_ms: number; ok: number }[];
      const specWaits = waits.filter((row) => row.run_id === specRun);
      // Three workers, one 30 ms hold at a time: the second waits ≈ 30 ms, the third ≈ 60 ms.
      expect(specWaits.length).toBeGreaterThanOrEqual(2);
      for (const row of specWaits) expect(row).toMatchObject({ prim: 'm', ok: 1, waited_ms: expect.any(Number) as number });
      expect(Math.min(...specWaits.map((row) => row.waited_ms))).toBeGreaterThan(10);
    } finally {
      conn.close();
    }
  });

  test.skipIf(!sqlite3)('with the sqlite3 shell (foreign keys off): the view works, and deleting a run leaves nothing of it behind', () => {
    const shell = (sql: string): string => execFileSync(sqlite3!, [db, sql], { encoding: 'utf8' }).trim();
    expect(shell('PRAGMA foreign_keys;')).toBe('0');
    expect(Number(shell('SELECT count(*) FROM event_rows;'))).toBe(Number(shell('SELECT sum(count) FROM events;')));
    const parts = (id: string): number[] => CHILD_TABLES.map((table) => Number(shell(`SELECT count(*) FROM ${table} WHERE run_id = '${id}';`)));
    expect(parts(specRun).every((n) => n > 0)).toBe(true);
    const lessonParts = parts(lessonRun);
    shell(`DELETE FROM runs WHERE id = '${specRun}';`);
    expect(parts(specRun)).toEqual(CHILD_TABLES.map(() => 0));
    // The other run is untouched, and the file holds no part of a run it does not have.
    expect(parts(lessonRun)).toEqual(lessonParts);
    for (const table of CHILD_TABLES) expect(shell(`SELECT count(*) FROM ${table} WHERE run_id NOT IN (SELECT id FROM runs);`)).toBe('0');
    expect(shell('PRAGMA foreign_key_check;')).toBe('');
  });

  test('with foreign keys on (as the lab opens the file) the cascade and the trigger agree', () => {
    const conn = new Database(db);
    try {
      conn.pragma('foreign_keys = ON');
      conn.prepare('DELETE FROM runs WHERE id = ?').run(lessonRun);
      for (const table of CHILD_TABLES) expect(conn.prepare(`SELECT count(*) FROM ${table} WHERE run_id = ?`).pluck().get(lessonRun)).toBe(0);
    } finally {
      conn.close();
    }
  });
});
