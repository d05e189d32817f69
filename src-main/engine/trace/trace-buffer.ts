import type { EncodedEvent, EventBatch, TracePhase } from './trace-event';

/**
 * An actor's trace buffer: stamps events on the shared monotonic clock, gives them consecutive
 * sequence numbers and hands them on in batches (a batch per flush, JSON encoded once, here).
 *
 * Guarantees: sequence numbers start at 0 and have no gaps among recorded events; once the actor's
 * budget is spent, events are counted as dropped instead of recorded, and the count says so.
 */

/** The clock every actor shares: CLOCK_MONOTONIC through process.hrtime, one origin per run. */
export function traceClock(runStartNs: bigint): () => number {
  return () => Number(process.hrtime.bigint() - runStartNs);
}

export interface TraceBufferOptions {
  readonly actor: string;
  readonly trial: number;
  readonly runStartNs: bigint;
  /** Events this actor may record; the rest are counted as dropped. */
  readonly budget: number;
  readonly batchSize?: number;
  readonly sink: (batch: EventBatch) => void;
  /** Publishes the running count of emitted events (a shared word for threads), so a killed actor's losses are known. */
  readonly onCount?: (emitted: number) => void;
}

export class TraceBuffer {
  readonly now: () => number;
  private rows: EncodedEvent[] = [];
  private firstSeq = 0;
  private nextSeq = 0;
  private droppedCount = 0;
  private muteDepth = 0;
  private mutedCount = 0;
  private readonly batchSize: number;

  constructor(private readonly options: TraceBufferOptions) {
    this.now = traceClock(options.runStartNs);
    this.batchSize = options.batchSize ?? 1_000;
  }

  /** Events recorded (and so sent, once flushed). */
  get emitted(): number {
    return this.nextSeq;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Steps run while muted (a repeat traced as a summary) that emitted nothing. */
  get muted(): number {
    return this.mutedCount;
  }

  get pending(): number {
    return this.rows.length;
  }

  mute(): void {
    this.muteDepth++;
  }

  unmute(): void {
    this.muteDepth--;
  }

  get isMuted(): boolean {
    return this.muteDepth > 0;
  }

  /** Records one event unless muted; `force` records even inside a muted repeat (records, logs, sections). */
  emit(op: string, ph: TracePhase, data?: Record<string, unknown>, force = false): void {
    if (this.muteDepth > 0 && !force) {
      this.mutedCount++;
      return;
    }
    if (this.nextSeq >= this.options.budget) {
      this.droppedCount++;
      return;
    }
    const t = this.now();
    this.rows.push(data === undefined ? [this.nextSeq, t, op, ph] : [this.nextSeq, t, op, ph, data]);
    this.nextSeq++;
    this.options.onCount?.(this.nextSeq);
    if (this.rows.length >= this.batchSize) this.flush();
  }

  flush(): void {
    const rows = this.rows;
    if (rows.length === 0) return;
    this.rows = [];
    const batch: EventBatch = {
      trial: this.options.trial,
      actor: this.options.actor,
      firstSeq: this.firstSeq,
      count: rows.length,
      tFirst: rows[0]![1],
      tLast: rows[rows.length - 1]![1],
      payload: JSON.stringify(rows),
    };
    this.firstSeq += rows.length;
    this.options.sink(batch);
  }
}
