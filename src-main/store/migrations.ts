import type Database from 'better-sqlite3';

/**
 * Numbered schema migrations, applied in order and recorded in `PRAGMA user_version`.
 *
 * Guarantee: each migration runs inside ONE immediate transaction that also sets its user_version, so a
 * process killed half-way leaves the previous schema and version intact (SQLite rolls the transaction
 * back on the next open). Two connections migrating the same file at once are safe: the version is
 * re-read after the write lock is taken, and a migration somebody else applied meanwhile is skipped.
 *
 * This module imports nothing at run time (the Database import is a type), so tests can bundle it alone
 * and run it from a plain Node child process.
 *
 * Rules for future migrations: never edit a released one, append a new one; `PRAGMA foreign_keys` is a
 * no-op inside a transaction, so a migration that rebuilds a table must not rely on switching it off.
 */

type Connection = Database.Database;

/** What the SQLite library at hand can do; migrations that need an optional feature read it. */
export interface SqliteFeatures {
  /** FTS5 with the trigram tokenizer (SQLite ≥ 3.34 compiled with ENABLE_FTS5). */
  readonly fts5Trigram: boolean;
}

export interface Migration {
  readonly version: number;
  readonly description: string;
  /** The statements to run, in order, inside the migration's transaction. */
  readonly statements: (features: SqliteFeatures) => readonly string[];
}

export interface MigrateOptions {
  /** Stop after this version (tests migrate step by step); defaults to the newest. */
  readonly targetVersion?: number;
  /**
   * Test hook: called after each statement of a migration, inside its transaction. A test child blocks
   * here so that its parent can kill it in the middle of a migration.
   */
  readonly onStatement?: (step: { readonly version: number; readonly index: number }) => void;
  /** Test hook: pretend the library lacks FTS5 (search then falls back to LIKE). */
  readonly features?: Partial<SqliteFeatures>;
}

export interface MigrateResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly number[];
}

/** A database written by a newer Concurrency Lab: opening it would risk damaging data we do not understand. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `database schema version ${found} is newer than this Concurrency Lab supports (${supported}); ` +
        'update Concurrency Lab, or open another database file (--db or CONLAB_DB)',
    );
  }
}

const migration1: Migration = {
  version: 1,
  description: 'experiments, runs, trials, event batches, metrics, claims, tags, notes',
  statements: () => [
    `CREATE TABLE experiments (
       id TEXT PRIMARY KEY NOT NULL,
       name TEXT NOT NULL,
       spec_json TEXT NOT NULL,
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL
     ) STRICT`,
    // Statuses are checked in code, not by a CHECK constraint: adding a status later must not force a
    // table rebuild. experiment_id has no foreign key: imported runs may name experiments saved elsewhere.
    `CREATE TABLE runs (
       id TEXT PRIMARY KEY NOT NULL,
       lesson_id TEXT,
       experiment_id TEXT,
       title TEXT NOT NULL,
       status TEXT NOT NULL,
       started_at TEXT NOT NULL,
       ended_at TEXT,
       wall_ms REAL,
       spec_json TEXT NOT NULL,
       params_json TEXT NOT NULL,
       repeat INTEGER NOT NULL,
       warmup INTEGER NOT NULL,
       environment_json TEXT NOT NULL,
       substitutions_json TEXT NOT NULL,
       stats_json TEXT NOT NULL DEFAULT '[]',
       warnings_json TEXT NOT NULL DEFAULT '[]',
       error TEXT,
       owner_pid INTEGER,
       event_count INTEGER NOT NULL DEFAULT 0
     ) STRICT`,
    `CREATE INDEX runs_by_started ON runs (started_at)`,
    `CREATE INDEX runs_by_lesson ON runs (lesson_id, started_at)`,
    `CREATE INDEX runs_by_status ON runs (status, started_at)`,
    `CREATE TABLE trials (
       run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
       idx INTEGER NOT NULL,
       warmup INTEGER NOT NULL,
       status TEXT NOT NULL,
       started_at TEXT NOT NULL,
       wall_ms REAL NOT NULL,
       metrics_json TEXT NOT NULL,
       actors_json TEXT NOT NULL,
       records_json TEXT NOT NULL,
       final_shared_json TEXT NOT NULL,
       deadlock_json TEXT,
       error TEXT,
       event_count INTEGER NOT NULL,
       events_lost INTEGER NOT NULL,
       events_dropped INTEGER NOT NULL,
       PRIMARY KEY (run_id, idx)
     ) STRICT`,
    // One row per batch of one actor's consecutive events; the payload is the actor's JSON text, kept
    // as-is. The primary key makes re-inserting a batch a no-op. A rowid table (not WITHOUT ROWID)
    // because payloads run to tens of kilobytes, which a clustered key would drag through its b-tree.
    // Times are REAL: nanoseconds stay exact up to 2^53 (104 days).
    `CREATE TABLE events (
       run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
       trial INTEGER NOT NULL,
       actor TEXT NOT NULL,
       first_seq INTEGER NOT NULL,
       count INTEGER NOT NULL,
       t_first REAL NOT NULL,
       t_last REAL NOT NULL,
       payload TEXT NOT NULL,
       PRIMARY KEY (run_id, trial, actor, first_seq)
     ) STRICT`,
    `CREATE TABLE metrics (
       run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
       trial INTEGER NOT NULL,
       name TEXT NOT NULL,
       value REAL NOT NULL,
       PRIMARY KEY (run_id, trial, name)
     ) STRICT`,
    `CREATE INDEX metrics_by_name ON metrics (name, run_id)`,
    `CREATE TABLE claims (
       run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
       claim_id TEXT NOT NULL,
       position INTEGER NOT NULL,
       text_en TEXT NOT NULL,
       text_zh TEXT NOT NULL,
       status TEXT NOT NULL,
       detail TEXT NOT NULL,
       PRIMARY KEY (run_id, claim_id)
     ) STRICT`,
    `CREATE TABLE tags (
       run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
       tag TEXT NOT NULL,
       PRIMARY KEY (run_id, tag)
     ) STRICT`,
    `CREATE INDEX tags_by_tag ON tags (tag, run_id)`,
    `CREATE TABLE notes (
       id INTEGER PRIMARY KEY,
       run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
       text TEXT NOT NULL,
       created_at TEXT NOT NULL
     ) STRICT`,
    `CREATE INDEX notes_by_run ON notes (run_id, id)`,
  ],
};

/** The notes text of one run as the search index holds it. */
const notesOf = (runIdExpr: string): string =>
  `(SELECT coalesce(group_concat(text, char(10)), '') FROM (SELECT text FROM notes WHERE run_id = ${runIdExpr} ORDER BY id))`;

