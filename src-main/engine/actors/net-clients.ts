import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { Connection, UdpClient } from '../../net/index';
import type { Framing, LoopbackHost } from '../../model/server-config';
import type { TraceBuffer } from '../trace/trace-buffer';
import { ActorFailure } from './interpreter';
import { ownValue } from '../spec/own-names';

/**
 * An actor's network clients: connections to the run's servers, one UDP socket, HTTP requests,
 * loads and file transfers. The network library is loaded on first use only, so actors that never
 * touch a socket do not pay for it at start-up. Every socket is closed when the actor ends.
 */

type NetModule = typeof import('../../net/index');
let netModule: Promise<NetModule> | null = null;
const loadNet = (): Promise<NetModule> => (netModule ??= import('../../net/index'));
/** Files generated for send_file steps by this thread. */
let uploads = 0;

export interface ServerAddress {
  readonly host: LoopbackHost;
  readonly port: number;
  readonly protocol: 'tcp' | 'udp' | 'http';
}

export interface RecvOptions {
  readonly bytes?: number | undefined;
  readonly until?: string | undefined;
  readonly message?: boolean | undefined;
  readonly timeoutMs?: number | undefined;
}

function failure(error: unknown): ActorFailure {
  return new ActorFailure(error instanceof Error ? error.message : String(error));
}

export class NetClients {
  private readonly connections = new Map<string, Connection>();
  private udp: UdpClient | null = null;
  private nextId = 1;

  constructor(
    private readonly servers: Readonly<Record<string, ServerAddress>>,
    private readonly trace: TraceBuffer,
    private readonly workDir: string,
  ) {}

  address(server: string): ServerAddress {
    const address = ownValue(this.servers, server);
    if (!address) throw new ActorFailure(`no server named ${server} is running in this trial`);
    return address;
  }

  private connection(id: unknown): Connection {
    const connection = typeof id === 'string' ? this.connections.get(id) : undefined;
    if (!connection) throw new ActorFailure(`${JSON.stringify(id)} is not an open connection (use the name a connect step put in its "into")`);
    return connection;
  }

