import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, openHistory, StoreUnavailableError } from '../../src-main/store/database';
import { RunStore } from '../../src-main/store/run-store';
import { makeTempDir, sampleRunStart } from './helpers/store-fixtures';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir('conlab-health-');
});
afterEach(() => temp.remove());

describe('opening a history file that cannot be used as it is', () => {
  it('refuses a file that is not a database, in one line that says what to do, and leaves it untouched', () => {
    const file = path.join(temp.dir, 'notes.db');
    const text = 'shopping list: milk, eggs, and a lot more text than a database header would hold\n';
    writeFileSync(file, text);
    let refused: unknown;
    try {
      openHistory(file);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect((refused as StoreUnavailableError).kind).toBe('damaged');
    expect((refused as Error).message).toBe(
      `the run history ${file} is damaged and cannot be read (file is not a database); move it aside (e.g. to ${file}.damaged) ` +
        'to start a new history there, or choose another file with --db or CONLAB_DB',
    );
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('lets the writer refuse a damaged file that readers can still open', () => {
    const file = path.join(temp.dir, 'lab.db');
    const store = RunStore.open(file);
    for (let i = 0; i < 50; i++) store.beginRun(sampleRunStart(`run-${i}`, { title: `run ${i} ${'x'.repeat(500)}` }));
    const pages = store.db.prepare(`SELECT pageno FROM dbstat WHERE name = 'runs' AND pagetype = 'leaf' ORDER BY pageno`).pluck().all() as number[];
    store.close();
    // Zero a leaf page of the runs table but its first byte (the page type): its cells point nowhere.
    const bytes = readFileSync(file);
    const page = pages[Math.floor(pages.length / 2)]!;
    bytes.fill(0, (page - 1) * 4096 + 1, (page - 1) * 4096 + 12);
    writeFileSync(file, bytes);

    const opened = openHistory(file);
    expect(opened.health.access).toBe('damaged');
    expect(opened.db.readonly).toBe(true);
    opened.db.close();
    expect(() => openDatabase(file)).toThrow(StoreUnavailableError);
    expect(() => openDatabase(file)).toThrow(/is damaged \(.*\): runs can be read where possible but nothing more is recorded into it; to recover/);
  });

  it('does not fail an open when another connection holds the write lock: dead owners are marked on a later open', () => {
    const file = path.join(temp.dir, 'locked.db');
    const store = RunStore.open(file);
    store.beginRun(sampleRunStart('orphan'));
    store.db.prepare(`UPDATE runs SET owner_pid = NULL WHERE id = 'orphan'`).run();
    store.close();
    const holder = new Database(file);
    holder.exec('BEGIN EXCLUSIVE');
    const started = performance.now();
    const reader = RunStore.open(file);
    // Bounded by the marking's own short wait (1 s), not by the 5 s busy timeout of other writes.
    expect(performance.now() - started).toBeLessThan(4000);
    expect(reader.getRun('orphan')!.status).toBe('running');
    expect(reader.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    reader.close();
    holder.exec('COMMIT');
    holder.close();
    const later = RunStore.open(file);
    expect(later.getRun('orphan')!.status).toBe('interrupted');
    expect(later.getRun('orphan')!.error).toBe("interrupted: the run's end was never recorded; no owner process was recorded");
    later.close();
  });
});
