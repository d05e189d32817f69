import { MAX_HAND_OFF_ACQUIRES, STATE_OF_OP, targetOf, type ActorState, type ActorTimeline, type CounterTrack, type HandOff, type LockHold, type PhaseMark, type StateInterval, type TrialStates } from '@contract/actor-states';
import type { ActorRecord, DeadlockReport, TraceEvent } from '@contract/dto';

/**
 * The actor states of a live trial (model/actor-states.ts), folded event by event as they arrive instead of
 * derived again from every event so far: each call costs the events that came since the last one, plus a few
 * objects per actor for the open ends (the state each actor is still in, the locks it still holds).
 *
 * Exact where every actor's states follow from its own events alone: no two actors share a thread (no loop,
 * whose actors run one at a time and whose waits other actors end), each actor's events in program order
 * with times that never go back, nothing after an actor's end. The first event that breaks one of these turns
 * the fold off for its trial (`update` answers null) and the caller derives the states in full, as before.
 * The trial's record, once the run has ended, adds what it knows (threads, kinds, ends, exits, the actors
 * whose events this page does not hold); with a deadlock, the states are derived in full.
 *
 * The snapshots share their growing arrays (intervals, holds, counter points): a snapshot is good until the
 * next call, which is what a view redrawing on `version` needs.
 */

/** Spans during which an actor holds its thread (the derivation's HOLDS_THREAD): they push a running state. */
const HOLDS_THREAD = new Set(['compute', 'block']);

/** What the fold takes from a trial's record. */
export interface TrialRecordPart {
  readonly actors?: readonly ActorRecord[];
  readonly deadlock?: DeadlockReport | null;
}

interface OpenSpan {
  readonly state: ActorState;
  readonly op: string;
  readonly target: string | null;
  readonly seq: number;
  readonly start: number;
}

interface Item {
  readonly kind: 0 | 1;
  readonly t: number;
  readonly lock: string;
  readonly actor: string;
  readonly begin: number;
  readonly order: number;
  readonly index: number;
}

interface MarkKey {
  readonly t: number;
  readonly order: number;
  readonly index: number;
}

const holdBefore = (a: LockHold, b: LockHold): boolean => a.start < b.start;
const markBefore = (a: MarkKey, b: MarkKey): boolean => a.t < b.t || (a.t === b.t && (a.order < b.order || (a.order === b.order && a.index < b.index)));

interface TrackFold {
  readonly name: string;
  readonly kind: CounterTrack['kind'];
  /** Changes in time order (ties: actor order, then the actor's own order). */
  readonly items: { readonly t: number; readonly delta: number; readonly order: number; readonly index: number }[];
  readonly points: { t: number; value: number }[];
  /** maxUpTo[i]: the largest value of points[0..i]. */
  readonly maxUpTo: number[];
  /** The first item not yet turned into points (items before it are folded). */
  dirtyFrom: number;
  /** Where the track first appears in the actor-by-actor order of changes: tracks are listed in that order. */
  firstOrder: number;
  firstIndex: number;
}

class ActorFold {
  taken = 0;
  lastSeq = Number.NEGATIVE_INFINITY;
  lastT = Number.NEGATIVE_INFINITY;
  first: TraceEvent | null = null;
  endEvent: TraceEvent | null = null;
  cursor = 0;
  /** Intervals up to `cursor`; past `settled`, the provisional end added by the last snapshot. */
  readonly out: StateInterval[] = [];
  settled = 0;
  readonly stack: OpenSpan[] = [];
  /** Per lock, the acquire times not yet released (innermost last). */
  readonly holding = new Map<string, number[]>();
  /** Closed holds by start (ties: release order). */
  readonly holds: LockHold[] = [];
  /** Closed holds in release order: the derivation's own order, for `TrialStates.holds`. */
  readonly holdsByRelease: LockHold[] = [];
  longestHold = 0;
  begun = false;
  beginPid: unknown = undefined;
  beginThread: unknown = undefined;
  markCount = 0;
  deltaCount = 0;
  itemCount = 0;
  constructor(
    readonly actor: string,
    readonly order: number,
  ) {}
}