  async connect(server: string, framing: Framing | undefined, timeoutMs: number | undefined): Promise<string> {
    const { host, port } = this.address(server);
    const id = `conn-${this.nextId++}`;
    const net = await loadNet();
    try {
      const connection = await net.Connection.connect({
        host,
        port,
        ...(framing ? { framing } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        // Partial writes and 'drain' are part of the lesson: they go to the trace as they happen.
        onEvent: (event) => {
          if (event.op !== 'read') this.trace.emit(`net.${event.op}`, 'I', { conn: id, ...event });
        },
      });
      this.connections.set(id, connection);
      return id;
    } catch (error) {
      throw failure(error);
    }
  }

  async send(id: unknown, data: string, all: boolean): Promise<Record<string, unknown>> {
    const connection = this.connection(id);
    try {
      if (all) return { ...(await connection.sendAll(data)) };
      return { ...connection.send(data) };
    } catch (error) {
      throw failure(error);
    }
  }

  async recv(id: unknown, options: RecvOptions): Promise<string> {
    const connection = this.connection(id);
    const receive = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
    try {
      let data: Buffer;
      if (options.message) data = await connection.recvMessage(receive);
      else if (options.until !== undefined) data = await connection.recvUntil(options.until, receive);
      else data = await connection.recv(options.bytes ?? 65_536, receive);
      return data.toString('utf8');
    } catch (error) {
      throw failure(error);
    }
  }

  async close(id: unknown): Promise<void> {
    const connection = this.connection(id);
    this.connections.delete(id as string);
    await connection.close();
  }

  async sendto(server: string, data: string): Promise<number> {
    const { host, port } = this.address(server);
    const net = await loadNet();
    this.udp ??= await net.UdpClient.open({ host });
    try {
      return await this.udp.sendto(data, { host, port });
    } catch (error) {
      throw failure(error);
    }
  }

  async recvfrom(timeoutMs: number | undefined): Promise<{ data: string; from: { host: string; port: number } }> {
    if (!this.udp) throw new ActorFailure('recvfrom before any sendto: this actor has no UDP socket yet');
    try {
      const datagram = await this.udp.recvfrom(timeoutMs !== undefined ? { timeoutMs } : {});
      return { data: datagram.data.toString('utf8'), from: { ...datagram.from } };
    } catch (error) {
      throw failure(error);
    }
  }

  async httpGet(server: string, path: string): Promise<{ status: number; charset: string | null; contentType: string | null; text: string }> {
    const { host, port } = this.address(server);
    const net = await loadNet();
    const hostPart = host.includes(':') ? `[${host}]` : host;
    try {
      const result = await net.httpGet(`http://${hostPart}:${port}${path.startsWith('/') ? path : `/${path}`}`);
      return { status: result.status, charset: result.charset, contentType: result.contentType, text: result.text };
    } catch (error) {
      throw failure(error);
    }
  }

  async load(
    server: string,
    options: {
      connections: number;
      messageBytes?: number | undefined;
      durationMs?: number | undefined;
      requests?: number | undefined;
      ratePerConnection?: number | undefined;
      threads?: number | undefined;
      prime?: boolean | undefined;
      httpMethod?: 'GET' | 'POST' | undefined;
    },
  ): Promise<Record<string, unknown>> {
    const { host, port, protocol } = this.address(server);
    const net = await loadNet();
    try {
      const report = await net.runLoad(
        {
          protocol,
          host,
          port,
          connections: options.connections,
          ...(options.messageBytes !== undefined ? { messageBytes: options.messageBytes } : {}),
          ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
          ...(options.requests !== undefined ? { requests: options.requests } : {}),
          ...(options.threads !== undefined ? { threads: options.threads } : {}),
          ...(options.prime !== undefined ? { prime: options.prime } : {}),
          ...(options.httpMethod !== undefined ? { httpMethod: options.httpMethod } : {}),
          mode: options.ratePerConnection !== undefined ? { kind: 'open', ratePerConnection: options.ratePerConnection } : { kind: 'closed' },
        },
        { onProgress: (progress) => this.trace.emit('load.progress', 'I', { ...progress }) },
      );
      return {
        exit: report.exit,
        error: report.error,
        connections: report.connections.opened,
        connectFailures: report.connections.failed,
        sent: report.sent,
        answered: report.answered,
        errors: report.errors,
        requestsPerS: report.requestsPerS,
        bytesPerS: report.bytesPerS,
        p50Ms: report.latencyMs?.p50 ?? null,
        p90Ms: report.latencyMs?.p90 ?? null,
        p99Ms: report.latencyMs?.p99 ?? null,
        maxMs: report.latencyMs?.max ?? null,
        // Both latencies side by side (equal in a closed loop): from when each request was due, and from its send.
        latencyFrom: report.latencyFrom,
        fromScheduleP50Ms: report.latencyFromScheduleMs?.p50 ?? null,
        fromScheduleP99Ms: report.latencyFromScheduleMs?.p99 ?? null,
        fromSendP50Ms: report.latencyFromSendMs?.p50 ?? null,
        fromSendP99Ms: report.latencyFromSendMs?.p99 ?? null,
        primed: report.primedConnections,
        setupConnectP50Ms: report.setup.connectMs?.p50 ?? null,
        setupFirstAnswerP50Ms: report.setup.firstAnswerMs?.p50 ?? null,
        setupFirstAnswerMaxMs: report.setup.firstAnswerMs?.max ?? null,
        allAnsweredAfterMs: report.setup.allAnsweredAfterMs,
        generatorCpuMs: report.generatorCpu?.totalMs ?? null,
        generatorUtilisation: report.generatorCpu?.utilisation ?? null,
        durationS: report.durationS,
      };
    } catch (error) {
      throw failure(error);
    }
  }

  async sendFile(server: string, mb: number, chunkBytes: number | undefined): Promise<Record<string, unknown>> {
    const { host, port } = this.address(server);
    const net = await loadNet();
    // Named after the process, thread and a count kept by this module: the tasks of one runner share
    // the run folder, and each sends a file of its own.
    const path = join(this.workDir, `upload-${process.pid}-${threadId}-${++uploads}.bin`);
    try {
      net.generateFile(path, mb);
      let lastPercent = -1;
      const result = await net.sendFile({
        host,
        port,
        path,
        ...(chunkBytes !== undefined ? { chunkBytes } : {}),
        onProgress: (progress) => {
          const percent = Math.floor((progress.sentBytes / Math.max(1, progress.totalBytes)) * 10) * 10;
          if (percent !== lastPercent) {
            lastPercent = percent;
            this.trace.emit('net.progress', 'I', { percent, sent: progress.sentBytes, total: progress.totalBytes });
          }
        },
        onEvent: (event) => {
          if (event.op === 'write' || event.op === 'drain') this.trace.emit(`net.${event.op}`, 'I', { ...event });
        },
      });
      return { ...result };
    } catch (error) {
      throw failure(error);
    }
  }

  async sticky(mode: 'naive' | 'acknowledge' | 'length-prefix'): Promise<Record<string, unknown>> {
    const net = await loadNet();
    try {
      return { ...(await net.runStickyDemo(mode)) };
    } catch (error) {
      throw failure(error);
    }
  }

  /** Closes every socket this actor still holds (its end, or its stop). */
  async closeAll(): Promise<void> {
    const open = [...this.connections.values()];
    this.connections.clear();
    await Promise.allSettled(open.map((connection) => connection.close()));
    const udp = this.udp;
    this.udp = null;
    await udp?.close();
  }
}
