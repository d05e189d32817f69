/**
 * Actor states: what each actor of a trial was doing at every moment, derived from its trace events once,
 * for the live timeline, the HTML report and the Perfetto export alike (so all three tell the same story).
 *
 * States: running; ready (its wait is over, but another actor of the same loop holds the loop); blocking
 * (a `block` step: a call that holds its thread — for a task, the whole loop); blocked (on a lock or a
 * semaphore); waiting (event, condition, barrier, queue, join, future, socket); sleeping (a yielding
 * sleep); done.
 *
 * Actors that share one thread (tasks and main on the runner's loop: same pid and threadId) run one at a
 * time: another actor's `compute` or `block` span owns the loop, and an actor of that loop that is between
 * steps meanwhile is ready, not running. Between two of its events such an actor runs only at the end of
 * the gap (it emits the next event as soon as it runs again); a sleep whose time is up while the loop is
 * busy is ready for the rest.
 *
 * A wait of such an actor that another actor satisfied (a lock or semaphore released, an event set, a
 * condition notified and its lock released, an item put or taken, a barrier filled, a joined actor ended)
 * is ready from that moment until the actor resumed, as far as the loop was held meanwhile: the moment is
 * read off the other actor's event on the same primitive (see `wakeOf`), so old run logs and both runtimes
 * are drawn alike. Threads and processes are woken by the OS: their waits are drawn as they are.
 *
 * A wait that never ended (a deadlock, a cancelled or failed trial) lasts until the deadlock was detected
 * or, without one, until the trial's end: never cut at the actor's own last event.
 *
 * Pure: imports only model/.
 */
import type { ActorRecord, DeadlockReport } from './run-model';
import type { TraceEvent } from './trace-event';

export type ActorState = 'running' | 'ready' | 'blocking' | 'blocked' | 'waiting' | 'sleeping' | 'done';
export const ACTOR_STATES: readonly ActorState[] = ['running', 'ready', 'blocking', 'blocked', 'waiting', 'sleeping', 'done'];

/** The state a span of each op puts its actor in; every other span (compute, section, spawn…) is running. */
export const STATE_OF_OP: Readonly<Record<string, ActorState>> = {
  acquire: 'blocked',
  var_lock: 'blocked',
  wait: 'waiting',
  get: 'waiting',
  put: 'waiting',
  join: 'waiting',
  result: 'waiting',
  map: 'waiting',
  shutdown: 'waiting',
  recv: 'waiting',
  recvfrom: 'waiting',
  connect: 'waiting',
  pipe_recv: 'waiting',
  pipe_send: 'waiting',
  sleep: 'sleeping',
  block: 'blocking',
};

/** Spans during which the actor holds its thread (for a task: its loop). */
const HOLDS_THREAD = new Set(['compute', 'block']);

export interface StateInterval {
  readonly state: ActorState;
  readonly start: number;
  readonly end: number;
  /** The step behind the state (the span's op), null for running between steps. */
  readonly op: string | null;
  /** The primitive, queue or actor the wait concerns. */
  readonly target: string | null;
  /** Seq of the event that opened the span, null when none did. */
  readonly seq: number | null;
  /** Why the interval ends where it does, when not at an event of the actor's own. */
  readonly endedBy?: 'deadlock' | 'trial-end';
  /** For a ready interval that ends a wait: the other actor's event that satisfied the wait. */
  readonly wake?: WakeCause;
}

/**
 * What satisfied a loop actor's wait: another actor's event on the same primitive, queue or actor.
 * `op` is the event's op (release, set, notify, put, get, task_done), `wait` for the arrival that filled
 * a barrier, `actor` for the end of a joined actor.
 */
export interface WakeCause {
  readonly op: string;
  readonly actor: string;
  readonly t: number;
  readonly target: string;
}

export interface ActorTimeline {
  readonly actor: string;
  readonly kind: string | null;
  /** "pid:threadId" when other actors of the trial share this thread (a loop), else null. */
  readonly loop: string | null;
  readonly start: number;
  /** When the actor ended (its actor E event, the deadlock's detection, or the trial's end). */
  readonly end: number;
  readonly endedBy: 'exit' | 'deadlock' | 'trial-end';
  readonly exitOk: boolean | null;
  /** Disjoint, in time order, covering start..end. */
  readonly intervals: readonly StateInterval[];
  /**
   * Without an exit: the state it was still in at its end (its events stop there), also when that state
   * began at the very end and so has no interval yet (a live trial's newest event).
   */
  readonly endState?: ActorState;
}

export interface LockHold {
  readonly lock: string;
  readonly actor: string;
  readonly start: number;
  readonly end: number;
  /** Still held when the trial ended or the deadlock was detected. */
  readonly open: boolean;
}

