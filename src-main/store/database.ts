import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { assertSchemaSupported, migrate, type MigrateOptions } from './migrations';
import { judgeOwner } from './owner-process';

export { isProcessAlive } from './owner-process';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /**
   * Mark runs left 'running' by a process that no longer exists as 'interrupted'. On for the app's and
   * the CLI's main read/write handle; the writer worker turns it off (its owner process is alive).
   */
  readonly recoverInterrupted?: boolean;
  /** Passed to the migration runner (tests only). */
  readonly migrate?: MigrateOptions;
  /**
   * The better-sqlite3 addon file to load instead of node_modules' own build. Defaults to the
   * CONLAB_SQLITE_ADDON environment variable: the Electron app sets it to its Electron-ABI build, and
   * every thread and child it starts inherits it.
   */
  readonly nativeBinding?: string | undefined;
}

/** The addon option for `new Database`: the Electron build where the app said so, else node_modules' own. */
function addonOption(nativeBinding?: string): { nativeBinding?: string } {
  const chosen = nativeBinding ?? (process.env['CONLAB_SQLITE_ADDON'] || undefined);
  return chosen ? { nativeBinding: chosen } : {};
}

/** How far a history file can be used: written to, only read, or only read because it is damaged. */
export type StoreAccess = 'read-write' | 'read-only' | 'damaged';

export interface StoreHealth {
  readonly access: StoreAccess;
  /** One line for a person: why the file cannot be written and what to do; null when it can. */
  readonly problem: string | null;
}

export interface OpenedHistory {
  readonly db: SqliteDatabase;
  readonly health: StoreHealth;
}

/** Why a store operation could not be done; `kind` drives the message and the front end's reaction. */
export type StoreFailureKind = 'locked' | 'disk-full' | 'read-only' | 'damaged';

/** The history file cannot be used for what was asked (written, or opened at all). The message says what to do. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    readonly kind: StoreFailureKind,
    message: string,
  ) {
    super(message);
  }
}

const HEALTHY: StoreHealth = { access: 'read-write', problem: null };

/**
 * quick_check reads every page once (about 0.1 s per 200 MB from the page cache here). Above this size
 * the open checks the schema and every table except the event batches, which hold most of the pages.
 */
export const QUICK_CHECK_FULL_LIMIT_BYTES = 512 * 1024 * 1024;
const MARK_INTERRUPTED_LOCK_WAIT_MS = 1000;
/** Databases larger than this are not loaded into memory to be read from a read-only folder. */
const READ_ONLY_COPY_LIMIT_BYTES = 1024 * 1024 * 1024;

/**
 * What a person can do with a damaged file. Export and import are the way that works everywhere: the
 * sqlite3 shell's .recover fails on STRICT and FTS5 tables in some releases (3.40, Debian 12's), so it
 * is not offered. The path is quoted for a POSIX shell.
 */
export function recoveryHint(file: string): string {
  const quoted = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;
  return (
    `to recover, export the runs you still need (conlab --db ${quoted(file)} export <run>), move ${quoted(file)} aside ` +
    `(e.g. to ${quoted(`${file}.damaged`)}) so that a new history starts there, and import them back (conlab import <file>)`
  );
}

/** Classifies a SQLite (or file system) error by what a person would do about it; null for anything else. */
export function storeFailureKind(error: unknown): StoreFailureKind | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'disk-full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return 'read-only';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'damaged';
  return null;
}

/** Why the file (or, for a new file, its folder) cannot be written; null when it can. */
function whyNotWritable(file: string): string | null {
  const dir = path.dirname(file);
  const denied = (target: string, what: string): string | null => {
    try {
      accessSync(target, constants.W_OK);
      return null;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
      return code === 'EROFS' ? `${what} is on a read-only file system` : `${what} is not writable (${code})`;
    }
  };
  if (!existsSync(file)) return denied(dir, `the folder ${dir}`);
  // SQLite keeps its -wal and -shm files next to the database, so the folder must be writable too.
  return denied(file, 'the file') ?? denied(dir, `its folder ${dir}`);
}