/** Per actor of a live snapshot: its closed and still-open holds, each by start, and its longest one. */
export interface LiveHolds {
  readonly closed: readonly LockHold[];
  readonly open: readonly LockHold[];
  readonly longest: number;
}

const liveHolds = new WeakMap<TrialStates, ReadonlyMap<string, LiveHolds>>();
const settledOf = new WeakMap<readonly StateInterval[], ActorFold>();

/** The per-actor holds of a snapshot made by a LiveStatesFold (undefined for states derived in full). */
export function liveHoldsOf(states: TrialStates): ReadonlyMap<string, LiveHolds> | undefined {
  return liveHolds.get(states);
}

/**
 * How many leading intervals of an actor's interval list will never change (the list grows at its end only),
 * or null when the list is not a live fold's (derived in full: a new list every time).
 */
export function settledIntervals(intervals: readonly StateInterval[]): number | null {
  return settledOf.get(intervals)?.settled ?? null;
}

function insertSorted<T>(list: T[], item: T, before: (a: T, b: T) => boolean): void {
  let index = list.length;
  while (index > 0 && before(item, list[index - 1]!)) index--;
  if (index === list.length) list.push(item);
  else list.splice(index, 0, item);
}

/** Hand-off items in time order; at one time releases first, then by actor and the actor's own order. */
const byItemOrder = (a: Item, b: Item): number => a.t - b.t || a.kind - b.kind || a.order - b.order || a.index - b.index;

export class LiveStatesFold {
  private readonly folds = new Map<string, ActorFold>();
  private readonly order: ActorFold[] = [];
  private readonly threads = new Set<string>();
  private broken = false;
  private tMin = Number.POSITIVE_INFINITY;
  private tMax = 0;
  private readonly marks: PhaseMark[] = [];
  private readonly markKeys: MarkKey[] = [];
  private readonly tracks = new Map<string, TrackFold>();
  private readonly counting = new Set<string>();
  // Hand-offs: items before `settledBefore` are folded into `handOffs` in time order; later ones wait in `pending`.
  private acquires = 0;
  private readonly allItems: Item[] = [];
  private pending: Item[] = [];
  /** Final hand-offs, then (past `settledHandOffs`) the provisional ones of the last snapshot, taken back at the next. */
  private readonly handOffs: HandOff[] = [];
  private settledHandOffs = 0;
  private readonly lastRelease = new Map<string, { actor: string; t: number }>();
  private settledBefore = Number.NEGATIVE_INFINITY;
  private snapshot: TrialStates | null = null;
  private snapshotVersion = -1;
  private snapshotRecord: TrialRecordPart | null = null;

  /**
   * The trial's states with every event of its lanes so far; null once the fold cannot be exact for this
   * trial (the caller derives them in full instead). `version` names the events: the same version answers
   * the same snapshot.
   */
  update(lanes: readonly { readonly actor: string; readonly trial: number; readonly eventList: readonly TraceEvent[] }[], trial: number, version: number, record: TrialRecordPart | null = null): TrialStates | null {
    if (this.broken || (record?.deadlock ?? null) !== null) return null;
    if (this.snapshot !== null && this.snapshotVersion === version && this.snapshotRecord === record) return this.snapshot;
    for (const lane of lanes) {
      if (lane.trial !== trial) continue;
      let fold = this.folds.get(lane.actor);
      if (!fold) {
        fold = new ActorFold(lane.actor, this.order.length);
        this.folds.set(lane.actor, fold);
        this.order.push(fold);
      }
      if (fold.taken >= lane.eventList.length) continue;
      fold.out.length = fold.settled;
      const events = lane.eventList;
      for (let index = fold.taken; index < events.length; index++) {
        if (!this.take(fold, events[index]!)) {
          this.broken = true;
          this.snapshot = null;
          return null;
        }
      }
      fold.taken = events.length;
    }
    const records = record === null ? null : this.recordsFor(record.actors ?? []);
    if (record !== null && records === null) return null;
    this.snapshot = this.makeSnapshot(records ?? new Map());
    this.snapshotVersion = version;
    this.snapshotRecord = record;
    return this.snapshot;
  }