/** A lock released by one actor and then taken by another that was already waiting for it. */
export interface HandOff {
  readonly lock: string;
  readonly from: string;
  readonly to: string;
  readonly releasedAt: number;
  readonly acquiredAt: number;
}

export interface DeadlockView {
  readonly detectedAt: number;
  readonly actors: readonly string[];
  readonly locks: readonly string[];
  /** The wait that closed the cycle: the last of the cycle's waits to begin. */
  readonly closingWait: { readonly actor: string; readonly lock: string; readonly start: number } | null;
  readonly description: string;
}

export interface PhaseMark {
  readonly t: number;
  readonly name: string;
  readonly actor: string;
}

/** A step function of time: the value from each point's t until the next point. */
export interface CounterTrack {
  readonly name: string;
  readonly kind: 'queue' | 'section';
  readonly points: readonly { readonly t: number; readonly value: number }[];
  readonly max: number;
}

export interface TrialStates {
  readonly start: number;
  readonly end: number;
  readonly actors: readonly ActorTimeline[];
  readonly holds: readonly LockHold[];
  readonly handOffs: readonly HandOff[];
  /** True when the trial took locks more than MAX_HAND_OFF_ACQUIRES times and hand-offs were not listed. */
  readonly handOffsOmitted: boolean;
  readonly deadlock: DeadlockView | null;
  readonly marks: readonly PhaseMark[];
  readonly counters: readonly CounterTrack[];
}

