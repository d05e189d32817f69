import { fork, type ChildProcess } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import type { Socket as DatagramSocket } from 'node:dgram';
import { NET_CHILD_EXEC_ARGV, netEntryPath } from './bundle-paths';
import type { ChildStats, ChildToParent, ParentToChild } from './child-protocol';
import { errorFromData, NetError } from './errors';
import { within } from './models/model';
import type { ServerMetrics } from './server-metrics';

/** A Node child starts in ≈ 0.1 s here; this is for a machine under heavy load. */
const READY_TIMEOUT_MS = 30_000;
const STATS_TIMEOUT_MS = 2_000;
const STOP_SLACK_MS = 3_000;

export interface ChildExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface ChildReport {
  readonly stats: ChildStats;
  readonly metrics: ServerMetrics | null;
}

/**
 * One forked server child: started, asked for its numbers, stopped within a bounded wait, then
 * killed. A child watches its parent and exits when the IPC channel closes, so none outlives the
 * process that started it.
 */
export class NetChild {
  finalReport: ChildReport | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (report: ChildReport) => void>();
  private readonly handlers: ((message: ChildToParent) => void)[] = [];
  private stderrTail = '';
  private gone = false;
  private stopping: Promise<ChildExit> | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly exited: Promise<ChildExit>,
    /** Its own process group: killing it also kills whatever it started. */
    private readonly ownGroup: boolean,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2_000);
    });
    void exited.then(() => {
      this.gone = true;
    });
    child.on('message', (message: ChildToParent) => {
      if (message.type === 'stats') {
        const resolve = this.pending.get(message.id);
        this.pending.delete(message.id);
        resolve?.({ stats: message.stats, metrics: message.metrics });
        return;
      }
      if (message.type === 'final') this.finalReport = { stats: message.stats, metrics: message.metrics };
      for (const handler of this.handlers) handler(message);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The last lines the child wrote to stderr: what a crash said. */
  get stderr(): string {
    return this.stderrTail.trim();
  }

  /** Forks the server-child bundle and waits for its 'ready'. */
  static async start(options: { readonly ownGroup: boolean }): Promise<NetChild> {
    const child = fork(netEntryPath('server-child'), [], {
      execArgv: [...NET_CHILD_EXEC_ARGV],
      detached: options.ownGroup,
      serialization: 'json',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    // 'close', not 'exit': it comes once the IPC channel has been read to its end, so the child's
    // last message (its final report) has always arrived by then.
    const exited = new Promise<ChildExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    const handle = new NetChild(child, exited, options.ownGroup);
    let spawnError: Error | null = null;
    child.once('error', (error) => {
      spawnError = error;
    });
    const ready = new Promise<void>((resolve, reject) => {
      handle.onMessage((message) => {
        if (message.type === 'ready') resolve();
      });
      void exited.then(({ code, signal }) =>
        reject(new NetError('host-failed', `the server child exited before it was ready (code ${code}, signal ${signal})${spawnError ? `: ${spawnError.message}` : ''}${handle.stderr ? `: ${handle.stderr}` : ''}`)),
      );
    });
    ready.catch(() => undefined); // awaited below; a rejection after a timeout must not go unhandled
    if (!(await within(ready, READY_TIMEOUT_MS))) {
      await handle.kill();
      throw new NetError('host-failed', `the server child did not start within ${READY_TIMEOUT_MS} ms`);
    }
    await ready;
    return handle;
  }

  onMessage(handler: (message: ChildToParent) => void): void {
    this.handlers.push(handler);
  }

  /** Sends a message, with a socket or server handle when the message needs one. */
  send(message: ParentToChild, handle?: Socket | Server | DatagramSocket): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.gone || !this.child.connected) {
        reject(new NetError('host-failed', `the server child ${this.pid} is gone`));
        return;
      }
      this.child.send(message, handle as Socket | undefined, {}, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Waits for the first message of a type, or fails if the child reports failure or exits. */
  expect<T extends ChildToParent['type']>(type: T): Promise<Extract<ChildToParent, { type: T }>> {
    const expected = new Promise<Extract<ChildToParent, { type: T }>>((resolve, reject) => {
      this.onMessage((message) => {
        if (message.type === type) resolve(message as Extract<ChildToParent, { type: T }>);
        else if (message.type === 'failed') reject(errorFromData(message.error));
      });
      void this.exited.then(({ code, signal }) =>
        reject(new NetError('host-failed', `the server child ${this.pid} exited (code ${code}, signal ${signal}) before "${type}"${this.stderr ? `: ${this.stderr}` : ''}`)),
      );
    });
    // A caller that gave up waiting (a send failed first) must not leave an unhandled rejection behind.
    expected.catch(() => undefined);
    return expected;
  }

  /** The child's numbers now; its final report once it has ended; null when it does not answer within timeoutMs. */
  async report(timeoutMs = STATS_TIMEOUT_MS): Promise<ChildReport | null> {
    if (this.finalReport || this.gone) return this.finalReport;
    const id = this.nextId++;
    const answer = new Promise<ChildReport>((resolve) => this.pending.set(id, resolve));
    try {
      await this.send({ type: 'stats', id });
    } catch {
      this.pending.delete(id);
      return this.finalReport;
    }
    const answered = await within(answer, timeoutMs);
    this.pending.delete(id);
    return answered ? await answer : this.finalReport;
  }

  /**
   * Asks the child to stop and waits, then kills it. Idempotent. The wait is bounded: twice the
   * grace period (a hosted server ends its connections, then its own helpers, each within graceMs)
   * plus time to report and exit.
   */
  stop(graceMs: number): Promise<ChildExit> {
    this.stopping ??= (async () => {
      if (!this.gone) {
        await this.send({ type: 'stop', graceMs }).catch(() => undefined);
        if (!(await within(this.exited, 2 * graceMs + STOP_SLACK_MS))) await this.kill();
      }
      return this.exited;
    })();
    return this.stopping;
  }

  /** Kills at once (its whole group when it has one); resolves once it is gone. */
  async kill(): Promise<ChildExit> {
    if (!this.gone && this.child.pid) {
      try {
        if (this.ownGroup) process.kill(-this.child.pid, 'SIGKILL');
        else this.child.kill('SIGKILL');
      } catch {
        this.child.kill('SIGKILL');
      }
    }
    return this.exited;
  }
}
