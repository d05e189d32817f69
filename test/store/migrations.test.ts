import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/store/database';
import { MIGRATIONS, SCHEMA_VERSION, SchemaTooNewError, migrate, schemaVersion } from '../../src-main/store/migrations';
import { RunStore } from '../../src-main/store/run-store';
import { makeTempDir, sampleClaims, sampleFinish, sampleRunStart } from './helpers/store-fixtures';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

function rawDatabase(name = 'lab.db'): Database.Database {
  const db = new Database(path.join(temp.dir, name));
  db.pragma('foreign_keys = ON');
  return db;
}

/** Names of the schema objects of one type, without SQLite's own and FTS5's shadow tables. */
function objectNames(db: Database.Database, type: 'table' | 'index' | 'trigger'): string[] {
  return (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all(type) as string[]
  ).filter((name) => type !== 'table' || !/^runs_fts_(data|idx|content|docsize|config)$/.test(name));
}

/** Inserts a run and its children the way version-1 code would have. */
function insertV1Run(db: Database.Database, id: string, title: string, lessonId: string | null): void {
  db.prepare(
    `INSERT INTO runs (id, lesson_id, experiment_id, title, status, started_at, spec_json, params_json, repeat, warmup,
       environment_json, substitutions_json, owner_pid)
     VALUES (?, ?, NULL, ?, 'ok', '2025-03-01T09:00:00.000Z', '{}', '{}', 1, 0, '{}', '[]', NULL)`,
  ).run(id, lessonId, title);
  db.prepare(`INSERT INTO events (run_id, trial, actor, first_seq, count, t_first, t_last, payload) VALUES (?, 0, 'a', 0, 1, 0, 0, '[]')`).run(id);
  db.prepare(`INSERT INTO tags (run_id, tag) VALUES (?, 'kept')`).run(id);
}

