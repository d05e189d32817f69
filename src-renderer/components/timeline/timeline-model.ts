import { summarisedCounts, type EventBatch, type TraceEvent } from '@contract/dto';

/**
 * TimelineModel turns trace events into what the live view draws: per actor lane, spans of a state
 * (running, blocked on a lock, waiting, sleeping) and the moment it was done, plus a time-ordered
 * event list for the log and live counters.
 *
 * Built incrementally, batch by batch, in O(events) overall; kept out of Vue's reactivity (the view
 * redraws on `version`), so 100,000 events cost one plain object each and no proxies.
 */

export type LaneState = 'running' | 'blocked' | 'waiting' | 'sleeping' | 'done';
export const LANE_STATES: readonly LaneState[] = ['running', 'blocked', 'waiting', 'sleeping', 'done'];

/** Which spans mean which state; every other span (compute, section, spawn…) is running. */
const STATE_OF_OP: Readonly<Record<string, LaneState>> = {
  acquire: 'blocked',
  wait: 'waiting',
  get: 'waiting',
  put: 'waiting',
  join: 'waiting',
  sleep: 'sleeping',
  block: 'sleeping',
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
}

function targetOf(data: TraceEvent['data']): string | null {
  if (!data) return null;
  const value = data['prim'] ?? data['queue'] ?? data['actor'];
  return typeof value === 'string' ? value : null;
}

export class TimelineModel {
  readonly lanes: Lane[] = [];
  private readonly laneIndex = new Map<string, Lane>();
  /** Every event, for the log; sorted lazily (batches of different actors interleave). */
  private readonly events: TraceEvent[] = [];
  private sorted = true;
  tMin = Number.POSITIVE_INFINITY;
  tMax = 0;
  /** Bumped on every change: the view's cue to redraw. */
  version = 0;
  readonly opCounts = new Map<string, number>();
  /** Only these trials are kept (null: all). The live view follows the current trial. */
  constructor(private readonly trialFilter: ((trial: number) => boolean) | null = null) {}

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
        const event: TraceEvent = {
          actor: batch.actor,
          seq: row[0] as number,
          t: row[1] as number,
          op: row[2] as string,
          ph: row[3] as TraceEvent['ph'],
          ...(row.length > 4 ? { data: row[4] as Record<string, unknown> } : {}),
        };
        this.apply(lane, event);
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
      this.events.sort((a, b) => a.t - b.t || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : a.seq - b.seq));
      this.sorted = true;
    }
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
      lane = { actor, trial, start: null, end: null, exitOk: null, spans: [], open: new Map(), lastEventT: 0, events: 0, maxClosedDuration: 0 };
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
