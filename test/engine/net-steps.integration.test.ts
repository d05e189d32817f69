import net from 'node:net';
import { describe, expect, test } from 'vitest';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { SpecError, validateSpec } from '../../src-main/engine/spec/validate';
import { runSpec, select } from './helpers/run-spec';

/** Servers as experiment components, and the socket steps of actors of every kind. */

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

const client = (message: string) => [
  { op: 'connect', server: 'upper', into: 'c' },
  { op: 'send', conn: { ref: 'c' }, data: `${message}\n`, all: true },
  { op: 'recv', conn: { ref: 'c' }, until: '\n', into: 'reply' },
  { op: 'record', name: 'reply', value: { ref: 'reply' } },
  { op: 'close', conn: { ref: 'c' } },
];

describe('network steps', () => {
  test('a thread, a process and a task talk to one upper-casing server; HTTP and UDP servers answer; every port is free afterwards', async () => {
    const spec = {
      version: 1,
      servers: {
        upper: { protocol: 'tcp', model: 'thread-per-connection', handler: { kind: 'upper' } },
        web: { protocol: 'http', model: 'event-loop', handler: { kind: 'hello', text: '你好, lab' } },
        dgram: { protocol: 'udp', model: 'event-loop', handler: { kind: 'echo' } },
      },
      actors: [
        { name: 't', kind: 'thread', program: client('from a thread') },
        { name: 'p', kind: 'process', program: client('from a process') },
        { name: 'k', kind: 'task', program: client('from a task') },
        {
          name: 'main',
          kind: 'main',
          program: [
            { op: 'http_get', server: 'web', path: '/', into: 'page' },
            { op: 'record', name: 'status', value: { at: [{ ref: 'page' }, 'status'] } },
            { op: 'record', name: 'charset', value: { at: [{ ref: 'page' }, 'charset'] } },
            { op: 'record', name: 'body', value: { at: [{ ref: 'page' }, 'text'] } },
            { op: 'sendto', server: 'dgram', data: 'one' },
            { op: 'sendto', server: 'dgram', data: 'two' },
            { op: 'recvfrom', timeoutMs: 2000, into: 'd1' },
            { op: 'recvfrom', timeoutMs: 2000, into: 'd2' },
            { op: 'record', name: 'datagrams', value: { concat: [{ ref: 'd1' }, '|', { ref: 'd2' }] } },
            { op: 'record', name: 'port', value: { port: 'upper' } },
            { op: 'load', server: 'upper', connections: 4, requests: 200, messageBytes: 16, threads: 1, into: 'report' },
            { op: 'record', name: 'loadSent', value: { at: [{ ref: 'report' }, 'sent'] } },
            { op: 'record', name: 'loadAnswered', value: { at: [{ ref: 'report' }, 'answered'] } },
            { op: 'record', name: 'loadErrors', value: { at: [{ ref: 'report' }, 'errors'] } },
          ],
        },
      ],
    } as unknown as AuthoredSpec;
    const { run, trial, events } = await runSpec(spec);
    expect({ status: run.status, error: run.error }).toEqual({ status: 'ok', error: null });
    expect((trial.records['reply'] as string[]).slice().sort()).toEqual(['FROM A PROCESS', 'FROM A TASK', 'FROM A THREAD']);
    expect(trial.records['status']).toEqual([200]);
    expect(trial.records['charset']).toEqual(['utf-8']);
    expect(trial.records['body']).toEqual(['你好, lab']);
    expect(trial.records['datagrams']).toEqual(['one|two']);
    expect(trial.records['loadSent']).toEqual([200]);
    expect(trial.records['loadAnswered']).toEqual([200]);
    expect(trial.records['loadErrors']).toEqual([0]);
    expect(trial.metrics['server.upper.connectionsAccepted']).toBeGreaterThanOrEqual(3 + 4);
    expect(trial.metrics['server.upper.threadsUsed']).toBeGreaterThanOrEqual(3);
    expect(select(events, { op: 'connect', ph: 'E' })).toHaveLength(3);
    const [port] = trial.records['port'] as number[];
    expect(port).toBe(trial.metrics['server.upper.port']);
    for (const name of ['upper', 'web', 'dgram']) {
      if (name !== 'dgram') expect(await portIsFree(trial.metrics[`server.${name}.port`]!)).toBe(true);
    }
  });

  test('a file upload is verified by checksum, and partial writes show in the trace', async () => {
    const spec = {
      version: 1,
      servers: { files: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'file-receive' } } },
      actors: [{ name: 'main', kind: 'main', program: [{ op: 'send_file', server: 'files', mb: 8, chunkBytes: 1_048_576, into: 'r' }, { op: 'record', name: 'verified', value: { at: [{ ref: 'r' }, 'verified'] } }] }],
    } as unknown as AuthoredSpec;
    const { trial, events } = await runSpec(spec);
    expect(trial.records['verified']).toEqual([true]);
    expect(select(events, { op: 'net.progress' }).length).toBeGreaterThan(2);
    expect(select(events, { op: 'net.write' }).length).toBeGreaterThan(0);
  });

  test('a server that cannot start fails the trial with the port named', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const spec = {
        version: 1,
        servers: { echo: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' }, port: taken } },
        actors: [{ name: 'main', kind: 'main', program: [{ op: 'connect', server: 'echo', into: 'c' }] }],
      } as unknown as AuthoredSpec;
      const { run } = await runSpec(spec);
      expect(run.status).toBe('failed');
      expect(run.error).toContain(String(taken));
    } finally {
      blocker.close();
    }
  });

  test('validation: an unknown server, and a step the server\'s protocol cannot serve', () => {
    const spec = {
      version: 1,
      servers: { web: { protocol: 'http', model: 'event-loop', handler: { kind: 'hello' } } },
      actors: [{ name: 'main', kind: 'main', program: [{ op: 'connect', server: 'web', into: 'c' }, { op: 'http_get', server: 'nope', into: 'p' }] }],
    };
    try {
      validateSpec(spec);
      expect.unreachable();
    } catch (error) {
      const issues = (error as SpecError).issues;
      expect(issues.map((i) => i.path)).toEqual(['actors[0].program[0].server', 'actors[0].program[1].server']);
      expect(issues[0]!.expected).toBe('tcp');
    }
  });
});
