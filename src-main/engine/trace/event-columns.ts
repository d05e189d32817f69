/**
 * An actor's events as columns of numbers, the form a trace buffer keeps them in until a flush: per event its
 * time, its op (an id in a table of texts), its phase and how its data is held, its step id, a reference (a
 * text id or an index into the batch's data texts) and one number (the value of an `add`). At a flush the
 * actor writes them as the JSON rows every reader decodes (`EncodedEvent[]`, model/trace-event.ts): exactly
 * `JSON.stringify` of the rows the events stand for, event for event.
 */

/** Phases by their code in the columns. */
export const PHASES = ['B', 'E', 'I'] as const;
const PHASE_JSON = ['"B"', '"E"', '"I"'] as const;

/** How an event's data is held: none; an object (its JSON in the batch's `data`); a constant text; a text then a number. */
export const DATA_NONE = 0;
export const DATA_OBJECT = 1;
export const DATA_CONSTANT = 2;
export const DATA_VALUE = 3;

/** Bytes per event in a column buffer: two float64 (time, value) and four int32 (op, phase and data form, step, reference). */
export const COLUMN_BYTES_PER_EVENT = 2 * 8 + 4 * 4;

/** Views over one column buffer of `capacity` events. */
export class EventColumns {
  readonly t: Float64Array;
  readonly value: Float64Array;
  readonly op: Int32Array;
  /** Phase code | data form << 2. */
  readonly code: Int32Array;
  readonly step: Int32Array;
  readonly ref: Int32Array;

  constructor(
    readonly buffer: ArrayBuffer,
    readonly capacity: number,
  ) {
    this.t = new Float64Array(buffer, 0, capacity);
    this.value = new Float64Array(buffer, 8 * capacity, capacity);
    this.op = new Int32Array(buffer, 16 * capacity, capacity);
    this.code = new Int32Array(buffer, 20 * capacity, capacity);
    this.step = new Int32Array(buffer, 24 * capacity, capacity);
    this.ref = new Int32Array(buffer, 28 * capacity, capacity);
  }

  static allocate(capacity: number): EventColumns {
    return new EventColumns(new ArrayBuffer(capacity * COLUMN_BYTES_PER_EVENT), capacity);
  }

  /** Copies the first `count` events of `from`. */
  copyFrom(from: EventColumns, count: number): void {
    this.t.set(from.t.subarray(0, count));
    this.value.set(from.value.subarray(0, count));
    this.op.set(from.op.subarray(0, count));
    this.code.set(from.code.subarray(0, count));
    this.step.set(from.step.subarray(0, count));
    this.ref.set(from.ref.subarray(0, count));
  }
}

const ZERO_PAD = ['', '0', '00', '000', '0000', '00000'];

/**
 * A number as JSON writes it. A time in nanoseconds (a whole number past 2^31) as two small integers: V8 turns
 * those into text several times faster than one large double, and the text is the same.
 */
export function numberJson(n: number): string {
  if (n >= 1e9 && n < 9e15 && Math.floor(n) === n) {
    const high = Math.floor(n / 1e6);
    const low = `${n - high * 1e6}`;
    return `${high}${ZERO_PAD[6 - low.length]!}${low}`;
  }
  return Number.isFinite(n) ? `${n}` : 'null';
}

/** The rows' JSON (`EncodedEvent[]`) of `count` events in `columns`, numbered from `firstSeq`. */
export function encodeColumns(columns: EventColumns, count: number, firstSeq: number, texts: readonly (string | undefined)[], data: readonly string[]): string {
  const { t, value, op, code, step, ref } = columns;
  let out = '[';
  for (let i = 0; i < count; i++) {
    const c = code[i]!;
    const form = c >> 2;
    const s = step[i]!;
    let row = `${i === 0 ? '[' : ',['}${firstSeq + i},${numberJson(t[i]!)},${texts[op[i]!]!},${PHASE_JSON[c & 3]!}`;
    if (form === DATA_NONE) {
      row += s >= 0 ? `,{},${s}]` : ']';
    } else {
      const json = form === DATA_CONSTANT ? texts[ref[i]!]! : form === DATA_VALUE ? `${texts[ref[i]!]!}${numberJson(value[i]!)}}` : data[ref[i]!]!;
      row += s >= 0 ? `,${json},${s}]` : `,${json}]`;
    }
    out += row;
  }
  return `${out}]`;
}