export interface TrialStateInput {
  /** The trial's events (any order). */
  readonly events: readonly TraceEvent[];
  /** Or, besides them, events already grouped per actor (each list in program order at best): taken as they are, not copied. */
  readonly byActor?: ReadonlyMap<string, TraceEvent[]>;
  /** The trial's actor records when known (pid and thread, end); the actor B events are used otherwise. */
  readonly actors?: readonly ActorRecord[];
  readonly deadlock?: DeadlockReport | null;
  /** The trial's end in ns; default: the latest event or actor end. */
  readonly endNs?: number;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The primitive, queue or actor an event concerns. */
export function targetOf(data: TraceEvent['data']): string | null {
  if (!data) return null;
  return str(data['prim']) ?? str(data['queue']) ?? str(data['var']) ?? str(data['actor']) ?? str(data['pool']) ?? null;
}

/** "read 20", "write 19", "add +1 → 21": the value a data step saw or set, null for other events. */
export function valueLabel(event: TraceEvent): string | null {
  const data = event.data;
  if (!data || !('value' in data)) return null;
  if (event.op !== 'read' && event.op !== 'write' && event.op !== 'add') return null;
  const value = short(data['value']);
  if (event.op === 'add') return `add ${short(data['delta'])} → ${value}`;
  return `${event.op} ${value}`;
}

function short(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

interface Gap {
  readonly actor: number;
  readonly start: number;
  readonly end: number;
  /** Where the gap's intervals go (replaced in place by ready + running parts). */
  readonly index: number;
  /** A sleep overrun or a satisfied wait: its running part is the actor's own code, not the step. */
  readonly stepOver: boolean;
}

interface Draft {
  state: ActorState;
  start: number;
  end: number;
  op: string | null;
  target: string | null;
  seq: number | null;
  endedBy: 'deadlock' | 'trial-end' | undefined;
  /**
   * On a shared loop, split into ready and running later: a running gap between events, a sleep past its
   * time, or the rest of a wait after another actor satisfied it (`woken`).
   */
  gap: 'gap' | 'overrun' | 'woken' | undefined;
  wake?: WakeCause;
}

const bySeq = (a: TraceEvent, b: TraceEvent): number => a.seq - b.seq || a.t - b.t;

/** The actor's events in program order: as they come when already so (the usual case), else a sorted copy. */
function inSeqOrder(events: TraceEvent[]): TraceEvent[] {
  for (let index = 1; index < events.length; index++) if (bySeq(events[index - 1]!, events[index]!) > 0) return events.slice().sort(bySeq);
  return events;
}

/** Past this many lock acquisitions in a trial, hand-offs are not listed (a view draws a few hundred at most). */
export const MAX_HAND_OFF_ACQUIRES = 100_000;

/** Derives every actor's states, the lock holds, hand-offs, the deadlock cycle, phase marks and counters of one trial. */
export function deriveTrialStates(input: TrialStateInput): TrialStates {
  const byActor = new Map<string, TraceEvent[]>(input.byActor ?? []);
  let tMin = Number.POSITIVE_INFINITY;
  let tMax = 0;
  for (const list of input.byActor?.values() ?? []) {
    for (const event of list) {
      if (event.t < tMin) tMin = event.t;
      if (event.t > tMax) tMax = event.t;
    }
  }
  for (const event of input.events) {
    let list = byActor.get(event.actor);
    if (!list) byActor.set(event.actor, (list = []));
    else if (input.byActor?.get(event.actor) === list) byActor.set(event.actor, (list = list.slice())); // never the caller's list
    list.push(event);
    if (event.t < tMin) tMin = event.t;
    if (event.t > tMax) tMax = event.t;
  }
  const records = new Map((input.actors ?? []).map((record) => [record.name, record]));
  for (const record of input.actors ?? []) if (record.endedNs !== null && record.endedNs > tMax) tMax = record.endedNs;
  const trialEnd = Math.max(input.endNs ?? tMax, tMax);
  const deadlock = input.deadlock ?? null;
  const detectedAt = deadlock ? Math.max(0, deadlock.detectedAtMs * 1e6) : null;

  // Threads shared by more than one actor: the loops.
  const threadOf = new Map<string, string>();
  for (const [actor, events] of byActor) {
    const record = records.get(actor);
    const begin = events.find((event) => event.op === 'actor' && event.ph === 'B');
    const pid = record?.pid ?? begin?.data?.['pid'];
    const thread = record?.threadId ?? begin?.data?.['threadId'];
    if (typeof pid === 'number' && typeof thread === 'number') threadOf.set(actor, `${pid}:${thread}`);
  }
  const sharers = new Map<string, number>();
  for (const key of threadOf.values()) sharers.set(key, (sharers.get(key) ?? 0) + 1);
  /** Whether any actors share a loop: only then are other actors' events read for what ended a wait. */
  let anyLoop = false;
  for (const count of sharers.values()) if (count > 1) anyLoop = true;

  const names = [...new Set([...byActor.keys(), ...records.keys()])];
  const drafts: Draft[][] = [];
  const metas: { actor: string; kind: string | null; loop: string | null; start: number; end: number; endedBy: ActorTimeline['endedBy']; exitOk: boolean | null }[] = [];
  /** Per actor (as metas), the innermost span still open at its end. */
  const openAtEnd: ({ state: ActorState; start: number } | null)[] = [];
  const holds: LockHold[] = [];
  const handOffs: HandOff[] = [];
  const marks: PhaseMark[] = [];
  /** Per lock: the last release not yet followed by another actor's acquire. */
  const lastRelease = new Map<string, { actor: string; t: number }>();
  const acquireEnds: { lock: string; actor: string; begin: number; t: number }[] = [];
  const releases: { lock: string; actor: string; t: number }[] = [];
  const counterDeltas: { name: string; kind: CounterTrack['kind']; t: number; delta: number }[] = [];
  const openWaits: { actor: string; lock: string; start: number }[] = [];
  /** Locks released by actors that did not take them: semaphores used as counters, whose takers hold nothing. */
  const counting = new Set<string>();
  /** What other actors did to each primitive, queue and actor: the events that may end a loop actor's wait. */
  const signals = new Signals();
  const candidates: WaitCandidate[] = [];

  for (const actor of names) {
    const events = inSeqOrder(byActor.get(actor) ?? []);
    const record = records.get(actor);
    const loopKey = threadOf.get(actor);
    const loop = loopKey !== undefined && (sharers.get(loopKey) ?? 0) > 1 ? loopKey : null;
    const first = events[0];
    const start = first ? first.t : (record?.startedNs ?? trialEnd);
    const endEvent = events.find((event) => event.op === 'actor' && event.ph === 'E');
    const lastT = events.length > 0 ? events[events.length - 1]!.t : start;
    let end: number;
    let endedBy: ActorTimeline['endedBy'];
    if (endEvent) {
      end = endEvent.t;
      endedBy = 'exit';
    } else if (detectedAt !== null && detectedAt >= lastT) {
      end = detectedAt;
      endedBy = 'deadlock';
    } else {
      end = Math.max(lastT, record?.endedNs ?? trialEnd);
      endedBy = 'trial-end';
    }
    const kindValue = first?.op === 'actor' ? first.data?.['kind'] : undefined;
    metas.push({ actor, kind: record?.kind ?? (typeof kindValue === 'string' ? kindValue : null), loop, start, end, endedBy, exitOk: endEvent ? endEvent.data?.['ok'] !== false : record ? record.exit === 'completed' : null });

    const out: Draft[] = [];
    drafts.push(out);
    // Open state spans, innermost last; the current state is the innermost's (running when none).
    const stack: { state: ActorState; op: string; target: string | null; seq: number; start: number; sleepUntil: number | null; onQueue: boolean }[] = [];
    let cursor = start;
    const emit = (until: number): void => {
      const to = Math.min(until, end);
      if (to <= cursor) return;
      const top = stack[stack.length - 1];
      if (!top) out.push({ state: 'running', start: cursor, end: to, op: null, target: null, seq: null, endedBy: undefined, gap: loop ? 'gap' : undefined });
      else if (top.sleepUntil !== null && loop && top.sleepUntil < to) {
        if (top.sleepUntil > cursor) out.push({ state: 'sleeping', start: cursor, end: top.sleepUntil, op: top.op, target: top.target, seq: top.seq, endedBy: undefined, gap: undefined });
        out.push({ state: 'ready', start: Math.max(cursor, top.sleepUntil), end: to, op: top.op, target: top.target, seq: top.seq, endedBy: undefined, gap: 'overrun' });
      } else out.push({ state: top.state, start: cursor, end: to, op: top.op, target: top.target, seq: top.seq, endedBy: undefined, gap: undefined });
      cursor = to;
    };
    /** A wait of this loop actor that just ended (or is still open): its last interval may end ready. */
    const noteCandidate = (seq: number, onQueue: boolean): void => {
      const last = out[out.length - 1];
      if (!last || last.seq !== seq || (last.state !== 'blocked' && last.state !== 'waiting') || last.op === null || last.target === null) return;
      candidates.push({ actor, drafts: out, index: out.length - 1, op: last.op, target: last.target, onQueue });
    };
    const holding = new Map<string, number[]>();
    for (const event of events) {
      if (event.t > cursor) emit(event.t);
      if (anyLoop) signals.note(actor, event);
      if (event.op === 'actor') continue;
      const lock = str(event.data?.['prim']);
      if (event.op === 'mark' && event.ph === 'I') marks.push({ t: event.t, name: str(event.data?.['name']) ?? '', actor });
      if (event.op === 'section') counterDeltas.push({ name: str(event.data?.['name']) ?? '', kind: 'section', t: event.t, delta: event.ph === 'B' ? 1 : event.ph === 'E' ? -1 : 0 });
      if ((event.op === 'put' || event.op === 'get') && event.ph === 'E' && event.data?.['ok'] !== false) {
        const queue = str(event.data?.['queue']);
        if (queue !== null) counterDeltas.push({ name: queue, kind: 'queue', t: event.t, delta: event.op === 'put' ? 1 : -1 });
      }
      if (event.op === 'acquire' && event.ph === 'E' && lock !== null && event.data?.['ok'] !== false && event.data?.['timedOut'] !== true) {
        let list = holding.get(lock);
        if (!list) holding.set(lock, (list = []));
        list.push(event.t);
        const begin = stack.length > 0 && stack[stack.length - 1]!.op === 'acquire' ? stack[stack.length - 1]!.start : event.t;
        acquireEnds.push({ lock, actor, begin, t: event.t });
      } else if (event.op === 'release' && lock !== null && event.ph !== 'B') {
        const since = holding.get(lock)?.pop();
        if (since !== undefined) holds.push({ lock, actor, start: since, end: event.t, open: false });
        else counting.add(lock);
        releases.push({ lock, actor, t: event.t });
      }
      const state = STATE_OF_OP[event.op];
      const holdsThread = HOLDS_THREAD.has(event.op);
      if (!state && !holdsThread) continue;
      if (event.ph === 'B') {
        const ms = event.data?.['ms'];
        stack.push({
          state: state ?? 'running',
          op: event.op,
          target: targetOf(event.data),
          seq: event.seq,
          start: event.t,
          sleepUntil: event.op === 'sleep' && typeof ms === 'number' ? event.t + ms * 1e6 : null,
          onQueue: event.data?.['queue'] !== undefined,
        });
      } else if (event.ph === 'E') {
        for (let index = stack.length - 1; index >= 0; index--) {
          if (stack[index]!.op === event.op) {
            if (loop && index === stack.length - 1 && WAKE_OPS.has(event.op) && succeeded(event)) noteCandidate(stack[index]!.seq, event.data?.['queue'] !== undefined);
            stack.length = index;
            break;
          }
        }
      }
    }
    // Whatever is still open lasts until the actor's end (the deadlock's detection or the trial's end).
    const reason = endedBy === 'exit' ? undefined : endedBy;
    const before = out.length;
    emit(end);
    if (reason) for (let index = before; index < out.length; index++) out[index]!.endedBy = reason;
    // A wait still open when the trial ended (not in a deadlock) may have been satisfied all the same.
    const top = stack[stack.length - 1];
    if (loop && top && endedBy === 'trial-end' && WAKE_OPS.has(top.op)) noteCandidate(top.seq, top.onQueue);
    openAtEnd.push(top ? { state: top.state, start: top.start } : null);
    for (const open of stack) if (open.state === 'blocked' && open.target !== null) openWaits.push({ actor, lock: open.target, start: open.start });
    for (const [lock, list] of holding) for (const since of list) holds.push({ lock, actor, start: since, end, open: true });
  }

  splitSatisfiedWaits(candidates, signals, names, records);
  resolveLoops(drafts, metas);

  // Hand-offs: each acquire that ended after another actor's release of the same lock, while it was waiting.
  const handOffsOmitted = acquireEnds.length > MAX_HAND_OFF_ACQUIRES;
  const timeline = handOffsOmitted ? [] : [
    ...releases.map((release) => ({ kind: 0 as const, t: release.t, lock: release.lock, actor: release.actor, begin: release.t })),
    ...acquireEnds.map((acquire) => ({ kind: 1 as const, t: acquire.t, lock: acquire.lock, actor: acquire.actor, begin: acquire.begin })),
  ].sort((a, b) => a.t - b.t || a.kind - b.kind);
  for (const item of timeline) {
    if (item.kind === 0) lastRelease.set(item.lock, { actor: item.actor, t: item.t });
    else {
      const release = lastRelease.get(item.lock);
      if (release && release.actor !== item.actor && item.begin <= release.t) handOffs.push({ lock: item.lock, from: release.actor, to: item.actor, releasedAt: release.t, acquiredAt: item.t });
      lastRelease.delete(item.lock);
    }
  }

  // A semaphore taken by one actor and released by others (a count of arrivals) is not held by the taker.
  if (counting.size > 0) for (let index = holds.length - 1; index >= 0; index--) if (holds[index]!.open && counting.has(holds[index]!.lock)) holds.splice(index, 1);
  // Drafts are StateIntervals already (with a settled, undefined `gap`): no copy of a million objects.
  const actors: ActorTimeline[] = metas.map((meta, index) => {
    const intervals = drafts[index]! as StateInterval[];
    if (meta.endedBy === 'exit') return { ...meta, intervals };
    const last = intervals[intervals.length - 1];
    const open = openAtEnd[index];
    // An open span with no interval of its own began at the end; otherwise the last interval says it (ready included).
    const endState = open && (!last || last.start < open.start) ? open.state : (last?.state ?? 'running');
    return { ...meta, intervals, endState };
  });
  actors.sort((a, b) => a.start - b.start || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0));
  holds.sort((a, b) => a.start - b.start);
  marks.sort((a, b) => a.t - b.t);

  let deadlockView: DeadlockView | null = null;
  if (deadlock && detectedAt !== null) {
    const cycleActors = deadlock.cycle.map((edge) => edge.actor);
    const locks = [...new Set(deadlock.cycle.map((edge) => edge.waitsFor))];
    let closing: DeadlockView['closingWait'] = null;
    for (const wait of openWaits) {
      if (!cycleActors.includes(wait.actor)) continue;
      if (closing === null || wait.start > closing.start) closing = wait;
    }
    deadlockView = { detectedAt, actors: cycleActors, locks, closingWait: closing, description: deadlock.description };
  }

  const start = Number.isFinite(tMin) ? tMin : 0;
  return { start, end: trialEnd, actors, holds, handOffs, handOffsOmitted, deadlock: deadlockView, marks, counters: counterTracks(counterDeltas) };
}

/** Waits another actor can satisfy (sockets, futures and pools are left as they are). */
const WAKE_OPS = new Set(['acquire', 'wait', 'get', 'put', 'join']);

/** Whether a wait's end says it got what it waited for (not a timeout, a refusal or a broken barrier). */
function succeeded(event: TraceEvent): boolean {
  const data = event.data;
  return data?.['ok'] !== false && data?.['passed'] !== false && data?.['timedOut'] !== true;
}

interface WaitCandidate {
  readonly actor: string;
  readonly drafts: Draft[];
  readonly index: number;
  readonly op: string;
  readonly target: string;
  /** A join on a queue (every item done), not on an actor. */
  readonly onQueue: boolean;
}

interface Signal {
  readonly actor: string;
  readonly t: number;
}

type SignalKind = 'release' | 'take' | 'set' | 'clear' | 'notify' | 'arrive' | 'pass' | 'put' | 'got' | 'exit' | 'task_done';

/** Per kind and name, the events that give or take what a wait waits for, in time order once sorted. */
class Signals {
  private readonly lists = new Map<SignalKind, Map<string, Signal[]>>();
  private sorted = true;
  /** Primitives whose waits are barrier waits (their passes carry an arrival index). */
  readonly barriers = new Set<string>();

