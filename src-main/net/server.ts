import { resolveServerConfig, type ResolvedServerConfig, type ServerConfig, type ServerModel } from '../model/server-config';
import { messageOf } from './errors';
import { assertNever } from '../model/assert-never';
import type { ModelContext, ModelServer } from './models/model';
import { startCluster, startProcessPerConnection } from './models/processes';
import { startThreadPerConnection, startWorkerPool } from './models/relay';
import { startBlockingSerial, startEventLoop, startScanning } from './models/single-thread';
import { startUdpBlockingSerial, startUdpCluster, startUdpEventLoop, startUdpWorkerPool } from './models/udp';
import type { ServerEvent, ServerEventListener } from './server-events';
import { ServerCounters, type ServerMetrics } from './server-metrics';
import type { BoundAddress } from './tcp-listener';

/** Why a server ended: asked to (stop), or a helper it depends on failed (crashed, with the error). */
export type ServerExitReason = 'stopped' | 'crashed';

export interface ServerStopResult {
  readonly reason: ServerExitReason;
  readonly error: string | null;
  /** Connections still open when the grace period ran out, destroyed rather than ended. */
  readonly forcedConnections: number;
  readonly metrics: ServerMetrics;
}

export interface StopOptions {
  /** How long connections and helpers get to end on their own before they are forced (default 1000 ms). */
  readonly graceMs?: number;
}

/** A started server: its real address, its counters, and the one way to end it. */
export interface RunningServer {
  readonly config: ResolvedServerConfig;
  /** Where it listens; `port` is the real one when the config asked for 0. */
  readonly address: BoundAddress;
  metrics(): Promise<ServerMetrics>;
  /** Threads and processes serving right now (the server's own thread and process count as one each). */
  inUse(): { readonly threads: number; readonly processes: number };
  /** Stops accepting, ends connections, threads and processes within the grace period, then forces. Idempotent. */
  stop(options?: StopOptions): Promise<ServerStopResult>;
  /** Settles when the server has stopped, whoever stopped it. */
  readonly stopped: Promise<ServerStopResult>;
}

export interface StartServerOptions {
  readonly onEvent?: ServerEventListener;
}

export const DEFAULT_GRACE_MS = 1_000;

function startModel(ctx: ModelContext): Promise<ModelServer> {
  const model: ServerModel = ctx.config.model;
  if (ctx.config.protocol === 'udp') {
    switch (model) {
      case 'event-loop':
        return startUdpEventLoop(ctx);
      case 'blocking-serial':
        return startUdpBlockingSerial(ctx);
      case 'worker-pool':
        return startUdpWorkerPool(ctx);
      case 'cluster':
        return startUdpCluster(ctx);
      default:
        // resolveServerConfig refuses the others for UDP
        throw new Error(`model ${model} does not serve UDP`);
    }
  }
  switch (model) {
    case 'event-loop':
      return startEventLoop(ctx);
    case 'blocking-serial':
      return startBlockingSerial(ctx);
    case 'scanning':
      return startScanning(ctx);
    case 'thread-per-connection':
      return startThreadPerConnection(ctx);
    case 'worker-pool':
      return startWorkerPool(ctx);
    case 'process-per-connection':
      return startProcessPerConnection(ctx);
    case 'cluster':
      return startCluster(ctx);
    default:
      return assertNever(model, 'server model');
  }
}

/**
 * Starts a server of the given protocol, model and handler on a loopback address, in this process
 * (its helpers, if the model has any, in worker threads or child processes). Resolves once it
 * listens; rejects with a NetError that names the port if the port is taken, or ServerConfigError
 * for a description that cannot run.
 */
export async function startServer(input: ServerConfig, options: StartServerOptions = {}): Promise<RunningServer> {
  const config = resolveServerConfig(input);
  const listener = options.onEvent;
  const emit = listener
    ? (event: ServerEvent): void => {
        try {
          listener(event);
        } catch {
          // a listener's failure is the listener's problem, never the server's
        }
      }
    : (): void => {};
  const counters = new ServerCounters();
  let crashError: Error | null = null;
  let stopNow: ((reason: ServerExitReason) => void) | null = null;
  const ctx: ModelContext = {
    config,
    counters,
    emit,
    crash: (error) => {
      crashError ??= error;
      emit({ type: 'error', message: error.message });
      stopNow?.('crashed');
    },
  };
  const model = await startModel(ctx);
  emit({ type: 'listening', host: model.address.host, port: model.address.port });

  let resolveStopped!: (result: ServerStopResult) => void;
  const stopped = new Promise<ServerStopResult>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<ServerStopResult> | null = null;
  const stop = (reason: ServerExitReason, graceMs: number): Promise<ServerStopResult> => {
    stopping ??= (async () => {
      let forcedConnections = 0;
      let error: string | null = crashError ? crashError.message : null;
      try {
        forcedConnections = await model.stop(graceMs);
      } catch (stopError) {
        error ??= `stopping failed: ${messageOf(stopError)}`;
      }
      const result: ServerStopResult = { reason, error, forcedConnections, metrics: await model.metrics() };
      resolveStopped(result);
      return result;
    })();
    return stopping;
  };
  stopNow = (reason) => void stop(reason, DEFAULT_GRACE_MS);

  return {
    config,
    address: model.address,
    // After a stop the model's counters are final; during one they are as far as it got (never a wait on the stop).
    metrics: () => model.metrics(),
    inUse: () => ({ threads: counters.currentThreads, processes: counters.currentProcesses }),
    stop: (stopOptions) => stop('stopped', stopOptions?.graceMs ?? DEFAULT_GRACE_MS),
    stopped,
  };
}
