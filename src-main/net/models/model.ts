import type { ResolvedServerConfig } from '../../model/server-config';
import type { ServerEvent } from '../server-events';
import type { ServerCounters, ServerMetrics } from '../server-metrics';
import type { SessionSpec } from '../session';
import type { BoundAddress } from '../tcp-listener';

/** What every concurrency model is given: the checked config, the counters to fill, where events go. */
export interface ModelContext {
  readonly config: ResolvedServerConfig;
  readonly counters: ServerCounters;
  readonly emit: (event: ServerEvent) => void;
  /** A helper (thread, process) failed in a way that ends the server; the server records it and stops. */
  readonly crash: (error: Error) => void;
}

/** A started model. `stop` is called once, by RunningServer, which makes it idempotent. */
export interface ModelServer {
  readonly address: BoundAddress;
  metrics(): Promise<ServerMetrics>;
  /** Stops accepting, ends connections and helpers within graceMs, then forces; returns how many connections were forced. */
  stop(graceMs: number): Promise<number>;
}

export function sessionSpecOf(config: ResolvedServerConfig): SessionSpec {
  if (config.protocol === 'udp') throw new Error('UDP servers have no stream sessions');
  return { protocol: config.protocol, handler: config.handler, framing: config.framing, headTimeoutMs: config.headTimeoutMs };
}

/** Waits for a promise at most ms; says whether it settled in time. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
