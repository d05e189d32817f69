import { runMessage } from '../../model/run-wording';
import { ByteLimitError, formatBytes, jsonBytes, jsonPrefix, limitExceeded } from '../spec/limits';
import type { EventBatch, TracePhase } from '../../model/trace-event';
import { DATA_CONSTANT, DATA_NONE, DATA_OBJECT, DATA_VALUE, encodeColumns, EventColumns, PHASES } from './event-columns';

/**
 * An actor's trace buffer: stamps events on the shared monotonic clock, gives them consecutive
 * sequence numbers and hands them on in batches. Events are kept as columns of numbers (event-columns.ts)
 * and written as the batch's JSON text here, at the flush, on the actor's own thread: the runner's loop only
 * passes the text on (it must stay free to answer a cancel at once, however fast its threads trace).
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
/** Events a new trace buffer's columns hold before they grow (32 bytes each). */
const INITIAL_COLUMNS = 64;
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

/**
 * Texts the columns refer to by id (an op's JSON, a constant's JSON, the start of a value event's data): one table
 * per thread, each text once. Its size is bounded by the distinct op names and constant data of the programs run.
 */
const texts: string[] = [];
const textIds = new Map<string, number>();

function textId(text: string): number {
  let id = textIds.get(text);
  if (id === undefined) {
    id = texts.push(text) - 1;
    textIds.set(text, id);
  }
  return id;
}

/** The JSON of an op name, by the op, so that an event's op is found by one lookup. */
const opIds = new Map<string, number>();

function opId(op: string): number {
  let id = opIds.get(op);
  if (id === undefined) {
    id = textId(JSON.stringify(op));
    opIds.set(op, id);
  }
  return id;
}

/** Data made by constantData: its JSON length, measured once, and its JSON's id among the texts. */
const constants = new WeakMap<object, { readonly bytes: number; readonly id: number }>();

/**
 * Data an event carries unchanged every time it is emitted, made once when a step is compiled (a lock
 * step's `{ prim }`, say): frozen, and measured and encoded here once instead of on every emit. On a thread
 * that has just started, the per-event measure runs in V8's interpreter and cost more than the rest of the emit.
 */
export function constantData<T extends Record<string, unknown>>(data: T): Readonly<T> {
  const json = JSON.stringify(data);
  constants.set(data, { bytes: json.length, id: textId(json) });
  return Object.freeze(data);
}

const LOCK_OTHER = 0;
const LOCK_ACQUIRE = 1;
const LOCK_RELEASE = 2;

const lockClass = (op: string): number => (op === 'acquire' ? LOCK_ACQUIRE : op === 'release' ? LOCK_RELEASE : LOCK_OTHER);

/** What emitting a resolved event (EventKind, ValueKind) writes, worked out once. */
interface ColumnKind {
  readonly op: string;
  readonly ph: TracePhase;
  /** @internal Text id of the op's JSON; phase and data form as one code; the data's text id (0: none). */
  readonly opId: number;
  readonly code: number;
  readonly ref: number;
  /** @internal The data's JSON length (its bound, for a ValueKind) and the whole row's, without the step id. */
  readonly dataBytes: number;
  readonly rowBytes: number;
  readonly lock: number;
  readonly isRecord: boolean;
}

/**
 * An event a step emits again and again, resolved once when the step is compiled (eventKind): its op, its phase
 * and its constant data (or none), so that emitting it writes a few numbers. `data` is what it stands for.
 */
export interface EventKind extends ColumnKind {
  readonly data: Readonly<Record<string, unknown>> | undefined;
  readonly key?: undefined;
}

function columnKind(op: string, ph: TracePhase, form: number, ref: number, dataBytes: number): ColumnKind {
  return { op, ph, opId: opId(op), code: PHASES.indexOf(ph) | (form << 2), ref, dataBytes, rowBytes: ROW_BYTES + op.length + dataBytes, lock: lockClass(op), isRecord: op === 'record' };
}

export function eventKind(op: string, ph: TracePhase, data?: Record<string, unknown>): EventKind {
  const constant = data === undefined ? undefined : constants.get(data);
  const frozen = data === undefined ? undefined : constant ? data : constantData({ ...data });
  const info = frozen === undefined ? undefined : constants.get(frozen)!;
  return { ...columnKind(op, ph, info ? DATA_CONSTANT : DATA_NONE, info?.id ?? 0, info?.bytes ?? 0), data: frozen };
}

