import { randomUUID } from 'node:crypto';
import { totalMs } from '../net/cpu-time';
import { formatEndpoint } from '../net/loopback';
import { startServerProcess, type ProcessServer } from '../net/server-process';
import type { ServerConfig } from '../model/server-config';
import type { StandaloneServerFigures, StandaloneServerInfo } from '../contract/dto';

/**
 * Servers of the network lab started on their own (the app's "run a standalone server", the same as
 * `conlab server`), for real clients: each runs in a process of its own on a loopback address until
 * it is stopped, or the lab closes. At most MAX_SERVERS at once.
 */

const MAX_SERVERS = 8;
const STOP_GRACE_MS = 250;

interface Entry {
  readonly info: Omit<StandaloneServerInfo, 'figures' | 'running'>;
  readonly server: ProcessServer;
  stopped: boolean;
}

export class StandaloneServers {
  private readonly entries = new Map<string, Entry>();

  async start(config: ServerConfig): Promise<StandaloneServerInfo> {
    if (this.entries.size >= MAX_SERVERS) throw new Error(`${MAX_SERVERS} standalone servers are already running; stop one first`);
    const server = await startServerProcess(config);
    const id = randomUUID();
    const { host, port } = server.address;
    const endpoint = formatEndpoint(host, port);
    const info = {
      id,
      protocol: server.config.protocol,
      model: server.config.model,
      handler: server.config.handler.kind,
      host,
      port,
      address: server.config.protocol === 'http' ? `http://${endpoint}/` : `${server.config.protocol}://${endpoint}`,
      startedAt: new Date().toISOString(),
    };
    const entry: Entry = { info, server, stopped: false };
    this.entries.set(id, entry);
    void server.stopped.then(() => {
      entry.stopped = true;
    });
    return { ...info, running: true, figures: await this.figures(entry) };
  }

  private async figures(entry: Entry): Promise<StandaloneServerFigures | null> {
    try {
      const metrics = await entry.server.metrics();
      return {
        connectionsOpen: metrics.currentConnections,
        connectionsAccepted: metrics.connectionsAccepted,
        requests: metrics.requests,
        cpuMs: totalMs(metrics.cpu),
        threadsUsed: metrics.threadsUsed,
        processesUsed: metrics.processesUsed,
      };
    } catch {
      return null;
    }
  }

  async list(): Promise<StandaloneServerInfo[]> {
    return Promise.all([...this.entries.values()].map(async (entry) => ({ ...entry.info, running: !entry.stopped, figures: await this.figures(entry) })));
  }

  /** Stops one (within about half a second); its last figures, or null when there is no such server. */
  async stop(id: string): Promise<StandaloneServerInfo | null> {
    const entry = this.entries.get(id);
    if (!entry) return null;
    const result = await entry.server.stop({ graceMs: STOP_GRACE_MS });
    this.entries.delete(id);
    const { metrics } = result;
    return {
      ...entry.info,
      running: false,
      figures: {
        connectionsOpen: 0,
        connectionsAccepted: metrics.connectionsAccepted,
        requests: metrics.requests,
        cpuMs: totalMs(metrics.cpu),
        threadsUsed: metrics.threadsUsed,
        processesUsed: metrics.processesUsed,
      },
    };
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.stop(id).catch(() => null)));
  }
}
