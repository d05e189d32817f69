import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/net/server';
import { SERVER_MODELS, type ServerModel } from '../../src-main/model/server-config';
import { pythonEnv } from '../../src-main/engine/runtimes/python-discovery';
import { python } from '../cpython/cpython-helpers';

/**
 * HTTP as RFC 9110 / 9112 say, on every server model of both runtimes: HEAD answered without a body
 * (curl finds no excess), a Date header, 400 / 505 and a close for heads that are not HTTP/1.x
 * (malformed request line, bare LF, binary garbage, an HTTP/2 preface), 408 and a close for a head
 * that does not complete in time, and Connection / keep-alive as the request's version says. Real
 * curl where Debian has it, raw sockets for what curl will not send.
 */

const run = promisify(execFile);
const curl = ['/usr/bin/curl', '/usr/local/bin/curl'].find((path) => existsSync(path)) ?? null;
const HEAD_TIMEOUT_MS = 400;

interface Target {
  readonly port: number;
  stop(): Promise<void>;
}

/** Sends raw bytes, reads until the server closes (or `limitMs`), and says whether it closed. */
function exchange(port: number, data: Buffer | string, limitMs = 5_000): Promise<{ text: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(data));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false, ms: performance.now() - started });
    }, limitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true, ms: performance.now() - started });
    });
  });
}

