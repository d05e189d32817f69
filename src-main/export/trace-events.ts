/**
 * Chrome trace-event JSON of a run, for chrome://tracing and Perfetto: one process per trial, one thread per
 * actor, and on every thread B/E slices that are properly nested in file order with non-decreasing,
 * non-negative timestamps — malformed input is repaired, never passed through, and the repairs are counted.
 *
 * Lock holds (from an acquire's E to the matching release) become async slices so they may overlap the
 * actor's other slices, and so do the actor's states (ready, blocking, blocked, waiting, sleeping; see
 * model/actor-states.ts, the derivation the timeline and the HTML report draw too). A wait that never
 * ended (a deadlock) lasts until the deadlock was detected, or the trial's end: not the actor's last event.
 * Pure data transformation, no Node imports.
 */
import { deriveTrialStates, type ActorTimeline } from '../model/actor-states';
import type { ActorRecord, RunRecord, TrialRecord } from '../model/run-model';
import { decodeBatch, type EventBatch, type TraceEvent } from '../model/trace-event';

/** One event of the Chrome trace-event format (the subset this exporter writes). */
export interface ChromeTraceEvent {
  readonly name: string;
  readonly ph: 'B' | 'E' | 'i' | 'b' | 'e' | 'M';
  /** Microseconds since the run's start. */
  readonly ts: number;
  readonly pid: number;
  readonly tid: number;
  readonly cat?: string;
  readonly id?: string;
  readonly s?: 't';
  readonly args?: Readonly<Record<string, unknown>>;
}

/** What had to be fixed so that every thread's B/E slices nest. */
export interface TraceRepairs {
  /** Inner spans ended early because an enclosing span ended first (their own later E is then absorbed). */
  readonly crossingClosed: number;
  /** E events with no open B of the same op on their actor, dropped. */
  readonly unmatchedEndsDropped: number;
  /** Spans still open at the actor's end (its exit, the deadlock's detection or the trial's end), ended there. */
  readonly openClosedAtEnd: number;
  readonly total: number;
}

export interface TraceExportMetadata {
  readonly source: 'Concurrency Lab';
  readonly runId: string;
  readonly title: string;
  readonly status: RunRecord['status'];
  readonly startedAt: string;
  readonly trials: number;
  readonly actors: number;
  readonly events: number;
  readonly repairs: TraceRepairs;
  /** Events timed before the run's start, shown at 0. */
  readonly negativeTimesClamped: number;
  /** Events timed earlier than their predecessor on the same actor, moved forward to keep slices ordered. */
  readonly backwardTimesRaised: number;
  readonly lockHolds: {
    readonly count: number;
    /** Holds still open at the actor's end (e.g. a deadlocked actor: the deadlock's detection), ended there. */
    readonly openAtEnd: number;
    /** Releases with no hold of that lock by the same actor (e.g. a semaphore released by another actor). */
    readonly unmatchedReleases: number;
  };
}

export interface TraceExport {
  readonly traceEvents: ChromeTraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly metadata: TraceExportMetadata;
}

interface OpenSpan {
  readonly op: string;
  readonly name: string;
}

interface TrackCounters {
  crossingClosed: number;
  unmatchedEndsDropped: number;
  openClosedAtEnd: number;
  negativeTimesClamped: number;
  backwardTimesRaised: number;
  holds: number;
  holdsOpenAtEnd: number;
  unmatchedReleases: number;
}

const actorOrder = new Intl.Collator('en', { numeric: true });