  note(actor: string, event: TraceEvent): void {
    const data = event.data;
    switch (event.op) {
      case 'release':
        if (event.ph !== 'B') this.add('release', str(data?.['prim']), actor, event.t);
        return;
      case 'acquire':
        if (event.ph === 'E' && succeeded(event)) this.add('take', str(data?.['prim']), actor, event.t);
        return;
      case 'set':
      case 'clear':
      case 'notify':
      case 'task_done':
        if (event.ph !== 'B' && event.ph !== 'E') this.add(event.op, str(data?.['prim']) ?? str(data?.['queue']), actor, event.t);
        return;
      case 'wait': {
        const prim = str(data?.['prim']);
        if (event.ph === 'B') this.add('arrive', prim, actor, event.t);
        else if (event.ph === 'E' && succeeded(event)) {
          this.add('pass', prim, actor, event.t);
          if (prim !== null && data?.['index'] !== undefined) this.barriers.add(prim);
        }
        return;
      }
      case 'put':
      case 'get':
        if (event.ph === 'E' && succeeded(event)) this.add(event.op === 'put' ? 'put' : 'got', str(data?.['queue']), actor, event.t);
        return;
      case 'actor':
        if (event.ph === 'E') this.add('exit', actor, actor, event.t);
        return;
      default:
        return;
    }
  }

