import type { EventBatch, TracePhase } from '../../model/trace-event';

/**
 * An actor's events as it keeps them before they are encoded: one slot per event in typed columns (its
 * time, its template, a number and its step), so that recording an event is a clock read and a few stores.
 *
 * Most events a step emits have data that never changes (a lock step's `{prim}`), or changes in one number
 * only (an add's new value): their text is made once, as a template, when the step is compiled. The few
 * events with any other data keep their row's JSON text. `ColumnEncoder` writes the batch's payload from
 * them; it is exactly the JSON text of the rows (`EncodedEvent[]`) the events stand for, so nothing past
 * the encoder knows the columns exist. A thread actor fills its columns in a ring of slots in shared memory
 * and sends only which slot a batch is in: the encoder, on another thread (see batch-encoder.ts), reads them
 * there, and nothing is copied or allocated per batch. A process actor or a task writes its batches itself,
 * as rows through JSON.stringify (TraceBuffer.flush).
 */

/** The text of an event template: what the encoder writes between an event's time and its step. */
export interface TemplateText {
  /** `,"op","ph"` as JSON. */
  readonly head: string;
  /**
   * The data's JSON: whole for constant data, up to the number for data with one (`{"var":"n","value":`);
   * '' for an event without data.
   */
  readonly data: string;
  /** The data ends with a number taken from the event's value column. */
  readonly slot: boolean;
}

/**
 * Slots in a thread's ring of columns: one being filled, the others sent and not yet encoded. A thread whose every
 * other slot is still out waits for the encoder (at 1,000 events a slot, 192 KB of shared memory a thread).
 */
export const RING_SLOTS = 8;

/** Events in a batch, unless a trace is given another size. */
export const BATCH_EVENTS = 1_000;

/** Bytes of one event in columns: its time and value (8 each), its kind and step (4 each). */
const EVENT_BYTES = 24;

/** The bytes of a ring of columns of `capacity` events a slot. */
export function ringBytes(capacity: number): number {
  return RING_SLOTS * capacity * EVENT_BYTES;
}

/** A template's kind in the `kinds` column is its index; an event with data of its own has this kind. */
export const OWN_ROW = -1;

/** A flushed batch in columns: the events `firstSeq…firstSeq+count-1`, row i in slot i of each column. */
export interface ColumnBatch {
  readonly trial: number;
  readonly actor: string;
  readonly firstSeq: number;
  readonly count: number;
  /** The run's start on the clock (process.hrtime.bigint): the columns' times are raw readings, this taken off when encoded. */
  readonly origin: bigint;
  readonly tFirst: number;
  readonly tLast: number;
  /** Where the columns are (see Columns): a thread's ring in shared memory, or the trace's own buffer. */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly offset: number;
  readonly capacity: number;
  /** Slots of the events of kind OWN_ROW, ascending, and the JSON text of each one's row. */
  readonly ownSlots: readonly number[];
  readonly ownRows: readonly string[];
  /** Templates made since the previous batch: they take the next indices of the actor's table. */
  readonly templates: readonly TemplateText[];
  /** Bytes of the batch's `record` events (the runner sums them per trial). */
  readonly recordBytes: number;
}

/** A batch in a thread's ring as the thread sends it: the ring itself its host already has (it made it). */
export type RingBatch = Omit<ColumnBatch, 'buffer'>;

/** The columns of a batch of `capacity` events, side by side from `offset` in one buffer: times and values, kinds and steps. */
export class Columns {
  readonly times: BigInt64Array;
  readonly values: Float64Array;
  readonly kinds: Int32Array;
  readonly steps: Int32Array;

  constructor(
    readonly capacity: number,
    readonly buffer: ArrayBuffer | SharedArrayBuffer = new ArrayBuffer(capacity * EVENT_BYTES),
    readonly offset = 0,
  ) {
    this.times = new BigInt64Array(buffer, offset, capacity);
    this.values = new Float64Array(buffer, offset + capacity * 8, capacity);
    this.kinds = new Int32Array(buffer, offset + capacity * 16, capacity);
    this.steps = new Int32Array(buffer, offset + capacity * 20, capacity);
  }

  /** The columns of each slot of a ring (see ringBytes). */
  static ring(buffer: SharedArrayBuffer, capacity: number): Columns[] {
    return Array.from({ length: RING_SLOTS }, (_, slot) => new Columns(capacity, buffer, slot * capacity * EVENT_BYTES));
  }

  /** The columns of a batch received from another thread. */
  static of(batch: ColumnBatch): Columns {
    return new Columns(batch.capacity, batch.buffer, batch.offset);
  }
}

/** The template of an event with the given op, phase and data; `slot` names the data's last key, whose number varies. */
export function templateText(op: string, ph: TracePhase, data: Readonly<Record<string, unknown>> | undefined, slot?: string): TemplateText {
  const head = `,${JSON.stringify(op)},${JSON.stringify(ph)}`;
  if (slot === undefined) return { head, data: data === undefined ? '' : JSON.stringify(data), slot: false };
  const fixed = JSON.stringify(data ?? {});
  const open = fixed.slice(0, -1); // without its closing brace
  return { head, data: `${open}${open.length > 1 ? ',' : ''}${JSON.stringify(slot)}:`, slot: true };
}

/** The output buffer of every encoder of this thread (encoding is synchronous): made on first use, grown as a batch needs, never shrunk. */
let scratch: Buffer | null = null;