  /** The record's actors by name, when the fold stays exact with them: no two actors share a thread. */
  private recordsFor(actors: readonly ActorRecord[]): Map<string, ActorRecord> | null {
    const records = new Map(actors.map((actor) => [actor.name, actor]));
    const threads = new Set<string>();
    const claim = (pid: unknown, thread: unknown): boolean => {
      if (typeof pid !== 'number' || typeof thread !== 'number') return true;
      const key = `${pid}:${thread}`;
      if (threads.has(key)) return false;
      threads.add(key);
      return true;
    };
    for (const fold of this.order) {
      const record = records.get(fold.actor);
      if (!claim(record?.pid ?? fold.beginPid, record?.threadId ?? fold.beginThread)) return null;
    }
    for (const record of records.values()) if (!this.folds.has(record.name) && !claim(record.pid, record.threadId)) return null;
    return records;
  }

  /** Folds one event of an actor; false when the fold cannot be exact any more. */
  private take(fold: ActorFold, event: TraceEvent): boolean {
    if (fold.endEvent !== null || event.seq <= fold.lastSeq || event.t < fold.lastT) return false;
    if (fold.first === null) {
      fold.first = event;
      fold.cursor = event.t;
      // A new actor whose events go back before hand-offs already settled: settle them again from the start.
      if (event.t < this.settledBefore) this.resetHandOffs();
    }
    fold.lastSeq = event.seq;
    fold.lastT = event.t;
    if (event.t < this.tMin) this.tMin = event.t;
    if (event.t > this.tMax) this.tMax = event.t;
    if (event.t > fold.cursor) this.emit(fold, event.t);
    if (event.op === 'actor') {
      if (event.ph === 'E') fold.endEvent = event;
      else if (event.ph === 'B' && !fold.begun) {
        // Its first actor B event says its thread.
        fold.begun = true;
        const pid = (fold.beginPid = event.data?.['pid']);
        const thread = (fold.beginThread = event.data?.['threadId']);
        if (typeof pid === 'number' && typeof thread === 'number') {
          const key = `${pid}:${thread}`;
          // Two actors on one thread: a loop, whose states depend on each other's events.
          if (this.threads.has(key)) return false;
          this.threads.add(key);
        }
      }
      return true;
    }
    const data = event.data;
    const prim = data?.['prim'];
    const lock = typeof prim === 'string' ? prim : null;
    if (event.op === 'mark' && event.ph === 'I') {
      const name = data?.['name'];
      // By time; ties in actor order, then the actor's own order (the derivation's stable sort).
      const key = { t: event.t, order: fold.order, index: fold.markCount++ };
      let at = this.markKeys.length;
      while (at > 0 && markBefore(key, this.markKeys[at - 1]!)) at--;
      this.markKeys.splice(at, 0, key);
      this.marks.splice(at, 0, { t: event.t, name: typeof name === 'string' ? name : '', actor: fold.actor });
    }
    if (event.op === 'section') {
      const name = data?.['name'];
      this.delta(fold, typeof name === 'string' ? name : '', 'section', event.t, event.ph === 'B' ? 1 : event.ph === 'E' ? -1 : 0);
    }
    if ((event.op === 'put' || event.op === 'get') && event.ph === 'E' && data?.['ok'] !== false) {
      const queue = data?.['queue'];
      if (typeof queue === 'string') this.delta(fold, queue, 'queue', event.t, event.op === 'put' ? 1 : -1);
    }
    if (event.op === 'acquire' && event.ph === 'E' && lock !== null && data?.['ok'] !== false && data?.['timedOut'] !== true) {
      let list = fold.holding.get(lock);
      if (!list) fold.holding.set(lock, (list = []));
      list.push(event.t);
      const top = fold.stack[fold.stack.length - 1];
      this.item(fold, 1, event.t, lock, top !== undefined && top.op === 'acquire' ? top.start : event.t);
      this.acquires++;
    } else if (event.op === 'release' && lock !== null && event.ph !== 'B') {
      const since = fold.holding.get(lock)?.pop();
      if (since !== undefined) {
        const hold: LockHold = { lock, actor: fold.actor, start: since, end: event.t, open: false };
        fold.holdsByRelease.push(hold);
        insertSorted(fold.holds, hold, holdBefore);
        if (event.t - since > fold.longestHold) fold.longestHold = event.t - since;
      } else this.counting.add(lock);
      this.item(fold, 0, event.t, lock, event.t);
    }
    const state = STATE_OF_OP[event.op];
    const holdsThread = HOLDS_THREAD.has(event.op);
    if (!state && !holdsThread) return true;
    if (event.ph === 'B') fold.stack.push({ state: state ?? 'running', op: event.op, target: targetOf(data), seq: event.seq, start: event.t });
    else if (event.ph === 'E') {
      for (let index = fold.stack.length - 1; index >= 0; index--) {
        if (fold.stack[index]!.op === event.op) {
          fold.stack.length = index;
          break;
        }
      }
    }
    return true;
  }