/** The first problems quick_check finds, or null when the file is sound. */
function quickCheck(db: SqliteDatabase, file: string | null): string | null {
  const size = file === null ? 0 : statSync(file).size;
  const tables =
    size <= QUICK_CHECK_FULL_LIMIT_BYTES
      ? [null]
      : (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'events' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[]);
  for (const table of tables) {
    const sql = table === null ? 'PRAGMA quick_check(3)' : `PRAGMA quick_check("${table.replace(/"/g, '""')}")`;
    const rows = db.prepare(sql).pluck().all() as string[];
    if (rows.length !== 1 || rows[0] !== 'ok') {
      // One line for a person: SQLite's report spans lines and starts with a header line.
      const lines = rows.flatMap((row) => row.split('\n')).filter((line) => line.trim() !== '' && !line.startsWith('***'));
      const summary = `quick_check: ${lines.slice(0, 2).join('; ')}${lines.length > 2 ? '; …' : ''}`;
      return summary.length > 200 ? `${summary.slice(0, 199)}…` : summary;
    }
  }
  return null;
}

function configure(db: SqliteDatabase, wal: boolean): void {
  db.pragma('busy_timeout = 5000');
  if (wal) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

/**
 * Opens a file only for reading. A WAL database in a read-only folder whose -shm file is gone cannot
 * be opened by SQLite at all (it must create the -shm), so there the file is read into memory (up to
 * READ_ONLY_COPY_LIMIT_BYTES) and marked as a rollback-journal database in the copy's header.
 */
function openReadOnly(file: string): SqliteDatabase {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, ...addonOption() });
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return db;
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code !== 'SQLITE_CANTOPEN') throw error;
    }
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_CANTOPEN') throw error;
  }
  const size = statSync(file).size;
  if (size > READ_ONLY_COPY_LIMIT_BYTES) {
    throw new StoreUnavailableError(
      'read-only',
      `cannot read ${file}: it is in a read-only folder and larger than ${READ_ONLY_COPY_LIMIT_BYTES / 2 ** 20} MiB; copy it to a writable folder and use --db`,
    );
  }
  const image = readFileSync(file);
  // Bytes 18 and 19 are the file format write/read versions: 2 means WAL, 1 the rollback journal.
  if (image.length >= 20 && image[18] === 2 && image[19] === 2) {
    image[18] = 1;
    image[19] = 1;
  }
  return new Database(image, { readonly: true, ...addonOption() });
}

/**
 * Opens the history for reading whatever state it is in, and for writing when it is healthy; never
 * throws for a damaged or read-only file that can still be read (see `health`).
 *
 * - healthy and writable: configured (see openDatabase), migrated, interrupted runs marked;
 * - read-only (the file or its folder cannot be written): opened read-only, nothing migrated;
 * - damaged (PRAGMA quick_check finds problems, or SQLite reports corruption while opening):
 *   reopened read-only, so what is still readable can be read or exported, and `health.problem`
 *   says how to recover the file.
 * Throws StoreUnavailableError when nothing can be read (a new file in a read-only folder, a file
 * that is not a database at all), SchemaTooNewError for a file of a newer version.
 */
export function openHistory(file: string, options: OpenDatabaseOptions = {}): OpenedHistory {
  if (file === ':memory:') {
    const db = new Database(file, addonOption(options.nativeBinding));
    configure(db, false);
    migrate(db, options.migrate);
    return { db, health: HEALTHY };
  }
  const exists = existsSync(file);
  if (!exists) {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
    } catch (error) {
      throw new StoreUnavailableError(
        'read-only',
        `cannot create the run history ${file}: ${(error as Error).message}; choose another place with --db or CONLAB_DB`,
      );
    }
  }
  const readOnlyBecause = whyNotWritable(file);
  if (readOnlyBecause !== null) {
    if (!exists) {
      throw new StoreUnavailableError(
        'read-only',
        `cannot create the run history ${file}: ${readOnlyBecause}; choose another place with --db or CONLAB_DB`,
      );
    }
    return openForReading(file, 'read-only', readOnlyBecause);
  }
  let db: SqliteDatabase;
  try {
    db = new Database(file, addonOption(options.nativeBinding));
  } catch (error) {
    if (storeFailureKind(error) === 'damaged') throw damagedBeyondReading(file, (error as Error).message);
    throw error;
  }
  let damage: string | null;
  try {
    configure(db, true);
    damage = quickCheck(db, file);
  } catch (error) {
    db.close();
    if (storeFailureKind(error) !== 'damaged') throw error;
    damage = (error as Error).message;
  }
  if (damage !== null) {
    if (db.open) db.close();
    return openForReading(file, 'damaged', damage);
  }
  try {
    migrate(db, options.migrate);
    if (options.recoverInterrupted ?? true) markInterruptedRuns(db);
    return { db, health: HEALTHY };
  } catch (error) {
    db.close();
    throw error;
  }
}

