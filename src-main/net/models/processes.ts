import net from 'node:net';
import type { Socket } from 'node:net';
import { NetChild, type ChildReport } from '../child-handle';
import { addCpu, CpuMeter, type CpuTime, ZERO_CPU } from '../cpu-time';
import { messageOf } from '../errors';
import type { ServerCounters } from '../server-metrics';
import { closeListener, listenTcp, stopAccepting } from '../tcp-listener';
import type { BoundAddress } from '../tcp-listener';
import { sessionSpecOf, type ModelContext, type ModelServer } from './model';

/**
 * Stream models whose sessions run in child processes. Unlike threads, processes can be handed a
 * socket: child.send(message, socket) passes the file descriptor itself (SCM_RIGHTS on Unix), and
 * the child owns the connection from then on; the server's process never sees its bytes.
 */

/** The children of one server: started, counted, asked for their numbers, stopped. */
export class ChildGroup {
  private readonly live = new Set<NetChild>();
  private ended = { requests: 0, bytesIn: 0, bytesOut: 0, filesRefused: 0 };
  private stopping = false;

  constructor(
    private readonly ctx: ModelContext,
    private readonly counters: ServerCounters,
  ) {}

  get size(): number {
    return this.live.size;
  }

  /**
   * The server as its model reports it when these children do all the serving (a cluster): metrics
   * gathered from them, and stop ends them within the grace period (they end their own connections).
   */
  serving(address: BoundAddress, counters: ServerCounters): ModelServer {
    const meter = new CpuMeter();
    return {
      address,
      metrics: async () => counters.snapshot(meter, ZERO_CPU, await this.collect()),
      stop: async (graceMs) => {
        await this.stopAll(graceMs);
        await this.collect();
        return 0;
      },
    };
  }

  /**
   * An essential child (a cluster member) ending before the server stops is a crash: the server
   * records it and stops. A per-connection child ends with its connection, as it should.
   */
  async spawn(options: { readonly essential: boolean }): Promise<NetChild> {
    const child = await NetChild.start({ ownGroup: false });
    this.live.add(child);
    this.counters.processStarted();
    this.ctx.emit({ type: 'process-started', pid: child.pid });
    void child.exited.then(({ code, signal }) => {
      this.live.delete(child);
      const final = child.finalReport;
      if (final) {
        this.ended = {
          requests: this.ended.requests + final.stats.requests,
          bytesIn: this.ended.bytesIn + final.stats.bytesIn,
          bytesOut: this.ended.bytesOut + final.stats.bytesOut,
          filesRefused: this.ended.filesRefused + final.stats.filesRefused,
        };
      } else {
        this.ctx.emit({ type: 'error', message: `[pid ${child.pid}] exited without its final report (code ${code}, signal ${signal})${child.stderr ? `: ${child.stderr}` : ''}` });
      }
      this.counters.processEnded(final?.stats.cpu ?? null);
      this.ctx.emit({ type: 'process-exited', pid: child.pid, code, signal });
      if (options.essential && !this.stopping) this.ctx.crash(new Error(`[pid ${child.pid}] a cluster process ended while the server was running (code ${code}, signal ${signal})`));
    });
    return child;
  }

  /** Fills the counters' request and byte totals from every child; returns the live children's CPU. */
  async collect(): Promise<CpuTime> {
    const asked = [...this.live];
    const reports: (ChildReport | null)[] = await Promise.all(asked.map((child) => child.report()));
    let { requests, bytesIn, bytesOut, filesRefused } = this.ended;
    let cpu = ZERO_CPU;
    for (const [i, report] of reports.entries()) {
      if (!report || !this.live.has(asked[i]!)) continue;
      requests += report.stats.requests;
      bytesIn += report.stats.bytesIn;
      bytesOut += report.stats.bytesOut;
      filesRefused += report.stats.filesRefused;
      cpu = addCpu(cpu, report.stats.cpu);
    }
    this.counters.requests = requests;
    this.counters.bytesIn = bytesIn;
    this.counters.bytesOut = bytesOut;
    this.counters.filesRefused = filesRefused;
    return cpu;
  }

  async stopAll(graceMs: number): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.live].map((child) => child.stop(graceMs)));
    // Let the 'exit' bookkeeping above run before the caller takes its last snapshot.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * At most this many processes start at once. A forking server forks in its accept loop, one after
 * another; a Node process costs ≈ 70–120 ms of CPU to start (ANCHORS.md), and a hundred started
 * together on two cores would each take seconds, past any start timeout. A few at a time keeps both
 * cores busy and each start short; the other accepted connections wait, unread, for their turn.
 */
const CONCURRENT_STARTS = 4;

