import { runMessage } from '../../model/run-wording';
import { ByteLimitError, formatBytes, jsonBytes, jsonPrefix, limitExceeded } from '../spec/limits';
import type { EncodedEvent, EventBatch, TracePhase } from '../../model/trace-event';

/**
 * An actor's trace buffer: stamps events on the shared monotonic clock, gives them consecutive
 * sequence numbers and hands them on in batches (a batch per flush, JSON encoded once, here).
 *
 * Guarantees: sequence numbers start at 0 and have no gaps among recorded events; once the actor's
 * budget is spent, events are counted as dropped instead of recorded, and the count says so; a batch
 * holds at most `batchSize` events and, but for one large record, about `batchBytes` bytes (sizes are
 * the JSON length, estimated per event without encoding it: numbers count as 24, strings their length;
 * data made with `constantData` is measured once, when it is made). Values in
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

/** Row overhead of an encoded event: its seq, time, op and phase (a time in ns has up to 16 digits). */
const ROW_BYTES = 48;

/**
 * About the JSON length of an event's data, without encoding it (encoding every event on its own would cost
 * a third of the trace's throughput; one encoding per batch does not): a fixed size for numbers, the length
 * for strings, nested values (a list, a queue item that is an object) walked no further than `bound`.
 */
function dataBytes(data: Record<string, unknown>, bound: number): number {
  let bytes = 2;
  for (const key in data) {
    const value = data[key];
    bytes += key.length + 4;
    switch (typeof value) {
      case 'string':
        bytes += value.length + 2;
        break;
      case 'number':
        bytes += 24;
        break;
      case 'boolean':
        bytes += 5;
        break;
      case 'undefined':
        break;
      default:
        bytes += jsonBytes(value, bound);
    }
  }
  return bytes;
}

/** The event's data with each value too long to trace whole replaced by the start of its JSON. */
function previewData(data: Record<string, unknown>, valueBytes: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    out[key] = jsonBytes(value, valueBytes) > valueBytes ? `${jsonPrefix(value, PREVIEW_CHARS)}… (more than ${formatBytes(valueBytes)} of JSON, not traced whole)` : value;
  }
  return out;
}

/** Sizes of the data made by constantData: its JSON length, measured once. */
const constantBytes = new WeakMap<object, number>();

/**
 * Data an event carries unchanged every time it is emitted, made once when a step is compiled (a lock
 * step's `{ prim }`, say): frozen, and measured here once instead of on every emit. On a thread that has
 * just started, the per-event measure runs in V8's interpreter and cost more than the rest of the emit.
 */
