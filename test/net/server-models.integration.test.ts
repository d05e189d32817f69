// Every concurrency model serving real loopback clients, then leaving nothing behind: the port can
// be bound again, child processes are gone, worker threads have exited.
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { MODELS_BY_PROTOCOL, SERVER_MODELS, type ServerModel } from '../../src-main/model/server-config';
import { Connection } from '../../src-main/net/connection';
import { NetError } from '../../src-main/net/errors';
import { httpGet } from '../../src-main/net/http-client';
import { IVR_TEXT } from '../../src-main/net/ivr';
import { startServer, type RunningServer } from '../../src-main/net/server';
import { UdpClient } from '../../src-main/net/udp-client';
import { DEFAULT_HELLO_TEXT } from '../../src-main/net/handlers';
import { canBind, eventLog, isAlive, lines } from './helpers';

const CLIENTS = 6;
const LINES_EACH = 3;

/** Threads and processes a model uses for CLIENTS connections, its own thread and process included. */
const EXPECTED_HELPERS: Record<ServerModel, { threadsUsed: number; processesUsed: number }> = {
  'blocking-serial': { threadsUsed: 1, processesUsed: 1 },
  'event-loop': { threadsUsed: 1, processesUsed: 1 },
  scanning: { threadsUsed: 1, processesUsed: 1 },
  'thread-per-connection': { threadsUsed: 1 + CLIENTS, processesUsed: 1 },
  'worker-pool': { threadsUsed: 1 + 2, processesUsed: 1 },
  'process-per-connection': { threadsUsed: 1, processesUsed: 1 + CLIENTS },
  cluster: { threadsUsed: 1, processesUsed: 1 + 2 },
};

async function expectNothingLeft(server: RunningServer, events: readonly { type: string; pid?: number }[]): Promise<void> {
  expect(await canBind(server.address.port, server.address.host, server.config.protocol === 'udp' ? 'udp' : 'tcp'), `port ${server.address.port} free again`).toBe(true);
  const pids = events.filter((event) => event.type === 'process-started').map((event) => event.pid!);
  for (const pid of pids) expect(isAlive(pid), `pid ${pid} gone`).toBe(false);
  const started = events.filter((event) => event.type === 'thread-started').length;
  const exited = events.filter((event) => event.type === 'thread-exited').length;
  expect(exited, 'every worker thread exited').toBe(started);
}

describe.each(SERVER_MODELS)('TCP %s', (model) => {
  test(`serves ${CLIENTS} concurrent clients, each its own answers, then leaves nothing behind`, async () => {
    const log = eventLog();
    const server = await startServer({ protocol: 'tcp', model, handler: { kind: 'upper' }, framing: { kind: 'delimiter' } }, { onEvent: log.onEvent });
    expect(server.address.port).toBeGreaterThan(0);
    const transcripts = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        const connection = await Connection.connect({ port: server.address.port, framing: { kind: 'delimiter' }, timeoutMs: 10_000 });
        const answers: string[] = [];
        // blocking-serial serves one connection at a time: each client talks, then leaves.
        for (let i = 0; i < LINES_EACH; i++) {
          await connection.sendMessage(`client ${client} line ${i} 你好`);
          answers.push((await connection.recvMessage({ timeoutMs: 10_000 })).toString('utf8'));
        }
        await connection.close();
        return answers;
      }),
    );
    transcripts.forEach((answers, client) => expect(answers).toEqual(Array.from({ length: LINES_EACH }, (_, i) => `CLIENT ${client} LINE ${i} 你好`)));

    const result = await server.stop();
    expect(result.reason).toBe('stopped');
    expect(result.error).toBeNull();
    const metrics = result.metrics;
    expect(metrics.connectionsAccepted).toBe(CLIENTS);
    expect(metrics.requests).toBe(CLIENTS * LINES_EACH);
    expect(metrics.bytesIn).toBe(metrics.bytesOut);
    expect(metrics.currentConnections).toBe(0);
    if (model === 'blocking-serial') expect(metrics.maxConcurrentConnections).toBe(1);
    expect({ threadsUsed: metrics.threadsUsed, processesUsed: metrics.processesUsed }).toEqual(EXPECTED_HELPERS[model]);
    if (model === 'process-per-connection' || model === 'cluster') expect(metrics.cpuParts.childProcesses.userMs + metrics.cpuParts.childProcesses.systemMs).toBeGreaterThan(0);
    await expectNothingLeft(server, log.events);
    // stop is idempotent: the same result again
    expect(await server.stop()).toBe(result);
  });
});