/**
 * process-per-connection: every accepted connection gets a freshly forked process, handed the
 * socket. The fork (≈ 70–120 ms here) is paid per connection, before its first byte is answered.
 */
export async function startProcessPerConnection(ctx: ModelContext): Promise<ModelServer> {
  const { config, counters } = ctx;
  const session = sessionSpecOf(config);
  const children = new ChildGroup(ctx, counters);
  /** Accepted sockets whose process is still starting. */
  const handingOver = new Set<Socket>();
  /** Hand-overs in progress, each bounded by the child's start timeout. */
  const handOvers = new Set<Promise<void>>();
  let starting = 0;
  const startQueue: (() => void)[] = [];
  const startSlot = (): Promise<void> => {
    if (starting < CONCURRENT_STARTS) {
      starting++;
      return Promise.resolve();
    }
    return new Promise((resolve) => startQueue.push(resolve));
  };
  const releaseSlot = (): void => {
    const next = startQueue.shift();
    if (next) next();
    else starting--;
  };

  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
    socket.on('error', () => {});
    if (children.size + handOvers.size >= config.maxProcesses) {
      counters.connectionsRefused++;
      ctx.emit({ type: 'refused', remotePort: socket.remotePort ?? 0, reason: `process cap of ${config.maxProcesses} live processes reached` });
      socket.destroy();
      return;
    }
    counters.accepted();
    const connection = counters.connectionsAccepted;
    ctx.emit({ type: 'accepted', connection, remotePort: socket.remotePort ?? 0 });
    handingOver.add(socket);
    const closed = (): void => {
      counters.closed();
      ctx.emit({ type: 'closed', connection });
    };
    const handOver = startSlot()
      .then(async () => {
        if (socket.destroyed) throw new Error('the connection closed while it waited for its process');
        try {
          return await children.spawn({ essential: false });
        } finally {
          releaseSlot();
        }
      })
      .then(async (child) => {
        if (socket.destroyed) {
          handingOver.delete(socket);
          closed();
          await child.stop(0);
          return;
        }
        // The child owns the connection from here; it exits when the connection closes.
        void child.exited.then(closed);
        const serving = child.expect('serving');
        await child.send({ type: 'serve-socket', session }, socket);
        handingOver.delete(socket);
        await serving;
      })
      .catch((error: unknown) => {
        if (handingOver.delete(socket)) {
          socket.destroy();
          closed();
        }
        ctx.emit({ type: 'error', message: `a process for connection ${connection} failed: ${messageOf(error)}` });
      })
      .finally(() => handOvers.delete(handOver));
    handOvers.add(handOver);
  });

  const address = await listenTcp(server, config.host, config.port, config.backlog);
  const meter = new CpuMeter();
  return {
    address,
    metrics: async () => counters.snapshot(meter, ZERO_CPU, await children.collect()),
    async stop(graceMs) {
      stopAccepting(server);
      let forced = 0;
      for (const socket of handingOver) {
        forced++;
        socket.destroy();
      }
      // Each child ends its connection (a FIN), waits up to graceMs, then destroys it and exits.
      await Promise.allSettled([...handOvers]);
      await children.stopAll(graceMs);
      await children.collect();
      return forced;
    },
  };
}

/**
 * cluster: N processes share one listening socket. The server's process binds it (so a busy port is
 * reported here, naming the port), hands the listening handle to each child, then closes its own
 * copy: from then on the kernel gives each incoming connection to whichever child accepts first.
 * (node:cluster would do the same by default on Linux, but it is process-global state in the
 * process that calls it; plain children keep the server a component like any other.)
 */
export async function startCluster(ctx: ModelContext): Promise<ModelServer> {
  const { config, counters } = ctx;
  const session = sessionSpecOf(config);
  const children = new ChildGroup(ctx, counters);
  const server = net.createServer({ allowHalfOpen: true });
  const address = await listenTcp(server, config.host, config.port, config.backlog);
  try {
    const started = await Promise.all(Array.from({ length: config.workers }, () => children.spawn({ essential: true })));
    for (const child of started) {
      child.onMessage((message) => {
        if (message.type !== 'conn') return;
        if (message.delta === 1) {
          counters.accepted();
          ctx.emit({ type: 'accepted', connection: counters.connectionsAccepted, remotePort: 0 });
        } else {
          counters.closed();
        }
      });
      const serving = child.expect('serving');
      await child.send({ type: 'serve-listener', session }, server);
      await serving;
    }
  } catch (error) {
    await children.stopAll(0);
    await closeListener(server);
    throw error;
  }
  await closeListener(server);
  return children.serving(address, counters);
}