export function constantData<T extends Record<string, unknown>>(data: T): Readonly<T> {
  constantBytes.set(data, JSON.stringify(data).length);
  return Object.freeze(data);
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

/** What a muted trace did not record (TraceBuffer.tally). */
export interface MutedTally {
  /** Every event not recorded. */
  events: number;
  /** Events of acquire steps (a begin and an end each) and of release steps, since the outermost summary repeat began. */
  acquire: number;
  release: number;
}

/** The data of an event a step emitted without any (it carries the step id after it). */
const NO_DATA: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export class TraceBuffer {
  readonly now: () => number;
  /**
   * The id of the step now running (its number in the actor's program, see model/program-text.ts), set
   * by the interpreter before each step; -1 outside the program's steps. Events carry it as `s`.
   */
  step = -1;
  private rows: EncodedEvent[] = [];
  private rowBytes = 0;
  private recordBytes = 0;
  private tFirst = 0;
  private tLast = 0;
  private firstSeq = 0;
  private nextSeq = 0;
  private droppedCount = 0;
  private muteDepth = 0;
  /**
   * Events not recorded while muted. `acquire` and `release` count the lock steps' events since the outermost summary
   * repeat began (takeMuted): only these two ops are told apart, by a comparison of interned strings (a tally by any
   * op, a Map update per muted event, doubled the time of a summarised lock loop). A step compiled to run only muted
   * (inside a summary repeat) adds to it directly instead of calling emit: on a thread that has just started, that
   * call and its test ran in V8's interpreter and cost more than the lock itself.
   */
  readonly tally: MutedTally = { events: 0, acquire: 0, release: 0 };
  private readonly batchSize: number;
  private readonly batchBytes: number;
  private readonly valueBytes: number;
  /** How far a record's value is measured: past this it is refused anyway. */
  private readonly recordBound: number;
  private readonly onCount: ((emitted: number) => void) | undefined;
  /** flushIfNearlyFull sends the batch from this many events or bytes on. */
  private readonly flushAheadCount: number;
  private readonly flushAheadBytes: number;
  /** Below this size an event passes both byte limits: checkSize is not called for it. */
  private readonly checkFrom: number;

  constructor(private readonly options: TraceBufferOptions) {
    this.onCount = options.onCount;
    this.checkFrom = options.limits ? Math.min(options.limits.maxEventBytes, options.limits.maxRecordBytes) : Number.POSITIVE_INFINITY;
    this.now = traceClock(options.runStartNs);
    this.batchSize = options.batchSize ?? 1_000;
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.valueBytes = options.valueBytes ?? DEFAULT_VALUE_BYTES;
    this.flushAheadCount = Math.max(1, this.batchSize - Math.min(64, Math.floor(this.batchSize / 4)));
    this.flushAheadBytes = this.batchBytes * 0.9;
    this.recordBound = options.limits ? Math.min(options.limits.maxRecordBytes, options.limits.maxEventBytes) : Number.MAX_SAFE_INTEGER;
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
    return this.tally.events;
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

  /**
   * Once the outermost muted repeat has ended (unmuted): how many acquire and release events it did not record, so
   * that its end event can say how many lock steps ran (a summarised lock loop still counts its acquisitions). Clears
   * the tally; undefined while still muted (an inner repeat: the outer one reports) or when there were none.
   */
  takeMuted(): { acquire?: number; release?: number } | undefined {
    const tally = this.tally;
    if (this.muteDepth > 0 || (tally.acquire === 0 && tally.release === 0)) return undefined;
    const taken = { ...(tally.acquire > 0 ? { acquire: tally.acquire } : {}), ...(tally.release > 0 ? { release: tally.release } : {}) };
    tally.acquire = 0;
    tally.release = 0;
    return taken;
  }

  /**
   * Records one event unless muted; `force` records even inside a muted repeat (records, logs, sections).
   * Small on purpose: the muted case, a counter, is then inlined where a step emits.
   */
  emit(op: string, ph: TracePhase, data?: Record<string, unknown>, force?: boolean): void {
    if (this.muteDepth > 0 && force !== true) {
      const tally = this.tally;
      tally.events++;
      if (op === 'acquire') tally.acquire++;
      else if (op === 'release') tally.release++;
      return;
    }
    this.record(op, ph, data, undefined);
  }

  /**
   * `emit` for data of numbers and names only, whose JSON length the caller bounds once (`dataBytes`, at
   * most valueBytes): what a step that emits fresh small data on every run (an `add`'s new value) uses
   * instead of having the data measured each time.
   */
  emitSized(op: string, ph: TracePhase, data: Record<string, unknown>, dataBytes: number): void {
    if (this.muteDepth > 0) {
      const tally = this.tally;
      tally.events++;
      if (op === 'acquire') tally.acquire++;
      else if (op === 'release') tally.release++;
      return;
    }
    this.record(op, ph, data, dataBytes <= this.valueBytes ? dataBytes : undefined);
  }

  private record(op: string, ph: TracePhase, data: Record<string, unknown> | undefined, knownBytes: number | undefined): void {
    if (this.nextSeq >= this.options.budget) {
      this.droppedCount++;
      return;
    }
    const t = this.now();
    let bytes = ROW_BYTES + op.length;
    const constant = data === undefined ? undefined : knownBytes ?? constantBytes.get(data);
    if (constant !== undefined && constant <= this.valueBytes) {
      bytes += constant;
    } else if (data !== undefined) {
      const measured = dataBytes(data, op === 'record' ? this.recordBound : this.valueBytes);
      if (op !== 'record' && measured > this.valueBytes) {
        data = previewData(data, this.valueBytes);
        bytes += dataBytes(data, this.valueBytes);
      } else {
        bytes += measured;
      }
    }
    if (bytes > this.checkFrom) this.checkSize(op, bytes);
    if (this.rows.length > 0 && this.rowBytes + bytes > this.batchBytes) this.flush();
    if (this.rows.length === 0) this.tFirst = t;
    this.tLast = t;
    const s = this.step;
    if (s >= 0) {
      this.rows.push([this.nextSeq, t, op, ph, data ?? NO_DATA, s]);
      bytes += 8;
    } else this.rows.push(data === undefined ? [this.nextSeq, t, op, ph] : [this.nextSeq, t, op, ph, data]);
    this.rowBytes += bytes;
    if (op === 'record') this.recordBytes += bytes;
    this.nextSeq++;
    if (this.onCount !== undefined) this.onCount(this.nextSeq);
    if (this.rows.length >= this.batchSize || this.rowBytes >= this.batchBytes) this.flush();
  }

  /**
   * Sends the batch now when it is close to full (within a few events or 10% of its bytes), called
   * where a step is about to take a lock: the flush it would soon need (a JSON encoding and a post,
   * hundreds of microseconds for a full batch) then happens before the lock is held, not inside the
   * critical section while every other thread waits on it.
   */
  flushIfNearlyFull(): void {
    if (this.rows.length >= this.flushAheadCount || this.rowBytes >= this.flushAheadBytes) this.flush();
  }

  private checkSize(op: string, bytes: number): void {
    const limits = this.options.limits;
    if (!limits) return;
    if (op === 'record' && bytes > limits.maxRecordBytes) {
      throw new ByteLimitError('maxRecordBytes', limitExceeded(this.options.actor, 'maxRecordBytes', limits.maxRecordBytes, runMessage('where-one-record')));
    }
    if (bytes > limits.maxEventBytes) {
      throw new ByteLimitError('maxEventBytes', limitExceeded(this.options.actor, 'maxEventBytes', limits.maxEventBytes, runMessage('where-one-event', { op })));
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
      payload: JSON.stringify(rows),
    };
    this.firstSeq += rows.length;
    this.options.sink(batch, { recordBytes });
  }
}
