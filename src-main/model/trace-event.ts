/**
 * Trace events: what every actor emits for every step and primitive operation.
 *
 * Pure data, no Node imports: shared by the engine, the store, the exporters and the renderer.
 * Events travel and are stored in batches (one batch per actor and flush), never one by one.
 */

/** Phase of an event: B begins a span, E ends the most recent open span of the same op, I is an instant. */
export type TracePhase = 'B' | 'E' | 'I';

/** One decoded trace event. `t` is nanoseconds since the run's start on the shared monotonic clock. */
export interface TraceEvent {
  readonly actor: string;
  readonly seq: number;
  readonly t: number;
  readonly op: string;
  readonly ph: TracePhase;
  readonly data?: Readonly<Record<string, unknown>>;
  /**
   * The step that emitted the event: its id in the actor's program, numbered in a pre-order walk (see
   * `walkProgram` in program-text.ts). Absent for events no step of the program emitted (an actor's
   * start, a pool task, the steps of a pool's function) and in runs recorded before steps were numbered.
   */
  readonly s?: number;
}

/**
 * Wire form of one event inside a batch: [seq, t, op, ph, data?, s?]. An event a step emitted carries
 * the step's id as a sixth element (its data then is present, `{}` when it has none).
 */
export type EncodedEvent =
  | readonly [number, number, string, TracePhase]
  | readonly [number, number, string, TracePhase, Record<string, unknown>]
  | readonly [number, number, string, TracePhase, Record<string, unknown>, number];

/**
 * A batch of consecutive events of one actor. `payload` is the JSON text of an EncodedEvent[],
 * produced by the actor itself so that neither the runner nor the store re-encodes it.
 */
export interface EventBatch {
  readonly trial: number;
  readonly actor: string;
  readonly firstSeq: number;
  readonly count: number;
  readonly tFirst: number;
  readonly tLast: number;
  readonly payload: string;
}

export function decodeBatch(batch: EventBatch): TraceEvent[] {
  const rows = JSON.parse(batch.payload) as EncodedEvent[];
  const actor = batch.actor;
  // Two literals rather than a spread of an optional part: the spread cost as much as the JSON.parse.
  return rows.map((row) =>
    row.length > 5
      ? { actor, seq: row[0], t: row[1], op: row[2], ph: row[3], data: row[4], s: row[5] }
      : row.length > 4
        ? { actor, seq: row[0], t: row[1], op: row[2], ph: row[3], data: row[4] }
        : { actor, seq: row[0], t: row[1], op: row[2], ph: row[3] },
  );
}

/** Decodes batches and orders the events by time, ties by actor then sequence. */
export function decodeBatches(batches: readonly EventBatch[]): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const batch of batches) for (const event of decodeBatch(batch)) events.push(event);
  events.sort((a, b) => a.t - b.t || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : a.seq - b.seq));
  return events;
}

/** An op's count as a summary repeat's end may state it: an op name and a count no run could exceed. */
const MAX_SUMMARISED_COUNT = 2 ** 53 - 1;

/**
 * The events a summary repeat did not record, by op, as its end event states them (`repeat` E with
 * `{times, muted: {acquire: 200000, release: 100000}}`): what counters add to the events they count. Read
 * defensively (a trace may come from an imported file): own keys only, whole non-negative counts only.
 */
export function summarisedCounts(event: Pick<TraceEvent, 'op' | 'ph' | 'data'>): Array<[op: string, count: number]> {
  if (event.op !== 'repeat' || event.ph !== 'E') return [];
  const muted = event.data?.['muted'];
  if (muted === null || typeof muted !== 'object' || Array.isArray(muted)) return [];
  const counts: Array<[string, number]> = [];
  for (const op of Object.keys(muted)) {
    const count = (muted as Record<string, unknown>)[op];
    if (typeof count === 'number' && Number.isInteger(count) && count > 0 && count <= MAX_SUMMARISED_COUNT && op.length <= 64) counts.push([op, count]);
  }
  return counts;
}