/**
 * An event whose data is constant but for one number, its last key (an add on a word: `{var, delta, value}`):
 * resolved once (valueKind), emitted with the number (emitValue). Its JSON is bounded once, with the number
 * counted as 24 characters at least.
 */
export interface ValueKind extends ColumnKind {
  /** The constant part of the data; the number goes under `key`, after it. */
  readonly fixed: Readonly<Record<string, unknown>>;
  readonly key: string;
}

/** `bytes`: the bound of the data's JSON length the caller takes (at least the JSON with a 24-character number). */
export function valueKind(op: string, ph: TracePhase, fixed: Record<string, unknown>, key: string, bytes: number): ValueKind {
  const probe = JSON.stringify({ ...fixed, [key]: 0 });
  // The number must come last: a key that sorts first (an index-like key) or one the fixed part already has would not.
  if (Object.hasOwn(fixed, key) || !probe.endsWith(`${JSON.stringify(key)}:0}`) || /^\d+$/.test(key)) throw new Error(`valueKind: ${key} cannot be the last key of ${probe}`);
  return { ...columnKind(op, ph, DATA_VALUE, textId(probe.slice(0, -2)), Math.max(bytes, probe.length - 1 + 24)), fixed: Object.freeze({ ...fixed }), key };
}

const hrtimeBigint = process.hrtime.bigint;

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
  /** Publishes the running count of emitted events, so a killed actor's losses are known. */
  readonly onCount?: (emitted: number) => void;
  /**
   * The same for a thread, as a word of shared memory written with a plain store (not Atomics.store, a locked
   * instruction on every event): the runner reads it once the thread is gone, and a thread's end makes all its
   * writes visible.
   */
  readonly countWord?: { readonly words: Int32Array; readonly index: number };
  /** The clock (default: traceClock(runStartNs)); a test gives one that answers the same times on every run. */
  readonly clock?: () => number;
}

export class TraceBuffer {
  readonly now: () => number;
  /**
   * The id of the step now running (its number in the actor's program, see model/program-text.ts), set
   * by the interpreter before each step; -1 outside the program's steps. Events carry it as `s`.
   */
  step = -1;
  /** The batch being filled, as columns (event-columns.ts); `objects` holds the data of events whose data is an object. */
  private columns: EventColumns;
  private count = 0;
  private objects: Array<Record<string, unknown>> = [];
  private rowBytes = 0;
  private recordBytes = 0;
  private firstSeq = 0;
  private nextSeq = 0;
  private droppedCount = 0;
  /** Nesting of muted (summary) repeats; public so that a step's hot path can test it without a call. */
  muteDepth = 0;
  private mutedCount = 0;
  /**
   * Lock steps' events not recorded while muted since the outermost summary repeat began (takeMuted): only these two
   * ops are told apart; a tally by any op (a Map update per muted event) doubled the time of a summarised lock loop.
   */
  private mutedAcquires = 0;
  private mutedReleases = 0;
  private readonly batchSize: number;
  private readonly batchBytes: number;
  private readonly valueBytes: number;
  private readonly budget: number;
  /** How far a record's value is measured: past this it is refused anyway. */
  private readonly recordBound: number;
  private readonly onCount: ((emitted: number) => void) | undefined;
  private readonly countWords: Int32Array | undefined;
  private readonly countIndex: number;
  /** A clock given in the options (tests); undefined: the shared clock, read in place. */
  private readonly clock: (() => number) | undefined;
  private readonly startNs: bigint;
  /** flushIfNearlyFull sends the batch from this many events or bytes on. */
  private readonly flushAheadCount: number;
  private readonly flushAheadBytes: number;
  /** Below this size an event passes both byte limits: checkSize is not called for it. */
  private readonly checkFrom: number;

  constructor(private readonly options: TraceBufferOptions) {
    this.onCount = options.onCount;
    this.checkFrom = options.limits ? Math.min(options.limits.maxEventBytes, options.limits.maxRecordBytes) : Number.POSITIVE_INFINITY;
    this.now = options.clock ?? traceClock(options.runStartNs);
    this.clock = options.clock;
    this.startNs = options.runStartNs;
    this.countWords = options.countWord?.words;
    this.countIndex = options.countWord?.index ?? 0;
    this.batchSize = Math.max(1, options.batchSize ?? 1_000);
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.valueBytes = options.valueBytes ?? DEFAULT_VALUE_BYTES;
    this.budget = options.budget;
    this.flushAheadCount = Math.max(1, this.batchSize - Math.min(64, Math.floor(this.batchSize / 4)));
    this.flushAheadBytes = this.batchBytes * 0.9;
    this.recordBound = options.limits ? Math.min(options.limits.maxRecordBytes, options.limits.maxEventBytes) : Number.MAX_SAFE_INTEGER;
    // A batch never holds more than batchSize events; its columns start small (an actor that emits a few events,
    // one of a thousand tasks, holds a few KB) and grow as events come, up to that.
    this.columns = EventColumns.allocate(Math.min(this.batchSize, INITIAL_COLUMNS));
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
    if (this.muteDepth > 0 || (this.mutedAcquires === 0 && this.mutedReleases === 0)) return undefined;
    const taken = { ...(this.mutedAcquires > 0 ? { acquire: this.mutedAcquires } : {}), ...(this.mutedReleases > 0 ? { release: this.mutedReleases } : {}) };
    this.mutedAcquires = 0;
    this.mutedReleases = 0;
    return taken;
  }

