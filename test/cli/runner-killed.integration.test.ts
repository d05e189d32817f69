import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { isLiveProcess } from '../../src-main/engine/procfs';
import { LabService } from '../../src-main/service/lab-service';

/** A runner killed with SIGKILL mid-run: its actors go too, and the history keeps what was written. */

const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');

// A zombie (state Z) has exited; only its process-table entry is left.
const isAlive = isLiveProcess;

async function until<T>(what: string, probe: () => T | null, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('SIGKILL of a running conlab: actors exit, the run is marked interrupted, its events are kept, integrity ok', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conlab-kill-'));
  const db = join(dir, 'history.db');
  const spec = join(dir, 'long.json');
  const ticking = [{ op: 'record', name: 'pid', value: { self: 'pid' } }, { op: 'repeat', times: 2000, trace: 'each', steps: [{ op: 'mark', name: 'tick' }, { op: 'sleep', ms: 5 }] }];
  writeFileSync(
    spec,
    JSON.stringify({
      version: 1,
      actors: [
        { name: 'ticker', kind: 'thread', program: ticking },
        { name: 'child', kind: 'process', count: 2, program: ticking },
      ],
    }),
  );
  const runner = spawn(process.execPath, [bin, '--db', db, 'run', spec], { stdio: 'ignore' });
  try {
    const reader = () => new Database(db, { readonly: true, fileMustExist: true });
    // Wait until the runner has committed events of its child processes to the history.
    const pids = await until(
      'events from every actor',
      () => {
        try {
          const conn = reader();
          try {
            // Kill only once all three actors have committed events (the thread included).
            if (!conn.prepare("SELECT 1 FROM events WHERE actor = 'ticker' LIMIT 1").get()) return null;
            const rows = conn.prepare("SELECT payload FROM events WHERE actor LIKE 'child-%'").all() as { payload: string }[];
            const found = new Set<number>();
            for (const row of rows) {
              for (const event of JSON.parse(row.payload) as [number, number, string, string, Record<string, unknown>?][]) {
                if (event[2] === 'actor' && typeof event[4]?.['pid'] === 'number') found.add(event[4]['pid']);
              }
            }
            return found.size === 2 ? [...found] : null;
          } finally {
            conn.close();
          }
        } catch {
          return null; // the database is not created yet
        }
      },
      20_000,
    );
    expect(pids.every(isAlive)).toBe(true);
    runner.kill('SIGKILL');
    await new Promise((resolve) => runner.once('exit', resolve));
    // The children notice the lost IPC channel (or the changed parent pid) and exit.
    await until('process actors to exit', () => (pids.some(isAlive) ? null : true), 5_000);
  } finally {
    if (runner.exitCode === null && runner.signalCode === null) runner.kill('SIGKILL');
  }

  // The runner itself notices its parent is gone within its guard's 50 ms poll and exits; until then it owns the
  // run, which is marked interrupted only once its owner is gone. Open the history once that is so (bounded).
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = LabService.open({ dbPath: db });
    const status = probe.listRuns()[0]?.status;
    await probe.close();
    if (status !== 'running' || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const service = LabService.open({ dbPath: db });
  try {
    const [summary] = service.listRuns();
    expect(summary?.status).toBe('interrupted');
    const run = service.getRun(summary!.id);
    expect(run.status).toBe('interrupted');
    const batches = service.runEvents(run.id);
    expect(batches.reduce((sum, b) => sum + b.count, 0)).toBeGreaterThan(0);
    expect(new Set(batches.map((b) => b.actor))).toEqual(new Set(['ticker', 'child-0', 'child-1']));
  } finally {
    await service.close();
  }
  const conn = new Database(db, { readonly: true });
  expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
  conn.close();
});
