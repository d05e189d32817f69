import type { ActorRecord, DeadlockReport, RunStatus, TrialRecord } from '../../model/run-model';
import type { ClaimEvents, EventQuery, EventTally } from '../claims/evaluate';
import { decodeBatch, summarisedCounts, type EventBatch, type TraceEvent } from '../../model/trace-event';
import { setOwnValue } from '../spec/own-names';
import { escapeRegExp } from '../../model/escape-regexp';

/**
 * What a trial's events and actors say once it has ended: metrics, recorded values, section
 * concurrency and the event accounting (emitted vs received per actor).
 */

export interface TrialAnalysisInput {
  readonly index: number;
  readonly warmup: boolean;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly wallMs: number;
  readonly actors: readonly ActorRecord[];
  /** What the trial's events say, taken as they passed; or (tests) the batches themselves. */
  readonly events?: TrialEvents;
  readonly batches?: readonly EventBatch[];
  readonly finalShared: Readonly<Record<string, unknown>>;
  readonly deadlock: DeadlockReport | null;
  readonly error: string | null;
  readonly cpu: { readonly userMs: number; readonly systemMs: number };
  readonly runnerPeakRssMb: number;
  readonly processPeakRssMb: number;
  readonly extraMetrics?: Readonly<Record<string, number>>;
}

/** A `record` event as kept: what the analysis and the claims read, in the order it arrived. */
interface KeptRecord {
  readonly actor: string;
  readonly seq: number;
  readonly t: number;
  readonly name: string;
  readonly value: unknown;
  readonly arrival: number;
}

interface QueryTally {
  readonly query: EventQuery;
  count: number;
  firstT: number | null;
  lastT: number | null;
}

/** A growable column of numbers (section boundaries are kept as numbers, not as event objects). */
class Column {
  values: Float64Array;
  length = 0;

  constructor(capacity = 256) {
    this.values = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

/** How an acquire's end shows in a batch's JSON. */
const ACQUIRE_END_MARKER = '"acquire","E"';
/** A summary repeat's end that states the events it did not record. */
const MUTED_MARKER = '"muted":{';
/** How a wait's start shows in a batch's JSON: an acquire's begin. */
const WAIT_MARKER = '"acquire","B"';
/** The data of an acquire's begin as the trace buffers write it, up to the primitive's name. */
const PRIM_DATA = ',{"prim":"';
/**
 * Payload bytes of batches put aside for their wait starts before they are read anyway: the batches are
 * held that much longer (they exist already, for the store and the live views), never more than this.
 */
const PENDING_WAIT_BYTES = 8 * 1024 * 1024;
const COMMA = 44;
const OPEN = 91;
const CLOSE = 93;
const CLOSE_BRACE = 125;

/** Where the run of decimal digits that starts at `start` ends (`start` itself when there is none). */
function digitsAfter(text: string, start: number): number {
  let at = start;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code < 48 || code > 57) break;
    at++;
  }
  return at;
}

/** Where the run of decimal digits that ends just before `end` starts (`end` itself when there is none). */
function digitsBefore(text: string, end: number): number {
  let at = end;
  while (at > 0) {
    const code = text.charCodeAt(at - 1);
    if (code < 48 || code > 57) break;
    at--;
  }
  return at;
}

const queryKey = (q: EventQuery): string => JSON.stringify([q.op, q.ph ?? null, q.name ?? null, q.actor ?? null]);

/**
 * What a trial's events mean for its analysis and its claims, taken from each batch as it passes; the
 * batches themselves are not kept (they stream to the store and to live views). Kept: every `record`
 * event (bounded by limits.maxRecordBytes), section boundaries as three numbers each, the last start
 * of a wait per actor and primitive (the deadlock latency), and for every event quantity the claims ask
 * for (known before the trial) its count and its first and last times. Batches that hold none of these
 * are not even decoded; one whose only such events are wait starts is put aside and, when the starts
 * are asked for (or the batches put aside pass 8 MB), has them read off its text.
 */