  private countMuted(lock: number): void {
    this.mutedCount++;
    if (lock === LOCK_ACQUIRE) this.mutedAcquires++;
    else if (lock === LOCK_RELEASE) this.mutedReleases++;
  }

  /**
   * Records one event unless muted; `force` records even inside a muted repeat (records, logs, sections).
   * Small on purpose: the muted case, a counter, is then inlined where a step emits.
   */
  emit(op: string, ph: TracePhase, data?: Record<string, unknown>, force?: boolean): void {
    if (this.muteDepth > 0 && force !== true) {
      this.countMuted(lockClass(op));
      return;
    }
    this.record(op, ph, data, undefined);
  }

  /**
   * `emit` for data of numbers and names only, whose JSON length the caller bounds once (`dataBytes`, at
   * most valueBytes): what a step that emits fresh small data on every run uses instead of having the data
   * measured each time.
   */
  emitSized(op: string, ph: TracePhase, data: Record<string, unknown>, dataBytes: number): void {
    if (this.muteDepth > 0) {
      this.countMuted(lockClass(op));
      return;
    }
    this.record(op, ph, data, dataBytes <= this.valueBytes ? dataBytes : undefined);
  }

  /**
   * Emits an event resolved when its step was compiled (eventKind): a few numbers written, nothing measured. Small,
   * as `emit` is, so that a summarised loop's muted case is inlined where the step emits.
   */
  emitKind(kind: EventKind): void {
    if (this.muteDepth > 0) {
      // Counted here, not by a call: a thread's first thousands of iterations run in V8's interpreter, where a
      // call costs more than the count, and a lock step's muted events lie inside the critical section.
      this.mutedCount++;
      // LOCK_ACQUIRE and LOCK_RELEASE as literals: a module constant read in V8's interpreter checks it is set.
      const lock = kind.lock;
      if (lock === 1) this.mutedAcquires++;
      else if (lock === 2) this.mutedReleases++;
      return;
    }
    this.put(kind, 0);
  }

  /** Emits an event of a ValueKind with its number (an add's new value). */
  emitValue(kind: ValueKind, value: number): void {
    if (this.muteDepth > 0) {
      this.mutedCount++;
      // LOCK_ACQUIRE and LOCK_RELEASE as literals: a module constant read in V8's interpreter checks it is set.
      const lock = kind.lock;
      if (lock === 1) this.mutedAcquires++;
      else if (lock === 2) this.mutedReleases++;
      return;
    }
    this.put(kind, value);
  }

  /**
   * Records an event resolved when its step was compiled: `admit` and `commit` written out, and the clock read in
   * place. A thread runs its first thousands of steps in V8's interpreter, where every call costs; two of these
   * events lie inside a lock's critical section.
   */
  private put(kind: EventKind | ValueKind, value: number): void {
    if (this.nextSeq >= this.budget) {
      this.droppedCount++;
      return;
    }
    if (kind.dataBytes > this.valueBytes) {
      this.record(kind.op, kind.ph, kind.key === undefined ? kind.data : { ...kind.fixed, [kind.key]: value }, undefined);
      return;
    }
    const t = this.clock === undefined ? Number(hrtimeBigint() - this.startNs) : this.clock();
    let bytes = kind.rowBytes;
    if (bytes > this.checkFrom) this.checkSize(kind.op, bytes);
    if (this.count > 0 && this.rowBytes + bytes > this.batchBytes) this.flush();
    const s = this.step;
    if (s >= 0) bytes += 8;
    this.rowBytes += bytes;
    if (kind.isRecord) this.recordBytes += bytes;
    const at = this.count;
    if (at === this.columns.capacity) this.grow();
    const columns = this.columns;
    columns.t[at] = t;
    columns.step[at] = s;
    columns.op[at] = kind.opId;
    columns.code[at] = kind.code;
    columns.ref[at] = kind.ref;
    columns.value[at] = value;
    this.count = at + 1;
    const seq = ++this.nextSeq;
    if (this.countWords !== undefined) this.countWords[this.countIndex] = seq;
    else if (this.onCount !== undefined) this.onCount(seq);
    if (at + 1 >= this.batchSize || this.rowBytes >= this.batchBytes) this.flush();
  }