  /** The actor's state from its cursor until `to`: one interval, in the state of its innermost open span. */
  private emit(fold: ActorFold, to: number): void {
    fold.out.push(this.interval(fold, to, undefined));
    fold.cursor = to;
    fold.settled = fold.out.length;
  }

  private interval(fold: ActorFold, to: number, endedBy: 'trial-end' | undefined, from = fold.cursor): StateInterval {
    const top = fold.stack[fold.stack.length - 1];
    // The same fields, in the same order, as the derivation's drafts.
    return top
      ? ({ state: top.state, start: from, end: to, op: top.op, target: top.target, seq: top.seq, endedBy, gap: undefined } as StateInterval)
      : ({ state: 'running', start: from, end: to, op: null, target: null, seq: null, endedBy, gap: undefined } as StateInterval);
  }

  private delta(fold: ActorFold, name: string, kind: CounterTrack['kind'], t: number, delta: number): void {
    const index = fold.deltaCount++;
    if (delta === 0) return;
    const key = `${kind}\u0000${name}`;
    let track = this.tracks.get(key);
    if (!track) this.tracks.set(key, (track = { name, kind, items: [], points: [], maxUpTo: [], dirtyFrom: 0, firstOrder: fold.order, firstIndex: index }));
    if (fold.order < track.firstOrder || (fold.order === track.firstOrder && index < track.firstIndex)) {
      track.firstOrder = fold.order;
      track.firstIndex = index;
    }
    const item = { t, delta, order: fold.order, index };
    const items = track.items;
    let at = items.length;
    while (at > 0 && (items[at - 1]!.t > t || (items[at - 1]!.t === t && (items[at - 1]!.order > fold.order || (items[at - 1]!.order === fold.order && items[at - 1]!.index > index))))) at--;
    if (at === items.length) items.push(item);
    else items.splice(at, 0, item);
    track.dirtyFrom = Math.min(track.dirtyFrom, at);
  }

  private item(fold: ActorFold, kind: 0 | 1, t: number, lock: string, begin: number): void {
    if (this.acquires > MAX_HAND_OFF_ACQUIRES) return;
    const item: Item = { kind, t, lock, actor: fold.actor, begin, order: fold.order, index: fold.itemCount++ };
    this.allItems.push(item);
    this.pending.push(item);
  }

  private resetHandOffs(): void {
    this.handOffs.length = 0;
    this.settledHandOffs = 0;
    this.lastRelease.clear();
    this.pending = this.allItems.slice();
    this.settledBefore = Number.NEGATIVE_INFINITY;
  }

