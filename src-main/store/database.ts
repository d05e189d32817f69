import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { migrate, type MigrateOptions } from './migrations';

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

/**
 * Opens (creating it and its folder if needed) the history database: WAL, synchronous=NORMAL,
 * foreign keys on, a 5 s busy timeout, migrations applied.
 *
 * WAL lets the UI read while the writer worker commits; synchronous=NORMAL in WAL mode can lose the
 * last transactions on power loss but never corrupts the file, and survives a killed process intact.
 * The busy timeout covers the moments when the main handle (tags, notes) and the writer worker both
 * want the write lock.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const inMemory = file === ':memory:';
  if (!inMemory) mkdirSync(path.dirname(file), { recursive: true });
  const nativeBinding = options.nativeBinding ?? (process.env['CONLAB_SQLITE_ADDON'] || undefined);
  const db = new Database(file, nativeBinding ? { nativeBinding } : {});
  try {
    db.pragma('busy_timeout = 5000');
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrate);
    if (options.recoverInterrupted ?? true) markInterruptedRuns(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** True when a process with this id exists (EPERM means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finds runs still 'running' whose owner process is gone (a crash, a kill, a power cut) and marks them
 * 'interrupted' with an end time, keeping every trial and event they recorded. Returns their ids.
 *
 * A run without an owner pid cannot be finished by anyone, so it counts as orphaned too.
 */
export function markInterruptedRuns(db: SqliteDatabase, now: () => string = () => new Date().toISOString()): string[] {
  const running = db.prepare(`SELECT id, owner_pid FROM runs WHERE status = 'running'`).all() as {
    id: string;
    owner_pid: number | null;
  }[];
  const orphans = running.filter((run) => run.owner_pid === null || !isProcessAlive(run.owner_pid));
  if (orphans.length === 0) return [];
  const mark = db.prepare(
    `UPDATE runs SET
       status = 'interrupted',
       ended_at = @endedAt,
       event_count = (SELECT coalesce(sum(count), 0) FROM events WHERE run_id = @id),
       error = coalesce(error, @error)
     WHERE id = @id AND status = 'running'`,
  );
  const endedAt = now();
  db.transaction(() => {
    for (const run of orphans) {
      const who = run.owner_pid === null ? 'no owner process was recorded' : `its process (pid ${run.owner_pid}) ended first`;
      mark.run({ id: run.id, endedAt, error: `interrupted: the run never finished; ${who}` });
    }
  }).immediate();
  return orphans.map((run) => run.id);
}
