import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError, LabService } from '../../src-main/service/lab-service';
import { RunStore } from '../../src-main/store/run-store';
import { fixturesDir, projectRoot } from './helpers/child-bundle';
import { makeBatches, makeTempDir, sampleFinish, sampleRunStart, sampleTrial } from './helpers/store-fixtures';

/**
 * No run lost: several CLI processes recording into one file, a write lock held by another program,
 * a full disk, a damaged file, a read-only folder. Real processes, real SQLite files, real mounts
 * (skipped, with the reason in the test name, where mounting is not permitted).
 */

const bin = path.join(projectRoot, 'bin', 'conlab.mjs');
let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir('conlab-failures-');
});
afterAll(() => temp.remove());

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function conlab(args: readonly string[], env: Record<string, string> = {}): { done: Promise<CliResult>; pid: number } {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, pid: child.pid! };
}

async function until<T>(what: string, probe: () => T | null, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A spec of `threads` threads each tracing `marks` marks, `sleepMs` apart (0: back to back). */
function writeSpec(name: string, threads: number, marks: number, sleepMs: number): string {
  const steps: unknown[] = [{ op: 'mark', name: 'tick' }];
  if (sleepMs > 0) steps.push({ op: 'sleep', ms: sleepMs });
  const file = path.join(temp.dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ version: 1, actors: [{ name: 'ticker', kind: 'thread', count: threads, program: [{ op: 'repeat', times: marks, trace: 'each', steps }] }] }),
  );
  return file;
}

interface StoredRun {
  readonly id: string;
  readonly status: string;
  readonly error: string | null;
  readonly event_count: number;
  readonly stored: number;
  readonly trial_events: number;
}

/** Every run of a file, with what its row says and what its event rows and trial rows hold. */
function storedRuns(dbFile: string): StoredRun[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        `SELECT id, status, error, event_count,
           (SELECT coalesce(sum(count), 0) FROM events e WHERE e.run_id = r.id) AS stored,
           (SELECT coalesce(sum(event_count), 0) FROM trials t WHERE t.run_id = r.id) AS trial_events
         FROM runs r ORDER BY started_at`,
      )
      .all() as StoredRun[];
  } finally {
    db.close();
  }
}

const runIdOf = (result: CliResult): string => (JSON.parse(result.stdout) as { runId: string }).runId;

/**
 * Mounting needs privileges: probed once while tests are collected (a small tmpfs mounted and
 * unmounted at once), and the reason kept for the names of the tests it would skip. The tests mount
 * their own file systems inside their bodies and unmount them in `finally`.
 */
