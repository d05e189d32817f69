import net from 'node:net';
import type { Socket } from 'node:net';
import { CpuMeter } from '../cpu-time';
import type { WorkerToRelay } from '../relay-protocol';
import { closeListener, listenTcp, SocketSet } from '../tcp-listener';
import { sessionSpecOf, type ModelContext, type ModelServer } from './model';
import { WorkerGroup, type RelayWorker } from './worker-group';

/**
 * Stream models whose sessions run on worker threads: thread-per-connection and worker-pool.
 *
 * Node cannot give a socket to a worker thread: handle passing works between processes only, and a
 * worker has no way to adopt a file descriptor. So the server's thread accepts every connection and
 * relays bytes: a chunk read from the socket is posted to the connection's worker, which runs the
 * session, and the answers it posts back are written to the socket. The handler really runs on
 * another thread (a blocking handler blocks only that thread), and every request pays two thread
 * hand-offs, which is part of what these models cost in Node.
 */

function relayConnection(socket: Socket, conn: number, relay: RelayWorker, ctx: ModelContext, onClosed: () => void): void {
  const { counters } = ctx;
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    counters.bytesIn += chunk.length;
    // A Buffer that is a slice of a larger ArrayBuffer would be cloned whole; socket reads own theirs.
    relay.post({ type: 'data', conn, bytes: chunk });
  });
  socket.on('end', () => relay.post({ type: 'end', conn }));
  socket.once('close', () => {
    relay.post({ type: 'closed', conn });
    onClosed();
  });
  relay.post({ type: 'open', conn });
}

function routeAnswers(relay: RelayWorker, sockets: Map<number, Socket>, ctx: ModelContext): void {
  relay.onMessage((message: WorkerToRelay) => {
    if (message.type !== 'write' && message.type !== 'end') return;
    const socket = sockets.get(message.conn);
    if (!socket || socket.destroyed) return;
    if (message.type === 'write') {
      ctx.counters.bytesOut += message.bytes.byteLength;
      socket.write(message.bytes);
    } else {
      socket.end();
    }
  });
}

async function startRelayModel(ctx: ModelContext, mode: 'per-connection' | 'pool'): Promise<ModelServer> {
  const { config, counters } = ctx;
  const session = sessionSpecOf(config);
  const workers = new WorkerGroup(ctx, counters);
  const tracked = new SocketSet();
  const byConn = new Map<number, Socket>();
  const pool: RelayWorker[] = [];
  if (mode === 'pool') {
    for (let i = 0; i < config.workers; i++) {
      const relay = workers.spawn({ mode: 'pool', session, datagramHandler: null });
      routeAnswers(relay, byConn, ctx);
      pool.push(relay);
    }
  }

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (mode === 'per-connection' && workers.size >= config.maxThreads) {
      counters.connectionsRefused++;
      ctx.emit({ type: 'refused', remotePort: socket.remotePort ?? 0, reason: `thread cap of ${config.maxThreads} live threads reached` });
      socket.destroy();
      return;
    }
    counters.accepted();
    const conn = counters.connectionsAccepted;
    ctx.emit({ type: 'accepted', connection: conn, remotePort: socket.remotePort ?? 0 });
    tracked.add(socket);
    byConn.set(conn, socket);
    let relay: RelayWorker;
    if (mode === 'per-connection') {
      relay = workers.spawn({ mode: 'per-connection', session, datagramHandler: null });
      routeAnswers(relay, byConn, ctx);
      // A thread that dies takes its connection with it.
      void relay.exited.then(() => socket.destroy());
    } else {
      relay = pool.reduce((least, candidate) => (candidate.load < least.load ? candidate : least));
    }
    relay.load++;
    relayConnection(socket, conn, relay, ctx, () => {
      relay.load--;
      byConn.delete(conn);
      counters.closed();
      ctx.emit({ type: 'closed', connection: conn });
    });
  });

  let address;
  try {
    address = await listenTcp(server, config.host, config.port, config.backlog);
  } catch (error) {
    await workers.stopAll(0);
    throw error;
  }
  const meter = new CpuMeter();
  return {
    address,
    async metrics() {
      const totals = await workers.totals();
      counters.requests = totals.requests;
      counters.filesRefused = totals.filesRefused;
      return counters.snapshot(meter, totals.cpu);
    },
    async stop(graceMs) {
      const listenerClosed = closeListener(server);
      const forced = await tracked.endAll(graceMs);
      await listenerClosed;
      await workers.stopAll(graceMs);
      const totals = await workers.totals();
      counters.requests = totals.requests;
      counters.filesRefused = totals.filesRefused;
      return forced;
    },
  };
}

export const startThreadPerConnection = (ctx: ModelContext): Promise<ModelServer> => startRelayModel(ctx, 'per-connection');
export const startWorkerPool = (ctx: ModelContext): Promise<ModelServer> => startRelayModel(ctx, 'pool');
