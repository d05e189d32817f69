import { runMessage } from '../../model/run-wording';
import { ByteLimitError, formatBytes, jsonBytes, jsonPrefix, limitExceeded } from '../spec/limits';
import type { EncodedEvent, EventBatch, TracePhase } from '../../model/trace-event';
import { BATCH_EVENTS, Columns, OWN_ROW, templateText, type RingBatch, type TemplateText } from './event-columns';

/**
 * An actor's trace buffer: stamps events on the shared monotonic clock, gives them consecutive
 * sequence numbers and hands them on in batches (a batch per flush, JSON encoded once, here).
 *
 * Guarantees: sequence numbers start at 0 and have no gaps among recorded events; once the actor's
 * budget is spent, events are counted as dropped instead of recorded, and the count says so; a batch
 * holds at most `batchSize` events and, but for one large record, about `batchBytes` bytes (sizes are
 * the JSON length, estimated per event without encoding it: numbers count as 24, strings their length;
 * a template's data is measured once, when it is made). Values in
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

/** The clock every actor shares: CLOCK_MONOTONIC through process.hrtime, one origin per run. */
export function traceClock(runStartNs: bigint): () => number {
  return () => Number(hrtimeBigint() - runStartNs);
}

/** process.hrtime.bigint, called as a plain function where an event is recorded (it uses no receiver). */
const hrtimeBigint = process.hrtime.bigint;

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
  /**
   * A thread actor's: its events are kept in the slots of this ring of columns in shared memory (ringBytes of
   * the batch size), and each batch is handed to `sink` as it is, not encoded (the encoder runs on another
   * thread, see batch-encoder.ts); the options' own `sink` is then not called. A slot is filled again once the
   * sink returns: the sink waits until it is free (until no more than RING_SLOTS - 1 batches are out).
   */
  readonly columns?: { readonly ring: SharedArrayBuffer; readonly sink: (batch: RingBatch) => void };
  /**
   * Where the running count of recorded events is kept (a word of the run's shared memory, for a thread), so that
   * a killed actor's losses are known. A plain store per event, not Atomics.store (a locked instruction): the runner
   * reads the word once the thread is gone, and a thread's end makes all its writes visible.
   */
  readonly countWord?: { readonly words: Int32Array; readonly at: number };
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

const NO_TEMPLATES: readonly TemplateText[] = Object.freeze([]);

/** An event of a template is counted as this many bytes at most, until a larger template is made (lock, add and mark events are under 200). */
const TEMPLATE_BYTES = 512;

export class TraceBuffer {
  readonly now: () => number;
  /**
   * The id of the step now running (its number in the actor's program, see model/program-text.ts), set
   * by the interpreter before each step; -1 outside the program's steps. Events carry it as `s`.
   */
  step = -1;
  private readonly origin: bigint;
  /** The batch being filled, one slot per event (see event-columns.ts), and its columns. */
  private columns: Columns;
  /** A thread's ring of columns (see TraceBufferOptions.columns), and which slot is being filled. */
  private readonly ring: readonly Columns[] | null;
  private slot = 0;
  /** Raw clock readings (process.hrtime.bigint): the run's start is taken off where the batch is encoded. */
  private times: BigInt64Array;
  private kinds: Int32Array;
  private values: Float64Array;
  private steps: Int32Array;
  /** Rows of events with data of their own (kind OWN_ROW), by slot, encoded when the batch is flushed. */
  private ownRows: (EncodedEvent | undefined)[] = [];
  /** Events in the batch. */
  private count = 0;
  /**
   * Slots below this take a template's event without any check (emitTemplate, emitValue): the batch has room for
   * them by count and bytes, and the budget too. Past it, the checked path records, flushes or drops the event.
   */
  private free = 0;
  /** flushIfNearlyFull sends the batch once it holds this many events (see room()). */
  private flushAt = 0;
  /** The batch's bytes (see ROW_BYTES) up to slot `sizedTo`; template events past it are added when needed (sizeBatch). */
  private rowBytes = 0;
  private sizedTo = 0;
  private recordBytes = 0;
  private firstSeq = 0;
  private droppedCount = 0;
  private muteDepth = 0;
  private readonly countWords: Int32Array;
  private readonly countAt: number;
  /** The templates made so far (see template()), by id, and what each event of one costs and counts as. */
  private readonly templates: TemplateText[] = [];
  private readonly templateOps: string[] = [];
  private readonly templatePhases: TracePhase[] = [];
  /** An event's bytes, its step id included. */
  private readonly templateBytes: number[] = [];
  /** 1: an acquire event, 2: a release event, 0: any other (what a muted trace tallies). */
  private readonly templateClass: number[] = [];
  private readonly templateForced: boolean[] = [];
  /** Data too long for a template: its events are recorded as any other (a preview, see record). */
  private readonly templateOwn: ({ readonly data: Record<string, unknown> | undefined; readonly slot: string | undefined } | null)[] = [];
  /** Each template's data and the key of its number (for the rows this trace writes itself, see flush). */
  private readonly templateData: (Readonly<Record<string, unknown>> | undefined)[] = [];
  private readonly templateSlot: (string | undefined)[] = [];
  /** Events in the batch with rows of their own. */
  private ownCount = 0;
  /**
   * The largest event the unchecked slots are counted for: TEMPLATE_BYTES until a larger template is made. Counting
   * them for the largest template so far instead (recounting as each step's templates were made) left the trace's
   * state to be settled as the program started, and a hundred threads through a summarised lock loop ran a quarter
   * slower; the cause inside V8 was not found.
   */
  private maxTemplateBytes = TEMPLATE_BYTES;
  /** Templates already sent with a batch in columns (the receiver keeps the table). */
  private templatesSent = 0;
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
  /** flushIfNearlyFull sends the batch from this many events or bytes on. */
  private readonly flushAheadCount: number;
  private readonly flushAheadBytes: number;
  /** Below this size an event passes both byte limits: checkSize is not called for it. */
  private readonly checkFrom: number;

