import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { LiveEvent, ServerMessage } from '../../src-main/contract/messages';
import { startLabServer, type LabServer } from '../../src-main/serve/lab-server';
import { LabService } from '../../src-main/service/lab-service';

let dir: string;
let service: LabService;
let server: LabServer;
let origin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-serve-'));
  const root = join(dir, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>lab</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside the renderer root');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'assets', 'escape.txt'));
  symlinkSync(join(root, 'assets', 'app.js'), join(root, 'assets', 'inside.js'));
  service = LabService.open({ dbPath: join(dir, 'history.db') });
  server = await startLabServer({ service, rendererRoot: root });
  origin = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw HTTP request, so that the path reaches the server exactly as written (no client-side normalisation). */
function rawGet(path: string, host = `127.0.0.1:${server.port}`): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', reject);
  });
}

/** Opens a WebSocket; resolves with the socket once open, or with the HTTP status that refused it. */
function openSocket(url: string, headers: Record<string, string>): Promise<{ client: Client } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    // Listening from the start: the server says hello as soon as the socket opens.
    const client = new Client(ws);
    ws.once('open', () => resolve({ client }));
    ws.once('unexpected-response', (_request, response) => {
      resolve({ refused: response.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

class Client {
  private nextId = 1;
  readonly messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as ServerMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }
  async until<T extends ServerMessage>(match: (message: ServerMessage) => message is T, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
  async call(method: string, params: unknown): Promise<Extract<ServerMessage, { type: 'response' }>> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ type: 'request', id, method, params }));
    return this.until((m): m is Extract<ServerMessage, { type: 'response' }> => m.type === 'response' && m.id === id);
  }
}

async function goodClient(): Promise<Client> {
  const opened = await openSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { Origin: origin });
  if (!('client' in opened)) throw new Error(`refused with ${opened.refused}`);
  return opened.client;
}

describe('conlab serve: who may connect', () => {
  test('the page URL is on 127.0.0.1 and carries the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  test('a WebSocket without the token, or with a wrong one, is refused with 401', async () => {
    expect(await openSocket(`ws://127.0.0.1:${server.port}/ws`, { Origin: origin })).toEqual({ refused: 401 });
    expect(await openSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token.slice(0, -1)}x`, { Origin: origin })).toEqual({ refused: 401 });
  });

  test('a WebSocket from another origin, or with no origin, is refused with 403 even with the token', async () => {
    const url = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
    expect(await openSocket(url, { Origin: 'http://evil.example' })).toEqual({ refused: 403 });
    expect(await openSocket(url, { Origin: `http://127.0.0.1:${server.port + 1}` })).toEqual({ refused: 403 });
    expect(await openSocket(url, {})).toEqual({ refused: 403 });
  });

  test('a request naming another host (DNS rebinding) is refused', async () => {
    expect((await rawGet('/', `evil.example:${server.port}`)).status).toBe(403);
    const url = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
    expect(await openSocket(url, { Origin: origin, Host: `evil.example:${server.port}` })).toEqual({ refused: 403 });
  });

  test('with the token and its own origin the socket opens and says hello', async () => {
    const client = await goodClient();
    const hello = await client.until((m): m is Extract<ServerMessage, { type: 'hello' }> => m.type === 'hello');
    expect(hello.protocol).toBe(1);
    client.ws.close();
  });
});

describe('conlab serve: static files stay inside the renderer root', () => {
  test('the page and its assets are served', async () => {
    expect(await rawGet('/')).toMatchObject({ status: 200, body: '<!doctype html><title>lab</title>' });
    expect(await rawGet('/assets/app.js')).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect((await rawGet('/assets/inside.js')).status).toBe(200);
    expect((await rawGet('/nothing-here.js')).status).toBe(404);
  });

  test.each(['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/assets/%00.js'])(
    'path traversal %s is refused',
    async (path) => {
      const response = await rawGet(path);
      expect(response.status).toBe(403);
      expect(response.body).not.toContain('outside the renderer root');
    },
  );

  test('a symlink pointing out of the root is refused', async () => {
    const response = await rawGet('/assets/escape.txt');
    expect(response.status).toBe(403);
    expect(response.body).not.toContain('outside the renderer root');
  });
});

