/**
 * LiveRunBatcher ensures that at most one `run-live` message per run leaves every `intervalMs`,
 * carrying every event batch received since the previous one (none dropped, order kept) and the
 * latest progress; `end()` flushes what is pending, then sends exactly one `run-ended`.
 *
 * Invariants: no message after `run-ended`; `seq` counts run-live messages from 1 without gaps.
 * Pure: uses only the timer functions every JavaScript host has (injected for tests).
 */
import type { RunStatus } from '../engine/run-model';
import type { EventBatch, RunProgress } from './dto';
import { LIVE_FLUSH_INTERVAL_MS, type LiveEvent, type WireError } from './messages';

export interface BatcherClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: BatcherClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class LiveRunBatcher {
  private pending: EventBatch[] = [];
  private latest: RunProgress | null = null;
  private timer: unknown = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private seq = 0;
  private ended = false;

  constructor(
    readonly runId: string,
    private readonly send: (event: LiveEvent) => void,
    private readonly intervalMs = LIVE_FLUSH_INTERVAL_MS,
    private readonly clock: BatcherClock = realClock,
  ) {}

  progress(progress: RunProgress): void {
    if (this.ended) return;
    this.latest = progress;
    this.schedule();
  }

  batch(batch: EventBatch): void {
    if (this.ended) return;
    this.pending.push(batch);
    this.schedule();
  }

  end(status: RunStatus | null, error: WireError | null = null): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.send({ type: 'run-ended', runId: this.runId, status, error });
  }

  /** Sends what is pending now, whatever the interval (used at the end of a run). */
  flush(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.ended || (this.pending.length === 0 && this.latest === null)) return;
    const batches = this.pending;
    const progress = this.latest;
    this.pending = [];
    this.latest = null;
    this.lastSentAt = this.clock.now();
    this.seq += 1;
    this.send({ type: 'run-live', runId: this.runId, seq: this.seq, progress, batches });
  }

  private schedule(): void {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastSentAt + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }
}
