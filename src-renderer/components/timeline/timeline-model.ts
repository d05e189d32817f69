import { summarisedCounts, type EventBatch, type RunRecord, type TraceEvent } from '@contract/dto';
import { deriveTrialStates, valueLabel, type TrialStates } from '@contract/actor-states';
import { LiveStatesFold } from './live-states';

/**
 * TimelineModel turns trace events into what the live view draws: per actor lane, spans of a state
 * (running, blocked on a lock, waiting, sleeping) and the moment it was done, plus a time-ordered
 * event list for the log and live counters.
 *
 * Built incrementally, batch by batch, in O(events) overall; kept out of Vue's reactivity (the view
 * redraws on `version`), so 100,000 events cost one plain object each and no proxies.
 */

export type LaneState = 'running' | 'blocked' | 'waiting' | 'sleeping' | 'done';
/** The live counters' states (one actor's own spans); the canvas draws the derived states of actor-states.ts. */
export const LANE_STATES: readonly LaneState[] = ['running', 'blocked', 'waiting', 'sleeping', 'done'];

/** Which spans mean which state; every other span (compute, block, section, spawn…) is running: it holds its thread. */
const STATE_OF_OP: Readonly<Record<string, LaneState>> = {
  acquire: 'blocked',
  wait: 'waiting',
  get: 'waiting',
  put: 'waiting',
  join: 'waiting',
  sleep: 'sleeping',
};

export interface StateSpan {
  readonly state: Exclude<LaneState, 'done' | 'running'>;
  readonly op: string;
  readonly start: number;
  /** Nanoseconds; Infinity while the span is still open. */
  end: number;
  /** The primitive, queue or actor the span concerns. */
  readonly target: string | null;
}

export interface Lane {
  readonly actor: string;
  readonly trial: number;
  /** The actor's own span (actor B..E); null until its first event. */
  start: number | null;
  end: number | null;
  exitOk: boolean | null;
  /** Closed and open state spans, ordered by start. */
  readonly spans: StateSpan[];
  /** Open spans by op, innermost last. */
  readonly open: Map<string, StateSpan[]>;
  lastEventT: number;
  events: number;
  /** The longest closed span so far: how far back a span may start and still reach a given time. */
  maxClosedDuration: number;
  /** The lane's own events, in arrival order (per actor: program order), for the inspector. */
  readonly eventList: TraceEvent[];
  /** read / write / add events with their value label ("read 20"), for labels when zoomed in. */
  readonly values: { readonly t: number; readonly label: string; readonly event: TraceEvent }[];
}

/** Derived states of one trial, recomputed at most every few hundred ms while events stream in. */
interface StatesCache {
  version: number;
  recordKey: unknown;
  computedAt: number;
  durationMs: number;
  states: TrialStates;
}

function targetOf(data: TraceEvent['data']): string | null {
  if (!data) return null;
  const value = data['prim'] ?? data['queue'] ?? data['actor'];
  return typeof value === 'string' ? value : null;
}

function byTime(a: TraceEvent, b: TraceEvent): number {
  return a.t - b.t || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : a.seq - b.seq);
}

export class TimelineModel {
  readonly lanes: Lane[] = [];
  private readonly laneIndex = new Map<string, Lane>();
  /** Every event, for the log; sorted lazily (batches of different actors interleave). */
  private readonly events: TraceEvent[] = [];
  private sorted = true;
  /** events[0, sortedUpTo) are in order; what came after is sorted on its own and merged in. */
  private sortedUpTo = 0;
  tMin = Number.POSITIVE_INFINITY;
  tMax = 0;
  /** Bumped on every change: the view's cue to redraw. */
  version = 0;
  readonly opCounts = new Map<string, number>();
  private readonly statesCache = new Map<number, StatesCache>();
  private readonly liveFolds = new Map<number, LiveStatesFold>();
  private record: RunRecord | null = null;
  /** Only these trials are kept (null: all). The live view follows the current trial. */
  constructor(private readonly trialFilter: ((trial: number) => boolean) | null = null) {}

  /** The run's record once known: its actors (pid and thread: which actors share a loop) and deadlocks. */
  setRecord(record: RunRecord | null): void {
    this.record = record;
  }

