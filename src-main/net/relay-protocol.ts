import type { CpuTime } from './cpu-time';
import type { HandlerSpec } from '../model/server-config';
import type { ErrorData } from './errors';
import type { SessionSpec } from './session';

/**
 * Messages between a server's thread and the worker threads that run its sessions
 * (thread-per-connection, worker-pool). Node cannot hand a socket to a worker thread (handles cross
 * processes, not threads), so the server's thread owns every socket and relays bytes: requests go to
 * the worker as 'data', answers come back as 'write'.
 */

export interface SessionWorkerData {
  /** per-connection: the thread serves one connection and ends with it; pool: it serves many until stopped. */
  readonly mode: 'per-connection' | 'pool';
  readonly session: SessionSpec | null;
  /** For UDP pools: the datagram handler. */
  readonly datagramHandler: HandlerSpec | null;
}

export type RelayToWorker =
  | { readonly type: 'open'; readonly conn: number }
  | { readonly type: 'data'; readonly conn: number; readonly bytes: Uint8Array }
  /** The peer half-closed: answer what was read, then end. */
  | { readonly type: 'end'; readonly conn: number }
  /** The socket is gone: drop the session. */
  | { readonly type: 'closed'; readonly conn: number }
  | { readonly type: 'datagram'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly type: 'stats'; readonly id: number }
  | { readonly type: 'stop' };

export interface WorkerStats {
  readonly requests: number;
  readonly filesRefused: number;
  /** The worker thread's own CPU, or null where the platform cannot say. */
  readonly cpu: CpuTime | null;
}

export type WorkerToRelay =
  | { readonly type: 'write'; readonly conn: number; readonly bytes: Uint8Array }
  | { readonly type: 'end'; readonly conn: number }
  | { readonly type: 'reply'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly type: 'stats'; readonly id: number; readonly stats: WorkerStats }
  /** Last words before the thread ends on its own. */
  | { readonly type: 'final'; readonly stats: WorkerStats }
  | { readonly type: 'failed'; readonly error: ErrorData };
