import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { markedProcesses } from '../../src-main/engine/runner/process-tree';
import { pythonEnv } from '../../src-main/engine/runtimes/python-discovery';
import { cpythonIssues } from '../../src-main/engine/runtimes/cpython-support';
import { validateSpec } from '../../src-main/engine/spec/validate';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { pollUntil } from '../engine/helpers/procfs';
import { runSpec, select } from '../engine/helpers/run-spec';
import { python, skipReason, lessonSpec } from './cpython-helpers';

/**
 * The network lab on CPython: the spec's servers run as Python processes of the trial (every model on
 * its CPython mechanism), the socket steps are Python sockets (blocking on threads and processes, the
 * asyncio loop's socket calls on tasks), and the lessons' claims read the same server figures as on
 * Node. Loopback only, small counts. Skipped, with the reason in the test name, without CPython 3.9+.
 */

const workRoot = (): string => mkdtempSync(join(tmpdir(), 'conlab-cpython-net-'));


async function lessonVerdicts(id: string, overrides: Record<string, string | number | boolean> = {}): Promise<{ status: string; verdicts: Record<string, string>; metrics: Record<string, number> }> {
  const { run } = await runExperiment({ spec: lessonSpec(id), runtime: 'cpython', overrides, workRoot: workRoot() });
  const trial = run.trials[run.trials.length - 1]!;
  const metrics = Object.fromEntries(Object.entries(trial.metrics).map(([k, v]) => [k, v as number]));
  return { status: `${run.status}${run.error ? `: ${run.error}` : ''}`, verdicts: Object.fromEntries(run.claims.map((c) => [c.id, c.status])), metrics };
}

/** Is something listening on this loopback port? */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('servers and the port value are no longer refused on cpython; a fixed port is, with its path', () => {
  const spec = validateSpec({
    version: 1,
    servers: { a: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } }, b: { protocol: 'tcp', model: 'cluster', handler: { kind: 'echo' }, port: 40123 } },
    actors: [{ name: 'main', kind: 'main', program: [{ op: 'record', name: 'p', value: { port: 'a' } }] }],
  }).spec;
  const issues = cpythonIssues(spec);
  expect(issues.map((i) => i.path)).toEqual(['servers.b.port']);
  expect(issues[0]!.message).toContain('40123');
});