describe('conlab serve: every request is validated with the contract', () => {
  test('a valid request reaches LabService', async () => {
    const client = await goodClient();
    const response = await client.call('lessons.list', {});
    expect(response.ok).toBe(true);
    expect((response as { result: { id: string }[] }).result.map((lesson) => lesson.id)).toContain('race-counter');
    client.ws.close();
  });

  test('bad parameters are refused with their path before LabService is called', async () => {
    const client = await goodClient();
    const badId = await client.call('history.get', { runId: '../../etc' });
    expect(badId).toMatchObject({ ok: false, error: { code: 'bad-request', name: 'BadRequest' } });
    expect((badId as { error: { message: string } }).error.message).toContain('runId');
    const extra = await client.call('lessons.list', { sneaky: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const filter = await client.call('history.list', { filter: { status: 'exploded' } });
    expect((filter as { error: { message: string } }).error.message).toContain('filter.status');
    client.ws.close();
  });

  test('an unknown method and a malformed message are answered with errors, not silence', async () => {
    const client = await goodClient();
    expect(await client.call('service.close', {})).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'unknown method "service.close"' } });
    client.ws.send('not json');
    const answer = await client.until((m): m is Extract<ServerMessage, { type: 'response' }> => m.type === 'response' && m.id === 0);
    expect(answer).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    client.ws.close();
  });

  test("LabService's own errors cross as {name, message, code}", async () => {
    const client = await goodClient();
    expect(await client.call('lessons.get', { id: 'no-such-lesson' })).toMatchObject({ ok: false, error: { name: 'LabError', code: 'not-found' } });
    const badSpec = await client.call('runs.start', { spec: { version: 1, actors: [] } });
    expect(badSpec).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    expect((badSpec as unknown as { error: { issues: { path: string }[] } }).error.issues[0]!.path).toBe('actors');
    client.ws.close();
  });

  test('a started run streams batched live events, then run-ended, at a bounded rate', async () => {
    const client = await goodClient();
    const spec = {
      version: 1,
      shared: { total: { scope: 'shared', initial: 0 } },
      actors: [{ name: 'adder', kind: 'thread', count: 3, program: [{ op: 'repeat', times: 200, steps: [{ op: 'add', var: 'total', delta: 1 }] }] }],
    };
    const started = Date.now();
    const response = await client.call('runs.start', { spec, title: 'serve test' });
    expect(response.ok).toBe(true);
    const { runId } = (response as { result: { runId: string } }).result;
    const isEnded = (m: ServerMessage): m is Extract<ServerMessage, { type: 'event' }> => m.type === 'event' && m.event.type === 'run-ended' && m.event.runId === runId;
    const ended = await client.until(isEnded, 60_000);
    expect(ended.event).toMatchObject({ type: 'run-ended', status: 'ok', error: null });
    const elapsedS = (Date.now() - started) / 1000;
    const live = client.messages.flatMap((m) => (m.type === 'event' && m.event.type === 'run-live' && m.event.runId === runId ? [m.event] : [])) as Extract<LiveEvent, { type: 'run-live' }>[];
    expect(live.length).toBeGreaterThan(0);
    expect(live.map((event) => event.seq)).toEqual(live.map((_, index) => index + 1));
    expect(live.length).toBeLessThanOrEqual(Math.ceil(elapsedS * 10) + 2);
    const events = live.reduce((sum, event) => sum + event.batches.reduce((n, batch) => n + batch.count, 0), 0);
    const record = await client.call('history.get', { runId });
    expect((record as { result: { status: string; title: string } }).result).toMatchObject({ status: 'ok', title: 'serve test' });
    const stored = await client.call('history.events', { runId });
    expect(events).toBe((stored as { result: { count: number }[] }).result.reduce((n, batch) => n + batch.count, 0));
    client.ws.close();
  });
});