const migration2: Migration = {
  version: 2,
  description: 'full-text search over run title, lesson id and notes',
  statements: (features) =>
    !features.fts5Trigram
      ? [] // Without FTS5 the version still advances; RunStore sees no runs_fts table and searches with LIKE.
      : [
          // The trigram tokenizer matches substrings, which is what a search box over titles and lesson
          // ids like "race-lost-updates" wants, and it needs no word segmentation for Chinese text.
          // Terms under 3 characters cannot use the trigram index; RunStore matches those with LIKE.
          // run_id is an UNINDEXED column rather than the rowid: runs has no INTEGER PRIMARY KEY, so
          // VACUUM may renumber its rowids, which would silently detach the index from its runs.
          `CREATE VIRTUAL TABLE runs_fts USING fts5 (run_id UNINDEXED, title, lesson_id, notes, tokenize = 'trigram')`,
          `INSERT INTO runs_fts (run_id, title, lesson_id, notes)
             SELECT r.id, r.title, coalesce(r.lesson_id, ''), ${notesOf('r.id')} FROM runs r`,
          `CREATE TRIGGER runs_fts_after_insert AFTER INSERT ON runs BEGIN
             INSERT INTO runs_fts (run_id, title, lesson_id, notes)
               VALUES (NEW.id, NEW.title, coalesce(NEW.lesson_id, ''), ${notesOf('NEW.id')});
           END`,
          `CREATE TRIGGER runs_fts_after_update AFTER UPDATE OF id, title, lesson_id ON runs BEGIN
             UPDATE runs_fts SET run_id = NEW.id, title = NEW.title, lesson_id = coalesce(NEW.lesson_id, '')
               WHERE run_id = OLD.id;
           END`,
          `CREATE TRIGGER runs_fts_after_delete AFTER DELETE ON runs BEGIN
             DELETE FROM runs_fts WHERE run_id = OLD.id;
           END`,
          `CREATE TRIGGER notes_fts_after_insert AFTER INSERT ON notes BEGIN
             UPDATE runs_fts SET notes = ${notesOf('NEW.run_id')} WHERE run_id = NEW.run_id;
           END`,
          `CREATE TRIGGER notes_fts_after_update AFTER UPDATE ON notes BEGIN
             UPDATE runs_fts SET notes = ${notesOf('OLD.run_id')} WHERE run_id = OLD.run_id;
             UPDATE runs_fts SET notes = ${notesOf('NEW.run_id')} WHERE run_id = NEW.run_id;
           END`,
          `CREATE TRIGGER notes_fts_after_delete AFTER DELETE ON notes BEGIN
             UPDATE runs_fts SET notes = ${notesOf('OLD.run_id')} WHERE run_id = OLD.run_id;
           END`,
        ],
};

const migration3: Migration = {
  version: 3,
  description: 'a running run names its owner process by host and start time, not by pid alone',
  statements: () => [
    // owner_pid alone cannot tell a live owner from a dead one whose pid was reused, nor a pid of
    // another machine sharing the folder. owner_started is '<boot id>/<start ticks>' (Linux /proc) or NULL.
    `ALTER TABLE runs ADD COLUMN owner_host TEXT`,
    `ALTER TABLE runs ADD COLUMN owner_started TEXT`,
  ],
};

