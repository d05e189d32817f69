import { Worker } from 'node:worker_threads';
import { netEntryPath } from '../bundle-paths';
import { addCpu, type CpuTime, ZERO_CPU } from '../cpu-time';
import { errorFromData } from '../errors';
import { assertNever } from '../../model/assert-never';
import type { RelayToWorker, SessionWorkerData, WorkerStats, WorkerToRelay } from '../relay-protocol';
import type { ServerCounters } from '../server-metrics';
import { within, type ModelContext } from './model';

const STATS_TIMEOUT_MS = 1_000;

/** One session worker as the server's thread sees it. */
export class RelayWorker {
  readonly worker: Worker;
  readonly threadId: number;
  /** Connections assigned to it (pool balancing). */
  load = 0;
  finalStats: WorkerStats | null = null;
  readonly exited: Promise<number>;
  private nextStatsId = 1;
  private readonly pendingStats = new Map<number, (stats: WorkerStats) => void>();
  private readonly handlers: ((message: WorkerToRelay) => void)[] = [];

  constructor(data: SessionWorkerData, ctx: ModelContext) {
    this.worker = new Worker(netEntryPath('session-worker'), { workerData: data, stdout: false, stderr: false });
    this.threadId = this.worker.threadId;
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.on('error', (error) => ctx.emit({ type: 'error', message: `[thread ${this.threadId}] ${error.message}` }));
    this.worker.on('message', (message: WorkerToRelay) => {
      switch (message.type) {
        case 'stats': {
          const resolve = this.pendingStats.get(message.id);
          this.pendingStats.delete(message.id);
          resolve?.(message.stats);
          break;
        }
        case 'final':
          this.finalStats = message.stats;
          break;
        case 'failed':
          ctx.emit({ type: 'error', message: `[thread ${this.threadId}] ${errorFromData(message.error).message}` });
          break;
        case 'write':
        case 'end':
        case 'reply':
          for (const handler of this.handlers) handler(message);
          break;
        default:
          assertNever(message, 'worker message');
      }
    });
  }

  post(message: RelayToWorker): void {
    this.worker.postMessage(message);
  }

  onMessage(handler: (message: WorkerToRelay) => void): void {
    this.handlers.push(handler);
  }

  /** The worker's counters now, or its last words if it has ended; null if it does not answer in time. */
  async stats(): Promise<WorkerStats | null> {
    if (this.finalStats) return this.finalStats;
    const id = this.nextStatsId++;
    const answer = new Promise<WorkerStats>((resolve) => this.pendingStats.set(id, resolve));
    this.post({ type: 'stats', id });
    const answered = await within(answer, STATS_TIMEOUT_MS);
    this.pendingStats.delete(id);
    return answered ? await answer : this.finalStats;
  }
}

/** The worker threads of one server: started, counted, asked for their numbers, stopped. */
export class WorkerGroup {
  private readonly live = new Set<RelayWorker>();
  private endedRequests = 0;
  private endedFilesRefused = 0;
  private stopping = false;

  constructor(
    private readonly ctx: ModelContext,
    private readonly counters: ServerCounters,
  ) {}

  get size(): number {
    return this.live.size;
  }

  /** A pool worker is essential: if it ends before the server stops, the server has crashed (its connections are stranded). */
  spawn(data: SessionWorkerData): RelayWorker {
    const relay = new RelayWorker(data, this.ctx);
    this.live.add(relay);
    this.counters.threadStarted();
    this.ctx.emit({ type: 'thread-started', threadId: relay.threadId });
    void relay.exited.then((code) => {
      this.live.delete(relay);
      this.endedRequests += relay.finalStats?.requests ?? 0;
      this.endedFilesRefused += relay.finalStats?.filesRefused ?? 0;
      this.counters.threadEnded(relay.finalStats?.cpu ?? null);
      this.ctx.emit({ type: 'thread-exited', threadId: relay.threadId, code });
      if (data.mode === 'pool' && !this.stopping) this.ctx.crash(new Error(`[thread ${relay.threadId}] a pool thread ended while the server was running (exit code ${code})`));
    });
    return relay;
  }

  /** Requests answered and CPU used by every worker so far, the ended ones included. */
  async totals(): Promise<{ requests: number; filesRefused: number; cpu: CpuTime }> {
    const asked = [...this.live];
    const answers = await Promise.all(asked.map((relay) => relay.stats()));
    // A worker that ended while we asked is already in endedRequests and counters' ended CPU.
    let requests = this.endedRequests;
    let filesRefused = this.endedFilesRefused;
    let cpu = ZERO_CPU;
    for (const [i, stats] of answers.entries()) {
      if (!stats || !this.live.has(asked[i]!)) continue;
      requests += stats.requests;
      filesRefused += stats.filesRefused;
      if (stats.cpu) cpu = addCpu(cpu, stats.cpu);
    }
    return { requests, filesRefused, cpu };
  }

  /** Asks every worker to stop, waits up to graceMs, then terminates the rest. */
  async stopAll(graceMs: number): Promise<void> {
    this.stopping = true;
    const workers = [...this.live];
    for (const relay of workers) relay.post({ type: 'stop' });
    const allExited = Promise.all(workers.map((relay) => relay.exited));
    if (!(await within(allExited, graceMs))) {
      await Promise.all(workers.map((relay) => relay.worker.terminate()));
    }
    await allExited;
    // Let the 'exit' bookkeeping above run before the caller takes its last snapshot.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