export class TrialEvents implements ClaimEvents {
  private readonly kept: KeptRecord[] = [];
  private readonly sectionNames: string[] = [];
  private readonly sectionIndex = new Map<string, number>();
  /** Per section boundary: its time, its sequence number, and (name index × 2 + 1 for a begin). */
  private readonly sectionT = new Column();
  private readonly sectionSeq = new Column();
  private readonly sectionCode = new Column();
  private readonly waitStarts = new Map<string, number>();
  private readonly tallies = new Map<string, QueryTally>();
  private readonly byOp = new Map<string, QueryTally[]>();
  /** Substrings of a batch's JSON that tell it may hold an event worth decoding, as one pattern (one pass over the text). */
  private readonly markers: RegExp;
  private arrivals = 0;
  /** Acquire steps that ended, recorded or stated by a summary repeat's end (the `acquires` metric). */
  private acquireEnds = 0;
  private summarisedAcquireEvents = 0;
  /** Batches whose only events worth taking are wait starts, not yet read (at most PENDING_WAIT_BYTES of them). */
  private pendingWaits: EventBatch[] = [];
  private pendingBytes = 0;

  /**
   * @param queries the event quantities of the claims to be judged on this trial
   * @param groupOf the group of each actor instance (a claim may name an actor by its group)
   */
  constructor(
    queries: readonly EventQuery[],
    private readonly groupOf: ReadonlyMap<string, string>,
  ) {
    for (const query of queries) {
      const key = queryKey(query);
      if (this.tallies.has(key)) continue;
      const tally: QueryTally = { query, count: 0, firstT: null, lastT: null };
      this.tallies.set(key, tally);
      const list = this.byOp.get(query.op) ?? [];
      list.push(tally);
      this.byOp.set(query.op, list);
    }
    const markers = ['"record"', '"section"', MUTED_MARKER, ...[...this.byOp.keys()].map((op) => JSON.stringify(op))];
    this.markers = new RegExp(markers.map(escapeRegExp).join('|'));
  }

  /** How many acquire steps ran to their end (taken or timed out), those a summary repeat did not record included. */
  get acquires(): number {
    return this.acquireEnds + Math.floor(this.summarisedAcquireEvents / 2);
  }

  add(batch: EventBatch): void {
    // Read off the text, as for wait starts: a lock-heavy trace is mostly acquires, not worth a JSON.parse each. This
    // runs on the runner's loop for every batch of the trial: a split counts in less than half the time of a loop of
    // indexOf, and one pattern for all markers in about half the time of an includes per marker.
    this.acquireEnds += batch.payload.split(ACQUIRE_END_MARKER).length - 1;
    if (this.markers.test(batch.payload)) {
      this.decode(batch);
    } else if (batch.payload.includes(WAIT_MARKER)) {
      // Read later: wait starts matter only once a deadlock is reported, after the actors stopped.
      this.pendingWaits.push(batch);
      this.pendingBytes += batch.payload.length;
      if (this.pendingBytes > PENDING_WAIT_BYTES) this.readPendingWaits();
    }
  }

  /** Takes the wait starts of the batches put aside so far (a batch not in the plain form is decoded). */
  private readPendingWaits(): void {
    const pending = this.pendingWaits;
    this.pendingWaits = [];
    this.pendingBytes = 0;
    for (const batch of pending) if (!this.scanWaitStarts(batch.actor, batch.payload)) this.decode(batch);
  }

  private decode(batch: EventBatch): void {
    for (const event of decodeBatch(batch)) this.take(event);
  }

