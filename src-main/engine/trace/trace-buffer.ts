import { ByteLimitError, formatBytes, limitExceeded } from '../spec/limits';
import type { EncodedEvent, EventBatch, TracePhase } from './trace-event';

/**
 * An actor's trace buffer: stamps events on the shared monotonic clock, gives them consecutive
 * sequence numbers and hands them on in batches (a batch per flush, each event JSON encoded once, here).
 *
 * Guarantees: sequence numbers start at 0 and have no gaps among recorded events; once the actor's
 * budget is spent, events are counted as dropped instead of recorded, and the count says so; a batch
 * holds at most `batchSize` events and, but for one large record, about `batchBytes` bytes. Values in
 * events other than records (a `let` of a long text, a queue item) show in the trace as a preview once
 * the event passes `valueBytes`; a record larger than the trial's record limit (or event limit) is
 * refused with a ByteLimitError before it is kept or sent, so no copy of it leaves the actor.
 */

/** What a batch carries besides its events: the bytes of its `record` events (the runner sums them per trial). */
export interface BatchInfo {
  readonly recordBytes: number;
}

const DEFAULT_BATCH_BYTES = 1024 * 1024;
const DEFAULT_VALUE_BYTES = 64 * 1024;
const PREVIEW_CHARS = 200;

/** The event's data with each value too long to trace whole replaced by the start of its JSON and its size. */
function previewData(data: Record<string, unknown>, valueBytes: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const text = JSON.stringify(value);
    out[key] = text !== undefined && text.length > valueBytes ? `${text.slice(0, PREVIEW_CHARS)}… (${formatBytes(text.length)} of JSON, not traced whole)` : value;
  }
  return out;
}

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
  /** A batch is sent once its events reach this many bytes (default 1 MB). */
  readonly batchBytes?: number;
  /** An event other than a record larger than this traces a preview of its values instead (default 64 KB). */
  readonly valueBytes?: number;
  /** The trial's byte limits on events and records (absent: unlimited). */
  readonly limits?: { readonly maxEventBytes: number; readonly maxRecordBytes: number } | undefined;
  readonly sink: (batch: EventBatch, info: BatchInfo) => void;
  /** Publishes the running count of emitted events (a shared word for threads), so a killed actor's losses are known. */
  readonly onCount?: (emitted: number) => void;
}

export class TraceBuffer {
  readonly now: () => number;
  /** The pending events, each already JSON text. */
  private rows: string[] = [];
  private rowBytes = 0;
  private recordBytes = 0;
  private tFirst = 0;
  private tLast = 0;
  private firstSeq = 0;
  private nextSeq = 0;
  private droppedCount = 0;
  private muteDepth = 0;
  private mutedCount = 0;
  private readonly batchSize: number;
  private readonly batchBytes: number;
  private readonly valueBytes: number;

  constructor(private readonly options: TraceBufferOptions) {
    this.now = traceClock(options.runStartNs);
    this.batchSize = options.batchSize ?? 1_000;
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.valueBytes = options.valueBytes ?? DEFAULT_VALUE_BYTES;
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
    const row: EncodedEvent = data === undefined ? [this.nextSeq, t, op, ph] : [this.nextSeq, t, op, ph, data];
    let text = JSON.stringify(row);
    if (data !== undefined && op !== 'record' && text.length > this.valueBytes) text = JSON.stringify([this.nextSeq, t, op, ph, previewData(data, this.valueBytes)]);
    this.checkSize(op, text.length);
    if (this.rows.length > 0 && this.rowBytes + text.length > this.batchBytes) this.flush();
    if (this.rows.length === 0) this.tFirst = t;
    this.tLast = t;
    this.rows.push(text);
    this.rowBytes += text.length + 1;
    if (op === 'record') this.recordBytes += text.length;
    this.nextSeq++;
    this.options.onCount?.(this.nextSeq);
    if (this.rows.length >= this.batchSize || this.rowBytes >= this.batchBytes) this.flush();
  }

  private checkSize(op: string, bytes: number): void {
    const limits = this.options.limits;
    if (!limits) return;
    if (op === 'record' && bytes > limits.maxRecordBytes) {
      throw new ByteLimitError('maxRecordBytes', limitExceeded(this.options.actor, 'maxRecordBytes', limits.maxRecordBytes, `with one record of ${formatBytes(bytes)}`));
    }
    if (bytes > limits.maxEventBytes) {
      throw new ByteLimitError('maxEventBytes', limitExceeded(this.options.actor, 'maxEventBytes', limits.maxEventBytes, `with one ${op} event of ${formatBytes(bytes)}`));
    }
  }

  flush(): void {
    const rows = this.rows;
    if (rows.length === 0) return;
    const recordBytes = this.recordBytes;
    this.rows = [];
    this.rowBytes = 0;
    this.recordBytes = 0;
    const batch: EventBatch = {
      trial: this.options.trial,
      actor: this.options.actor,
      firstSeq: this.firstSeq,
      count: rows.length,
      tFirst: this.tFirst,
      tLast: this.tLast,
      payload: `[${rows.join(',')}]`,
    };
    this.firstSeq += rows.length;
    this.options.sink(batch, { recordBytes });
  }
}
