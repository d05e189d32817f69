// Client operations over real loopback sockets: every framing mode against a server, the
// sticky-packet demonstration, file transfer with back-pressure, UDP, HTTP, servers in a process
// of their own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Connection, type ClientEvent } from '../../src-main/net/connection';
import { NetError } from '../../src-main/net/errors';
import { generateFile, sendFile } from '../../src-main/net/file-transfer';
import type { Framing } from '../../src-main/model/server-config';
import { httpGet } from '../../src-main/net/http-client';
import { startServer } from '../../src-main/net/server';
import { startBareEchoProcess, startServerProcess } from '../../src-main/net/server-process';
import { runStickyDemo } from '../../src-main/net/sticky-demo';
import { canBind, isAlive } from './helpers';

const scratch = mkdtempSync(join(tmpdir(), 'conlab-net-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('framing modes, end to end', () => {
  const framings: Framing[] = [{ kind: 'delimiter' }, { kind: 'delimiter', delimiter: '\r\n' }, { kind: 'length-prefix' }, { kind: 'acknowledge' }];
  test.each(framings.map((framing) => [framing.kind + ('delimiter' in framing && framing.delimiter ? ' (\\r\\n)' : ''), framing] as const))(
    '%s: back-to-back messages come back one by one, whole',
    async (_, framing) => {
      // The worker-pool runs the session on another thread: the framing state machine crosses threads too.
      const server = await startServer({ protocol: 'tcp', model: 'worker-pool', handler: { kind: 'upper' }, framing });
      const events: ClientEvent[] = [];
      const connection = await Connection.connect({ port: server.address.port, framing, onEvent: (event) => events.push(event) });
      const messages = ['first', '', 'third: 你好', 'x'.repeat(100_000)];
      if (framing.kind === 'acknowledge') {
        // Stop-and-wait: each send resolves once the server has ACKed header and body.
        for (const message of messages) {
          await connection.sendMessage(message);
          expect((await connection.recvMessage()).toString('utf8')).toBe(message.toUpperCase());
        }
        expect(events.filter((event) => event.op === 'ack').length).toBe(messages.length * 4);
      } else {
        // Pipelined: all sent before any is read; the framing alone keeps them apart.
        await Promise.all(messages.map((message) => connection.sendMessage(message)));
        for (const message of messages) expect((await connection.recvMessage()).toString('utf8')).toBe(message.toUpperCase());
      }
      await connection.close();
      const result = await server.stop();
      expect(result.metrics.requests).toBe(messages.length);
    },
  );

  test('none: one read is whatever arrived; recv(n) returns at most n; recvExactly waits for n', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } });
    const connection = await Connection.connect({ port: server.address.port });
    connection.send('abcdef');
    expect((await connection.recvExactly(6)).toString()).toBe('abcdef');
    connection.send('0123456789');
    expect((await connection.recvExactly(10)).length).toBe(10);
    connection.send('xyz');
    const firstTwo = await connection.recv(2);
    expect(firstTwo.toString()).toBe('xy');
    expect((await connection.recv(100)).toString()).toBe('z');
    await expect(connection.recv(1, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
    connection.end(); // half-close: the server answers what it has and closes
    expect(await connection.recv(10)).toHaveLength(0);
    await connection.close();
    await server.stop();
  });
});

describe('back-pressure', () => {
  test('a client that sends 8 MB before reading any: the echo server pauses, resumes, and every byte comes back', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } });
    const connection = await Connection.connect({ port: server.address.port });
    const payload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i);
    const sending = connection.sendAll(payload);
    const back = await connection.recvExactly(payload.length, { timeoutMs: 30_000 });
    const sent = await sending;
    expect(back.equals(payload)).toBe(true);
    expect(sent.refusedWrites).toBeGreaterThan(0);
    await connection.close();
    expect((await server.stop()).metrics.bytesOut).toBe(payload.length);
  });
});

describe('sticky packets', () => {
  test('the naive receiver reads header and data as one header, every time', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const result = await runStickyDemo('naive');
      expect(result.correct).toBe(false);
      expect(result.headerSeen).toBe('report.txt|21hello, sticky packets');
      expect(result.size).toBeNull();
      expect(result.problem).toContain('stuck together');
    }
  });

  test.each(['acknowledge', 'length-prefix'] as const)('the %s fix reads both right', async (mode) => {
    const result = await runStickyDemo(mode, { name: '报告.txt', content: '粘包 fixed' });
    expect(result).toMatchObject({ correct: true, headerSeen: `报告.txt|${Buffer.byteLength('粘包 fixed')}`, name: '报告.txt', data: '粘包 fixed', problem: null });
  });
});