describe('HTTP hello', () => {
  test.each(['event-loop', 'worker-pool', 'process-per-connection', 'scanning'] as const)('%s answers 200, declares utf-8, keeps Chinese intact', async (model) => {
    const log = eventLog();
    const server = await startServer({ protocol: 'http', model, handler: { kind: 'hello' } }, { onEvent: log.onEvent });
    const answers = await Promise.all([1, 2, 3].map(() => httpGet(`http://127.0.0.1:${server.address.port}/`)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.charset).toBe('utf-8');
      expect(answer.text).toBe(DEFAULT_HELLO_TEXT);
    }
    const result = await server.stop();
    expect(result.metrics.requests).toBe(3);
    await expectNothingLeft(server, log.events);
  });

  test('echo over HTTP on ::1 answers the POSTed body', async () => {
    const server = await startServer({ protocol: 'http', model: 'thread-per-connection', handler: { kind: 'upper' }, host: '::1' });
    expect(server.address).toMatchObject({ host: '::1', family: 'IPv6' });
    const connection = await Connection.connect({ host: '::1', port: server.address.port });
    connection.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
    const response = (await connection.recvUntil('HELLO')).toString('latin1');
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(await connection.recv(10)).toHaveLength(0); // the server closed: Connection: close
    await connection.close();
    await server.stop();
  });
});

describe.each(MODELS_BY_PROTOCOL.udp)('UDP %s', (model) => {
  test('keeps datagram boundaries: five sends, five whole answers', async () => {
    const log = eventLog();
    const server = await startServer({ protocol: 'udp', model, handler: { kind: 'upper' } }, { onEvent: log.onEvent });
    const client = await UdpClient.open();
    const sent = ['a', 'bb', 'ccc', 'x'.repeat(1200), '你好 udp'];
    for (const text of sent) await client.sendto(text, { port: server.address.port });
    const got: string[] = [];
    for (let i = 0; i < sent.length; i++) {
      const datagram = await client.recvfrom();
      expect(datagram.from.port).toBe(server.address.port);
      got.push(datagram.data.toString('utf8'));
    }
    // A pool or a cluster may answer out of order; each answer is still one whole datagram.
    expect(got.sort()).toEqual(sent.map((text) => text.replace(/[a-z]/g, (c) => c.toUpperCase())).sort());
    await client.close();
    const result = await server.stop();
    expect(result.metrics.requests).toBe(sent.length);
    expect(result.metrics.bytesIn).toBe(sent.reduce((sum, text) => sum + Buffer.byteLength(text), 0));
    await expectNothingLeft(server, log.events);
  });
});

describe('the IVR service line', () => {
  test.each(['zh', 'en'] as const)('a whole call in %s, transcript as written', async (language) => {
    const server = await startServer({ protocol: 'tcp', model: 'worker-pool', handler: { kind: 'ivr', language } });
    const text = IVR_TEXT[language];
    const call = await Connection.connect({ port: server.address.port });
    const transcript: string[] = [];
    transcript.push(...(await lines(call, 1)));
    for (const [say, expectLines] of [
      ['9', 1],
      ['0', 2],
      ['my bill', 1],
      ['exit', 1],
    ] as const) {
      call.send(`${say}\r\n`);
      transcript.push(...(await lines(call, expectLines)));
    }
    expect(transcript).toEqual([text.welcome, text.retry, text.connecting, text.agentHello, text.agentNoted('my bill'), text.goodbye]);
    expect(await call.recv(100)).toHaveLength(0); // the line hangs up after goodbye
    await call.close();
    const result = await server.stop();
    expect(result.metrics.requests).toBe(4);
  });
});

describe('ports and errors', () => {
  test('a port in use is an error that names the port, TCP and UDP', async () => {
    const first = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } });
    const port = first.address.port;
    const attempt = startServer({ protocol: 'tcp', model: 'cluster', handler: { kind: 'echo' }, port });
    await expect(attempt).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
    await expect(attempt).rejects.toBeInstanceOf(NetError);
    await expect(attempt).rejects.toMatchObject({ code: 'port-in-use' });
    await first.stop();
    const udp = await startServer({ protocol: 'udp', model: 'event-loop', handler: { kind: 'echo' } });
    await expect(startServer({ protocol: 'udp', model: 'worker-pool', handler: { kind: 'echo' }, port: udp.address.port })).rejects.toThrow(`port ${udp.address.port} on 127.0.0.1 is already in use`);
    await udp.stop();
  });

  test('thread-per-connection refuses connections beyond its thread cap, and counts them', async () => {
    const log = eventLog();
    const server = await startServer({ protocol: 'tcp', model: 'thread-per-connection', handler: { kind: 'echo' }, maxThreads: 2 }, { onEvent: log.onEvent });
    const kept = await Promise.all([1, 2].map(() => Connection.connect({ port: server.address.port })));
    for (const connection of kept) connection.send('x');
    for (const connection of kept) expect((await connection.recv(1)).toString()).toBe('x');
    const third = await Connection.connect({ port: server.address.port });
    // Destroyed at once: the client sees an orderly close or a reset, never an answer.
    const outcome = await third.recv(1).then(
      (bytes) => (bytes.length === 0 ? 'closed' : 'answered'),
      (error: NetError) => error.code,
    );
    expect(['closed', 'connection-reset']).toContain(outcome);
    await Promise.all([...kept, third].map((connection) => connection.close()));
    const result = await server.stop();
    expect(result.metrics.connectionsRefused).toBe(1);
    expect(log.events.filter((event) => event.type === 'refused')).toEqual([expect.objectContaining({ reason: 'thread cap of 2 live threads reached' })]);
  });

  test('stop ends connections that are still open, within the grace period', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'process-per-connection', handler: { kind: 'echo' } });
    const connection = await Connection.connect({ port: server.address.port });
    connection.send('ping');
    expect((await connection.recv(10)).toString()).toBe('ping');
    const result = await server.stop({ graceMs: 200 });
    expect(await connection.recv(10)).toHaveLength(0); // the server's FIN
    await connection.close();
    expect(result.metrics.processesUsed).toBe(2);
    expect(await canBind(server.address.port)).toBe(true);
  });

  test('stop after every per-connection process has already ended: it resolves, and the port is free', async () => {
    const log = eventLog();
    const server = await startServer({ protocol: 'http', model: 'process-per-connection', handler: { kind: 'hello' } }, { onEvent: log.onEvent });
    for (let i = 0; i < 2; i++) expect((await httpGet(`http://127.0.0.1:${server.address.port}/`)).status).toBe(200);
    // The connections are closed (no keep-alive); their processes end with them.
    while (log.events.filter((event) => event.type === 'process-exited').length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    const result = await server.stop();
    expect(result.error).toBeNull();
    expect(result.metrics.requests).toBe(2);
    expect(await canBind(server.address.port)).toBe(true);
  }, 20_000);
});