  private static foldHandOff(item: Item, lastRelease: Map<string, { actor: string; t: number }>, into: HandOff[]): void {
    if (item.kind === 0) lastRelease.set(item.lock, { actor: item.actor, t: item.t });
    else {
      const release = lastRelease.get(item.lock);
      if (release && release.actor !== item.actor && item.begin <= release.t) into.push({ lock: item.lock, from: release.actor, to: item.actor, releasedAt: release.t, acquiredAt: item.t });
      lastRelease.delete(item.lock);
    }
  }

  /** Hand-offs: items before the time every actor still running has passed are final and folded for good. */
  private currentHandOffs(): { handOffs: readonly HandOff[]; omitted: boolean } {
    if (this.acquires > MAX_HAND_OFF_ACQUIRES) {
      if (this.allItems.length > 0) {
        this.allItems.length = 0;
        this.pending = [];
        this.handOffs.length = 0;
        this.settledHandOffs = 0;
      }
      return { handOffs: [], omitted: true };
    }
    let watermark = Number.POSITIVE_INFINITY;
    for (const fold of this.order) if (fold.endEvent === null && fold.lastT < watermark) watermark = fold.lastT;
    this.pending.sort(byItemOrder);
    this.handOffs.length = this.settledHandOffs;
    let index = 0;
    while (index < this.pending.length && this.pending[index]!.t < watermark) LiveStatesFold.foldHandOff(this.pending[index++]!, this.lastRelease, this.handOffs);
    if (index > 0) this.pending = this.pending.slice(index);
    if (watermark > this.settledBefore) this.settledBefore = watermark;
    this.settledHandOffs = this.handOffs.length;
    // The rest, provisionally: the same list goes on with them (a snapshot is good until the next).
    if (this.pending.length > 0) {
      const lastRelease = new Map(this.lastRelease);
      for (const item of this.pending) LiveStatesFold.foldHandOff(item, lastRelease, this.handOffs);
    }
    return { handOffs: this.handOffs, omitted: false };
  }

  private counterTracks(): CounterTrack[] {
    const tracks = [...this.tracks.values()].sort((a, b) => a.firstOrder - b.firstOrder || a.firstIndex - b.firstIndex);
    for (const track of tracks) {
      if (track.dirtyFrom >= track.items.length) continue;
      // Fold again from the first point at or after the earliest change.
      const t = track.items[track.dirtyFrom]!.t;
      let keep = track.points.length;
      while (keep > 0 && track.points[keep - 1]!.t >= t) keep--;
      track.points.length = keep;
      track.maxUpTo.length = keep;
      let from = track.dirtyFrom;
      while (from > 0 && track.items[from - 1]!.t >= t) from--;
      let value = keep > 0 ? track.points[keep - 1]!.value : 0;
      for (let index = from; index < track.items.length; index++) {
        const item = track.items[index]!;
        value = Math.max(0, value + item.delta);
        const last = track.points[track.points.length - 1];
        const at = track.points.length - 1;
        // The largest value counts every change, also one that a later change at the same time undoes.
        if (last && last.t === item.t) {
          last.value = value;
          track.maxUpTo[at] = Math.max(track.maxUpTo[at]!, value);
        } else {
          track.points.push({ t: item.t, value });
          track.maxUpTo.push(Math.max(at >= 0 ? track.maxUpTo[at]! : 0, value));
        }
      }
      track.dirtyFrom = track.items.length;
    }
    return tracks.map((track) => ({ name: track.name, kind: track.kind, points: track.points, max: track.maxUpTo[track.maxUpTo.length - 1] ?? 0 }));
  }

