import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticLog } from '../../src-main/bench/groups/store-import';
import { LabError, LabService } from '../../src-main/service/lab-service';
import { projectRoot } from './helpers/child-bundle';
import { makeTempDir } from './helpers/store-fixtures';

/**
 * One write path: every change the service makes (tags, notes, deletions, saved experiments,
 * imports) goes through the store-writer worker, next to other processes writing the same file, and
 * the service's own connection only reads.
 */

const bin = path.join(projectRoot, 'bin', 'conlab.mjs');
let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  temp = makeTempDir('conlab-writepath-');
});
afterAll(() => temp.remove());

function conlab(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('the service file', () => {
  it('holds no SQL and no writable store: it reads through run-reader and writes through the writer', () => {
    const source = readFileSync(path.join(projectRoot, 'src-main/service/lab-service.ts'), 'utf8');
    for (const forbidden of [/\.prepare\(/, /\bdb\./, /\.transaction\(/, /\b(SELECT|UPDATE|INSERT|DELETE FROM|PRAGMA)\b/, /store\/run-store'/, /store\/database'.*openDatabase/]) {
      expect(source, String(forbidden)).not.toMatch(forbidden);
    }
    expect(source).toMatch(/from '\.\.\/store\/run-reader'/);
  });

  it('reads on a connection that refuses writes', async () => {
    const dbPath = path.join(temp.dir, 'query-only.db');
    const service = LabService.open({ dbPath });
    try {
      // The reader is private; reach it the way a slip in the service would, and see it refused.
      const reader = (service as unknown as { store: { db?: Database.Database } }).store;
      expect(() => reader.db!.prepare(`INSERT INTO tags (run_id, tag) VALUES ('x', 'y')`).run()).toThrow(/readonly|read-only|query_only/i);
    } finally {
      await service.close();
    }
  });
});

describe('writes from two processes at once', () => {
  it('keeps every row: the CLI tags, notes and imports while the service does the same and deletes', async () => {
    const dbPath = path.join(temp.dir, 'shared.db');
    const logs = ['run-aaaa-0001', 'run-bbbb-0002', 'run-cccc-0003', 'run-dddd-0004'].map((id) => {
      const file = path.join(temp.dir, `${id}.json`);
      writeSyntheticLog(file, id, 200_000);
      return { id, file };
    });
    const [target, cliImport, serviceImport, doomed] = logs as [(typeof logs)[0], (typeof logs)[0], (typeof logs)[0], (typeof logs)[0]];
    const service = LabService.open({ dbPath });
    try {
      expect((await service.importRunLogFile(target.file)).result).toBe('inserted');
      expect((await service.importRunLogFile(doomed.file)).result).toBe('inserted');

      const cliTags = Array.from({ length: 15 }, (_, i) => `cli-${i}`);
      const serviceTags = Array.from({ length: 15 }, (_, i) => `svc-${i}`);
      const cli = Promise.all([
        conlab(['--db', dbPath, 'tag', target.id, ...cliTags]),
        conlab(['--db', dbPath, 'note', target.id, 'cli note 1']),
        conlab(['--db', dbPath, 'note', target.id, 'cli note 2']),
        conlab(['--db', dbPath, 'import', cliImport.file]),
      ]);
      const own = Promise.all([
        ...serviceTags.map((tag) => service.tagRun(target.id, tag)),
        ...Array.from({ length: 10 }, (_, i) => service.addNote(target.id, `service note ${i}`)),
        ...Array.from({ length: 5 }, (_, i) => service.saveExperiment({ name: `experiment ${i}`, spec: { version: 1, n: i } })),
        service.importRunLogFile(serviceImport.file),
        service.deleteRun(doomed.id),
      ]);
      const [cliResults] = await Promise.all([cli, own]);
      for (const result of cliResults) expect(result, result.stderr).toMatchObject({ code: 0 });

      const run = service.getRun(target.id);
      for (const tag of [...cliTags, ...serviceTags]) expect(run.tags).toContain(tag);
      const notes = run.notes.map((note) => note.text);
      for (const text of ['cli note 1', 'cli note 2', ...Array.from({ length: 10 }, (_, i) => `service note ${i}`)]) expect(notes).toContain(text);
      expect(service.listExperiments().map((e) => e.name).sort()).toEqual(Array.from({ length: 5 }, (_, i) => `experiment ${i}`));
      expect(service.listRuns().map((r) => r.id).sort()).toEqual([target.id, cliImport.id, serviceImport.id].sort());
    } finally {
      await service.close();
    }
  }, 60_000);
});

describe('errors from the writer keep their meaning', () => {
  it('a bad experiment, a conflicting import and a lock held too long are refused in one line each', async () => {
    const dbPath = path.join(temp.dir, 'errors.db');
    const first = path.join(temp.dir, 'errors-first.json');
    const clash = path.join(temp.dir, 'errors-clash.json');
    writeSyntheticLog(first, 'clash-run-1', 50_000);
    writeSyntheticLog(clash, 'clash-run-1', 120_000); // same id, other events
    const previous = process.env['CONLAB_LOCK_WAIT_MS'];
    process.env['CONLAB_LOCK_WAIT_MS'] = '300';
    const service = LabService.open({ dbPath });
    try {
      expect(() => service.saveExperiment({ name: '  ', spec: {} })).toThrow(LabError);
      await service.importRunLogFile(first);
      await expect(service.importRunLogFile(clash)).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/already in the history with different/) });

      // Another program holds the write lock longer than the wait: the tag is refused, nothing hangs.
      const other = new Database(dbPath);
      other.prepare('BEGIN IMMEDIATE').run();
      try {
        const refused = await service.tagRun('clash-run-1', 'held').then(
          () => null,
          (error: unknown) => error,
        );
        expect(refused).toBeInstanceOf(LabError);
        expect((refused as LabError).code).toBe('unavailable');
        expect((refused as LabError).message).toMatch(/is locked by another program/);
        expect((refused as LabError).message).not.toContain('\n');
      } finally {
        other.prepare('COMMIT').run();
        other.close();
      }
      // Released: the next change goes through.
      await service.tagRun('clash-run-1', 'after');
      expect(service.getRun('clash-run-1').tags).toContain('after');
      expect(service.getRun('clash-run-1').tags).not.toContain('held');
    } finally {
      if (previous === undefined) delete process.env['CONLAB_LOCK_WAIT_MS'];
      else process.env['CONLAB_LOCK_WAIT_MS'] = previous;
      await service.close();
    }
  }, 60_000);
});