  private add(kind: SignalKind, name: string | null, actor: string, t: number): void {
    if (name === null) return;
    let byName = this.lists.get(kind);
    if (!byName) this.lists.set(kind, (byName = new Map()));
    let list = byName.get(name);
    if (!list) byName.set(name, (list = []));
    // Each actor's events come in program order: a list is out of order only where actors interleave.
    if (list.length > 0 && list[list.length - 1]!.t > t) this.sorted = false;
    list.push({ actor, t });
  }

  list(kind: SignalKind, name: string): readonly Signal[] {
    if (!this.sorted) {
      for (const byName of this.lists.values()) for (const list of byName.values()) list.sort((a, b) => a.t - b.t);
      this.sorted = true;
    }
    return this.lists.get(kind)?.get(name) ?? NO_SIGNALS;
  }

  has(kind: SignalKind, name: string): boolean {
    return this.list(kind, name).length > 0;
  }
}
const NO_SIGNALS: readonly Signal[] = [];

/** Index of the first signal at or after t (after t when `strictly`). */
function firstFrom(list: readonly Signal[], t: number, strictly = false): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (list[mid]!.t < t || (strictly && list[mid]!.t === t)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The earliest signal of another actor than `self` in [from, to]. */
function earliest(list: readonly Signal[], self: string, from: number, to: number): Signal | null {
  for (let index = firstFrom(list, from); index < list.length && list[index]!.t <= to; index++) if (list[index]!.actor !== self) return list[index]!;
  return null;
}

/** The latest signal of another actor than `self` in [from, to]. */
function latest(list: readonly Signal[], self: string, from: number, to: number): Signal | null {
  for (let index = firstFrom(list, to, true) - 1; index >= 0 && list[index]!.t >= from; index--) if (list[index]!.actor !== self) return list[index]!;
  return null;
}

/**
 * Of a resource given and taken by other actors (a lock released and acquired, an item put and got): the
 * first give after the last take in [from, to], the moment it became free for the waiter and stayed so.
 */
function givenAfterLastTake(gives: readonly Signal[], takes: readonly (readonly Signal[])[], self: string, from: number, to: number): Signal | null {
  let after = from;
  for (const list of takes) {
    const take = latest(list, self, from, to);
    if (take && take.t > after) after = take.t;
  }
  return earliest(gives, self, after, to);
}

/**
 * The moment another actor satisfied a wait that lasted [from, to], and by which event; null when the
 * events do not say (a timeout, muted events, a wait on something no event names).
 */
function wakeOf(candidate: WaitCandidate, signals: Signals, members: (group: string) => readonly string[], from: number, to: number): WakeCause | null {
  const { actor: self, target } = candidate;
  const cause = (signal: Signal | null, op: string): WakeCause | null => (signal ? { op, actor: signal.actor, t: signal.t, target } : null);
  switch (candidate.op) {
    case 'acquire':
      return cause(givenAfterLastTake(signals.list('release', target), [signals.list('take', target), signals.list('pass', target)], self, from, to), 'release');
    case 'get':
      return cause(givenAfterLastTake(signals.list('put', target), [signals.list('got', target)], self, from, to), 'put');
    case 'put':
      return cause(givenAfterLastTake(signals.list('got', target), [signals.list('put', target)], self, from, to), 'get');
    case 'wait': {
      if (signals.barriers.has(target)) {
        // Filled by the last arrival before the first of the others passed.
        const firstPass = earliest(signals.list('pass', target), self, from, to);
        return cause(latest(signals.list('arrive', target), self, from, firstPass ? firstPass.t : to), 'wait');
      }
      if (signals.has('set', target) || signals.has('clear', target)) return cause(givenAfterLastTake(signals.list('set', target), [signals.list('clear', target)], self, from, to), 'set');
      const notify = latest(signals.list('notify', target), self, from, to);
      if (!notify) return null;
      // Notified, the waiter still needs the condition's lock back: free from the notifier's release on.
      const release = givenAfterLastTake(signals.list('release', target), [signals.list('take', target), signals.list('pass', target)], self, notify.t, to);
      return cause(release ?? notify, release ? 'release' : 'notify');
    }
    case 'join': {
      if (candidate.onQueue) return cause(latest(signals.list('task_done', target), self, from, to), 'task_done');
      // A group is joined once its last instance ended.
      let last: Signal | null = null;
      for (const member of members(target)) {
        const exit = latest(signals.list('exit', member), self, from, to);
        if (exit && (last === null || exit.t > last.t)) last = exit;
      }
      return cause(last, 'actor');
    }
    default:
      return null;
  }
}

/** Splits each satisfied wait of a loop actor: blocked or waiting until it was satisfied, then ready-or-running (`woken`). */
function splitSatisfiedWaits(candidates: readonly WaitCandidate[], signals: Signals, names: readonly string[], records: ReadonlyMap<string, ActorRecord>): void {
  if (candidates.length === 0) return;
  let groups: Map<string, string[]> | null = null;
  const members = (group: string): readonly string[] => {
    if (groups === null) {
      groups = new Map();
      for (const name of names) {
        const record = records.get(name);
        const own = record ? record.group : /^(.*)-\d+$/.exec(name)?.[1];
        for (const key of own !== undefined && own !== name ? [name, own] : [name]) {
          let list = groups.get(key);
          if (!list) groups.set(key, (list = []));
          list.push(name);
        }
      }
    }
    return groups.get(group) ?? [];
  };
  const byDrafts = new Map<Draft[], Map<number, Draft[]>>();
  for (const candidate of candidates) {
    const draft = candidate.drafts[candidate.index]!;
    const wake = wakeOf(candidate, signals, members, draft.start, draft.end);
    if (!wake || wake.t <= draft.start || wake.t >= draft.end) continue;
    let parts = byDrafts.get(candidate.drafts);
    if (!parts) byDrafts.set(candidate.drafts, (parts = new Map()));
    parts.set(candidate.index, [
      { ...draft, end: wake.t },
      { ...draft, state: 'ready', start: wake.t, gap: 'woken', wake },
    ]);
  }
  for (const [drafts, parts] of byDrafts) {
    const next: Draft[] = [];
    drafts.forEach((draft, index) => {
      const replacement = parts.get(index);
      if (replacement) next.push(...replacement);
      else next.push(draft);
    });
    drafts.length = 0;
    for (const draft of next) drafts.push(draft);
  }
}

/**
 * One loop runs one actor at a time. The loop's owners are the compute and block spans of its actors; a
 * gap between an actor's events (or a sleep past its time) is ready while another owner holds the loop,
 * and running for its last part, from when the loop was free until the actor's next event. Gaps are
 * settled in order of their end, each running part becoming an owner, so no two actors of a loop are ever
 * running at once.
 */
function resolveLoops(drafts: Draft[][], metas: readonly { loop: string | null }[]): void {
  const byLoop = new Map<string, number[]>();
  metas.forEach((meta, index) => {
    if (meta.loop === null) return;
    let list = byLoop.get(meta.loop);
    if (!list) byLoop.set(meta.loop, (list = []));
    list.push(index);
  });
  for (const members of byLoop.values()) {
    const owners: { start: number; end: number }[] = [];
    const gaps: Gap[] = [];
    for (const actor of members) {
      drafts[actor]!.forEach((draft, index) => {
        if (draft.gap) gaps.push({ actor, start: draft.start, end: draft.end, index, stepOver: draft.gap !== 'gap' });
        else if (draft.op !== null && HOLDS_THREAD.has(draft.op)) owners.push({ start: draft.start, end: draft.end });
      });
    }
    owners.sort((a, b) => a.start - b.start);
    gaps.sort((a, b) => a.end - b.end || a.start - b.start);
    const replaced = new Map<number, Map<number, Draft[]>>();
    let pointer = 0;
    let maxEnd = Number.NEGATIVE_INFINITY;
    for (const gap of gaps) {
      while (pointer < owners.length && owners[pointer]!.start < gap.end) maxEnd = Math.max(maxEnd, owners[pointer++]!.end);
      const runFrom = Math.min(gap.end, Math.max(gap.start, maxEnd));
      const draft = drafts[gap.actor]![gap.index]!;
      const parts: Draft[] = [];
      if (runFrom > gap.start) parts.push({ ...draft, state: 'ready', start: gap.start, end: runFrom, gap: undefined });
      if (gap.end > runFrom) {
        parts.push(gap.stepOver ? { ...draft, state: 'running', start: runFrom, end: gap.end, op: null, target: null, seq: null, gap: undefined, wake: undefined } : { ...draft, state: 'running', start: runFrom, end: gap.end, gap: undefined });
        maxEnd = Math.max(maxEnd, gap.end);
      }
      let perActor = replaced.get(gap.actor);
      if (!perActor) replaced.set(gap.actor, (perActor = new Map()));
      perActor.set(gap.index, parts);
    }
    for (const [actor, parts] of replaced) {
      const next: Draft[] = [];
      drafts[actor]!.forEach((draft, index) => {
        const replacement = parts.get(index);
        if (replacement) next.push(...replacement);
        else next.push(draft);
      });
      drafts[actor] = merge(next);
    }
  }
}

/** Joins neighbouring intervals of the same state and step. */
function merge(drafts: Draft[]): Draft[] {
  const out: Draft[] = [];
  for (const draft of drafts) {
    const last = out[out.length - 1];
    if (last && last.state === draft.state && last.op === draft.op && last.seq === draft.seq && last.end === draft.start && last.endedBy === draft.endedBy && last.wake === draft.wake) last.end = draft.end;
    else out.push({ ...draft });
  }
  return out;
}

function counterTracks(deltas: { name: string; kind: CounterTrack['kind']; t: number; delta: number }[]): CounterTrack[] {
  const byName = new Map<string, { kind: CounterTrack['kind']; items: { t: number; delta: number }[] }>();
  for (const delta of deltas) {
    if (delta.delta === 0) continue;
    const key = `${delta.kind}\u0000${delta.name}`;
    let entry = byName.get(key);
    if (!entry) byName.set(key, (entry = { kind: delta.kind, items: [] }));
    entry.items.push({ t: delta.t, delta: delta.delta });
  }
  const tracks: CounterTrack[] = [];
  for (const [key, entry] of byName) {
    entry.items.sort((a, b) => a.t - b.t);
    let value = 0;
    let max = 0;
    const points: { t: number; value: number }[] = [];
    for (const item of entry.items) {
      value = Math.max(0, value + item.delta);
      max = Math.max(max, value);
      const last = points[points.length - 1];
      if (last && last.t === item.t) last.value = value;
      else points.push({ t: item.t, value });
    }
    tracks.push({ name: key.slice(key.indexOf('\u0000') + 1), kind: entry.kind, points, max });
  }
  return tracks;
}

/** The state of a derived actor at time t ('idle' before it started). */
export function stateAt(actor: ActorTimeline, t: number): { state: ActorState | 'idle'; interval: StateInterval | null } {
  if (t < actor.start) return { state: 'idle', interval: null };
  if (t >= actor.end) return { state: 'done', interval: null };
  const intervals = actor.intervals;
  let low = 0;
  let high = intervals.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const interval = intervals[mid]!;
    if (interval.end <= t) low = mid + 1;
    else if (interval.start > t) high = mid - 1;
    else return { state: interval.state, interval };
  }
  return { state: 'running', interval: null };
}

/**
 * How many actors of a trial are in each state at t (the live counters). An actor not started by then is
 * not counted. An actor whose derived end is not its exit (its events stop there: a live trial, a
 * cancelled one) counts in its last state at and past its end, unless the trial is `finished`: then it
 * is done.
 */
export function countStatesAt(states: TrialStates, t: number, finished: boolean): Record<ActorState, number> {
  const counts: Record<ActorState, number> = { running: 0, ready: 0, blocking: 0, blocked: 0, waiting: 0, sleeping: 0, done: 0 };
  for (const actor of states.actors) {
    if (t < actor.start) continue;
    if (t >= actor.end) {
      counts[actor.endedBy === 'exit' || finished ? 'done' : (actor.endState ?? 'running')]++;
      continue;
    }
    const { state } = stateAt(actor, t);
    if (state !== 'idle') counts[state]++;
  }
  return counts;
}
