// `conlab serve` stopped (SIGTERM) while a run is active: the run is cancelled, its whole tree ends,
// it is recorded `cancelled`, and then the server exits.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { LabService } from '../../src-main/service/lab-service';
import { blockedTreeSpec, conlabBin, fullTree, listProcesses, killMarked, MARK_VARIABLE, markedProcesses, until } from './lifetime-procs';

const dir = mkdtempSync(join(tmpdir(), 'conlab-serve-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(process.platform === 'linux')('stopping conlab serve', () => {
  test('SIGTERM during a run: the run is recorded cancelled, no process is left, the server exits 0', async () => {
    const renderer = join(dir, 'renderer');
    mkdirSync(renderer, { recursive: true });
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>lab</title>');
    const db = join(dir, 'history.db');
    const mark = randomUUID();
    const server = spawn(process.execPath, [conlabBin, '--db', db, 'serve', '--no-open'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CONLAB_RENDERER_DIR: renderer, [MARK_VARIABLE]: mark },
    });
    let stdout = '';
    let stderr = '';
    server.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    server.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = once(server, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let ws: WebSocket | null = null;
    try {
      const url = new URL(await until(`the page URL (stdout: ${stdout}; stderr: ${stderr})`, () => /open (http:\/\/\S+)/.exec(stdout)?.[1] ?? null, 30_000));
      ws = new WebSocket(`ws://${url.host}/ws?token=${url.searchParams.get('token')}`, { headers: { Origin: url.origin } });
      const messages: { type: string; id?: number; ok?: boolean; result?: { runId?: string }; error?: unknown }[] = [];
      ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as (typeof messages)[number]));
      await once(ws, 'open');
      ws.send(JSON.stringify({ type: 'request', id: 1, method: 'runs.start', params: { spec: blockedTreeSpec } }));
      const response = await until('the runs.start response', () => messages.find((m) => m.type === 'response' && m.id === 1) ?? null, 30_000);
      expect(response, JSON.stringify(response)).toMatchObject({ ok: true });
      const runId = response.result!.runId!;
      await until(`the run's whole tree up (${listProcesses(markedProcesses(mark))})`, () => fullTree(mark), 30_000);

      server.kill('SIGTERM');
      const [code, signal] = await Promise.race([
        exited,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`conlab serve did not exit within 20 s of SIGTERM (stdout: ${stdout}; stderr: ${stderr})`)), 20_000)),
      ]);
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });

      // The server waited for the tree: nothing of the run is left (a short bound for reaping only).
      const left = await until('no marked process left', () => (markedProcesses(mark).length === 0 ? [] : null), 2_000).catch(() => markedProcesses(mark));
      expect(listProcesses(left)).toBe('none');

      const conn = new Database(db, { readonly: true, fileMustExist: true });
      try {
        const row = conn.prepare('SELECT status, error FROM runs WHERE id = ?').get(runId) as { status: string; error: string | null } | undefined;
        expect(row).toEqual({ status: 'cancelled', error: 'cancelled by the user' });
        const trial = conn.prepare('SELECT status FROM trials WHERE run_id = ?').all(runId) as { status: string }[];
        expect(trial).toEqual([{ status: 'cancelled' }]);
      } finally {
        conn.close();
      }
      expect(stdout).toMatch(/stopping: cancelling 1 run in progress/);
    } finally {
      ws?.terminate();
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
      killMarked(mark);
    }
  }, 90_000);

  test('LabService.close with a run in progress (what the app does at quit): cancelled, recorded, nothing left', async () => {
    const db = join(dir, 'service-close.db');
    const mark = randomUUID();
    // Children inherit the environment at spawn: the actors, their OS children and the watchdog carry the mark.
    process.env[MARK_VARIABLE] = mark;
    const service = LabService.open({ dbPath: db });
    try {
      const { runId, done } = await service.startRun({ spec: blockedTreeSpec });
      await until(`the run's whole tree up (${listProcesses(markedProcesses(mark))})`, () => fullTree(mark), 30_000);
      await service.close();
      const run = await done;
      expect({ status: run.status, error: run.error }).toEqual({ status: 'cancelled', error: 'cancelled by the user' });
      // close() waited for the tree: a short bound for reaping only.
      const left = await until('no marked process left', () => (markedProcesses(mark).length === 0 ? [] : null), 2_000).catch(() => markedProcesses(mark));
      expect(listProcesses(left)).toBe('none');
      const conn = new Database(db, { readonly: true, fileMustExist: true });
      try {
        expect(conn.prepare('SELECT status FROM runs WHERE id = ?').get(runId)).toEqual({ status: 'cancelled' });
      } finally {
        conn.close();
      }
    } finally {
      delete process.env[MARK_VARIABLE];
      killMarked(mark);
    }
  }, 60_000);
});