/** Converts a run and its trace batches into a trace that chrome://tracing and Perfetto open. */
export function toTraceEvents(run: RunRecord, batches: readonly EventBatch[]): TraceExport {
  const eventsByTrack = new Map<number, Map<string, TraceEvent[]>>();
  let eventCount = 0;
  for (const batch of batches) {
    const byActor = mapGet(eventsByTrack, batch.trial, () => new Map<string, TraceEvent[]>());
    const events = mapGet(byActor, batch.actor, () => []);
    for (const event of decodeBatch(batch)) events.push(event);
    eventCount += batch.count;
  }

  const trialsByIndex = new Map<number, TrialRecord>(run.trials.map((trial) => [trial.index, trial]));
  const trialIndices = [...new Set([...trialsByIndex.keys(), ...eventsByTrack.keys()])].sort((a, b) => a - b);
  const actorNames = new Set<string>();
  for (const trial of run.trials) for (const actor of trial.actors) actorNames.add(actor.name);
  for (const byActor of eventsByTrack.values()) for (const actor of byActor.keys()) actorNames.add(actor);
  // tid by sorted name, not by first appearance, so an actor keeps its tid across trials and exports.
  const tids = new Map(
    [...actorNames]
      .sort((a, b) => actorOrder.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0))
      .map((actor, index) => [actor, index + 1]),
  );

  const counters: TrackCounters = {
    crossingClosed: 0,
    unmatchedEndsDropped: 0,
    openClosedAtEnd: 0,
    negativeTimesClamped: 0,
    backwardTimesRaised: 0,
    holds: 0,
    holdsOpenAtEnd: 0,
    unmatchedReleases: 0,
  };
  const traceEvents: ChromeTraceEvent[] = [];
  for (const trialIndex of trialIndices) {
    const pid = trialIndex + 1;
    const trial = trialsByIndex.get(trialIndex);
    const processName = `trial ${trialIndex}${trial?.warmup === true ? ' (warm-up)' : ''}`;
    traceEvents.push(metadataEvent('process_name', pid, 0, { name: processName }));
    traceEvents.push(metadataEvent('process_sort_index', pid, 0, { sort_index: trialIndex }));

    const records = new Map((trial?.actors ?? []).map((actor) => [actor.name, actor]));
    const byActor = eventsByTrack.get(trialIndex) ?? new Map<string, TraceEvent[]>();
    const states = deriveTrialStates({ events: [...byActor.values()].flat(), actors: trial?.actors ?? [], deadlock: trial?.deadlock ?? null });
    const timelines = new Map(states.actors.map((timeline) => [timeline.actor, timeline]));
    const actors = [...new Set([...records.keys(), ...byActor.keys()])].sort((a, b) => tids.get(a)! - tids.get(b)!);
    for (const actor of actors) {
      const tid = tids.get(actor)!;
      traceEvents.push(metadataEvent('thread_name', pid, tid, { name: threadLabel(actor, records.get(actor)) }));
      traceEvents.push(metadataEvent('thread_sort_index', pid, tid, { sort_index: tid }));
    }
    for (const actor of actors) {
      const events = byActor.get(actor);
      if (events !== undefined && events.length > 0) {
        writeTrack(events, pid, tids.get(actor)!, `t${trialIndex}:${actor}`, traceEvents, counters, timelines.get(actor));
      }
      const timeline = timelines.get(actor);
      if (timeline !== undefined) writeStates(timeline, pid, tids.get(actor)!, `t${trialIndex}:${actor}`, traceEvents);
    }
  }

  const total = counters.crossingClosed + counters.unmatchedEndsDropped + counters.openClosedAtEnd;
  return {
    traceEvents,
    displayTimeUnit: 'ms',
    metadata: {
      source: 'Concurrency Lab',
      runId: run.id,
      title: run.title,
      status: run.status,
      startedAt: run.startedAt,
      trials: trialIndices.length,
      actors: actorNames.size,
      events: eventCount,
      repairs: {
        crossingClosed: counters.crossingClosed,
        unmatchedEndsDropped: counters.unmatchedEndsDropped,
        openClosedAtEnd: counters.openClosedAtEnd,
        total,
      },
      negativeTimesClamped: counters.negativeTimesClamped,
      backwardTimesRaised: counters.backwardTimesRaised,
      lockHolds: {
        count: counters.holds,
        openAtEnd: counters.holdsOpenAtEnd,
        unmatchedReleases: counters.unmatchedReleases,
      },
    },
  };
}

/**
 * Writes one actor's events of one trial. Invariant kept for every emitted prefix: the open-span stack
 * mirrors the B/E events written so far, so each E closes the most recent open B of this thread.
 */