describe('migrations', () => {
  it('numbers migrations 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(6);
  });

  it('migration 1 (0 → 1) creates the tables, keys and indexes of the history', () => {
    const db = rawDatabase();
    expect(schemaVersion(db)).toBe(0);
    expect(migrate(db, { targetVersion: 1 })).toEqual({ from: 0, to: 1, applied: [1] });
    expect(objectNames(db, 'table')).toEqual(['claims', 'events', 'experiments', 'metrics', 'notes', 'runs', 'tags', 'trials']);
    expect(objectNames(db, 'index')).toEqual(
      expect.arrayContaining(['runs_by_started', 'runs_by_lesson', 'runs_by_status', 'tags_by_tag', 'notes_by_run']),
    );

    insertV1Run(db, 'r1', 'first', 'race');
    // The events primary key makes a re-inserted batch a no-op.
    const again = db
      .prepare(`INSERT OR IGNORE INTO events (run_id, trial, actor, first_seq, count, t_first, t_last, payload) VALUES ('r1', 0, 'a', 0, 1, 0, 0, '[]')`)
      .run();
    expect(again.changes).toBe(0);
    // Children need their run, and go with it.
    expect(() =>
      db.prepare(`INSERT INTO notes (run_id, text, created_at) VALUES ('missing', 'x', '2025-01-01')`).run(),
    ).toThrow(/FOREIGN KEY/);
    db.prepare(`DELETE FROM runs WHERE id = 'r1'`).run();
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM tags').pluck().get()).toBe(0);
    db.close();
  });

  it('migration 2 (1 → 2) indexes the runs and notes already stored and keeps them in sync', () => {
    const db = rawDatabase();
    migrate(db, { targetVersion: 1 });
    insertV1Run(db, 'r1', 'Lost updates without a lock', 'race-lost-updates');
    insertV1Run(db, 'r2', '死锁演示', 'deadlock-dining');
    db.prepare(`INSERT INTO notes (run_id, text, created_at) VALUES ('r1', 'students saw the counter drift', '2025-03-01T10:00:00Z')`).run();

    expect(migrate(db, { targetVersion: 2 })).toEqual({ from: 1, to: 2, applied: [2] });
    expect(objectNames(db, 'table')).toContain('runs_fts');
    expect(objectNames(db, 'trigger')).toEqual([
      'notes_fts_after_delete',
      'notes_fts_after_insert',
      'notes_fts_after_update',
      'runs_fts_after_delete',
      'runs_fts_after_insert',
      'runs_fts_after_update',
    ]);
    // Data of version 1 is untouched.
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(2);
    expect(db.prepare('SELECT count(*) FROM tags').pluck().get()).toBe(2);

    const store = new RunStore(db);
    expect(store.searchMode).toBe('fts5');
    const ids = (search: string) => store.listRuns({ search }).map((r) => r.id);
    expect(ids('counter drift')).toEqual(['r1']); // backfilled notes
    expect(ids('dining')).toEqual(['r2']); // backfilled lesson id
    expect(ids('死锁')).toEqual(['r2']); // backfilled title, 2-character term
    expect(ids('死锁演示')).toEqual(['r2']); // through the trigram index

    // Triggers follow later writes.
    store.addNote('r2', 'philosophers starve');
    expect(ids('philosophers')).toEqual(['r2']);
    db.prepare(`UPDATE runs SET title = 'Renamed semaphore run' WHERE id = 'r1'`).run();
    expect(ids('semaphore')).toEqual(['r1']);
    expect(ids('without')).toEqual([]); // the old title is gone from the index
    store.deleteRun('r2');
    expect(db.prepare('SELECT count(*) FROM runs_fts').pluck().get()).toBe(1);
    store.close();
  });

  it('migration 2 without FTS5 still advances the version, and search falls back to LIKE', () => {
    const file = path.join(temp.dir, 'nofts.db');
    const db = openDatabase(file, { migrate: { features: { fts5Trigram: false } } });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(objectNames(db, 'table')).not.toContain('runs_fts');
    insertV1Run(db, 'r1', 'Semaphore caps concurrency', 'semaphore-cap');
    insertV1Run(db, 'r2', '100%_literal', null);
    const store = new RunStore(db);
    expect(store.searchMode).toBe('like');
    store.addNote('r1', 'ran on one core');
    const ids = (search: string) => store.listRuns({ search }).map((r) => r.id);
    expect(ids('semaphore')).toEqual(['r1']);
    expect(ids('ONE core')).toEqual(['r1']);
    expect(ids('cap concurrency')).toEqual(['r1']);
    expect(ids('%_')).toEqual(['r2']); // LIKE wildcards in a search are literal
    store.close();
  });

  it('migration 3 (2 → 3) adds the owner host and start time; old runs keep NULL, new runs record them', () => {
    const db = rawDatabase();
    migrate(db, { targetVersion: 2 });
    insertV1Run(db, 'old', 'recorded by version 2', 'race');
    expect(migrate(db, { targetVersion: 3 })).toEqual({ from: 2, to: 3, applied: [3] });
    const columns = db.prepare(`SELECT name FROM pragma_table_info('runs')`).pluck().all() as string[];
    expect(columns).toEqual(expect.arrayContaining(['owner_pid', 'owner_host', 'owner_started']));
    const owners = db.prepare('SELECT id, owner_pid, owner_host, owner_started FROM runs ORDER BY id');
    expect(owners.all()).toEqual([{ id: 'old', owner_pid: null, owner_host: null, owner_started: null }]);
    // Data of version 2 is untouched.
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
    expect(db.prepare(`SELECT title FROM runs WHERE id = 'old'`).pluck().get()).toBe('recorded by version 2');

    const store = new RunStore(db);
    store.beginRun(sampleRunStart('new'));
    const owner = owners.all().find((row) => (row as { id: string }).id === 'new') as Record<string, unknown>;
    expect(owner['owner_pid']).toBe(process.pid);
    expect(owner['owner_host']).toBe(os.hostname());
    // On Linux: '<boot id>/<start ticks>', the ticks being field 22 of /proc/<pid>/stat.
    if (process.platform === 'linux') expect(owner['owner_started']).toMatch(/^[0-9a-f-]{36}\/\d+$/);
    store.close();
  });

  it('migration 4 (3 → 4) keeps each claim\'s per-trial evidence; a store on a version-3 file keeps claims without it', () => {
    const db = rawDatabase();
    migrate(db, { targetVersion: 3 });
    const old = new RunStore(db);
    old.beginRun(sampleRunStart('old'));
    old.finishRun('old', sampleFinish());
    expect(old.getRun('old')!.claims).toEqual(sampleClaims.map(({ trials: _trials, ...claim }) => claim));
    expect(migrate(db)).toEqual({ from: 3, to: SCHEMA_VERSION, applied: [4, 5, 6] });
    const store = new RunStore(db);
    expect(store.getRun('old')!.claims[0]!.trials).toBeUndefined();
    store.beginRun(sampleRunStart('new'));
    store.finishRun('new', sampleFinish());
    expect(store.getRun('new')!.claims).toEqual(sampleClaims);
    expect(store.getRun('new')!.claims[0]!.trials![0]!.comparisons[0]!.left).toEqual({ label: 'lost', value: 4000 });
    db.close();
  });

  it('migration 6 (5 → 6) keeps predictions with their run: one per question, gone with the run even with foreign keys off', () => {
    const db = rawDatabase();
    migrate(db, { targetVersion: 5 });
    const old = new RunStore(db);
    old.beginRun(sampleRunStart('old'));
    expect(old.getRun('old')!.predictions).toBeUndefined();
    expect(migrate(db)).toEqual({ from: 5, to: 6, applied: [6] });
    const store = new RunStore(db);
    expect(store.savePredictions('old', [{ question: 'lost', value: '12', answeredAt: '2025-03-01T09:00:00.000Z' }])).toBe(true);
    // A second answer to the same question replaces the first.
    expect(store.savePredictions('old', [{ question: 'lost', value: '15', answeredAt: '2025-03-01T09:00:01.000Z' }, { question: 'faster', value: 'lock', answeredAt: '2025-03-01T09:00:01.000Z' }])).toBe(true);
    expect(store.getRun('old')!.predictions).toEqual([
      { question: 'faster', value: 'lock', answeredAt: '2025-03-01T09:00:01.000Z' },
      { question: 'lost', value: '15', answeredAt: '2025-03-01T09:00:01.000Z' },
    ]);
    expect(store.savePredictions('no-such-run', [{ question: 'lost', value: '1', answeredAt: '2025-03-01T09:00:00.000Z' }])).toBe(false);
    db.pragma('foreign_keys = OFF');
    db.prepare(`DELETE FROM runs WHERE id = 'old'`).run();
    expect(db.prepare('SELECT count(*) FROM predictions').pluck().get()).toBe(0);
    db.close();
  });

  it('openDatabase migrates a new file to the newest version with WAL, NORMAL sync, foreign keys, busy timeout', () => {
    const file = path.join(temp.dir, 'nested', 'deeper', 'lab.db');
    const db = openDatabase(file);
    expect(existsSync(file)).toBe(true);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
    // Opening again applies nothing.
    const again = rawDatabase(path.join('nested', 'deeper', 'lab.db'));
    expect(migrate(again)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    again.close();
  });

  it('refuses a database written by a newer version and leaves it untouched', () => {
    const file = path.join(temp.dir, 'future.db');
    const future = new Database(file);
    future.exec('CREATE TABLE future_things (x)');
    future.pragma('user_version = 99');
    future.close();

    expect(() => openDatabase(file)).toThrow(SchemaTooNewError);
    expect(() => openDatabase(file)).toThrow(
      `database schema version 99 is newer than this Concurrency Lab supports (${SCHEMA_VERSION})`,
    );
    const check = new Database(file);
    expect(schemaVersion(check)).toBe(99);
    expect(objectNames(check, 'table')).toEqual(['future_things']);
    check.close();
  });
});