describe('exit reasons', () => {
  test('a cluster process killed from outside: the server records a crash, stops, and leaves nothing behind', async () => {
    const log = eventLog();
    const server = await startServer({ protocol: 'tcp', model: 'cluster', handler: { kind: 'echo' } }, { onEvent: log.onEvent });
    const victim = log.events.find((event) => event.type === 'process-started');
    if (victim?.type !== 'process-started') throw new Error('no cluster process started');
    process.kill(victim.pid, 'SIGKILL');
    const result = await server.stopped;
    expect(result.reason).toBe('crashed');
    expect(result.error).toContain(`[pid ${victim.pid}] a cluster process ended while the server was running`);
    expect(await server.stop()).toBe(result);
    await expectNothingLeft(server, log.events);
  });
});

describe('what the models cost', () => {
  test('with a 100 ms wait per request, blocking-serial takes the sum, the event loop about one wait', async () => {
    const timeFor = async (model: ServerModel): Promise<number> => {
      const server = await startServer({ protocol: 'tcp', model, handler: { kind: 'delay', ms: 100 } });
      const started = performance.now();
      await Promise.all(
        [1, 2, 3, 4].map(async () => {
          const connection = await Connection.connect({ port: server.address.port });
          connection.send('x');
          await connection.recv(1, { timeoutMs: 5_000 });
          await connection.close();
        }),
      );
      const elapsed = performance.now() - started;
      await server.stop();
      return elapsed;
    };
    const serial = await timeFor('blocking-serial');
    const eventLoop = await timeFor('event-loop');
    // Four waits one after another, against four waits that overlap: the margin is about 4 to 1.
    expect(serial).toBeGreaterThanOrEqual(400);
    expect(eventLoop).toBeLessThan(serial / 2);
  });

  test('scanning burns CPU over idle connections; the event loop does not', async () => {
    // What a thread that never sleeps gets of a core meanwhile: a spinning worker measured in the same
    // window. On an idle machine both take ≈ the whole window; on a loaded one the scheduler shares the
    // cores out, and the scanning server gets about what the spinner gets, not a fixed amount.
    const spinnerCpu = (windowMs: number): Promise<number> =>
      new Promise((resolve, reject) => {
        const spinner = new Worker(
          `const { parentPort, workerData } = require('node:worker_threads');
           const { readFileSync } = require('node:fs');
           const cpu = () => { const f = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
           const start = cpu(); const end = Date.now() + workerData;
           while (Date.now() < end) {}
           parentPort.postMessage(cpu() - start);`,
          { eval: true, workerData: windowMs },
        );
        spinner.once('message', (ms: number) => resolve(ms));
        spinner.once('error', reject);
      });
    const idleCpu = async (model: ServerModel): Promise<{ server: number; spinner: number }> => {
      const server = await startServer({ protocol: 'tcp', model, handler: { kind: 'echo' } });
      const idle = await Promise.all(Array.from({ length: 20 }, () => Connection.connect({ port: server.address.port })));
      const before = (await server.metrics()).cpuParts.serverThread;
      // A measurement window, not synchronisation: how much CPU does one idle half-second cost?
      const [spinner] = await Promise.all([spinnerCpu(500), new Promise((resolve) => setTimeout(resolve, 500))]);
      const after = (await server.metrics()).cpuParts.serverThread;
      await Promise.all(idle.map((connection) => connection.close()));
      await server.stop();
      return { server: after.userMs + after.systemMs - before.userMs - before.systemMs, spinner };
    };
    const scanning = await idleCpu('scanning');
    const eventLoop = await idleCpu('event-loop');
    const detail = `scanning ${scanning.server} ms (spinner ${scanning.spinner} ms), event loop ${eventLoop.server} ms`;
    expect(scanning.server, detail).toBeGreaterThanOrEqual(0.4 * scanning.spinner);
    expect(scanning.server, detail).toBeGreaterThan(4 * Math.max(eventLoop.server, 10));
  });
});