function ensure(p: number, more: number): Buffer {
  scratch ??= Buffer.allocUnsafe(Math.max(256 * 1024, more));
  if (p + more <= scratch.length) return scratch;
  const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, p + more));
  scratch.copy(grown, 0, 0, p);
  scratch = grown;
  return grown;
}

/** Writes a whole number 0 ≤ x < 2^31 in decimal at p; returns the position after it. */
function writeSmall(out: Buffer, p: number, x: number): number {
  let n = x | 0;
  let length = 1;
  for (let v = n; v >= 10; v = (v / 10) | 0) length++;
  for (let q = p + length - 1; q >= p; q--) {
    out[q] = 48 + (n % 10);
    n = (n / 10) | 0;
  }
  return p + length;
}

/** Writes a whole number 0 ≤ x < 10^9 in exactly nine digits, leading zeros included. */
function writeNine(out: Buffer, p: number, x: number): number {
  let n = x | 0;
  for (let q = p + 8; q >= p; q--) {
    out[q] = 48 + (n % 10);
    n = (n / 10) | 0;
  }
  return p + 9;
}

/** Writes a number as JSON writes it (a value that is not finite is null); returns the position after it. */
function writeNumber(out: Buffer, p: number, x: number): number {
  if (x >= 0 && x <= 0x7fffffff && Number.isInteger(x)) return writeSmall(out, p, x);
  if (x > 0x7fffffff && x <= Number.MAX_SAFE_INTEGER && Number.isInteger(x)) {
    // Nine digits at a time, each part a small integer.
    const high = Math.floor(x / 1e9);
    return writeNine(out, writeNumber(out, p, high), x - high * 1e9);
  }
  return p + out.write(Number.isFinite(x) ? `${x}` : 'null', p, 'latin1');
}

const COMMA = 44;
const OPEN = 91;
const CLOSE = 93;
const BRACE_CLOSE = 125;
const EMPTY_DATA = Buffer.from(',{}');

/** Copies a few bytes (a template's text) byte by byte: for a short run this beats Buffer.copy, a call into C++. */
function put(out: Buffer, p: number, bytes: Uint8Array): number {
  const length = bytes.length;
  for (let k = 0; k < length; k++) out[p + k] = bytes[k]!;
  return p + length;
}

/**
 * Writes the payloads of one actor's batches in columns: its templates as UTF-8 bytes, made once, and the rows
 * written as bytes into one buffer, numbers digit by digit. The payload is the same text as
 * `JSON.stringify(rows)` would give for the rows the batch stands for.
 */
export class ColumnEncoder {
  /** Per template: `,"op","ph"` followed by `,` and its data (up to its number, for a slot), and whether it has data and a number. */
  private readonly texts: Uint8Array[] = [];
  private readonly hasData: boolean[] = [];
  private readonly slots: boolean[] = [];

  /** Takes the templates a batch brought (they follow the ones already known). */
  add(templates: readonly TemplateText[]): void {
    for (const template of templates) {
      this.texts.push(Buffer.from(template.data === '' ? template.head : `${template.head},${template.data}`));
      this.hasData.push(template.data !== '');
      this.slots.push(template.slot);
    }
  }

  encode(batch: ColumnBatch): string {
    const { count, firstSeq, ownSlots, ownRows, origin } = batch;
    // Rows of their own only: already JSON, joined as they are.
    if (ownRows.length === count) return `[${ownRows.join(',')}]`;
    const { texts, hasData, slots } = this;
    const { times, values, kinds, steps } = Columns.of(batch);
    let out = ensure(0, 2);
    let p = 0;
    out[p++] = OPEN;
    let nextOwn = 0;
    for (let i = 0; i < count; i++) {
      const kind = kinds[i]!;
      if (kind === OWN_ROW) {
        if (ownSlots[nextOwn] !== i) throw new Error(`event ${firstSeq + i} of ${batch.actor} has no row of its own`);
        const row = ownRows[nextOwn++]!;
        out = ensure(p, row.length * 3 + 2);
        if (i > 0) out[p++] = COMMA;
        p += out.write(row, p, 'utf8');
        continue;
      }
      const text = texts[kind];
      if (text === undefined) throw new Error(`event ${firstSeq + i} of ${batch.actor} names template ${kind}, which its actor never made`);
      out = ensure(p, 96 + text.length);
      if (i > 0) out[p++] = COMMA;
      out[p++] = OPEN;
      p = writeNumber(out, p, firstSeq + i);
      out[p++] = COMMA;
      p = writeNumber(out, p, Number(times[i]! - origin));
      p = put(out, p, text);
      const step = steps[i]!;
      if (slots[kind]) {
        p = writeNumber(out, p, values[i]!);
        out[p++] = BRACE_CLOSE;
      } else if (!hasData[kind] && step >= 0) {
        // No data: `{}` before a step id, nothing otherwise.
        p = put(out, p, EMPTY_DATA);
      }
      if (step >= 0) {
        out[p++] = COMMA;
        p = writeSmall(out, p, step);
      }
      out[p++] = CLOSE;
    }
    out = ensure(p, 1);
    out[p++] = CLOSE;
    return out.toString('utf8', 0, p);
  }
}

/** The event batch a batch in columns stands for, its payload written. */
export function eventBatch(batch: RingBatch, payload: string): EventBatch {
  return { trial: batch.trial, actor: batch.actor, firstSeq: batch.firstSeq, count: batch.count, tFirst: batch.tFirst, tLast: batch.tLast, payload };
}