function writeTrack(
  events: TraceEvent[],
  pid: number,
  tid: number,
  trackKey: string,
  out: ChromeTraceEvent[],
  counters: TrackCounters,
  timeline: ActorTimeline | undefined,
): void {
  // seq is the actor's own program order; times should agree with it, and are forced to below.
  events.sort((a, b) => a.seq - b.seq || a.t - b.t);
  const open: OpenSpan[] = [];
  /** Per op: spans ended early by a crossing whose own E is still to come and must be absorbed. */
  const closedEarly = new Map<string, number>();
  /** Per lock: ids of this actor's open holds, innermost last (re-entrant locks nest). */
  const holds = new Map<string, string[]>();
  let lastTs = 0;

  for (const event of events) {
    let ts = event.t / 1000;
    if (ts < 0) {
      ts = 0;
      counters.negativeTimesClamped++;
    }
    if (ts < lastTs) {
      ts = lastTs;
      counters.backwardTimesRaised++;
    }
    lastTs = ts;
    const name = sliceName(event);
    const args = event.data;

    switch (event.ph) {
      case 'B':
        open.push({ op: event.op, name });
        out.push(withArgs({ name, ph: 'B', ts, pid, tid }, args));
        break;
      case 'E': {
        const match = findLastIndex(open, (span) => span.op === event.op);
        if (match < 0) {
          const pending = closedEarly.get(event.op) ?? 0;
          if (pending > 0) closedEarly.set(event.op, pending - 1);
          else counters.unmatchedEndsDropped++;
        } else {
          // Spans opened after the matched one would cross it: end them first, innermost first.
          while (open.length - 1 > match) {
            const inner = open.pop()!;
            closedEarly.set(inner.op, (closedEarly.get(inner.op) ?? 0) + 1);
            counters.crossingClosed++;
            out.push({ name: inner.name, ph: 'E', ts, pid, tid, args: { repair: `ended early: "${name}" ended while it was open` } });
          }
          const span = open.pop()!;
          out.push(withArgs({ name: span.name, ph: 'E', ts, pid, tid }, args));
        }
        break;
      }
      case 'I':
        out.push(withArgs({ name, ph: 'i', s: 't', ts, pid, tid }, args));
        break;
      default:
        throw new Error(`unknown trace phase ${JSON.stringify(event.ph satisfies never)} in ${trackKey} seq ${event.seq}`);
    }

    const lock = lockName(event);
    if (event.op === 'acquire' && event.ph === 'E' && acquired(event)) {
      counters.holds++;
      const holdId = `${trackKey}:hold${counters.holds}`;
      mapGet(holds, lock, () => []).push(holdId);
      out.push({ name: holdName(lock), cat: 'lock', ph: 'b', id: holdId, ts, pid, tid, args: { lock, actor: event.actor } });
    } else if (event.op === 'release' && (event.ph === 'I' || event.ph === 'E')) {
      const holdId = holds.get(lock)?.pop();
      if (holdId === undefined) counters.unmatchedReleases++;
      else out.push({ name: holdName(lock), cat: 'lock', ph: 'e', id: holdId, ts, pid, tid });
    }
  }

  // What is still open lasts until the actor's end: the deadlock's detection or the trial's end, not its last event.
  const endTs = Math.max(lastTs, timeline === undefined ? lastTs : timeline.end / 1000);
  const why = timeline?.endedBy === 'deadlock' ? 'still open when the deadlock was detected' : timeline?.endedBy === 'trial-end' ? "still open at the trial's end" : "still open at the actor's end";
  while (open.length > 0) {
    const span = open.pop()!;
    counters.openClosedAtEnd++;
    out.push({ name: span.name, ph: 'E', ts: endTs, pid, tid, args: { repair: why } });
  }
  for (const [lock, ids] of holds) {
    for (let index = ids.length - 1; index >= 0; index--) {
      counters.holdsOpenAtEnd++;
      out.push({ name: holdName(lock), cat: 'lock', ph: 'e', id: ids[index]!, ts: endTs, pid, tid });
    }
  }
}

/** The actor's states other than running, as async slices on its thread (category "state"). */
function writeStates(timeline: ActorTimeline, pid: number, tid: number, trackKey: string, out: ChromeTraceEvent[]): void {
  let count = 0;
  for (const interval of timeline.intervals) {
    if (interval.state === 'running' || interval.end <= interval.start) continue;
    const id = `${trackKey}:state${++count}`;
    const name = interval.target === null ? interval.state : `${interval.state} (${interval.op ?? ''} ${interval.target})`;
    const args: Record<string, unknown> = { state: interval.state, op: interval.op, target: interval.target };
    if (interval.endedBy !== undefined) args['endedBy'] = interval.endedBy;
    // A ready stretch that ended a wait: whose event satisfied it, and when (ms, as the run's clock).
    if (interval.wake !== undefined) args['wokenBy'] = { op: interval.wake.op, actor: interval.wake.actor, target: interval.wake.target, atMs: interval.wake.t / 1e6 };
    out.push({ name, cat: 'state', ph: 'b', id, ts: Math.max(0, interval.start / 1000), pid, tid, args });
    out.push({ name, cat: 'state', ph: 'e', id, ts: Math.max(0, interval.end / 1000), pid, tid });
  }
}

/** "acquire A" for an op on primitive A (data.prim), else the op alone. */
function sliceName(event: TraceEvent): string {
  const prim = event.data?.['prim'];
  return typeof prim === 'string' && prim !== '' ? `${event.op} ${prim}` : event.op;
}

function lockName(event: TraceEvent): string {
  const prim = event.data?.['prim'];
  return typeof prim === 'string' ? prim : '';
}

function holdName(lock: string): string {
  return lock === '' ? 'hold' : `hold ${lock}`;
}

/** An acquire that ended without the lock (data.ok === false or data.timedOut === true) starts no hold. */
function acquired(event: TraceEvent): boolean {
  return event.data?.['ok'] !== false && event.data?.['timedOut'] !== true;
}

/** "buyer-3 (thread, pid 4211, thread 2)" from the actor's record; the bare name when there is none. */
function threadLabel(actor: string, record: ActorRecord | undefined): string {
  if (record === undefined) return actor;
  const parts: string[] = [record.kind];
  if (record.pid !== null) parts.push(`pid ${record.pid}`);
  if (record.threadId !== null) parts.push(`thread ${record.threadId}`);
  return `${actor} (${parts.join(', ')})`;
}

function metadataEvent(name: string, pid: number, tid: number, args: Record<string, unknown>): ChromeTraceEvent {
  return { name, ph: 'M', ts: 0, pid, tid, args };
}

function withArgs(event: ChromeTraceEvent, args: Readonly<Record<string, unknown>> | undefined): ChromeTraceEvent {
  return args === undefined ? event : { ...event, args };
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let index = items.length - 1; index >= 0; index--) if (predicate(items[index]!)) return index;
  return -1;
}

function mapGet<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
