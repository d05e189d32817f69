import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/store/database';
import { SCHEMA_VERSION, migrate, schemaVersion } from '../../src-main/store/migrations';
import { RunStore } from '../../src-main/store/run-store';
import { bundleForChild, fixturesDir } from './helpers/child-bundle';
import { makeTempDir, sampleRunStart } from './helpers/store-fixtures';

let temp: ReturnType<typeof makeTempDir>;
let bundleUrl: string;

beforeAll(async () => {
  temp = makeTempDir('conlab-migrate-kill-');
  bundleUrl = await bundleForChild(`export * from './src-main/store/migrations'`, path.join(temp.dir, 'migrations.mjs'));
});
afterAll(() => temp.remove());

/**
 * Starts a child that migrates `dbFile` and blocks after statement `index` of migration `version`;
 * once it says so, SIGKILLs it. Resolves with the size of the WAL at the moment of the kill.
 */
async function killDuringMigration(dbFile: string, version: number, index: number): Promise<number> {
  const child = spawn(process.execPath, [path.join(fixturesDir, 'migrate-child.mjs'), bundleUrl, dbFile, String(version), String(index)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('blocked\n')) resolve();
      if (stdout.includes('finished\n')) reject(new Error('the child finished its migration instead of blocking'));
    });
    void exited.then((how) => reject(new Error(`the child ended (${String(how)}) before blocking: ${stderr}`)));
  });
  const walBytes = statSync(`${dbFile}-wal`).size;
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return walBytes;
}

function inspect(dbFile: string) {
  const db = new Database(dbFile);
  try {
    return {
      version: schemaVersion(db),
      integrity: db.pragma('integrity_check', { simple: true }),
      tables: db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[],
      triggers: db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger'`).pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

describe('a migration killed half-way', () => {
  it('migration 1: leaves version 0 and an empty schema, integrity ok, and migrates cleanly afterwards', async () => {
    const dbFile = path.join(temp.dir, 'kill-m1.db');
    // More than the 32-byte WAL header: uncommitted pages of the migration were on disk at the kill.
    expect(await killDuringMigration(dbFile, 1, 0)).toBeGreaterThan(32);

    expect(inspect(dbFile)).toEqual({ version: 0, integrity: 'ok', tables: [], triggers: 0 });

    const db = openDatabase(dbFile);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('migration 2: leaves version 1 with its data and no search index, integrity ok, and migrates cleanly afterwards', async () => {
    const dbFile = path.join(temp.dir, 'kill-m2.db');
    const v1 = new Database(dbFile);
    v1.pragma('journal_mode = WAL');
    v1.pragma('foreign_keys = ON');
    migrate(v1, { targetVersion: 1 });
    // Enough rows that the backfill of migration 2 spills pages into the WAL before the kill.
    const store = new RunStore(v1);
    for (let i = 0; i < 300; i++) {
      store.beginRun(sampleRunStart(`run-${i}`, { title: `Semaphore run ${i} ${'x'.repeat(200)}` }));
      store.addNote(`run-${i}`, `note ${i}`);
    }
    store.close();
    const before = inspect(dbFile);
    expect(before.version).toBe(1);

    // Statement 1 of migration 2 is the backfill of the index: killed after it, inside the transaction.
    expect(await killDuringMigration(dbFile, 2, 1)).toBeGreaterThan(32);

    const after = inspect(dbFile);
    expect(after).toEqual(before);
    expect(after.tables).not.toContain('runs_fts');
    const check = new Database(dbFile, { readonly: true });
    expect(check.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(300);
    expect(check.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(300);
    check.close();

    const reopened = new RunStore(openDatabase(dbFile));
    expect(schemaVersion(reopened.db)).toBe(SCHEMA_VERSION);
    expect(reopened.listRuns({ search: 'note 299' }).map((r) => r.id)).toEqual(['run-299']);
    reopened.close();
  });
});
