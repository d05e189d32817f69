import { NetChild } from './child-handle';
import { resolveServerConfig, type ServerConfig, type ServerModel } from '../model/server-config';
import { NetError } from './errors';
import { loopbackHost } from './loopback';
import type { LoopbackHost } from '../model/server-config';
import { DEFAULT_GRACE_MS, type RunningServer, type ServerStopResult, type StartServerOptions, type StopOptions } from './server';
import { ServerCounters, type ServerMetrics } from './server-metrics';
import { ZERO_CPU, CpuMeter } from './cpu-time';
import type { BoundAddress } from './tcp-listener';

/**
 * A server in a process of its own. What it costs (CPU, descriptors) is then its own, apart from the
 * process that loads it: a load generator and the server it measures do not share a process's
 * 20,000 (or 1,024) file descriptors or its CPU clock. Same interface as an in-process server.
 */

export interface ProcessServer extends Omit<RunningServer, 'inUse'> {
  /** The pid of the process that hosts the server. */
  readonly pid: number;
}

const HOST_REPORT_TIMEOUT_MS = 10_000;

function emptyMetrics(): ServerMetrics {
  return new ServerCounters().snapshot(new CpuMeter(), ZERO_CPU, ZERO_CPU);
}

async function host(child: NetChild, address: BoundAddress, config: RunningServer['config']): Promise<ProcessServer> {
  let last: ServerMetrics | null = null;
  const read = async (): Promise<ServerMetrics> => {
    // A hosted server asks its own helpers in turn (a hundred children, each within 2 s): give it time.
    const report = await child.report(HOST_REPORT_TIMEOUT_MS);
    last = report?.metrics ?? (report ? { ...(last ?? emptyMetrics()), ...report.stats, cpu: report.stats.cpu, cpuScope: 'hosting-process' } : last);
    return last ?? emptyMetrics();
  };
  let resolveStopped!: (result: ServerStopResult) => void;
  const stopped = new Promise<ServerStopResult>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<ServerStopResult> | null = null;
  const stop = (graceMs: number): Promise<ServerStopResult> => {
    stopping ??= (async () => {
      const exit = await child.stop(graceMs);
      const final = child.finalReport;
      const metrics = final?.metrics ?? (final ? { ...(last ?? emptyMetrics()), ...final.stats, cpuScope: 'hosting-process' as const } : (last ?? emptyMetrics()));
      const clean = exit.code === 0 && final !== null;
      const result: ServerStopResult = {
        reason: clean ? 'stopped' : 'crashed',
        error: clean ? null : `the server process ${child.pid} ended with code ${exit.code}, signal ${exit.signal}${child.stderr ? `: ${child.stderr}` : ''}`,
        forcedConnections: 0,
        metrics,
      };
      resolveStopped(result);
      return result;
    })();
    return stopping;
  };
  // A host that dies on its own is a crash, recorded like a stop.
  void child.exited.then(() => void stop(0));
  return {
    pid: child.pid,
    config,
    address,
    metrics: () => (stopping ? stopping.then((result) => result.metrics) : read()),
    stop: (options?: StopOptions) => stop(options?.graceMs ?? DEFAULT_GRACE_MS),
    stopped,
  };
}

/** Starts a lab server in a forked child process; resolves once it listens. */
export async function startServerProcess(input: ServerConfig, options: StartServerOptions = {}): Promise<ProcessServer> {
  const config = resolveServerConfig(input);
  const child = await NetChild.start({ ownGroup: true });
  if (options.onEvent) {
    const listener = options.onEvent;
    child.onMessage((message) => {
      if (message.type === 'event') listener(message.event);
    });
  }
  try {
    const listening = child.expect('listening');
    await child.send({ type: 'host', config });
    const { address } = await listening;
    return await host(child, address, config);
  } catch (error) {
    await child.kill();
    throw error instanceof Error ? error : new NetError('host-failed', String(error));
  }
}

/**
 * The benchmark's baseline in a child process of its own: a bare `net` echo server, none of the
 * lab's machinery. Reports bytes as zero (it counts nothing) and its process's CPU.
 */
export async function startBareEchoProcess(hostAddress: LoopbackHost = '127.0.0.1', port = 0): Promise<ProcessServer> {
  const hostChecked = loopbackHost(hostAddress);
  const child = await NetChild.start({ ownGroup: true });
  try {
    const listening = child.expect('listening');
    await child.send({ type: 'host-bare-echo', host: hostChecked, port });
    const { address } = await listening;
    const model: ServerModel = 'event-loop';
    const config = resolveServerConfig({ protocol: 'tcp', model, handler: { kind: 'echo' }, host: hostChecked, port: address.port });
    return await host(child, address, config);
  } catch (error) {
    await child.kill();
    throw error;
  }
}