  /**
   * The starts of waits in a batch that holds nothing else worth decoding, read off its JSON text
   * instead of parsing it (in a lock-heavy trace every fourth event is an acquire begin, and a JSON.parse of every
   * such batch cost the runner more per event than the actors spent emitting it). Only the plain form
   * the trace buffers write is read here: a row `[seq,t,"acquire","B",{"prim":"name"}]`, or with the step's id after
   * the data as an interpreter's rows carry it (`…{"prim":"name"},3]`), in a payload
   * whose event data holds no list. Anything else (a list in some event's data, where a row could be
   * imitated; a name with an escape; another shape of row) answers false and the batch is decoded.
   *
   * A batch is one actor's events in order, stamped by one monotonic clock: a primitive's latest start in it is its
   * last row. The rows are read from the end; a row whose data is the same as the row read before it is only checked
   * for its shape, so a batch of one lock costs a split and a few comparisons a row, and nothing is allocated for it.
   */
  private scanWaitStarts(actor: string, payload: string): boolean {
    // Event data is an object: a list inside it opens after a key. Without one, every '[' opens a row.
    if (payload.includes(':[')) return false;
    const parts = payload.split(WAIT_MARKER);
    const found = new Map<string, number>();
    /** The data of the last primitive read, as its rows write it: most rows before it are that primitive's too. */
    let lastData = '';
    let lastPrim = '';
    for (let k = parts.length - 1; k >= 1; k--) {
      const after = parts[k]!;
      let prim = lastPrim;
      let end = lastData.length;
      if (lastData === '' || !after.startsWith(lastData)) {
        if (!after.startsWith(PRIM_DATA)) return false;
        const close = after.indexOf('"', PRIM_DATA.length);
        if (close === -1 || after.charCodeAt(close + 1) !== CLOSE_BRACE) return false;
        prim = after.slice(PRIM_DATA.length, close);
        if (prim.includes('\\')) return false;
        end = close + 2;
        lastData = after.slice(0, end);
        lastPrim = prim;
      }
      // The row ends after the data, or after the step's id.
      if (after.charCodeAt(end) === COMMA) {
        const idEnd = digitsAfter(after, end + 1);
        if (idEnd === end + 1) return false;
        end = idEnd;
      }
      if (after.charCodeAt(end) !== CLOSE) return false;
      // Back over ",t" and ",seq" to the '[' that opens the row.
      const before = parts[k - 1]!;
      const tEnd = before.length - 1;
      if (before.charCodeAt(tEnd) !== COMMA) return false;
      const tStart = digitsBefore(before, tEnd);
      if (tStart === tEnd || before.charCodeAt(tStart - 1) !== COMMA) return false;
      const seqStart = digitsBefore(before, tStart - 1);
      if (seqStart === tStart - 1 || before.charCodeAt(seqStart - 1) !== OPEN) return false;
      if (!found.has(prim)) found.set(prim, Number(before.slice(tStart, tEnd)));
    }
    for (const [prim, t] of found) {
      const key = `${actor}\u0000${prim}`;
      this.waitStarts.set(key, Math.max(this.waitStarts.get(key) ?? -Infinity, t));
    }
    return true;
  }

  private take(event: TraceEvent): void {
    const data = event.data ?? {};
    if (event.op === 'record') {
      this.kept.push({ actor: event.actor, seq: event.seq, t: event.t, name: String(data['name']), value: data['value'], arrival: this.arrivals++ });
    } else if (event.op === 'section' && (event.ph === 'B' || event.ph === 'E')) {
      const name = String(data['name']);
      let index = this.sectionIndex.get(name);
      if (index === undefined) {
        index = this.sectionNames.push(name) - 1;
        this.sectionIndex.set(name, index);
      }
      this.sectionT.push(event.t);
      this.sectionSeq.push(event.seq);
      this.sectionCode.push(index * 2 + (event.ph === 'B' ? 1 : 0));
    } else if (event.op === 'repeat') {
      // A summary repeat's acquires were muted in pairs (begin and end): its end states them.
      for (const [op, count] of summarisedCounts(event)) if (op === 'acquire') this.summarisedAcquireEvents += count;
    } else if (event.op === 'acquire' && event.ph === 'B' && typeof data['prim'] === 'string') {
      const key = `${event.actor}\u0000${data['prim']}`;
      this.waitStarts.set(key, Math.max(this.waitStarts.get(key) ?? -Infinity, event.t));
    }
    const tallies = this.byOp.get(event.op);
    if (!tallies) return;
    for (const tally of tallies) {
      const { ph, name, actor } = tally.query;
      if (ph !== undefined && event.ph !== ph) continue;
      if (name !== undefined && data['name'] !== name && data['prim'] !== name && data['queue'] !== name) continue;
      if (!this.matchesActor(event.actor, actor)) continue;
      tally.count++;
      tally.firstT = tally.firstT === null ? event.t : Math.min(tally.firstT, event.t);
      tally.lastT = tally.lastT === null ? event.t : Math.max(tally.lastT, event.t);
    }
  }

  private matchesActor(eventActor: string, wanted: string | undefined): boolean {
    return wanted === undefined || eventActor === wanted || this.groupOf.get(eventActor) === wanted;
  }

  /** Recorded values by name, in time order (ties by sequence number, then arrival). */
  recordsByName(): Map<string, unknown[]> {
    const sorted = [...this.kept].sort((a, b) => a.t - b.t || a.seq - b.seq || a.arrival - b.arrival);
    const recorded = new Map<string, unknown[]>();
    for (const event of sorted) {
      const values = recorded.get(event.name);
      if (values) values.push(event.value);
      else recorded.set(event.name, [event.value]);
    }
    return recorded;
  }

