import net from 'node:net';
import type { Socket } from 'node:net';
import { CpuMeter } from '../cpu-time';
import { serveSocket } from '../serve-socket';
import { createStreamSession, type SessionSink } from '../session';
import { closeListener, listenTcp, SocketSet } from '../tcp-listener';
import { sessionSpecOf, type ModelContext, type ModelServer } from './model';

/**
 * The stream models that run every session on the server's own thread: event-loop, blocking-serial
 * and scanning. They differ only in how the thread finds work.
 */

/**
 * event-loop: one thread; the kernel's readiness API (epoll here, through libuv) wakes it only for
 * sockets that have data, so idle connections cost nothing per tick.
 */
export async function startEventLoop(ctx: ModelContext): Promise<ModelServer> {
  const { config, counters } = ctx;
  const spec = sessionSpecOf(config);
  const sockets = new SocketSet();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    counters.accepted();
    const connection = counters.connectionsAccepted;
    ctx.emit({ type: 'accepted', connection, remotePort: socket.remotePort ?? 0 });
    sockets.add(socket);
    void serveSocket(socket, createStreamSession(spec), counters).closed.then(() => {
      counters.closed();
      ctx.emit({ type: 'closed', connection });
    });
  });
  const address = await listenTcp(server, config.host, config.port, config.backlog);
  const meter = new CpuMeter();
  return {
    address,
    metrics: () => Promise.resolve(counters.snapshot(meter)),
    async stop(graceMs) {
      const listenerClosed = closeListener(server);
      const forced = await sockets.endAll(graceMs);
      await listenerClosed;
      return forced;
    },
  };
}

/**
 * blocking-serial: one connection at a time, like a server that calls accept() and then serves that
 * client until it leaves. Node's listener accepts eagerly, so the waiting connections are held unread
 * (pauseOnConnect) in arrival order: they are in the backlog, as far as the lab's counters go, and
 * are counted as accepted only when their turn comes.
 */
export async function startBlockingSerial(ctx: ModelContext): Promise<ModelServer> {
  const { config, counters } = ctx;
  const spec = sessionSpecOf(config);
  const sockets = new SocketSet();
  const waiting: Socket[] = [];
  let serving = false;

  const serveNext = (): void => {
    if (serving) return;
    let socket = waiting.shift();
    while (socket?.destroyed) socket = waiting.shift();
    if (!socket) return;
    serving = true;
    counters.accepted();
    const connection = counters.connectionsAccepted;
    ctx.emit({ type: 'accepted', connection, remotePort: socket.remotePort ?? 0 });
    void serveSocket(socket, createStreamSession(spec), counters).closed.then(() => {
      counters.closed();
      ctx.emit({ type: 'closed', connection });
      serving = false;
      serveNext();
    });
  };

  const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    waiting.push(socket);
    serveNext();
  });
  const address = await listenTcp(server, config.host, config.port, config.backlog);
  const meter = new CpuMeter();
  return {
    address,
    metrics: () => Promise.resolve(counters.snapshot(meter)),
    async stop(graceMs) {
      const listenerClosed = closeListener(server);
      waiting.length = 0;
      const forced = await sockets.endAll(graceMs);
      await listenerClosed;
      return forced;
    },
  };
}

interface ScannedConnection {
  readonly socket: Socket;
  /** One system call on the socket's descriptor: the per-descriptor cost of a select() call. */
  readonly kernelVisit: () => void;
  readonly session: ReturnType<typeof createStreamSession>;
  readonly sink: SessionSink;
  busy: boolean;
  ended: boolean;
}

/**
 * scanning: the select/poll lesson. One thread loops forever; on every turn it visits *every* socket,
 * whether or not anything arrived, and the loop never sleeps: it burns a core even when every client
 * is silent.
 *
 * A visit costs what select() makes the kernel do for each descriptor on every call: one system call
 * on that socket (Node cannot call select() itself, and libuv reads sockets through epoll, so a plain
 * check of a socket's buffer costs a few nanoseconds of JavaScript and would hide the effect under
 * scheduling noise). The call is getsockname(2), which has no side effect; here it costs ≈ 0.5 µs, of
 * the same order as select's ≈ 0.1 µs of kernel work per descriptor. So the time of a turn grows with
 * the number of sockets watched by construction, idle ones included. Then the visit takes what the
 * socket's buffer holds (a non-blocking read). The loop yields to the event loop between turns
 * (setImmediate) so that accepts and reads keep flowing.
 */