/** Requests on one kept connection: sends each when the previous answer is complete. */
async function keptConnection(port: number, requests: readonly string[]): Promise<{ answers: string[]; closed: boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = '';
  let closed = false;
  const answers: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
  });
  socket.on('close', () => {
    closed = true;
  });
  for (const request of requests) {
    socket.write(request);
    const deadline = Date.now() + 5_000;
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      // The answer to a HEAD declares a length and carries no body.
      const length = end < 0 ? -1 : request.startsWith('HEAD ') ? 0 : Number(/content-length: (\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
      if (end >= 0 && buffer.length >= end + 4 + length) {
        answers.push(buffer.slice(0, end + 4 + length));
        buffer = buffer.slice(end + 4 + length);
        break;
      }
      if (closed || Date.now() > deadline) throw new Error(`no complete answer to ${JSON.stringify(request)}; got ${JSON.stringify(buffer)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  const deadline = Date.now() + 2_000;
  while (!closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  socket.destroy();
  return { answers, closed };
}

async function nodeServer(model: ServerModel): Promise<Target> {
  const server: RunningServer = await startServer({
    protocol: 'http',
    model,
    handler: { kind: 'hello' },
    headTimeoutMs: HEAD_TIMEOUT_MS,
    ...(model === 'worker-pool' || model === 'cluster' ? { workers: 2 } : {}),
  });
  return { port: server.address.port, stop: async () => void (await server.stop()) };
}

const pythonRoot = join(__dirname, '../../resources/python');

async function pythonServer(model: ServerModel): Promise<Target> {
  const child: ChildProcess = spawn(python!.path, ['-m', 'conlab_runtime.netservers'], { cwd: pythonRoot, env: pythonEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
  const config = { protocol: 'http', model, handler: { kind: 'hello' }, host: '127.0.0.1', port: 0, framing: { kind: 'none' }, workers: 2, maxThreads: 128, maxProcesses: 32, backlog: 511, headTimeoutMs: HEAD_TIMEOUT_MS };
  child.stdin!.write(`${JSON.stringify({ config })}\n`);
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const line = text.split('\n')[0];
      if (text.includes('\n')) {
        const message = JSON.parse(line!) as { type: string; port?: number; message?: string };
        if (message.type === 'listening') resolve(message.port!);
        else reject(new Error(message.message));
      }
    });
    child.once('exit', (code) => reject(new Error(`the CPython server exited with ${code}`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end('stop\n');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

const cases: { runtime: string; start: (model: ServerModel) => Promise<Target>; skip: boolean }[] = [
  { runtime: 'node', start: nodeServer, skip: false },
  { runtime: 'cpython', start: pythonServer, skip: !python },
];

for (const { runtime, start, skip } of cases) {
  describe.skipIf(skip)(`HTTP on ${runtime}`, () => {
    for (const model of SERVER_MODELS) {
      describe(model, () => {
        let target: Target;
        beforeAll(async () => {
          target = await start(model);
        }, 20_000);
        afterAll(async () => {
          await target?.stop();
        }, 20_000);

        test.skipIf(!curl)('curl: HEAD has the headers and no body, GET has a Date and the body', async () => {
          const url = `http://127.0.0.1:${target.port}/`;
          const head = await run(curl!, ['-sS', '-v', '-I', '--max-time', '5', url]);
          expect(head.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
          expect(head.stdout).toMatch(/\r\nContent-Length: [1-9]\d*\r\n/i);
          expect(head.stderr).not.toMatch(/excess/i);
          const got = await run(curl!, ['-sS', '-i', '--max-time', '5', url, url]);
          const answers = got.stdout.split(/(?=HTTP\/1\.1 )/);
          expect(answers).toHaveLength(2);
          for (const answer of answers) {
            expect(answer).toMatch(/\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
            expect(answer).toContain('Hello from Concurrency Lab!');
          }
        });

        test('refused heads get 400 or 505 and a close', async () => {
          const refusals: [string, Buffer | string, number][] = [
            ['malformed request line', 'HELLO THERE\r\n\r\n', 400],
            ['bare LF', 'GET / HTTP/1.1\nHost: x\n\n', 400],
            ['binary garbage', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), 400],
            ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505],
            ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 400],
          ];
          for (const [what, bytes, status] of refusals) {
            const answer = await exchange(target.port, bytes);
            expect({ what, status: answer.text.slice(0, 12), closed: answer.closed }).toEqual({ what, status: `HTTP/1.1 ${status}`, closed: true });
            expect(answer.text).toMatch(/\r\nConnection: close\r\n/);
          }
        });

        test('a head that does not complete in time gets 408 and a close; an idle kept connection is closed', async () => {
          const slow = await exchange(target.port, 'GET / HTTP/1.1\r\nHost: x\r\n', 10_000);
          expect(slow.closed).toBe(true);
          expect(slow.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
          expect(slow.ms).toBeGreaterThanOrEqual(HEAD_TIMEOUT_MS - 50);
          const silent = await exchange(target.port, '', 10_000);
          expect(silent.closed).toBe(true);
          expect(silent.text).toMatch(/^HTTP\/1\.1 408 /);
        });

        test('Connection and keep-alive as the version says', async () => {
          const old = await keptConnection(target.port, ['GET /a HTTP/1.0\r\n\r\n']);
          expect(old.answers[0]).toMatch(/\r\nConnection: close\r\n/);
          expect(old.closed).toBe(true);
          const oldKept = await keptConnection(target.port, ['GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', 'GET /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n', 'GET /c HTTP/1.0\r\n\r\n']);
          expect(oldKept.answers.map((a) => /\r\nConnection: ([\w-]+)/.exec(a)?.[1])).toEqual(['keep-alive', 'keep-alive', 'close']);
          expect(oldKept.closed).toBe(true);
          const current = await keptConnection(target.port, ['GET /a HTTP/1.1\r\nHost: x\r\n\r\n', 'HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
          expect(current.answers[0]).not.toMatch(/\r\nConnection:/);
          expect(current.answers[1]).toMatch(/\r\n\r\n$/);
          expect(current.answers[2]).toMatch(/\r\nConnection: close\r\n/);
          expect(current.closed).toBe(true);
        });
      });
    }
  });
}

describe.skipIf(!curl)('blocking-serial is not held by a slow client', () => {
  test('a client that never finishes its head is answered 408, and the next client is served', async () => {
    const target = await nodeServer('blocking-serial');
    try {
      const slow = exchange(target.port, 'GET / HTTP/1.1\r\n', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const next = await run(curl!, ['-sS', '--max-time', '8', `http://127.0.0.1:${target.port}/`]);
      expect(next.stdout).toContain('Hello from Concurrency Lab!');
      expect((await slow).text).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await target.stop();
    }
  });
});