  private record(op: string, ph: TracePhase, data: Record<string, unknown> | undefined, knownBytes: number | undefined): void {
    if (this.nextSeq >= this.budget) {
      this.droppedCount++;
      return;
    }
    let bytes = ROW_BYTES + op.length;
    const constant = data === undefined ? undefined : constants.get(data);
    const known = knownBytes ?? constant?.bytes;
    let form = DATA_NONE;
    if (known !== undefined && known <= this.valueBytes) {
      bytes += known;
      form = constant !== undefined && knownBytes === undefined ? DATA_CONSTANT : DATA_OBJECT;
    } else if (data !== undefined) {
      form = DATA_OBJECT;
      const measured = dataBytes(data, op === 'record' ? this.recordBound : this.valueBytes);
      if (op !== 'record' && measured > this.valueBytes) {
        data = previewData(data, this.valueBytes);
        bytes += dataBytes(data, this.valueBytes);
      } else {
        bytes += measured;
      }
    }
    const at = this.admit(op, bytes);
    if (at < 0) return;
    const columns = this.columns;
    columns.op[at] = opId(op);
    columns.code[at] = PHASES.indexOf(ph) | (form << 2);
    if (form === DATA_CONSTANT) columns.ref[at] = constant!.id;
    else if (form === DATA_OBJECT) columns.ref[at] = this.objects.push(data!) - 1;
    this.commit(at);
  }

  /**
   * The budget, the byte limits and the batch's room for an event of `bytes` (its row without the step id): the
   * row the event takes, its time and step written (-1 when the budget is spent: the event is counted as dropped).
   */
  private admit(op: string, bytes: number): number {
    if (this.nextSeq >= this.budget) {
      this.droppedCount++;
      return -1;
    }
    const t = this.now();
    if (bytes > this.checkFrom) this.checkSize(op, bytes);
    if (this.count > 0 && this.rowBytes + bytes > this.batchBytes) this.flush();
    const s = this.step;
    if (s >= 0) bytes += 8;
    this.rowBytes += bytes;
    if (op === 'record') this.recordBytes += bytes;
    const at = this.count;
    if (at === this.columns.capacity) this.grow();
    this.columns.t[at] = t;
    this.columns.step[at] = s;
    return at;
  }

  /** Room for more events in the batch being filled (never past batchSize: a full batch is sent first). */
  private grow(): void {
    const old = this.columns;
    const columns = EventColumns.allocate(Math.min(this.batchSize, old.capacity * 4));
    columns.copyFrom(old, this.count);
    this.columns = columns;
  }

  private commit(at: number): void {
    this.count = at + 1;
    this.nextSeq++;
    if (this.countWords !== undefined) this.countWords[this.countIndex] = this.nextSeq;
    else if (this.onCount !== undefined) this.onCount(this.nextSeq);
    if (this.count >= this.batchSize || this.rowBytes >= this.batchBytes) this.flush();
  }

  /**
   * Sends the batch now when it is close to full (within a few events or 10% of its bytes), called
   * where a step is about to take a lock: the flush it would soon need then happens before the lock is
   * held, not inside the critical section while every other thread waits on it.
   */
  flushIfNearlyFull(): void {
    if (this.count >= this.flushAheadCount || this.rowBytes >= this.flushAheadBytes) this.flush();
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
    const count = this.count;
    if (count === 0) return;
    const columns = this.columns;
    const recordBytes = this.recordBytes;
    const firstSeq = this.firstSeq;
    const data = this.objects.map((object) => JSON.stringify(object));
    this.count = 0;
    this.objects = [];
    this.rowBytes = 0;
    this.recordBytes = 0;
    this.firstSeq += count;
    const head = { trial: this.options.trial, actor: this.options.actor, firstSeq, count, tFirst: columns.t[0]!, tLast: columns.t[count - 1]! };
    this.options.sink({ ...head, payload: encodeColumns(columns, count, firstSeq, texts, data) }, { recordBytes });
  }
}