interface SocketHandleWithName {
  getsockname?: (out: Record<string, unknown>) => number;
}

/**
 * A function making one getsockname(2) call on the socket's descriptor each time it is called. The
 * handle is Node's TCP wrap (its `_handle`, not a public API); where it has no such method, the
 * visit falls back to asking Node for the address, which still walks the socket's state.
 */
function kernelVisitOf(socket: Socket): () => void {
  const handle = (socket as unknown as { _handle?: SocketHandleWithName | null })._handle;
  const out: Record<string, unknown> = {};
  if (handle && typeof handle.getsockname === 'function') {
    const getsockname = handle.getsockname.bind(handle);
    return () => {
      if (!socket.destroyed) getsockname(out);
    };
  }
  return () => {
    socket.address();
  };
}

export async function startScanning(ctx: ModelContext): Promise<ModelServer> {
  const { config, counters } = ctx;
  const spec = sessionSpecOf(config);
  const sockets = new SocketSet();
  const scanned: ScannedConnection[] = [];
  let running = true;

  const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (socket) => {
    counters.accepted();
    const connection = counters.connectionsAccepted;
    ctx.emit({ type: 'accepted', connection, remotePort: socket.remotePort ?? 0 });
    sockets.add(socket);
    socket.on('error', () => {});
    const entry: ScannedConnection = {
      socket,
      kernelVisit: kernelVisitOf(socket),
      session: createStreamSession(spec),
      sink: {
        write(data) {
          if (socket.destroyed || socket.writableEnded) return;
          counters.bytesOut += data.length;
          socket.write(data);
        },
        end() {
          if (!socket.destroyed) socket.end();
        },
        refused() {
          counters.filesRefused++;
        },
      },
      busy: false,
      ended: false,
    };
    socket.setNoDelay(true);
    socket.on('end', () => {
      entry.ended = true;
    });
    socket.once('close', () => {
      entry.session.close?.();
      const at = scanned.indexOf(entry);
      if (at >= 0) scanned.splice(at, 1);
      counters.closed();
      ctx.emit({ type: 'closed', connection });
    });
    entry.session.open(entry.sink);
    scanned.push(entry);
  });

  const scanOnce = (): void => {
    for (let i = 0; i < scanned.length; i++) {
      const entry = scanned[i]!;
      entry.kernelVisit();
      if (entry.busy) continue;
      const chunk = entry.socket.read() as Buffer | null;
      if (chunk === null) {
        if (entry.ended && !entry.socket.writableEnded) entry.socket.end();
        continue;
      }
      counters.bytesIn += chunk.length;
      let result: number | Promise<number>;
      try {
        result = entry.session.receive(chunk, entry.sink);
      } catch (error) {
        entry.socket.destroy(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (typeof result === 'number') {
        counters.requests += result;
        continue;
      }
      entry.busy = true;
      result.then(
        (count) => {
          counters.requests += count;
          entry.busy = false;
        },
        (error: unknown) => entry.socket.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    }
  };
  const loop = (): void => {
    if (!running) return;
    scanOnce();
    setImmediate(loop);
  };

  const address = await listenTcp(server, config.host, config.port, config.backlog);
  const meter = new CpuMeter();
  setImmediate(loop);
  return {
    address,
    metrics: () => Promise.resolve(counters.snapshot(meter)),
    async stop(graceMs) {
      const listenerClosed = closeListener(server);
      // Keep scanning while connections drain, so that their last answers still go out.
      const forced = await sockets.endAll(graceMs);
      running = false;
      await listenerClosed;
      return forced;
    },
  };
}
