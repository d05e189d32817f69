import type { CpuTime } from './cpu-time';
import type { HandlerSpec, ResolvedServerConfig, LoopbackHost } from '../model/server-config';
import type { ErrorData } from './errors';
import type { ServerEvent } from './server-events';
import type { ServerMetrics } from './server-metrics';
import type { SessionSpec } from './session';
import type { BoundAddress } from './tcp-listener';

/**
 * Messages between a server and the child processes that serve for it. Processes, unlike threads,
 * can be handed a socket: the handle travels with the message (child.send(message, handle)), and the
 * child then owns the connection, the listening socket or the datagram socket outright.
 */
export type ParentToChild =
  /** process-per-connection; comes with the accepted net.Socket. The child exits when it closes. */
  | { readonly type: 'serve-socket'; readonly session: SessionSpec }
  /** cluster (TCP, HTTP); comes with the listening net.Server, shared by every child. */
  | { readonly type: 'serve-listener'; readonly session: SessionSpec }
  /** cluster (UDP); comes with the bound dgram.Socket, shared by every child. */
  | { readonly type: 'serve-datagrams'; readonly handler: HandlerSpec }
  /** A whole lab server in this child (startServerProcess). */
  | { readonly type: 'host'; readonly config: ResolvedServerConfig }
  /** The benchmark's baseline: the plainest Node echo server. */
  | { readonly type: 'host-bare-echo'; readonly host: LoopbackHost; readonly port: number }
  | { readonly type: 'stats'; readonly id: number }
  | { readonly type: 'stop'; readonly graceMs: number };

/** What a serving child counted; its CPU is its whole process's. */
export interface ChildStats {
  readonly requests: number;
  readonly filesRefused: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly cpu: CpuTime;
}

export type ChildToParent =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'serving' }
  | { readonly type: 'listening'; readonly address: BoundAddress }
  /** A connection opened (+1) or closed (-1) on a shared listener. */
  | { readonly type: 'conn'; readonly delta: 1 | -1 }
  /** Host mode: the hosted server's events, passed through. */
  | { readonly type: 'event'; readonly event: ServerEvent }
  | { readonly type: 'stats'; readonly id: number; readonly stats: ChildStats; readonly metrics: ServerMetrics | null }
  | { readonly type: 'final'; readonly stats: ChildStats; readonly metrics: ServerMetrics | null }
  | { readonly type: 'failed'; readonly error: ErrorData };