  /** The most actors inside each section at once, its boundaries taken in time order (ties by sequence number, then arrival). */
  sectionMaxima(): Map<string, number> {
    const count = this.sectionT.length;
    const t = this.sectionT.values;
    const seq = this.sectionSeq.values;
    const order = new Uint32Array(count);
    for (let index = 0; index < count; index++) order[index] = index;
    order.sort((a, b) => t[a]! - t[b]! || seq[a]! - seq[b]! || a - b);
    const inside = new Array<number>(this.sectionNames.length).fill(0);
    const max = new Map<string, number>();
    for (const index of order) {
      const code = this.sectionCode.values[index]!;
      const name = code >> 1;
      const now = inside[name]! + (code & 1 ? 1 : -1);
      inside[name] = now;
      const label = this.sectionNames[name]!;
      max.set(label, Math.max(max.get(label) ?? 0, now));
    }
    return max;
  }

  /** When `actor` last began to wait for `prim` (ns), if it did. */
  waitStart(actor: string, prim: string): number | undefined {
    if (this.pendingWaits.length > 0) this.readPendingWaits();
    return this.waitStarts.get(`${actor}\u0000${prim}`);
  }

  records(name: string, actor: string): unknown[] {
    return this.kept
      .filter((e) => e.name === name && this.matchesActor(e.actor, actor))
      .sort((a, b) => a.t - b.t || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : a.seq - b.seq) || a.arrival - b.arrival)
      .map((e) => e.value);
  }

  matching(query: EventQuery): EventTally {
    if (this.pendingWaits.length > 0) this.readPendingWaits();
    const tally = this.tallies.get(queryKey(query));
    if (!tally) throw new Error(`the event quantity ${queryKey(query)} was not followed during the trial`);
    return { count: tally.count, firstT: tally.firstT, lastT: tally.lastT };
  }
}

export function analyzeTrial(input: TrialAnalysisInput): TrialRecord {
  let events = input.events;
  if (!events) {
    events = new TrialEvents([], new Map(input.actors.map((a) => [a.name, a.group])));
    for (const batch of input.batches ?? []) events.add(batch);
  }
  // A Map while collecting: record names come from specs (`constructor` is a record name like any other).
  const recorded = events.recordsByName();
  const maxInside = events.sectionMaxima();
  // The cycle formed when its last member began to wait; detection latency is measured from then.
  const waitStarts = new Map<string, number>();
  const cycle = input.deadlock?.cycle ?? [];
  for (const edge of cycle) {
    const t = events.waitStart(edge.actor, edge.waitsFor);
    if (t !== undefined) waitStarts.set(edge.actor, Math.max(waitStarts.get(edge.actor) ?? -Infinity, t));
  }

  const records: Record<string, unknown[]> = {};
  for (const [name, values] of recorded) setOwnValue(records, name, values);

  const metrics: Record<string, number> = {
    wallMs: input.wallMs,
    cpuUserMs: input.cpu.userMs,
    cpuSystemMs: input.cpu.systemMs,
    runnerPeakRssMb: input.runnerPeakRssMb,
    processPeakRssMb: input.processPeakRssMb,
    actorsStarted: input.actors.filter((a) => a.startedNs !== null).length,
    ...input.extraMetrics,
  };
  const latencies = new Map<string, number[]>();
  for (const actor of input.actors) {
    if (actor.spawnLatencyMs === null) continue;
    const list = latencies.get(actor.kind) ?? [];
    list.push(actor.spawnLatencyMs);
    latencies.set(actor.kind, list);
  }
  for (const [kind, list] of latencies) metrics[`spawnLatencyMs.${kind}`] = list.reduce((a, b) => a + b, 0) / list.length;
  for (const [name, max] of maxInside) metrics[`section.${name}.max`] = max;
  if (input.deadlock && waitStarts.size === cycle.length) {
    metrics['deadlockLatencyMs'] = input.deadlock.detectedAtMs - Math.max(...waitStarts.values()) / 1e6;
  }

  const eventCount = input.actors.reduce((sum, a) => sum + a.eventsReceived, 0);
  const eventsLost = input.actors.reduce((sum, a) => sum + Math.max(0, a.eventsEmitted - a.eventsReceived), 0);
  const eventsDropped = input.actors.reduce((sum, a) => sum + a.eventsDropped, 0);
  metrics['events'] = eventCount;
  if (events.acquires > 0) metrics['acquires'] = events.acquires;

  return {
    index: input.index,
    warmup: input.warmup,
    status: input.status,
    startedAt: input.startedAt,
    wallMs: input.wallMs,
    metrics,
    actors: input.actors,
    records,
    finalShared: input.finalShared,
    deadlock: input.deadlock,
    error: input.error,
    eventCount,
    eventsLost,
    eventsDropped,
  };
}