function damagedBeyondReading(file: string, detail: string): StoreUnavailableError {
  return new StoreUnavailableError(
    'damaged',
    `the run history ${file} is damaged and cannot be read (${detail}); move it aside (e.g. to ${file}.damaged) to start a new ` +
      'history there, or choose another file with --db or CONLAB_DB',
  );
}

function openForReading(file: string, access: 'read-only' | 'damaged', why: string): OpenedHistory {
  let db: SqliteDatabase;
  try {
    db = openReadOnly(file);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    if (access === 'damaged' || storeFailureKind(error) === 'damaged') throw damagedBeyondReading(file, (error as Error).message);
    throw new StoreUnavailableError('read-only', `cannot read the run history ${file} (${why}): ${(error as Error).message}`);
  }
  let damage: string | null = access === 'damaged' ? why : null;
  try {
    assertSchemaSupported(db);
    if (damage === null) damage = quickCheck(db, file);
  } catch (error) {
    if (storeFailureKind(error) !== 'damaged') {
      db.close();
      throw error;
    }
    damage = (error as Error).message;
  }
  if (damage !== null) {
    return {
      db,
      health: {
        access: 'damaged',
        problem: `the run history ${file} is damaged (${damage}): runs can be read where possible but nothing more is recorded into it; ${recoveryHint(file)}`,
      },
    };
  }
  return {
    db,
    health: {
      access: 'read-only',
      problem: `the run history ${file} is read-only (${why}): runs can be read but not recorded; make it writable, or use --db (or CONLAB_DB) to record elsewhere`,
    },
  };
}

/**
 * Opens (creating it and its folder if needed) the history database for writing: WAL,
 * synchronous=NORMAL, foreign keys on, a 5 s busy timeout, PRAGMA quick_check passed, migrations
 * applied. Throws StoreUnavailableError (with what to do) for a read-only or damaged file.
 *
 * WAL lets the UI read while the writer worker commits; synchronous=NORMAL in WAL mode can lose the
 * last transactions on power loss but never corrupts the file, and survives a killed process intact.
 * The busy timeout covers the moments when the main handle (tags, notes) and the writer worker both
 * want the write lock; every multi-statement write takes that lock up front (BEGIN IMMEDIATE).
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const { db, health } = openHistory(file, options);
  if (health.access !== 'read-write') {
    db.close();
    throw new StoreUnavailableError(health.access, health.problem ?? `the run history ${file} cannot be written`);
  }
  return db;
}

/**
 * Finds runs still 'running' whose owner process is gone (a crash, a kill, a power cut) and marks them
 * 'interrupted' with an end time, keeping every trial and event they recorded. Returns their ids.
 *
 * Owners are judged by pid, start time and host (owner-process.ts): a run of a live process, or of
 * another machine, is never touched. A run without an owner pid cannot be finished by anyone, so it
 * counts as orphaned too. When another program holds the write lock the marking is left to a later
 * open rather than failing this one.
 */
export function markInterruptedRuns(db: SqliteDatabase, now: () => string = () => new Date().toISOString()): string[] {
  const select = db.prepare(`SELECT id, owner_pid, owner_host, owner_started FROM runs WHERE status = 'running'`);
  type Row = { id: string; owner_pid: number | null; owner_host: string | null; owner_started: string | null };
  const orphansOf = (rows: Row[]) =>
    rows.flatMap((run) => {
      const verdict = judgeOwner({ pid: run.owner_pid, host: run.owner_host, started: run.owner_started });
      return verdict.alive ? [] : [{ id: run.id, why: verdict.why }];
    });
  if (orphansOf(select.all() as Row[]).length === 0) return [];
  const mark = db.prepare(
    `UPDATE runs SET
       status = 'interrupted',
       ended_at = @endedAt,
       event_count = (SELECT coalesce(sum(count), 0) FROM events WHERE run_id = @id),
       error = coalesce(error, @error)
     WHERE id = @id AND status = 'running'`,
  );
  const endedAt = now();
  // Marking can wait for a later open: it must not hold this one up for the whole busy timeout.
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${Math.min(busyTimeout, MARK_INTERRUPTED_LOCK_WAIT_MS)}`);
  try {
    return db
      .transaction(() => {
        // Judged again under the write lock: an owner may have finished its run meanwhile.
        const orphans = orphansOf(select.all() as Row[]);
        for (const run of orphans) mark.run({ id: run.id, endedAt, error: `interrupted: the run's end was never recorded; ${run.why}` });
        return orphans.map((run) => run.id);
      })
      .immediate();
  } catch (error) {
    if (storeFailureKind(error) === 'locked') return [];
    throw error;
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}