  /**
   * Actor states of a trial (model/actor-states.ts, the same derivation as the exports): folded as events
   * arrive where that fold is exact (live-states.ts: actors on threads of their own, no deadlock), so that
   * each call costs the events since the last one. Otherwise, while events stream in, the derivation is
   * redone at most every max(250 ms, 8 × its own cost); `fresh` is false when the answer is older than the
   * events, and the caller asks again a little later.
   */
  statesOf(trial: number, now = Date.now()): { states: TrialStates; fresh: boolean } {
    const trialRecord = this.record?.trials.find((candidate) => candidate.index === trial) ?? null;
    // Folded as events arrive, where the fold is exact (live-states.ts); derived in full otherwise.
    let fold = this.liveFolds.get(trial);
    if (fold === undefined) this.liveFolds.set(trial, (fold = new LiveStatesFold()));
    const folded = fold.update(this.lanes, trial, this.version, trialRecord);
    if (folded !== null) return { states: folded, fresh: true };
    const cached = this.statesCache.get(trial);
    const recordKey = this.record;
    if (cached && cached.version === this.version && cached.recordKey === recordKey) return { states: cached.states, fresh: true };
    if (cached && cached.recordKey === recordKey && now - cached.computedAt < Math.max(250, cached.durationMs * 8)) return { states: cached.states, fresh: false };
    const started = typeof performance === 'object' ? performance.now() : Date.now();
    const byActor = new Map<string, TraceEvent[]>();
    for (const lane of this.lanes) if (lane.trial === trial) byActor.set(lane.actor, lane.eventList);
    const states = deriveTrialStates({ events: [], byActor, actors: trialRecord?.actors ?? [], deadlock: trialRecord?.deadlock ?? null });
    const durationMs = (typeof performance === 'object' ? performance.now() : Date.now()) - started;
    this.statesCache.set(trial, { version: this.version, recordKey, computedAt: now, durationMs, states });
    return { states, fresh: true };
  }


  get eventCount(): number {
    return this.events.length;
  }

  ingest(batches: readonly EventBatch[]): void {
    if (batches.length === 0) return;
    for (const batch of batches) {
      if (this.trialFilter && !this.trialFilter(batch.trial)) continue;
      let rows: unknown;
      try {
        rows = JSON.parse(batch.payload);
      } catch {
        continue;
      }
      if (!Array.isArray(rows)) continue;
      const lane = this.lane(batch.actor, batch.trial);
      for (const row of rows as unknown[][]) {
        // Literals rather than a spread of optional parts: the spread cost as much as the JSON.parse.
        const actor = batch.actor;
        const seq = row[0] as number;
        const t = row[1] as number;
        const op = row[2] as string;
        const ph = row[3] as TraceEvent['ph'];
        const event: TraceEvent =
          row.length > 5 && typeof row[5] === 'number'
            ? { actor, seq, t, op, ph, data: row[4] as Record<string, unknown>, s: row[5] }
            : row.length > 4
              ? { actor, seq, t, op, ph, data: row[4] as Record<string, unknown> }
              : { actor, seq, t, op, ph };
        this.apply(lane, event);
        lane.eventList.push(event);
        if (event.op === 'read' || event.op === 'write' || event.op === 'add') {
          const label = valueLabel(event);
          if (label !== null) lane.values.push({ t: event.t, label, event });
        }
        const last = this.events[this.events.length - 1];
        if (last && last.t > event.t) this.sorted = false;
        this.events.push(event);
      }
    }
    this.version++;
  }

  /** Events in time order (ties by actor, then sequence). */
  orderedEvents(): readonly TraceEvent[] {
    if (!this.sorted) {
      // Only the events that came since the last call are sorted, then merged with the ordered rest: a
      // live run with a million events pays a linear merge per message, not a full sort.
      // Each tail event (newest first) finds by binary search how far back it goes; the ordered events after
      // that place move up as one block: a late actor's early events cost a search and a copy, not a
      // comparison per event they pass.
      const events = this.events;
      const tail = events.slice(this.sortedUpTo).sort(byTime);
      let head = this.sortedUpTo - 1;
      let from = tail.length - 1;
      let write = events.length - 1;
      while (from >= 0) {
        const event = tail[from--]!;
        if (head >= 0 && byTime(events[head]!, event) > 0) {
          let low = 0;
          let high = head;
          while (low < high) {
            const mid = (low + high) >> 1;
            if (byTime(events[mid]!, event) > 0) high = mid;
            else low = mid + 1;
          }
          const count = head - low + 1;
          events.copyWithin(write - count + 1, low, head + 1);
          write -= count;
          head = low - 1;
        }
        events[write--] = event;
      }
      this.sorted = true;
    }
    this.sortedUpTo = this.events.length;
    return this.events;
  }

