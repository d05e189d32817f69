import Database from 'better-sqlite3';
import { fork, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/store/database';
import { processStartToken } from '../../src-main/store/owner-process';
import { RunStore } from '../../src-main/store/run-store';
import { bundleForChild, bundleWriterEntry, fixturesDir } from './helpers/child-bundle';
import { makeTempDir, sampleRunStart } from './helpers/store-fixtures';

let temp: ReturnType<typeof makeTempDir>;
let bundleUrl: string;

beforeAll(async () => {
  temp = makeTempDir('conlab-crash-');
  // The child runs plain Node: it gets the store as a bundle, and its worker bundle through CONLAB_ENGINE_DIR.
  bundleUrl = await bundleForChild(
    `export { RunWriter } from './src-main/store/run-writer';
     export { RunStore } from './src-main/store/run-store';
     export { openDatabase } from './src-main/store/database';`,
    path.join(temp.dir, 'store.mjs'),
  );
  await bundleWriterEntry(temp.dir);
});
afterAll(() => temp.remove());

const REPORTS_BEFORE_KILL = 5;

/** Runs the writing child until it has reported REPORTS_BEFORE_KILL commits, then SIGKILLs it. */
async function killWhileWriting(dbFile: string, mode: 'writer' | 'store'): Promise<{ pid: number; acknowledged: number }> {
  const child = fork(path.join(fixturesDir, 'writer-child.mjs'), [bundleUrl, dbFile, mode], {
    execArgv: [],
    env: { ...process.env, CONLAB_ENGINE_DIR: temp.dir },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  let acknowledged = 0;
  let reports = 0;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: { committedBatches: number }) => {
      acknowledged = Math.max(acknowledged, message.committedBatches);
      if (++reports === REPORTS_BEFORE_KILL) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    void exited.then((how) => reject(new Error(`the writing child ended (${String(how)}) after ${reports} reports`)));
  });
  // Reports still in the pipe were sent before the kill: they count as acknowledged too.
  expect(await exited).toBe('SIGKILL');
  return { pid: child.pid!, acknowledged };
}

describe.each(['writer', 'store'] as const)('SIGKILL while writing (%s)', (mode) => {
  it('keeps every acknowledged batch, marks the run interrupted, integrity ok', async () => {
    const dbFile = path.join(temp.dir, `killed-${mode}.db`);
    const { acknowledged } = await killWhileWriting(dbFile, mode);
    expect(acknowledged).toBeGreaterThanOrEqual(REPORTS_BEFORE_KILL * 40);

    const store = new RunStore(openDatabase(dbFile));
    try {
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const run = store.getRun('killed-run')!;
      expect(run.status).toBe('interrupted');
      expect(run.endedAt).not.toBeNull();
      expect(run.error).toMatch(/^interrupted: the run's end was never recorded; its process \(pid \d+\) ended first$/);
      // Every batch acknowledged before the kill is there, whole: batches 0..acknowledged-1 by sequence.
      const acknowledgedRows = store.db
        .prepare('SELECT count(*) FROM events WHERE run_id = ? AND first_seq < ?')
        .pluck()
        .get('killed-run', acknowledged * 20);
      expect(acknowledgedRows).toBe(acknowledged);
      const stored = store.readEventBatches('killed-run');
      expect(stored.length).toBeGreaterThanOrEqual(acknowledged);
      stored.forEach((batch, i) => {
        expect(batch.firstSeq).toBe(i * 20); // no gap: transactions commit whole or not at all
        expect(JSON.parse(batch.payload)).toHaveLength(20);
      });
      expect(store.countEvents('killed-run')).toBe(stored.length * 20);
      expect(store.db.prepare('SELECT event_count FROM runs').pluck().get()).toBe(stored.length * 20);
    } finally {
      store.close();
    }
  });
});

describe('openDatabase after a crash', () => {
  it('marks runs of a dead process interrupted and leaves those of live processes (and other machines) running', () => {
    const dbFile = path.join(temp.dir, 'owners.db');
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!; // reaped: the pid no longer exists
    const store = RunStore.open(dbFile);
    for (const id of ['dead-owner', 'live-owner', 'reused-pid', 'other-host', 'legacy-live', 'finished']) store.beginRun(sampleRunStart(id));
    const setOwner = store.db.prepare('UPDATE runs SET owner_pid = ?, owner_host = coalesce(?, owner_host), owner_started = ? WHERE id = ?');
    setOwner.run(deadPid, null, null, 'dead-owner');
    // The parent is alive; recorded with its real start time it is judged alive.
    setOwner.run(process.ppid, null, processStartToken(process.ppid), 'live-owner');
    // Same live pid, another start time: the pid was reused, the recorded owner is gone.
    setOwner.run(process.ppid, null, `${processStartToken(process.ppid)!.split('/')[0]}/1`, 'reused-pid');
    // Recorded on another machine sharing the folder: its pid means nothing here, so it is left alone.
    setOwner.run(deadPid, 'another-machine.example', null, 'other-host');
    // Written before owners had start times: judged by the pid alone.
    setOwner.run(process.ppid, null, null, 'legacy-live');
    store.db.prepare(`UPDATE runs SET status = 'ok' WHERE id = 'finished'`).run();
    store.close();

    const reopened = RunStore.open(dbFile);
    const statusOf = (id: string) => reopened.getRun(id)!.status;
    expect(statusOf('dead-owner')).toBe('interrupted');
    expect(reopened.getRun('dead-owner')!.error).toBe(`interrupted: the run's end was never recorded; its process (pid ${deadPid}) ended first`);
    expect(statusOf('live-owner')).toBe('running');
    expect(statusOf('reused-pid')).toBe('interrupted');
    expect(reopened.getRun('reused-pid')!.error).toMatch(/pid \d+\) ended first; that pid now belongs to another process$/);
    expect(statusOf('other-host')).toBe('running');
    expect(statusOf('legacy-live')).toBe('running');
    expect(statusOf('finished')).toBe('ok');
    reopened.close();
    const check = new Database(dbFile, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });
});
