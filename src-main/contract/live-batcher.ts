/**
 * LiveRunBatcher ensures that at most one `run-live` message per run leaves every `intervalMs`,
 * carrying every event batch received since the previous one (none dropped, order kept) and the
 * latest progress; `end()` flushes what is pending, then sends exactly one `run-ended`. A fast run may
 * send sooner: once `maxMessageBytes` of batches are pending they leave at once, so that no message (and
 * no copy of it on its way out) is larger than about that.
 *
 * Invariants: no message after `run-ended`; `seq` counts run-live messages from 1 without gaps.
 * `batch()` answers a promise that settles once the batch has left (in a run-live message, or dropped at the
 * end): a producer that waits for it holds at most one interval's batches here.
 * Pure: uses only the timer functions every JavaScript host has (injected for tests).
 */
import type { RunStatus } from '../model/run-model';
import { summarisedCounts, type EventBatch, type RunProgress, type TrialSummary } from './dto';
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
  /** Trials finished since the last message: every one is sent, though only the latest progress is. */
  private finishedTrials: TrialSummary[] = [];
  private timer: unknown = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private seq = 0;
  private ended = false;
  private pendingBytes = 0;
  /** Settles when the pending batches leave; shared by all of them. */
  private left: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(
    readonly runId: string,
    private readonly send: (event: LiveEvent) => void,
    private readonly intervalMs = LIVE_FLUSH_INTERVAL_MS,
    private readonly clock: BatcherClock = realClock,
    private readonly maxMessageBytes = LIVE_MESSAGE_MAX_BYTES,
  ) {}

  progress(progress: RunProgress): void {
    if (this.ended) return;
    this.latest = progress;
    if (progress.finished) this.finishedTrials.push(progress.finished);
    this.schedule();
  }

  batch(batch: EventBatch): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (this.left === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.left = { promise, resolve };
    }
    const left = this.left.promise;
    this.pending.push(batch);
    this.pendingBytes += batch.payload.length;
    if (this.pendingBytes >= this.maxMessageBytes) this.flush();
    else this.schedule();
    return left;
  }

  end(status: RunStatus | null, error: WireError | null = null): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.release();
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
    const trials = this.finishedTrials;
    this.finishedTrials = [];
    this.pending = [];
    this.pendingBytes = 0;
    this.latest = null;
    this.lastSentAt = this.clock.now();
    this.seq += 1;
    try {
      this.send({ type: 'run-live', runId: this.runId, seq: this.seq, progress, batches, ...(trials.length > 0 ? { trials } : {}) });
    } finally {
      this.release();
    }
  }

  private release(): void {
    const left = this.left;
    this.left = null;
    left?.resolve();
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

/** Payload bytes of batches past which a run-live message leaves before its interval is up. */
export const LIVE_MESSAGE_MAX_BYTES = 1024 * 1024;

/**
 * Bytes that may wait to be sent on one connection before its live messages are skipped: a tab that stalls (a
 * socket whose reader does not read) holds at most this much plus one message, however long the run.
 */
export const LIVE_BUFFER_LIMIT_BYTES = 4 * 2 ** 20;

/**
 * Run-live messages per run a connection that acknowledges (live-ack) may be sent ahead of its acknowledgements:
 * a page that takes messages in more slowly than they come (its script busy) is skipped past, not filled up.
 */
export const LIVE_WINDOW_MESSAGES = 8;

interface Gap {
  events: number;
  ops: { acquire: number; release: number };
  seq: number;
  progress: RunProgress | null;
  trials: TrialSummary[];
}

/**
 * LiveGapGate bounds what one connection queues: while more than `limitBytes` wait to be sent to it (or, for a
 * connection that acknowledges, `windowMessages` of a run's messages are unacknowledged), its
 * `run-live` messages are skipped (counted, not kept). Once it has caught up, and in any case before the run's
 * `run-ended`, it gets one marker (a `run-live` with no batches, `skippedEvents` and the seq of the last message
 * skipped, so its seq shows the gap) and then what comes next. Only this connection's view is affected: the run and
 * its stored events are not, and other connections get every message.
 */
export class LiveGapGate {
  private readonly gaps = new Map<string, Gap>();

  constructor(
    private readonly limitBytes = LIVE_BUFFER_LIMIT_BYTES,
    private readonly windowMessages = LIVE_WINDOW_MESSAGES,
  ) {}

  /**
   * What to send now in place of `event`, given the bytes still waiting on the connection and, for a connection
   * that acknowledges, how many of the run's run-live messages it was sent and has not acknowledged.
   */
  pass(event: LiveEvent, bufferedBytes: number, unacknowledged = 0): LiveEvent[] {
    const gap = this.gaps.get(event.runId);
    if (event.type === 'run-live' && (bufferedBytes > this.limitBytes || unacknowledged >= this.windowMessages)) {
      const events = event.batches.reduce((sum, batch) => sum + batch.count, 0);
      const ops = { acquire: 0, release: 0 };
      for (const batch of event.batches) {
        const found = lockOps(batch);
        ops.acquire += found.acquire;
        ops.release += found.release;
      }
      if (gap) {
        gap.events += events;
        gap.ops.acquire += ops.acquire;
        gap.ops.release += ops.release;
        gap.seq = event.seq;
        gap.progress = event.progress ?? gap.progress;
        // Bounded: one summary per trial of the run, and a run's trials are capped.
        if (event.trials) gap.trials.push(...event.trials);
      } else {
        this.gaps.set(event.runId, { events, ops, seq: event.seq, progress: event.progress, trials: [...(event.trials ?? [])] });
      }
      return [];
    }
    if (!gap) return [event];
    this.gaps.delete(event.runId);
    const marker: LiveEvent = { type: 'run-live', runId: event.runId, seq: gap.seq, progress: gap.progress, batches: [], skippedEvents: gap.events, ...(gap.ops.acquire + gap.ops.release > 0 ? { skippedOps: gap.ops } : {}), ...(gap.trials.length > 0 ? { trials: gap.trials } : {}) };
    return [marker, event];
  }

  /** Runs with skipped messages not yet reported (for tests and diagnostics). */
  get pendingGaps(): number {
    return this.gaps.size;
  }
}

const ACQUIRE_EVENT = '"acquire","';
const RELEASE_EVENT = '"release","';
const MUTED_MARKER = '"muted":{';

function occurrences(text: string, marker: string): number {
  let found = 0;
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + marker.length)) found++;
  return found;
}

/**
 * A batch's acquire and release events, as the live counters count them: read off its text (no parse for the common
 * batch), plus what a summary repeat's end states it ran without recording (that batch is parsed).
 */
export function lockOps(batch: EventBatch): { acquire: number; release: number } {
  const ops = { acquire: occurrences(batch.payload, ACQUIRE_EVENT), release: occurrences(batch.payload, RELEASE_EVENT) };
  if (!batch.payload.includes(MUTED_MARKER)) return ops;
  let rows: unknown;
  try {
    rows = JSON.parse(batch.payload);
  } catch {
    return ops;
  }
  if (!Array.isArray(rows)) return ops;
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row)) continue;
    const data = row[4];
    const event = { op: String(row[2]), ph: row[3] as 'E', ...(data !== null && typeof data === 'object' ? { data: data as Record<string, unknown> } : {}) };
    for (const [op, count] of summarisedCounts(event)) if (op === 'acquire' || op === 'release') ops[op] += count;
  }
  return ops;
}
