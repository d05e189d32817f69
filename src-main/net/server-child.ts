// Entry of a server child process: serves one handed-over connection (process-per-connection), a
// shared listening socket (cluster), or a whole lab server (startServerProcess). Bundled to
// out/net/server-child.mjs.
import dgram from 'node:dgram';
import net from 'node:net';
import v8 from 'node:v8';
import type { ChildStats, ChildToParent, ParentToChild } from './child-protocol';
import { processCpu, subCpu, addCpu, type CpuTime } from './cpu-time';
import { errorData } from './errors';
import { assertNever } from '../model/assert-never';
import { within } from './models/model';
import { serveSocket } from './serve-socket';
import { startBareEcho } from './bare-echo';
import type { ServerMetrics } from './server-metrics';
import { startServer, type RunningServer } from './server';
import { createDatagramHandler, createStreamSession } from './session';
import { SocketSet } from './tcp-listener';

// Stable timings: V8's concurrent on-stack replacement makes hot loops randomly slower here (ANCHORS.md).
v8.setFlagsFromString('--no-concurrent-osr');

const startCpu = processCpu();
const tally = { requests: 0, bytesIn: 0, bytesOut: 0, filesRefused: 0 };
const sockets = new SocketSet();
let hosted: RunningServer | null = null;
let listener: net.Server | null = null;
let datagrams: dgram.Socket | null = null;
let exiting = false;

const cpuSinceStart = (): CpuTime => subCpu(processCpu(), startCpu);
const stats = (): ChildStats => ({ ...tally, cpu: cpuSinceStart() });

/** Host mode: the hosted server's metrics, with CPU taken as this whole process plus its own children. */
async function hostedMetrics(): Promise<ServerMetrics | null> {
  if (!hosted) return null;
  const metrics = await hosted.metrics();
  return { ...metrics, cpu: addCpu(cpuSinceStart(), metrics.cpuParts.childProcesses), cpuScope: 'hosting-process' };
}

function post(message: ChildToParent): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) {
      resolve();
      return;
    }
    process.send!(message, undefined, {}, () => resolve());
  });
}

async function finish(code: number, graceMs: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  const closing: Promise<unknown>[] = [];
  if (hosted) closing.push(hosted.stop({ graceMs }));
  if (listener) {
    const server = listener;
    closing.push(new Promise((resolve) => server.close(resolve)));
  }
  if (datagrams) {
    const socket = datagrams;
    closing.push(new Promise<void>((resolve) => socket.close(() => resolve())));
  }
  closing.push(sockets.endAll(graceMs));
  // Bounded: the parent kills this process after 2 × graceMs plus a few seconds.
  await within(Promise.all(closing), 2 * graceMs + 1_000);
  await post({ type: 'final', stats: stats(), metrics: await hostedMetrics().catch(() => null) });
  process.exit(code);
}

function failed(error: unknown): void {
  void post({ type: 'failed', error: errorData(error) });
}

// A child must not outlive its server: the IPC channel's 'disconnect' covers an orderly parent exit,
// a parent-pid watchdog covers a parent killed before the channel noticed.
const initialPpid = process.ppid;
process.on('disconnect', () => process.exit(0));
setInterval(() => {
  if (process.ppid !== initialPpid) process.exit(0);
}, 250).unref();

process.on('message', (message: ParentToChild, handle: unknown) => {
  switch (message.type) {
    case 'serve-socket': {
      const socket = handle as (net.Socket & { allowHalfOpen: boolean }) | undefined;
      // The connection may close while its handle is in flight; it then arrives as nothing.
      if (!socket) {
        void post({ type: 'serving' });
        void finish(0, 0);
        break;
      }
      // Rebuilt from the handle with default options: answers must still go out after the peer's FIN.
      socket.allowHalfOpen = true;
      sockets.add(socket);
      const served = serveSocket(socket, createStreamSession(message.session), tally);
      void post({ type: 'serving' });
      void served.closed.then(() => finish(0, 0));
      break;
    }
    case 'serve-listener': {
      const server = handle as net.Server;
      listener = server;
      // The server object is rebuilt here from the handle with default options; the sessions need
      // half-open connections (answers still go out after the peer's FIN).
      (server as net.Server & { allowHalfOpen: boolean }).allowHalfOpen = true;
      const session = message.session;
      server.on('connection', (socket: net.Socket) => {
        sockets.add(socket);
        void post({ type: 'conn', delta: 1 });
        void serveSocket(socket, createStreamSession(session), tally).closed.then(() => post({ type: 'conn', delta: -1 }));
      });
      void post({ type: 'serving' });
      break;
    }
    case 'serve-datagrams': {
      const socket = handle as dgram.Socket;
      datagrams = socket;
      const answer = createDatagramHandler(message.handler);
      socket.on('message', (bytes, from) => {
        tally.bytesIn += bytes.length;
        void Promise.resolve(answer(bytes)).then((reply) => {
          tally.requests++;
          tally.bytesOut += reply.length;
          socket.send(reply, from.port, from.address);
        });
      });
      void post({ type: 'serving' });
      break;
    }
    case 'host':
      startServer(message.config, { onEvent: (event) => void post({ type: 'event', event }) }).then(
        (server) => {
          hosted = server;
          void post({ type: 'listening', address: server.address });
        },
        (error: unknown) => {
          failed(error);
          void finish(1, 0);
        },
      );
      break;
    case 'host-bare-echo':
      startBareEcho(message.host, message.port).then(
        (bare) => {
          listener = bare.server;
          for (const socket of bare.sockets) sockets.add(socket);
          bare.onSocket((socket) => sockets.add(socket));
          void post({ type: 'listening', address: bare.address });
        },
        (error: unknown) => {
          failed(error);
          void finish(1, 0);
        },
      );
      break;
    case 'stats':
      void hostedMetrics().then(
        (metrics) => post({ type: 'stats', id: message.id, stats: stats(), metrics }),
        () => post({ type: 'stats', id: message.id, stats: stats(), metrics: null }),
      );
      break;
    case 'stop':
      void finish(0, message.graceMs);
      break;
    default:
      assertNever(message, 'parent message');
  }
});

void post({ type: 'ready', pid: process.pid });