const migration4: Migration = {
  version: 4,
  description: "each claim keeps every counted trial's evidence (the values each comparison read), as JSON",
  statements: () => [`ALTER TABLE claims ADD COLUMN trials_json TEXT`],
};

/** The tables that hold a run's parts, each with a run_id naming its run. */
const RUN_CHILD_TABLES = ['trials', 'events', 'metrics', 'claims', 'tags', 'notes'] as const;

const migration5: Migration = {
  version: 5,
  description: 'event_rows: one row per trace event; a run deleted without foreign key enforcement takes its parts with it',
  statements: () => [
    // Batches hold the actor's JSON text of [seq, t, op, ph, data?, step?] rows (model/trace-event.ts): the
    // view unrolls them with the JSON functions every SQLite since 3.38 has built in, so that sqlite3
    // users can query events directly. data is JSON text, or NULL when the event carries none; step is the
    // id of the step that emitted it (its place in the actor's program, pre-order), or NULL.
    `CREATE VIEW event_rows AS
       SELECT e.run_id AS run_id,
              e.trial AS trial,
              e.actor AS actor,
              json_extract(j.value, '$[0]') AS seq,
              json_extract(j.value, '$[1]') AS t_ns,
              json_extract(j.value, '$[2]') AS op,
              json_extract(j.value, '$[3]') AS ph,
              json_extract(j.value, '$[4]') AS data,
              json_extract(j.value, '$[5]') AS step
         FROM events e, json_each(e.payload) j`,
    // The app turns foreign keys on, and ON DELETE CASCADE removes a run's parts. The sqlite3 shell
    // (and most tools) leave them off: this trigger does the same work there. With them on, the
    // cascade has already run and the trigger finds nothing left to delete.
    `CREATE TRIGGER runs_parts_after_delete AFTER DELETE ON runs BEGIN
       ${RUN_CHILD_TABLES.map((table) => `DELETE FROM ${table} WHERE run_id = OLD.id;`).join('\n       ')}
     END`,
  ],
};

const migration6: Migration = {
  version: 6,
  description: "predictions: a learner's answers to a lesson's questions, asked before the run, kept with the run",
  statements: () => [
    // value: a choice id, or a number written as text (model/questions.ts). One answer per question and run.
    `CREATE TABLE predictions (
       run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
       question_id TEXT NOT NULL,
       value TEXT NOT NULL,
       answered_at TEXT NOT NULL,
       PRIMARY KEY (run_id, question_id)
     )`,
    // The trigger of migration 5 (for tools that leave foreign keys off) now takes predictions too.
    `DROP TRIGGER IF EXISTS runs_parts_after_delete`,
    `CREATE TRIGGER runs_parts_after_delete AFTER DELETE ON runs BEGIN
       ${[...RUN_CHILD_TABLES, 'predictions'].map((table) => `DELETE FROM ${table} WHERE run_id = OLD.id;`).join('\n       ')}
     END`,
  ],
};

export const MIGRATIONS: readonly Migration[] = [migration1, migration2, migration3, migration4, migration5, migration6];

/** The schema version this build writes and understands. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Connection): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function detectFeatures(db: Connection): SqliteFeatures {
  const fts5 = db.prepare(`SELECT sqlite_compileoption_used('ENABLE_FTS5') AS used`).get() as { used: number };
  const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const hasTrigram = major > 3 || (major === 3 && minor >= 34);
  return { fts5Trigram: fts5.used === 1 && hasTrigram };
}

/** Throws SchemaTooNewError when the file was written by a newer version of the app. */
export function assertSchemaSupported(db: Connection): number {
  const found = schemaVersion(db);
  if (found > SCHEMA_VERSION) throw new SchemaTooNewError(found, SCHEMA_VERSION);
  return found;
}

/** Brings the database up to `targetVersion` (default: the newest), one transaction per migration. */
export function migrate(db: Connection, options: MigrateOptions = {}): MigrateResult {
  const from = assertSchemaSupported(db);
  const target = options.targetVersion ?? SCHEMA_VERSION;
  if (!Number.isInteger(target) || target < 0 || target > SCHEMA_VERSION) {
    throw new RangeError(`targetVersion must be an integer from 0 to ${SCHEMA_VERSION}, got ${String(target)}`);
  }
  const features: SqliteFeatures = { ...detectFeatures(db), ...options.features };
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (migration.version > target) break;
    if (migration.version <= from) continue;
    const apply = db.transaction(() => {
      // Re-read under the write lock: another connection may have migrated since we looked.
      if (schemaVersion(db) >= migration.version) return false;
      migration.statements(features).forEach((sql, index) => {
        db.exec(sql);
        options.onStatement?.({ version: migration.version, index });
      });
      db.pragma(`user_version = ${migration.version}`);
      return true;
    });
    if (apply.immediate()) applied.push(migration.version);
  }
  return { from, to: schemaVersion(db), applied };
}
