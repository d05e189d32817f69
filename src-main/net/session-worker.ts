// Entry of a session worker thread (thread-per-connection, worker-pool): runs sessions whose bytes the
// server's thread relays here. Bundled to out/net/session-worker.mjs.
import { parentPort, workerData } from 'node:worker_threads';
import { CpuMeter } from './cpu-time';
import { errorData } from './errors';
import { assertNever } from '../model/assert-never';
import type { RelayToWorker, SessionWorkerData, WorkerStats, WorkerToRelay } from './relay-protocol';
import { createDatagramHandler, createStreamSession, type SessionSink, type StreamSession } from './session';

if (!parentPort) throw new Error('the session worker runs inside a worker thread');
const port = parentPort;
const data = workerData as SessionWorkerData;
const meter = new CpuMeter();
let requests = 0;

const post = (message: WorkerToRelay): void => port.postMessage(message);
let filesRefused = 0;
const stats = (): WorkerStats => ({ requests, filesRefused, cpu: meter.scope === 'thread' ? meter.elapsed() : null });

interface Conn {
  readonly session: StreamSession;
  readonly sink: SessionSink;
  readonly backlog: Buffer[];
  busy: boolean;
  peerEnded: boolean;
  ended: boolean;
}
const conns = new Map<number, Conn>();

function finishIfDone(): void {
  if (data.mode === 'per-connection' && conns.size === 0) {
    post({ type: 'final', stats: stats() });
    port.close();
  }
}

function endConn(id: number, conn: Conn): void {
  if (conn.ended) return;
  conn.ended = true;
  post({ type: 'end', conn: id });
}

function feed(id: number, conn: Conn, chunk: Buffer): void {
  let result: number | Promise<number>;
  try {
    result = conn.session.receive(chunk, conn.sink);
  } catch (error) {
    post({ type: 'failed', error: errorData(error) });
    endConn(id, conn);
    return;
  }
  if (typeof result === 'number') {
    requests += result;
    return;
  }
  conn.busy = true;
  result.then(
    (count) => {
      requests += count;
      conn.busy = false;
      while (!conn.busy && conn.backlog.length > 0) feed(id, conn, conn.backlog.shift()!);
      if (!conn.busy && conn.peerEnded) endConn(id, conn);
    },
    (error: unknown) => {
      post({ type: 'failed', error: errorData(error) });
      endConn(id, conn);
    },
  );
}

const datagramHandler = data.datagramHandler ? createDatagramHandler(data.datagramHandler) : null;

port.on('message', (message: RelayToWorker) => {
  switch (message.type) {
    case 'open': {
      if (!data.session) throw new Error('a datagram worker was asked to open a stream session');
      const id = message.conn;
      const conn: Conn = {
        session: createStreamSession(data.session),
        sink: {
          write: (bytes) => post({ type: 'write', conn: id, bytes }),
          end: () => endConn(id, conn),
          refused: () => {
            filesRefused++;
          },
        },
        backlog: [],
        busy: false,
        peerEnded: false,
        ended: false,
      };
      conns.set(id, conn);
      conn.session.open(conn.sink);
      break;
    }
    case 'data': {
      const conn = conns.get(message.conn);
      if (!conn || conn.ended) break;
      const chunk = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
      if (conn.busy) conn.backlog.push(chunk);
      else feed(message.conn, conn, chunk);
      break;
    }
    case 'end': {
      const conn = conns.get(message.conn);
      if (!conn) break;
      conn.peerEnded = true;
      if (!conn.busy && conn.backlog.length === 0) endConn(message.conn, conn);
      break;
    }
    case 'closed':
      conns.get(message.conn)?.session.close?.();
      conns.delete(message.conn);
      finishIfDone();
      break;
    case 'datagram': {
      if (!datagramHandler) throw new Error('a stream worker was sent a datagram');
      const { id } = message;
      const bytes = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
      const answer = datagramHandler(bytes);
      if (answer instanceof Promise) {
        void answer.then((reply) => {
          requests++;
          post({ type: 'reply', id, bytes: reply });
        });
      } else {
        requests++;
        post({ type: 'reply', id, bytes: answer });
      }
      break;
    }
    case 'stats':
      post({ type: 'stats', id: message.id, stats: stats() });
      break;
    case 'stop':
      post({ type: 'final', stats: stats() });
      port.close();
      break;
    default:
      assertNever(message, 'relay message');
  }
});