  private makeSnapshot(records: ReadonlyMap<string, ActorRecord>): TrialStates {
    let trialEnd = this.tMax;
    for (const record of records.values()) if (record.endedNs !== null && record.endedNs > trialEnd) trialEnd = record.endedNs;
    const actors: ActorTimeline[] = [];
    const holdsByActor = new Map<string, LiveHolds>();
    const openHolds: LockHold[][] = [];
    for (const fold of this.order) {
      const first = fold.first;
      const record = records.get(fold.actor);
      const start = first ? first.t : (record?.startedNs ?? trialEnd);
      const ended = fold.endEvent !== null;
      const end = ended ? fold.endEvent!.t : Math.max(first ? fold.lastT : start, record?.endedNs ?? trialEnd);
      // The provisional end: whatever is still open lasts until the actor's end.
      fold.out.length = fold.settled;
      const from = first ? fold.cursor : start;
      if (end > from) fold.out.push(this.interval(fold, end, ended ? undefined : 'trial-end', from));
      const kindValue = first?.op === 'actor' ? first.data?.['kind'] : undefined;
      const exitOk = ended ? fold.endEvent!.data?.['ok'] !== false : record ? record.exit === 'completed' : null;
      const meta = { actor: fold.actor, kind: record?.kind ?? (typeof kindValue === 'string' ? kindValue : null), loop: null, start, end, endedBy: ended ? ('exit' as const) : ('trial-end' as const), exitOk };
      const intervals = fold.out;
      settledOf.set(intervals, fold);
      if (ended) actors.push({ ...meta, intervals });
      else {
        const last = intervals[intervals.length - 1];
        const top = fold.stack[fold.stack.length - 1];
        const endState = top && (!last || last.start < top.start) ? top.state : (last?.state ?? 'running');
        actors.push({ ...meta, intervals, endState });
      }
      const open: LockHold[] = [];
      let longest = fold.longestHold;
      for (const [lock, list] of fold.holding) {
        if (this.counting.has(lock)) continue;
        for (const since of list) {
          open.push({ lock, actor: fold.actor, start: since, end, open: true });
          if (end - since > longest) longest = end - since;
        }
      }
      openHolds.push(open);
      holdsByActor.set(fold.actor, { closed: fold.holds, open: open.length > 1 ? open.slice().sort((a, b) => a.start - b.start) : open, longest });
    }
    // Actors the record names whose events this page does not hold: alive from their start to their end, as far as it says.
    for (const record of records.values()) {
      if (this.folds.has(record.name)) continue;
      const start = record.startedNs ?? trialEnd;
      const end = Math.max(start, record.endedNs ?? trialEnd);
      const intervals: StateInterval[] = end > start ? [{ state: 'running', start, end, op: null, target: null, seq: null, endedBy: 'trial-end', gap: undefined } as StateInterval] : [];
      actors.push({ actor: record.name, kind: record.kind, loop: null, start, end, endedBy: 'trial-end', exitOk: record.exit === 'completed', intervals, endState: 'running' });
    }
    actors.sort((a, b) => a.start - b.start || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0));
    const order = this.order;
    const marks = this.marks;
    let holds: LockHold[] | null = null;
    let handOffs: { handOffs: readonly HandOff[]; omitted: boolean } | null = null;
    const settleHandOffs = (): { handOffs: readonly HandOff[]; omitted: boolean } => this.currentHandOffs();
    const snapshot: TrialStates = {
      start: Number.isFinite(this.tMin) ? this.tMin : 0,
      end: trialEnd,
      actors,
      // Every hold of the trial by start: made only for a reader that asks (the timeline reads them per actor).
      get holds(): readonly LockHold[] {
        if (holds === null) {
          const all: LockHold[] = [];
          order.forEach((fold, index) => {
            for (const hold of fold.holdsByRelease) all.push(hold);
            for (const hold of openHolds[index]!) all.push(hold);
          });
          holds = all.sort((a, b) => a.start - b.start);
        }
        return holds;
      },
      get handOffs(): readonly HandOff[] {
        handOffs ??= settleHandOffs();
        return handOffs.handOffs;
      },
      get handOffsOmitted(): boolean {
        handOffs ??= settleHandOffs();
        return handOffs.omitted;
      },
      deadlock: null,
      marks,
      counters: this.counterTracks(),
    };
    liveHolds.set(snapshot, holdsByActor);
    return snapshot;
  }
}