describe('file transfer', () => {
  test('4 MB in chunks: checksum verified, partial writes and drains visible, progress to the end', async () => {
    const file = generateFile(join(scratch, 'upload.bin'), 4, 7);
    const saveDir = mkdtempSync(join(scratch, 'saved-'));
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'file-receive', saveDir } });
    const events: ClientEvent[] = [];
    const progress: number[] = [];
    const result = await sendFile({
      port: server.address.port,
      path: file.path,
      onProgress: (p) => progress.push(p.sentBytes),
      onEvent: (event) => events.push(event),
    });
    expect(result).toMatchObject({ name: 'upload.bin', bytes: file.bytes, sha256: file.sha256, remoteSha256: file.sha256, remoteBytes: file.bytes, verified: true });
    expect(result.refusedWrites).toBeGreaterThan(0);
    const refused = events.filter((event) => event.op === 'write' && !event.accepted);
    const drains = events.filter((event) => event.op === 'drain');
    expect(refused.length).toBe(result.refusedWrites);
    expect(drains.length).toBe(result.refusedWrites);
    expect(progress.at(-1)).toBe(file.bytes);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(readFileSync(join(saveDir, 'upload.bin')).equals(readFileSync(file.path))).toBe(true);
    const stopped = await server.stop();
    expect(stopped.metrics.requests).toBe(1);
    expect(stopped.metrics.bytesIn).toBe(file.bytes + Buffer.byteLength(`upload.bin|${file.bytes}\n`));
  });

  test('the receiver refuses a name that is a path', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'file-receive' } });
    const connection = await Connection.connect({ port: server.address.port });
    connection.send('../etc/passwd|4\nroot');
    expect((await connection.recvUntil('\n')).toString()).toMatch(/^error the file name "\.\.\/etc\/passwd" is not a bare name/);
    await connection.close();
    await server.stop();
  });
});

describe('clients and their errors', () => {
  test('connecting where nothing listens says so, with the address', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } });
    const port = server.address.port;
    await server.stop();
    await expect(Connection.connect({ port })).rejects.toMatchObject({ code: 'connect-refused', message: `nothing listens on port ${port} of 127.0.0.1 (connection refused)` });
  });

  test('only loopback: other hosts are refused before any packet leaves', async () => {
    await expect(Connection.connect({ host: '10.0.0.1' as '127.0.0.1', port: 80 })).rejects.toThrow(/only uses the loopback addresses/);
    await expect(httpGet('http://example.com/')).rejects.toBeInstanceOf(NetError);
  });
});

describe('servers in a process of their own', () => {
  test('a lab server in a child process: same interface, its own pid, gone after stop', async () => {
    const events: string[] = [];
    const server = await startServerProcess({ protocol: 'tcp', model: 'worker-pool', handler: { kind: 'echo' } }, { onEvent: (event) => events.push(event.type) });
    expect(server.pid).not.toBe(process.pid);
    const connection = await Connection.connect({ port: server.address.port });
    connection.send('over there');
    expect((await connection.recv(100)).toString()).toBe('over there');
    await connection.close();
    const metrics = await server.metrics();
    expect(metrics.requests).toBe(1);
    expect(metrics.cpuScope).toBe('hosting-process');
    const result = await server.stop();
    expect(result.reason).toBe('stopped');
    expect(result.metrics.connectionsAccepted).toBe(1);
    expect(isAlive(server.pid)).toBe(false);
    expect(await canBind(server.address.port)).toBe(true);
    expect(events).toContain('thread-started');
  });

  test('the bare echo baseline answers and goes away', async () => {
    const bare = await startBareEchoProcess();
    const connection = await Connection.connect({ port: bare.address.port });
    connection.send('bare');
    expect((await connection.recv(10)).toString()).toBe('bare');
    await connection.close();
    await bare.stop();
    expect(isAlive(bare.pid)).toBe(false);
  });

  test('a port in use reaches the caller from the child, naming the port', async () => {
    const holder = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } });
    await expect(startServerProcess({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' }, port: holder.address.port })).rejects.toMatchObject({
      code: 'port-in-use',
      message: expect.stringContaining(`port ${holder.address.port} on 127.0.0.1 is already in use`) as string,
    });
    await holder.stop();
  });
});