  /** The state of a lane at time t. */
  stateAt(lane: Lane, t: number): { state: LaneState | 'idle'; span: StateSpan | null } {
    if (lane.start === null || t < lane.start) return { state: 'idle', span: null };
    if (lane.end !== null && t >= lane.end) return { state: 'done', span: null };
    const span = this.spanAt(lane, t);
    return span ? { state: span.state, span } : { state: 'running', span: null };
  }

  /** The innermost state span covering t (the one that started last), open or closed. */
  spanAt(lane: Lane, t: number): StateSpan | null {
    let best: StateSpan | null = null;
    const spans = lane.spans;
    for (let i = this.firstSpanFrom(lane, t); i < spans.length && spans[i]!.start <= t; i++) {
      const span = spans[i]!;
      if (t < span.end && (best === null || span.start >= best.start)) best = span;
    }
    for (const stack of lane.open.values()) {
      for (const span of stack) if (span.start <= t && (best === null || span.start >= best.start)) best = span;
    }
    return best;
  }

  /**
   * The first index of `lane.spans` whose closed span may still be going on at `t`: binary search
   * for the first start at or after t − (longest closed span). Open spans (end = Infinity) are in
   * `lane.open`; callers draw those separately.
   */
  firstSpanFrom(lane: Lane, t: number): number {
    const from = t - lane.maxClosedDuration;
    const spans = lane.spans;
    let low = 0;
    let high = spans.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (spans[mid]!.start < from) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** How many lanes are in each state at time t (the live counters). */
  countStates(t: number): Record<LaneState, number> {
    const counts: Record<LaneState, number> = { running: 0, blocked: 0, waiting: 0, sleeping: 0, done: 0 };
    for (const lane of this.lanes) {
      const { state } = this.stateAt(lane, t);
      if (state !== 'idle') counts[state]++;
    }
    return counts;
  }

  private lane(actor: string, trial: number): Lane {
    const key = `${trial}\u0000${actor}`;
    let lane = this.laneIndex.get(key);
    if (!lane) {
      lane = { actor, trial, start: null, end: null, exitOk: null, spans: [], open: new Map(), lastEventT: 0, events: 0, maxClosedDuration: 0, eventList: [], values: [] };
      this.laneIndex.set(key, lane);
      this.lanes.push(lane);
    }
    return lane;
  }

  private apply(lane: Lane, event: TraceEvent): void {
    lane.events++;
    lane.lastEventT = Math.max(lane.lastEventT, event.t);
    if (event.t < this.tMin) this.tMin = event.t;
    if (event.t > this.tMax) this.tMax = event.t;
    this.opCounts.set(event.op, (this.opCounts.get(event.op) ?? 0) + 1);
    // A summary repeat's end states the steps it ran without recording them: they count too.
    if (event.op === 'repeat' && event.ph === 'E') for (const [op, count] of summarisedCounts(event)) this.opCounts.set(op, (this.opCounts.get(op) ?? 0) + count);
    if (lane.start === null || event.t < lane.start) lane.start = event.t;

    if (event.op === 'actor') {
      if (event.ph === 'E') {
        lane.end = event.t;
        lane.exitOk = event.data?.['ok'] !== false;
        // Whatever was still open ended with the actor.
        for (const stack of lane.open.values()) for (const span of stack) this.close(lane, span, event.t);
        lane.open.clear();
      }
      return;
    }
    const state = STATE_OF_OP[event.op];
    if (!state || state === 'done' || state === 'running') return;
    if (event.ph === 'B') {
      const span: StateSpan = { state, op: event.op, start: event.t, end: Number.POSITIVE_INFINITY, target: targetOf(event.data) };
      lane.spans.push(span);
      const stack = lane.open.get(event.op);
      if (stack) stack.push(span);
      else lane.open.set(event.op, [span]);
    } else if (event.ph === 'E') {
      const span = lane.open.get(event.op)?.pop();
      if (span) this.close(lane, span, event.t);
    }
  }

  private close(lane: Lane, span: StateSpan, t: number): void {
    span.end = Math.max(span.start, t);
    lane.maxClosedDuration = Math.max(lane.maxClosedDuration, span.end - span.start);
  }
}