  constructor(private readonly options: TraceBufferOptions) {
    this.checkFrom = options.limits ? Math.min(options.limits.maxEventBytes, options.limits.maxRecordBytes) : Number.POSITIVE_INFINITY;
    this.origin = options.runStartNs;
    this.now = traceClock(options.runStartNs);
    this.batchSize = Math.max(1, options.batchSize ?? BATCH_EVENTS);
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.valueBytes = options.valueBytes ?? DEFAULT_VALUE_BYTES;
    this.flushAheadCount = Math.max(1, this.batchSize - Math.min(64, Math.floor(this.batchSize / 4)));
    this.flushAheadBytes = this.batchBytes * 0.9;
    this.recordBound = options.limits ? Math.min(options.limits.maxRecordBytes, options.limits.maxEventBytes) : Number.MAX_SAFE_INTEGER;
    this.countWords = options.countWord?.words ?? new Int32Array(1);
    this.countAt = options.countWord?.at ?? 0;
    this.ring = options.columns ? Columns.ring(options.columns.ring, this.batchSize) : null;
    this.columns = this.ring ? this.ring[0]! : new Columns(this.batchSize);
    ({ times: this.times, kinds: this.kinds, values: this.values, steps: this.steps } = this.columns);
    this.room();
  }

  /** Events recorded (and so sent, once flushed). */
  get emitted(): number {
    return this.firstSeq + this.count;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Steps run while muted (a repeat traced as a summary) that emitted nothing. */
  get muted(): number {
    return this.tally.events;
  }

  get pending(): number {
    return this.count;
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
   * Makes the template of an event a step emits again and again, when the step is compiled: its op, phase and
   * data are fixed, but for the number under `slot` (the data's last key) given on each emit (emitValue). Its
   * text is written once; an event of it is then recorded with a clock read and four stores, and encoded
   * where the batch is encoded. `force`: recorded even inside a muted repeat (a mark, a section).
   *
   * The id it returns is negative for a template whose events take the checked path every time: ones large
   * enough for a byte limit to refuse or the preview to replace. (A forced one takes it only while muted.)
   */
  template(op: string, ph: TracePhase, data?: Record<string, unknown>, options: { readonly slot?: string; readonly force?: boolean } = {}): number {
    const id = this.templates.length;
    const text = templateText(op, ph, data, options.slot);
    const dataBytes = text.data.length + (text.slot ? 24 : 0);
    const bytes = ROW_BYTES + op.length + dataBytes + 8;
    const tooLong = dataBytes > this.valueBytes;
    this.templates.push(text);
    this.templateOps.push(op);
    this.templateData.push(data === undefined ? undefined : Object.freeze({ ...data }));
    this.templateSlot.push(options.slot);
    this.templatePhases.push(ph);
    this.templateBytes.push(bytes);
    this.templateClass.push(op === 'acquire' ? 1 : op === 'release' ? 2 : 0);
    this.templateForced.push(options.force === true);
    this.templateOwn.push(tooLong ? { data, slot: options.slot } : null);
    if (tooLong || bytes > this.checkFrom) return ~id;
    if (bytes > this.maxTemplateBytes) {
      this.maxTemplateBytes = bytes;
      this.room();
    }
    return id;
  }

  /** Records one event of a template without a slot (see template); muted, it is tallied. */
  emitTemplate(id: number): void {
    const i = this.count;
    if (id >= 0 && i < this.free && this.muteDepth === 0) {
      this.times[i] = hrtimeBigint();
      this.kinds[i] = id;
      this.steps[i] = this.step;
      this.count = i + 1;
      this.countWords[this.countAt] = this.firstSeq + i + 1;
      return;
    }
    this.checkedTemplate(id, 0);
  }

  /**
   * Records one event of a template without a slot at the time of the event before it: for the end of a span
   * that took no time beyond the clock read of its begin (an acquire whose lock was free: the begin, one
   * compare-and-swap, the end). A second clock read there would only add its own cost to the span.
   */
  emitTemplateAgain(id: number): void {
    const i = this.count;
    if (i > 0 && id >= 0 && i < this.free && this.muteDepth === 0) {
      this.times[i] = this.times[i - 1]!;
      this.kinds[i] = id;
      this.steps[i] = this.step;
      this.count = i + 1;
      this.countWords[this.countAt] = this.firstSeq + i + 1;
      return;
    }
    this.emitTemplate(id);
  }

  /** Records one event of a template with a slot, the slot's number being `value`. */
  emitValue(id: number, value: number): void {
    const i = this.count;
    if (id >= 0 && i < this.free && this.muteDepth === 0) {
      this.times[i] = hrtimeBigint();
      this.kinds[i] = id;
      this.values[i] = value;
      this.steps[i] = this.step;
      this.count = i + 1;
      this.countWords[this.countAt] = this.firstSeq + i + 1;
      return;
    }
    this.checkedTemplate(id, value);
  }

  /** A template's event past the free slots (or of a negative id): tallied, dropped, refused or recorded with every check. */
  private checkedTemplate(given: number, value: number): void {
    const id = given < 0 ? ~given : given;
    if (this.muteDepth > 0 && !this.templateForced[id]!) {
      const tally = this.tally;
      tally.events++;
      const kind = this.templateClass[id]!;
      if (kind === 1) tally.acquire++;
      else if (kind === 2) tally.release++;
      return;
    }
    if (this.emitted >= this.options.budget) {
      this.droppedCount++;
      return;
    }
    const own = this.templateOwn[id];
    if (own) {
      const { data, slot } = own;
      this.record(this.templateOps[id]!, this.templatePhases[id]!, slot === undefined ? data : { ...data, [slot]: value });
      return;
    }
    const t = hrtimeBigint();
    const s = this.step;
    const bytes = s >= 0 ? this.templateBytes[id]! : this.templateBytes[id]! - 8;
    if (bytes > this.checkFrom) this.checkSize(this.templateOps[id]!, bytes);
    if (this.count > 0 && (this.count >= this.batchSize || this.sizeBatch() + bytes > this.batchBytes)) this.flush();
    const i = this.count;
    this.times[i] = t;
    this.kinds[i] = id;
    this.values[i] = value;
    this.steps[i] = s;
    this.count = i + 1;
    this.countWords[this.countAt] = this.emitted;
    this.room();
  }

  /** The batch's bytes so far: template events since the last call are added up now. */
  private sizeBatch(): number {
    let bytes = this.rowBytes;
    const { kinds, steps, templateBytes } = this;
    for (let i = this.sizedTo; i < this.count; i++) {
      const kind = kinds[i]!;
      if (kind !== OWN_ROW) bytes += steps[i]! >= 0 ? templateBytes[kind]! : templateBytes[kind]! - 8;
    }
    this.rowBytes = bytes;
    this.sizedTo = this.count;
    return bytes;
  }

  /** Sets how many slots take template events unchecked, and where flushIfNearlyFull flushes. */
  private room(): void {
    const bytes = this.sizeBatch();
    const byBytes = this.count + Math.max(0, Math.floor((this.batchBytes - bytes) / this.maxTemplateBytes));
    const byBudget = this.count + Math.max(0, this.options.budget - this.emitted);
    this.free = Math.min(this.batchSize, byBytes, byBudget);
    const aheadByBytes = this.count + Math.max(0, Math.floor((this.flushAheadBytes - bytes) / this.maxTemplateBytes));
    this.flushAt = Math.min(this.flushAheadCount, aheadByBytes);
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
    this.record(op, ph, data);
  }

  private record(op: string, ph: TracePhase, data: Record<string, unknown> | undefined): void {
    if (this.emitted >= this.options.budget) {
      this.droppedCount++;
      return;
    }
    const raw = hrtimeBigint();
    const t = Number(raw - this.origin);
    let bytes = ROW_BYTES + op.length;
    if (data !== undefined) {
      const measured = dataBytes(data, op === 'record' ? this.recordBound : this.valueBytes);
      if (op !== 'record' && measured > this.valueBytes) {
        data = previewData(data, this.valueBytes);
        bytes += dataBytes(data, this.valueBytes);
      } else {
        bytes += measured;
      }
    }
    const s = this.step;
    if (s >= 0) bytes += 8;
    if (bytes > this.checkFrom) this.checkSize(op, bytes);
    if (this.count > 0 && (this.count >= this.batchSize || this.sizeBatch() + bytes > this.batchBytes)) this.flush();
    const i = this.count;
    const seq = this.emitted;
    this.ownRows[i] = s >= 0 ? [seq, t, op, ph, data ?? NO_DATA, s] : data === undefined ? [seq, t, op, ph] : [seq, t, op, ph, data];
    this.times[i] = raw;
    this.kinds[i] = OWN_ROW;
    this.ownCount++;
    this.count = i + 1;
    this.sizeBatch();
    this.rowBytes += bytes;
    if (op === 'record') this.recordBytes += bytes;
    this.countWords[this.countAt] = this.emitted;
    if (this.count >= this.batchSize || this.rowBytes >= this.batchBytes) this.flush();
    else this.room();
  }

  /**
   * Sends the batch now when it is close to full (within a few events or 10% of its bytes), called
   * where a step is about to take a lock: the flush it would soon need (an encoding or a post) then
   * happens before the lock is held, not inside the critical section while every other thread waits on it.
   */
  flushIfNearlyFull(): void {
    if (this.count >= this.flushAt) this.flush();
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

  /**
   * Hands on the batch. A thread's batch of mostly template events leaves in its ring slot for the encoder; any
   * other batch (a process's, a task's, or one mostly of rows of their own: logs, records, network events) is
   * encoded here as its rows, by JSON.stringify: no code of this thread's own runs for it, which on a thread that
   * has just started, or is about to end, would run in V8's interpreter.
   */
  flush(): void {
    const count = this.count;
    if (count === 0) return;
    const ring = this.ring;
    const origin = this.origin;
    const firstSeq = this.firstSeq;
    const tFirst = Number(this.times[0]! - origin);
    const tLast = Number(this.times[count - 1]! - origin);
    const recordBytes = this.recordBytes;
    const inRing = ring !== null && this.ownCount * 2 <= count;
    let sent: RingBatch | null = null;
    let payload = '';
    if (inRing) {
      const rows = this.ownRows;
      const ownSlots: number[] = [];
      const ownRows: string[] = [];
      if (this.ownCount > 0) {
        for (let i = 0; i < count; i++) {
          const row = rows[i];
          if (row === undefined) continue;
          ownSlots.push(i);
          ownRows.push(JSON.stringify(row));
        }
      }
      const templates = this.templatesSent < this.templates.length ? this.templates.slice(this.templatesSent) : NO_TEMPLATES;
      sent = { trial: this.options.trial, actor: this.options.actor, firstSeq, count, origin, tFirst, tLast, offset: this.columns.offset, capacity: this.batchSize, ownSlots, ownRows, templates, recordBytes };
      this.templatesSent = this.templates.length;
    } else {
      payload = JSON.stringify(this.rows(count));
    }
    this.ownRows = [];
    this.ownCount = 0;
    this.count = 0;
    this.rowBytes = 0;
    this.sizedTo = 0;
    this.recordBytes = 0;
    this.firstSeq += count;
    if (sent !== null) {
      // The batch stays in its slot until encoded; this trace goes on in the next one (the sink waits for it to be free).
      this.slot = (this.slot + 1) % ring!.length;
      this.columns = ring![this.slot]!;
      ({ times: this.times, kinds: this.kinds, values: this.values, steps: this.steps } = this.columns);
      this.room();
      this.options.columns!.sink(sent);
      return;
    }
    this.room();
    this.options.sink({ trial: this.options.trial, actor: this.options.actor, firstSeq, count, tFirst, tLast, payload }, { recordBytes });
  }

  /** The batch's rows as JSON.stringify takes them: a template event's data is its template's, with its number. */
  private rows(count: number): EncodedEvent[] {
    const rows = new Array<EncodedEvent>(count);
    const { times, kinds, values, steps, ownRows, origin, firstSeq } = this;
    for (let i = 0; i < count; i++) {
      const kind = kinds[i]!;
      if (kind === OWN_ROW) {
        rows[i] = ownRows[i]!;
        continue;
      }
      const fixed = this.templateData[kind];
      const slot = this.templateSlot[kind];
      const data = slot === undefined ? fixed : { ...fixed, [slot]: values[i]! };
      const t = Number(times[i]! - origin);
      const op = this.templateOps[kind]!;
      const ph = this.templatePhases[kind]!;
      const s = steps[i]!;
      rows[i] = s >= 0 ? [firstSeq + i, t, op, ph, (data ?? NO_DATA) as Record<string, unknown>, s] : data === undefined ? [firstSeq + i, t, op, ph] : [firstSeq + i, t, op, ph, data as Record<string, unknown>];
    }
    return rows;
  }
}