describe.skipIf(!python)(`the network lab on CPython${skipReason}`, () => {
  test('tcp-basics, ivr-bot, udp-basics and http-hello: every claim holds on CPython', async () => {
    for (const id of ['tcp-basics', 'ivr-bot', 'udp-basics', 'http-hello']) {
      const { status, verdicts } = await lessonVerdicts(id);
      expect(status, id).toBe('ok');
      expect(Object.values(verdicts).length, id).toBeGreaterThan(0);
      for (const [claim, verdict] of Object.entries(verdicts)) expect(verdict, `${id}: ${claim}`).toBe('holds');
    }
  });

  test('threaded-tcp-server, threading-tcp-server and server-models (barriers, a thread each, six models): every claim holds on CPython', async () => {
    const cases: [string, Record<string, number>][] = [
      ['threaded-tcp-server', { clients: 6 }],
      ['threading-tcp-server', { clients: 6 }],
      ['server-models', { loadRequests: 20 }],
    ];
    for (const [id, overrides] of cases) {
      const { status, verdicts } = await lessonVerdicts(id, overrides);
      expect(status, id).toBe('ok');
      expect(Object.values(verdicts).length, id).toBeGreaterThan(0);
      for (const [claim, verdict] of Object.entries(verdicts)) expect(verdict, `${id}: ${claim}`).toBe('holds');
    }
  });

  test('thread, process and task clients talk to the same servers: framed echo, upper, and their sockets closed', async () => {
    const client = (server: string): AuthoredSpec['actors'][number]['program'] => [
      { op: 'connect', server, framing: { kind: 'delimiter', delimiter: '|' }, into: 'c' },
      // Two messages in one write: the server's framing cuts them apart, and frames each answer the same way.
      { op: 'send', conn: { ref: 'c' }, data: 'abc|xy|', all: true },
      { op: 'recv', conn: { ref: 'c' }, message: true, timeoutMs: 5000, into: 'first' },
      { op: 'recv', conn: { ref: 'c' }, message: true, timeoutMs: 5000, into: 'second' },
      { op: 'record', name: 'reply', value: { concat: [{ ref: 'first' }, '+', { ref: 'second' }] } },
      { op: 'close', conn: { ref: 'c' } },
    ];
    const spec: AuthoredSpec = {
      version: 1,
      servers: { framed: { protocol: 'tcp', model: 'worker-pool', workers: 2, framing: { kind: 'delimiter', delimiter: '|' }, handler: { kind: 'upper' } } },
      actors: [
        { name: 'main', kind: 'main', program: [{ op: 'record', name: 'port', value: { port: 'framed' } }, ...client('framed')] },
        { name: 'thread', kind: 'thread', program: client('framed') },
        { name: 'process', kind: 'process', program: client('framed') },
        { name: 'task', kind: 'task', program: client('framed') },
      ],
    };
    const ran = await runSpec(spec, { runtime: 'cpython', workRoot: workRoot() });
    expect(ran.trial.status, ran.trial.error ?? '').toBe('ok');
    expect(ran.trial.records['reply']).toEqual(['ABC+XY', 'ABC+XY', 'ABC+XY', 'ABC+XY']);
    expect(ran.trial.metrics['server.framed.connectionsAccepted']).toBe(4);
    expect(ran.trial.metrics['server.framed.requests']).toBe(8);
    // Two pool threads at most, plus the accepting one.
    expect(ran.trial.metrics['server.framed.threadsUsed']).toBeLessThanOrEqual(3);
    for (const actor of ['main', 'thread', 'process', 'task']) {
      const ops = select(ran.events, { actor }).map((e) => `${e.op}:${e.ph}`).filter((op) => op.startsWith('net.') || ['connect', 'close'].includes(op.split(':')[0]!));
      expect(ops.slice(0, 4), actor).toEqual(['connect:B', 'net.connect:I', 'connect:E', 'net.write:I']);
      expect(ops.slice(-2), actor).toEqual(['net.close:I', 'close:I']);
    }
    // Once the trial is over its server is gone: nothing listens on its port any more.
    expect(await listening(ran.trial.records['port']![0] as number)).toBe(false);
  });

  test('thread-per-connection serves waiting clients at once; blocking-serial one after another', async () => {
    const clients = 4;
    const delayMs = 250;
    const phase = (server: string, group: string): AuthoredSpec['actors'][number]['program'] => [
      { op: 'let', name: 't0', value: { now: 'ms' } },
      { op: 'spawn', actor: group },
      { op: 'join', actor: group },
      { op: 'record', name: `${server}Ms`, value: { sub: [{ now: 'ms' }, { ref: 't0' }] } },
    ];
    const client = (server: string): AuthoredSpec['actors'][number]['program'] => [
      { op: 'connect', server, into: 'c' },
      { op: 'send', conn: { ref: 'c' }, data: { concat: ['hi ', { self: 'index' }] } },
      { op: 'recv', conn: { ref: 'c' }, timeoutMs: 10_000, into: 'r' },
      { op: 'record', name: `${server}Reply`, value: { ref: 'r' } },
      { op: 'close', conn: { ref: 'c' } },
    ];
    const spec: AuthoredSpec = {
      version: 1,
      servers: {
        threaded: { protocol: 'tcp', model: 'thread-per-connection', handler: { kind: 'delay', ms: delayMs, blocking: true } },
        serial: { protocol: 'tcp', model: 'blocking-serial', handler: { kind: 'delay', ms: delayMs, blocking: true } },
      },
      actors: [
        { name: 'main', kind: 'main', program: [...phase('threaded', 'threadedClient'), ...phase('serial', 'serialClient')] },
        { name: 'threadedClient', kind: 'thread', count: clients, autostart: false, program: client('threaded') },
        { name: 'serialClient', kind: 'task', count: clients, autostart: false, program: client('serial') },
      ],
    };
    const ran = await runSpec(spec, { runtime: 'cpython', workRoot: workRoot() });
    expect(ran.trial.status, ran.trial.error ?? '').toBe('ok');
    const { records, metrics } = ran.trial;
    expect(new Set(records['threadedReply'])).toEqual(new Set([0, 1, 2, 3].map((i) => `hi ${i}`)));
    expect(new Set(records['serialReply'])).toEqual(new Set([0, 1, 2, 3].map((i) => `hi ${i}`)));
    expect(metrics['server.threaded.threadsUsed']).toBe(1 + clients);
    expect(metrics['server.threaded.maxConcurrentConnections']).toBe(clients);
    expect(metrics['server.serial.threadsUsed']).toBe(1);
    // Serial: each waits for the ones before it, so the phase takes at least the sum of the delays.
    const serialMs = records['serialMs']![0] as number;
    const threadedMs = records['threadedMs']![0] as number;
    expect(serialMs).toBeGreaterThanOrEqual(clients * delayMs * 0.95);
    expect(threadedMs).toBeGreaterThanOrEqual(delayMs * 0.95);
    expect(threadedMs).toBeLessThan(serialMs * 0.75);
  });

  test('select-server, nonblocking-polling, coroutine-echo-server and select-vs-epoll: every claim holds on CPython (or is undecided by its own given)', async () => {
    const cases: [string, Record<string, number>][] = [
      ['select-server', { clients: 10 }],
      // Two seconds of idle clients: the scanning loop's CPU stands well clear of the event loop's on a busy machine.
      ['nonblocking-polling', { clients: 10, holdMs: 2000 }],
      ['coroutine-echo-server', { connections: 200 }],
      ['select-vs-epoll', { idle: 500, requests: 100 }],
    ];
    for (const [id, overrides] of cases) {
      const { status, verdicts, metrics } = await lessonVerdicts(id, overrides);
      expect(status, id).toBe('ok');
      expect(Object.values(verdicts).length, id).toBeGreaterThan(0);
      for (const [claim, verdict] of Object.entries(verdicts)) {
        // select-vs-epoll's timing claims are decided only on a steady machine (their given says so).
        expect(verdict === 'holds' || (id === 'select-vs-epoll' && claim !== 'idle-held' && verdict === 'inconclusive'), `${id}: ${claim} ${verdict}`).toBe(true);
      }
      if (id === 'coroutine-echo-server') expect(metrics['server.echo.maxConcurrentConnections']).toBe(200);
    }
  });

  test('load, open loop over HTTP: requests go out on schedule, and every one sent is answered or counted an error', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      servers: { web: { protocol: 'http', model: 'thread-per-connection', handler: { kind: 'echo' } } },
      actors: [
        {
          name: 'main',
          kind: 'main',
          program: [
            { op: 'load', server: 'web', connections: 2, durationMs: 390, ratePerConnection: 50, messageBytes: 8, into: 'r' },
            { op: 'record', name: 'sent', value: { at: [{ ref: 'r' }, 'sent'] } },
            { op: 'record', name: 'answered', value: { at: [{ ref: 'r' }, 'answered'] } },
            { op: 'record', name: 'errors', value: { at: [{ ref: 'r' }, 'errors'] } },
            { op: 'record', name: 'opened', value: { at: [{ ref: 'r' }, 'connections'] } },
          ],
        },
      ],
    };
    const ran = await runSpec(spec, { runtime: 'cpython', workRoot: workRoot() });
    expect(ran.trial.status, ran.trial.error ?? '').toBe('ok');
    const value = (name: string): number => ran.trial.records[name]![0] as number;
    const [sent, answered, errors, opened] = [value('sent'), value('answered'), value('errors'), value('opened')];
    expect(opened).toBe(2);
    // 2 connections × 50/s for 0.39 s: 20 each, at 0, 20, …, 380 ms (the schedule, not the answers, sets the count).
    expect(sent).toBe(40);
    expect(answered + errors).toBe(sent);
    expect(answered).toBeGreaterThan(0);
    // One priming request per connection, then the measured ones, each a whole HTTP exchange.
    expect(ran.trial.metrics['server.web.requests']).toBe(2 + answered);
    expect(select(ran.events, { op: 'load', ph: 'E' })).toHaveLength(1);
  });

  test('sticky-packets and file-upload: every claim holds on CPython (a 32 MB upload in 16 MB writes shows refused writes and drains)', async () => {
    for (const id of ['sticky-packets', 'file-upload']) {
      const { status, verdicts } = await lessonVerdicts(id);
      expect(status, id).toBe('ok');
      for (const [claim, verdict] of Object.entries(verdicts)) expect(verdict, `${id}: ${claim}`).toBe('holds');
    }
  });

  test('a file-receive server with a saveDir in the trial folder takes an upload, and refuses a name that is not a bare file name', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      servers: { files: { protocol: 'tcp', model: 'thread-per-connection', handler: { kind: 'file-receive', saveDir: 'inbox/uploads' } } },
      actors: [
        {
          name: 'main',
          kind: 'main',
          program: [
            { op: 'send_file', server: 'files', mb: 0.25, chunkBytes: 65536, into: 'r' },
            { op: 'record', name: 'verified', value: { at: [{ ref: 'r' }, 'verified'] } },
            { op: 'connect', server: 'files', into: 'c' },
            { op: 'send', conn: { ref: 'c' }, data: '../escape.txt|3\nabc', all: true },
            { op: 'recv', conn: { ref: 'c' }, until: '\n', into: 'answer' },
            { op: 'record', name: 'answer', value: { ref: 'answer' } },
            { op: 'close', conn: { ref: 'c' } },
          ],
        },
      ],
    };
    const ran = await runSpec(spec, { runtime: 'cpython', workRoot: workRoot() });
    expect(ran.trial.status, ran.trial.error ?? '').toBe('ok');
    expect(ran.trial.records['verified']).toEqual([true]);
    expect(ran.trial.records['answer']![0]).toMatch(/^error the file name .* is not a bare name$/);
    expect(ran.trial.metrics['server.files.filesRefused']).toBe(1);
  });

  test('a server process saves uploads in its folder, refuses a symbolic link planted in a file\'s place, and reports its figures when told to stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-cpython-netserver-'));
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    const outside = join(dir, 'outside.txt');
    writeFileSync(outside, 'untouched');
    symlinkSync(outside, join(inbox, 'link.txt'));
    const server = spawn(python!.path, ['-m', 'conlab_runtime.netservers'], { cwd: dir, env: pythonEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: Record<string, unknown>[] = [];
    let pending = '';
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
        lines.push(JSON.parse(pending.slice(0, at)) as Record<string, unknown>);
        pending = pending.slice(at + 1);
      }
    });
    const config = { protocol: 'tcp', model: 'event-loop', handler: { kind: 'file-receive', saveDir: 'inbox' }, host: '127.0.0.1', port: 0, backlog: 16, saveDirPath: inbox };
    server.stdin!.write(`${JSON.stringify({ config })}\n`);
    try {
      expect(await pollUntil(() => lines.length >= 1, 15_000)).toBe(true);
      expect(lines[0]).toMatchObject({ type: 'listening' });
      const port = lines[0]!['port'] as number;
      const upload = (text: string): Promise<string> =>
        new Promise((resolve, reject) => {
          const socket = connect({ host: '127.0.0.1', port }, () => socket.end(text));
          let answer = '';
          socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
          socket.on('close', () => resolve(answer));
          socket.on('error', reject);
        });
      expect(await upload('a.txt|3\nabc')).toBe(`ok 3 ${createHash('sha256').update('abc').digest('hex')}\n`);
      expect(readFileSync(join(inbox, 'a.txt'), 'utf8')).toBe('abc');
      expect(await upload('link.txt|3\nxyz')).toMatch(/^error could not save "?'?link\.txt'?"?: a symbolic link is in its place\n$/);
      expect(readFileSync(outside, 'utf8')).toBe('untouched');
      server.stdin!.end('stop\n');
      expect(await pollUntil(() => lines.length >= 2 && server.exitCode !== null, 5_000)).toBe(true);
      expect(lines[1]).toMatchObject({ type: 'metrics', connectionsAccepted: 2, filesRefused: 1, requests: 1, threadsUsed: 1 });
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  });

  test('the six server models of server-models on CPython: every one answers every request; threads and processes as each model uses them', async () => {
    const models = ['blocking-serial', 'thread-per-connection', 'process-per-connection', 'event-loop', 'worker-pool', 'cluster'] as const;
    const key = (model: string): string => model.replace(/-(.)/g, (_, c: string) => c.toUpperCase());
    const spec: AuthoredSpec = {
      version: 1,
      servers: Object.fromEntries(models.map((model) => [key(model), { protocol: 'tcp', model, workers: 2, handler: { kind: 'delay', ms: 20 } }])),
      actors: [
        {
          name: 'main',
          kind: 'main',
          program: models.flatMap((model) => [
            { op: 'load', server: key(model), connections: model === 'blocking-serial' ? 1 : 3, requests: 12, messageBytes: 16, into: 'r' },
            { op: 'record', name: `${key(model)}Answered`, value: { at: [{ ref: 'r' }, 'answered'] } },
            { op: 'record', name: `${key(model)}Errors`, value: { at: [{ ref: 'r' }, 'errors'] } },
          ]),
        },
      ],
    };
    const ran = await runSpec(spec, { runtime: 'cpython', workRoot: workRoot() });
    expect(ran.trial.status, ran.trial.error ?? '').toBe('ok');
    const { records, metrics } = ran.trial;
    for (const model of models) {
      expect(records[`${key(model)}Answered`], model).toEqual([12]);
      expect(records[`${key(model)}Errors`], model).toEqual([0]);
      expect(metrics[`server.${key(model)}.requests`], model).toBe(12 + (model === 'blocking-serial' ? 1 : 3));
    }
    expect(metrics['server.threadPerConnection.threadsUsed']).toBe(4);
    expect(metrics['server.processPerConnection.processesUsed']).toBe(4);
    expect(metrics['server.workerPool.threadsUsed']).toBeLessThanOrEqual(3);
    expect(metrics['server.cluster.processesUsed']).toBe(3);
    for (const single of ['blockingSerial', 'eventLoop']) {
      expect(metrics[`server.${single}.threadsUsed`]).toBe(1);
      expect(metrics[`server.${single}.processesUsed`]).toBe(1);
    }
    expect(metrics['server.eventLoop.maxConcurrentConnections']).toBe(3);
  });

  test('the same spec on Node and on CPython: the same replies, and the servers count the same requests, connections, threads and processes', async () => {
    const servers: Record<string, { protocol: 'tcp' | 'udp' | 'http'; model: string; handler: Record<string, unknown> }> = {
      udpCluster: { protocol: 'udp', model: 'cluster', handler: { kind: 'upper' } },
      udpPool: { protocol: 'udp', model: 'worker-pool', handler: { kind: 'delay', ms: 5 } },
      udpSerial: { protocol: 'udp', model: 'blocking-serial', handler: { kind: 'echo' } },
      udpLoop: { protocol: 'udp', model: 'event-loop', handler: { kind: 'delay', ms: 5 } },
      httpScan: { protocol: 'http', model: 'scanning', handler: { kind: 'delay', ms: 5 } },
      httpFork: { protocol: 'http', model: 'process-per-connection', handler: { kind: 'upper' } },
    };
    const spec = {
      version: 1,
      servers,
      actors: [
        {
          name: 'main',
          kind: 'main',
          program: [
            ...Object.keys(servers).flatMap((name) => [
              { op: 'load', server: name, connections: 3, requests: 30, messageBytes: 16, into: 'r' },
              { op: 'record', name: `${name}Answered`, value: { at: [{ ref: 'r' }, 'answered'] } },
            ]),
            { op: 'http_get', server: 'httpFork', path: '/abc', into: 'page' },
            { op: 'record', name: 'page', value: { at: [{ ref: 'page' }, 'text'] } },
          ],
        },
      ],
    } as AuthoredSpec;
    const figures = async (runtime: 'node' | 'cpython'): Promise<Record<string, unknown>> => {
      const ran = await runSpec(spec, { runtime, workRoot: workRoot() });
      expect(ran.trial.status, `${runtime}: ${ran.trial.error}`).toBe('ok');
      // How many of a pool's threads take turns depends on timing: at most its two, besides the receiving one.
      expect(ran.trial.metrics['server.udpPool.threadsUsed'], runtime).toBeLessThanOrEqual(3);
      const counted = Object.entries(ran.trial.metrics).filter(([key]) => key !== 'server.udpPool.threadsUsed' && /^server\.\w+\.(requests|connectionsAccepted|threadsUsed|processesUsed)$/.test(key));
      return { records: ran.trial.records, metrics: Object.fromEntries(counted) };
    };
    const onCpython = await figures('cpython');
    const onNode = await figures('node');
    expect(Object.keys(onNode['metrics'] as object)).toHaveLength(23);
    expect(onCpython['records']).toEqual(onNode['records']);
    expect(onCpython['metrics']).toEqual(onNode['metrics']);
  });

  test('cancel ends a trial with its servers (a cluster and a process per connection) within 500 ms: nothing is left', async () => {
    const runId = randomUUID();
    const marker = `CONLAB_RUN_ID=${runId}`;
    const controller = new AbortController();
    const tracing = new Set<string>();
    const running = runExperiment({
      spec: {
        version: 1,
        servers: {
          cluster: { protocol: 'tcp', model: 'cluster', workers: 2, handler: { kind: 'echo' } },
          forking: { protocol: 'tcp', model: 'process-per-connection', handler: { kind: 'echo' } },
        },
        actors: [
          {
            name: 'main',
            kind: 'main',
            program: [
              { op: 'connect', server: 'forking', into: 'c' },
              { op: 'send', conn: { ref: 'c' }, data: 'ping' },
              { op: 'recv', conn: { ref: 'c' }, into: 'r' },
              { op: 'mark', name: 'connected' },
              { op: 'sleep', ms: 600_000 },
            ],
          },
        ],
      },
      runtime: 'cpython',
      runId,
      signal: controller.signal,
      workRoot: workRoot(),
      onBatch: (batch) => {
        if (batch.payload.includes('"connected"')) tracing.add(batch.actor);
      },
    });
    // The interpreter, two servers, two cluster members and one per-connection child.
    expect(await pollUntil(() => tracing.size === 1 && markedProcesses(marker).length >= 6, 20_000)).toBe(true);
    const cancelledAt = performance.now();
    controller.abort();
    const gone = await pollUntil(() => markedProcesses(marker).length === 0, 5_000, 10);
    expect(gone).toBe(true);
    expect(performance.now() - cancelledAt).toBeLessThan(500);
    const { run } = await running;
    expect(run.status).toBe('cancelled');
  });
});