function mountingProbe(): string | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conlab-mount-probe-'));
  try {
    const result = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
    if (result.error) return `mount is not available: ${result.error.message}`;
    if (result.status !== 0) return `mount is not permitted here: ${result.stderr.trim() || `exit ${result.status}`}`;
    unmount(dir);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function mount(args: readonly string[], dir: string): void {
  const result = spawnSync('mount', [...args, dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mount ${args.join(' ')} ${dir} failed: ${result.stderr.trim() || result.error?.message}`);
}

/** Unmounts; a mount still busy (a process that has not let go yet) is detached lazily instead of left behind. */
function unmount(dir: string): void {
  if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
}

const cannotMount = mountingProbe();

describe('several CLI processes recording into one database at once', () => {
  it('records every run ok, each with exactly the events it emitted, none left running (and the app records alongside)', async () => {
    const dbFile = path.join(temp.dir, 'shared.db');
    const spec = writeSpec('busy', 2, 4000, 0);
    // Opened first, so the processes race on writing, not on creating the file. This service plays
    // the app: it records a run of its own while the CLIs record theirs.
    const app = LabService.open({ dbPath: dbFile });
    const runs = Array.from({ length: 5 }, () => conlab(['--db', dbFile, 'run', spec, '--json']).done);
    const appRun = await app.run({ spec: JSON.parse(readFileSync(spec, 'utf8')) as unknown });
    const results = await Promise.all(runs);
    await app.close();
    expect(appRun.status).toBe('ok');
    for (const result of results) expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const ids = [...results.map(runIdOf), appRun.id].sort();
    const stored = storedRuns(dbFile);
    expect(stored.map((run) => run.id).sort()).toEqual(ids);
    for (const run of stored) {
      expect(run.status).toBe('ok');
      expect(run.trial_events).toBeGreaterThanOrEqual(2 * 4000);
      expect(run.event_count).toBe(run.trial_events);
      expect(run.stored).toBe(run.trial_events);
    }
  }, 120_000);
});

describe('a write lock held by another program', () => {
  /** Runs the spec through the CLI, takes the lock once its first events are stored, holds it `holdMs`. */
  async function runUnderLock(name: string, marks: number, holdMs: number, env: Record<string, string>) {
    const dbFile = path.join(temp.dir, `${name}.db`);
    await LabService.open({ dbPath: dbFile }).close();
    const run = conlab(['--db', dbFile, 'run', writeSpec(name, 1, marks, 10), '--json'], env);
    await until('the first stored events', () => (storedRuns(dbFile)[0]?.stored ?? 0) > 0 || null, 60_000);
    const holder = spawn(process.execPath, [path.join(fixturesDir, 'lock-holder.mjs'), dbFile, String(holdMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    holder.stdout.setEncoding('utf8').on('data', (chunk: string) => (said += chunk));
    const holderExit = new Promise<number | null>((resolve) => holder.on('close', resolve));
    const result = await run.done;
    expect(await holderExit).toBe(0);
    expect(said).toBe('locked\nreleased\n');
    return { dbFile, result };
  }

  it('longer than the wait bound: the run is stored failed with the lock as the reason, never ok, and stays so', async () => {
    const { dbFile, result } = await runUnderLock('long-lock', 400, 2500, { CONLAB_LOCK_WAIT_MS: '1000' });
    expect(result.code).toBe(1);
    const [run] = storedRuns(dbFile);
    expect(run!.id).toBe(runIdOf(result));
    expect(run!.status).toBe('failed');
    expect(run!.error).toMatch(/^not fully recorded: database locked for \d+\.\d s by another program \(\d+ of \d+ trace events stored/);
    // The row never claims more than the file holds: some batches were lost while the lock was held.
    expect(run!.event_count).toBe(run!.stored);
    expect(run!.stored).toBeLessThan(run!.trial_events);
    expect(run!.stored).toBeGreaterThan(0);
    // A later open (which marks dead owners' runs interrupted) leaves it as it is.
    const service = LabService.open({ dbPath: dbFile });
    try {
      expect(service.getRun(run!.id).status).toBe('failed');
    } finally {
      await service.close();
    }
  }, 120_000);

  it('briefly: the writes wait for it and the run is ok with every event', async () => {
    const { dbFile, result } = await runUnderLock('brief-lock', 150, 500, {});
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const [run] = storedRuns(dbFile);
    expect(run!.status).toBe('ok');
    expect(run!.trial_events).toBeGreaterThanOrEqual(150);
    expect(run!.stored).toBe(run!.trial_events);
    expect(run!.event_count).toBe(run!.trial_events);
  }, 120_000);
});

describe('a full disk', () => {
  it.skipIf(cannotMount !== null)(
    `the run ends failed with "disk full", nothing crashes, and the file opens afterwards${cannotMount ? ` (skipped: ${cannotMount})` : ''}`,
    async () => {
      const mountPoint = mkdtempSync(path.join(os.tmpdir(), 'conlab-full-'));
      mount(['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs'], mountPoint);
      try {
        await fillTheDisk(path.join(mountPoint, 'history.db'));
      } finally {
        unmount(mountPoint);
        rmSync(mountPoint, { recursive: true, force: true });
      }
    },
    120_000,
  );

  async function fillTheDisk(dbFile: string): Promise<void> {
    // About 5 MB of trace for a 2 MB file system.
    const result = await conlab(['--db', dbFile, 'run', writeSpec('fills-the-disk', 2, 60_000, 0), '--json']).done;
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 1, stderr: '' });
    const [run] = storedRuns(dbFile);
    expect(run!.id).toBe(runIdOf(result));
    expect(run!.status).toBe('failed');
    expect(run!.error).toMatch(/^not fully recorded: disk full: no space left for /);
    expect(run!.event_count).toBe(run!.stored);

    const service = LabService.open({ dbPath: dbFile });
    try {
      expect(service.storeHealth.access).toBe('read-write');
      expect(service.listRuns().map((summary) => summary.status)).toEqual(['failed']);
    } finally {
      await service.close();
    }
  }
});

/** A history with three finished runs and some events, written through RunStore. */
function writeHistory(dbFile: string): string[] {
  const store = RunStore.open(dbFile);
  const ids = ['run-a', 'run-b', 'run-c'];
  for (const id of ids) {
    store.beginRun(sampleRunStart(id, { title: `History ${id}` }));
    store.appendEventBatches(id, makeBatches(0, 'adder-1', 400, 20));
    store.saveTrial(id, sampleTrial(0));
    store.finishRun(id, sampleFinish({ eventCount: 8000 }));
  }
  store.close();
  return ids;
}

describe('a damaged file', () => {
  it('is reported on open, readable where its pages are sound, and refuses writes with how to recover', async () => {
    const dbFile = path.join(temp.dir, 'damaged.db');
    writeHistory(dbFile);
    // Overwrite the header and cell pointers of the event b-tree's middle leaf page.
    const check = new Database(dbFile, { readonly: true });
    const leaves = check.prepare(`SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno`).pluck().all() as number[];
    const pageSize = check.pragma('page_size', { simple: true }) as number;
    check.close();
    expect(leaves.length).toBeGreaterThan(10);
    const page = leaves[Math.floor(leaves.length / 2)]!;
    const fd = openSync(dbFile, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xab), 0, 64, (page - 1) * pageSize + 1);
    closeSync(fd);

    const service = LabService.open({ dbPath: dbFile });
    try {
      expect(service.storeHealth.access).toBe('damaged');
      expect(service.storeHealth.problem).toContain(`the run history ${dbFile} is damaged (`);
      expect(service.storeHealth.problem).toMatch(/export the runs you still need .* move .* aside .* import them back/);
      expect(service.storeHealth.problem).not.toContain('\n');
      expect(service.listRuns().map((run) => run.id).sort()).toEqual(['run-a', 'run-b', 'run-c']);
      expect(service.getRun('run-a').status).toBe('ok');
      await expect(service.run({ lessonId: 'thread-start' })).rejects.toMatchObject({ code: 'bad-input', message: service.storeHealth.problem });
      expect(() => service.tagRun('run-a', 'kept')).toThrow(LabError);
      // Exports read every event: the runs on sound pages export whole (the way to recover them), the
      // one whose events sit on the damaged page is refused in one line with the same advice.
      const exports = ['run-a', 'run-b', 'run-c'].map((id) => {
        try {
          return JSON.parse(service.exportRun(id, 'json').data.toString('utf8')) ? 'exported' : 'empty';
        } catch (error) {
          expect(error).toBeInstanceOf(LabError);
          expect((error as LabError).code).toBe('bad-input');
          expect((error as Error).message).toMatch(/^the run history .* is damaged where this was read \(.*\); to recover, export/);
          return 'refused';
        }
      });
      expect(exports).toContain('exported');
      expect(exports).toContain('refused');
    } finally {
      await service.close();
    }

    const cli = await conlab(['--db', dbFile, 'run', 'thread-start']).done;
    expect(cli.code).toBe(2);
    expect(cli.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/^conlab: the run history .* is damaged .*import them back/);
  }, 60_000);
});

describe('a read-only folder', () => {
  it.skipIf(cannotMount !== null)(
    `opens read-only: history readable, a run refused in one line${cannotMount ? ` (skipped: ${cannotMount})` : ''}`,
    async () => {
      const source = mkdtempSync(path.join(os.tmpdir(), 'conlab-ro-source-'));
      const mountPoint = mkdtempSync(path.join(os.tmpdir(), 'conlab-ro-'));
      writeHistory(path.join(source, 'history.db')); // closed cleanly: no -wal or -shm file is left
      // A bind mount made read-only: even root cannot write there, as on a read-only medium.
      mount(['--bind', source], mountPoint);
      try {
        mount(['-o', 'remount,bind,ro'], mountPoint);
        await readOnlyFolder(path.join(mountPoint, 'history.db'));
      } finally {
        unmount(mountPoint);
        rmSync(mountPoint, { recursive: true, force: true });
        rmSync(source, { recursive: true, force: true });
      }
    },
    60_000,
  );

  async function readOnlyFolder(dbFile: string): Promise<void> {
    const service = LabService.open({ dbPath: dbFile });
    try {
      expect(service.storeHealth.access).toBe('read-only');
      expect(service.storeHealth.problem).toMatch(/is read-only \(.*read-only file system\): runs can be read but not recorded/);
      expect(service.listRuns().map((run) => run.id).sort()).toEqual(['run-a', 'run-b', 'run-c']);
      expect(service.runEvents('run-b')).toHaveLength(400);
      await expect(service.run({ lessonId: 'thread-start' })).rejects.toMatchObject({ code: 'bad-input' });
      expect(() => service.addNote('run-a', 'a note')).toThrow(/read-only/);
    } finally {
      await service.close();
    }

    const history = await conlab(['--db', dbFile, 'history']).done;
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('run-a');
    const run = await conlab(['--db', dbFile, 'run', 'thread-start']).done;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^conlab: the run history .* is read-only .* use --db \(or CONLAB_DB\) to record elsewhere\n$/);
  }
});

describe('a read-only file in a writable folder', () => {
  // Root may write to any file, so the CLI runs as the unprivileged user "nobody" (uid 65534).
  const cannotSwitchUser =
    typeof process.getuid !== 'function' || process.getuid() !== 0
      ? 'only root can run the CLI as another user'
      : spawnSync(process.execPath, ['-e', ''], { uid: 65534, gid: 65534 }).status === 0
        ? null
        : 'the user nobody (65534) cannot run node here';

  it.skipIf(cannotSwitchUser !== null)(
    `is read: history listed, a run refused in one line with exit 2${cannotSwitchUser ? ` (skipped: ${cannotSwitchUser})` : ''}`,
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'conlab-ro-file-'));
      try {
        chmodSync(dir, 0o777);
        writeHistory(path.join(temp.dir, 'for-ro-file.db'));
        const dbFile = path.join(dir, 'history.db');
        copyFileSync(path.join(temp.dir, 'for-ro-file.db'), dbFile);
        chmodSync(dbFile, 0o444);
        const asNobody = (args: string[]) =>
          spawnSync(process.execPath, [bin, '--db', dbFile, ...args], { uid: 65534, gid: 65534, encoding: 'utf8', env: { ...process.env, HOME: dir } });
        const history = asNobody(['history']);
        expect({ code: history.status, stderr: history.stderr }).toEqual({ code: 0, stderr: '' });
        expect(history.stdout).toContain('run-c');
        const run = asNobody(['run', 'thread-start']);
        expect(run.status).toBe(2);
        expect(run.stderr).toMatch(/^conlab: the run history .* is read-only \(the file is not writable \(EACCES\)\): runs can be read but not recorded; [^\n]*\n$/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