describe('a large import', () => {
  it('keeps reads answering quickly relative to the import', async () => {
    const dbPath = path.join(temp.dir, 'large.db');
    const file = path.join(temp.dir, 'large.json');
    const bytes = writeSyntheticLog(file, 'large-run-0001', 30 * 1024 * 1024);
    expect(bytes).toBeGreaterThan(25 * 1024 * 1024);
    const service = LabService.open({ dbPath });
    try {
      const small = path.join(temp.dir, 'small.json');
      writeSyntheticLog(small, 'small-run-0001', 20_000);
      await service.importRunLogFile(small);

      let importing = true;
      const started = performance.now();
      const imported = service.importRunLogFile(file).finally(() => (importing = false));
      const latencies: number[] = [];
      // One read due every 5 ms while the import runs; each latency counts from when it was due.
      for (let due = performance.now(); importing; due += 5) {
        const wait = due - performance.now();
        if (wait > 0) await delay(wait);
        if (!importing) break;
        expect(service.listRuns().length).toBeGreaterThanOrEqual(1);
        latencies.push(performance.now() - due);
      }
      expect((await imported).result).toBe('inserted');
      const importMs = performance.now() - started;
      expect(service.runEvents('large-run-0001').length).toBeGreaterThan(0);

      expect(latencies.length).toBeGreaterThanOrEqual(10);
      const worst = Math.max(...latencies);
      // The margin: no read waits more than a quarter of the import's duration.
      expect(worst, `worst read ${worst.toFixed(0)} ms during an import of ${importMs.toFixed(0)} ms`).toBeLessThan(importMs / 4);
    } finally {
      await service.close();
    }
  }, 120_000);
});
