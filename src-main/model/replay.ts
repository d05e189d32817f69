/**
 * Replay of a recorded trial: the state of every actor, lock, queue and shared variable after any event.
 *
 * Pure (no Node, no DOM): the renderer's replay view feeds it the trial's events in order and asks for
 * the state at a position. The fold is indexed: a snapshot is kept every `checkpointEvery` events, so the
 * state at any position costs at most that many event applications from the nearest checkpoint before
 * it (or from the position asked last, when moving forward a little), never a fold from the start.
 *
 * What the events say and nothing more: a lock's holders are the actors whose `acquire` ended with
 * ok true and who have not released it since; its waiters, the actors inside an `acquire` or `wait`
 * that has not ended. A queue's length counts `put`s that ended ok minus `get`s that ended ok; its items
 * are the values the puts traced (a get that traced its value takes that item, else the oldest). A
 * shared variable shows the value its last `read`, `write` or `add` event carried (a read shows what that
 * actor saw: in a race, a value another actor has already overwritten), starting from the spec's initial
 * values; after the last event, the trial's final values as the runner saw them.
 */
import type { TraceEvent } from './trace-event';

export interface ReplayActorInit {
  /** Instance name, as events name it. */
  readonly name: string;
  /** The spec's actor (group) it is an instance of. */
  readonly group: string;
  readonly kind: string;
}

export interface ReplayInit {
  readonly actors: readonly ReplayActorInit[];
  /** Shared variables' initial values by name (the spec's `initial`). */
  readonly initialShared?: Readonly<Record<string, unknown>>;
  /** The trial's final values (shown after the last event). */
  readonly finalShared?: Readonly<Record<string, unknown>>;
  /** Queue names of the spec (shown empty until something is put). */
  readonly queues?: readonly string[];
  /** Primitive names of the spec with their type (mutex, semaphore, event, …). */
  readonly primitives?: Readonly<Record<string, string>>;
  /** A snapshot every this many events (default 512). */
  readonly checkpointEvery?: number;
  /** Items kept per queue (default 200); past it the length stays exact and `itemsComplete` turns false. */
  readonly maxQueueItems?: number;
}

export type ActorPhase = 'not started' | 'running' | 'ended';

export interface ReplayActor {
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  readonly phase: ActorPhase;
  /** Id of the step its last event came from (null before its first step, or for an event of no step). */
  readonly step: number | null;
  /** Its last event: op and phase ('B' while inside a span that has not ended). */
  readonly op: string | null;
  readonly ph: string | null;
  /** The primitive or queue it waits on (inside an acquire, wait, get, put or join that has not ended). */
  readonly waitingOn: string | null;
}

export interface ReplayPrimitive {
  readonly name: string;
  readonly type: string | null;
  readonly holders: readonly string[];
  readonly waiters: readonly string[];
  /** An event's state (set / clear), when events say it. */
  readonly isSet: boolean | null;
}

export interface ReplayQueue {
  readonly name: string;
  readonly length: number;
  readonly items: readonly unknown[];
  /** False once more items were put than kept, or a get took an item whose value was not traced. */
  readonly itemsComplete: boolean;
}

export interface ReplayShared {
  readonly name: string;
  readonly value: unknown;
  /** The actor and op of the event that showed it (null: the initial or final value). */
  readonly by: string | null;
  readonly op: string | null;
}

export interface ReplayState {
  /** Events applied: 0 is before the first event; `length` is after the last. */
  readonly position: number;
  /** The last applied event (null at position 0). */
  readonly event: TraceEvent | null;
  readonly actors: readonly ReplayActor[];
  readonly primitives: readonly ReplayPrimitive[];
  readonly queues: readonly ReplayQueue[];
  readonly shared: readonly ReplayShared[];
}

// ---- The mutable fold state (cloned at checkpoints)

interface ActorCell {
  phase: ActorPhase;
  step: number | null;
  op: string | null;
  ph: string | null;
  waitingOn: string | null;
}

interface PrimCell {
  /** Holder → how many times it holds (a semaphore or an rlock may be taken twice by one actor). */
  holders: Map<string, number>;
  waiters: string[];
  isSet: boolean | null;
}

interface QueueCell {
  length: number;
  items: unknown[];
  complete: boolean;
}

interface SharedCell {
  value: unknown;
  by: string | null;
  op: string | null;
}

interface Fold {
  actors: Map<string, ActorCell>;
  prims: Map<string, PrimCell>;
  queues: Map<string, QueueCell>;
  shared: Map<string, SharedCell>;
  /** A put's traced value, kept from its B to its E, by actor. */
  pendingPut: Map<string, unknown>;
}

function cloneFold(fold: Fold): Fold {
  const actors = new Map<string, ActorCell>();
  for (const [k, v] of fold.actors) actors.set(k, { ...v });
  const prims = new Map<string, PrimCell>();
  for (const [k, v] of fold.prims) prims.set(k, { holders: new Map(v.holders), waiters: [...v.waiters], isSet: v.isSet });
  const queues = new Map<string, QueueCell>();
  for (const [k, v] of fold.queues) queues.set(k, { length: v.length, items: [...v.items], complete: v.complete });
  const shared = new Map<string, SharedCell>();
  for (const [k, v] of fold.shared) shared.set(k, { ...v });
  return { actors, prims, queues, shared, pendingPut: new Map(fold.pendingPut) };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function remove(list: string[], name: string): void {
  const at = list.indexOf(name);
  if (at >= 0) list.splice(at, 1);
}

/** Adds a waiter once: an actor waits on one thing at a time (a trace missing an end cannot grow the list). */
function addOnce(list: string[], name: string): void {
  if (!list.includes(name)) list.push(name);
}

function hold(cell: PrimCell, name: string): void {
  cell.holders.set(name, (cell.holders.get(name) ?? 0) + 1);
}

function letGo(cell: PrimCell, name: string, all = false): void {
  const count = cell.holders.get(name) ?? 0;
  if (count <= 1 || all) cell.holders.delete(name);
  else cell.holders.set(name, count - 1);
}

function varKey(data: Readonly<Record<string, unknown>>): string | null {
  if (typeof data.var !== 'string') return null;
  return data.index === undefined ? data.var : `${data.var}[${JSON.stringify(data.index)}]`;
}

export class Replay {
  private readonly events: TraceEvent[] = [];
  /** checkpoints[k] is the fold after k × every events. */
  private readonly checkpoints: Fold[] = [];
  private readonly every: number;
  private readonly maxItems: number;
  private readonly actorInfo: Map<string, ReplayActorInit>;
  /** The fold the last question left, and its position (moving forward a little continues from it). */
  private cursor: { fold: Fold; position: number };
  /** The fold at the end of the events appended so far (appending continues it). */
  private tail: { fold: Fold; position: number };
  /** Events applied to answer questions (`at`), for the tests of the fold's cost. */
  applied = 0;
  /** Per actor, the positions (1-based: after that event) of its events, for "next event of this actor". */
  private readonly byActor = new Map<string, number[]>();

  constructor(private readonly init: ReplayInit) {
    this.every = Math.max(16, Math.floor(init.checkpointEvery ?? 512));
    this.maxItems = Math.max(0, Math.floor(init.maxQueueItems ?? 200));
    this.actorInfo = new Map(init.actors.map((actor) => [actor.name, actor]));
    const start = this.initialFold();
    this.checkpoints.push(start);
    this.tail = { fold: cloneFold(start), position: 0 };
    this.cursor = { fold: cloneFold(start), position: 0 };
  }

  get length(): number {
    return this.events.length;
  }

  event(index: number): TraceEvent | undefined {
    return this.events[index];
  }

  /** Adds the next events, in order (time, then actor, then sequence: as decodeBatches sorts them). */
  append(events: readonly TraceEvent[]): void {
    const fold = this.tail.fold;
    for (const event of events) {
      this.events.push(event);
      const position = this.events.length;
      let positions = this.byActor.get(event.actor);
      if (!positions) this.byActor.set(event.actor, (positions = []));
      positions.push(position);
      this.apply(fold, event);
      if (position % this.every === 0) this.checkpoints.push(cloneFold(fold));
    }
    this.tail.position = this.events.length;
  }

  /** The state after `position` events (clamped to 0…length). */
  at(position: number): ReplayState {
    const target = Math.max(0, Math.min(this.events.length, Math.floor(position)));
    const cursor = this.cursor;
    if (!(target >= cursor.position && target - cursor.position <= this.every)) {
      const k = Math.floor(target / this.every);
      this.cursor = { fold: cloneFold(this.checkpoints[Math.min(k, this.checkpoints.length - 1)]!), position: Math.min(k, this.checkpoints.length - 1) * this.every };
    }
    const now = this.cursor;
    while (now.position < target) {
      this.apply(now.fold, this.events[now.position++]!);
      this.applied++;
    }
    return this.view(now.fold, target);
  }

  /** The state after every event appended so far: read off the fold that appending keeps, with no event applied again. */
  latest(): ReplayState {
    return this.view(this.tail.fold, this.events.length);
  }

  /** The position whose last event is the latest at or before `ns` (0 when none). */
  positionAt(ns: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.t <= ns) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The next (dir 1) or previous (dir -1) position after an event of `actor`, from `position`; null when none. */
  actorStep(position: number, actor: string, dir: 1 | -1): number | null {
    const positions = this.byActor.get(actor);
    if (!positions || positions.length === 0) return null;
    // First index whose position is > position (for next) …
    let lo = 0;
    let hi = positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positions[mid]! <= position) lo = mid + 1;
      else hi = mid;
    }
    if (dir === 1) return lo < positions.length ? positions[lo]! : null;
    // … and for previous, the last index whose position is < position.
    let i = lo - 1;
    while (i >= 0 && positions[i]! >= position) i--;
    return i >= 0 ? positions[i]! : null;
  }

  private initialFold(): Fold {
    const actors = new Map<string, ActorCell>();
    for (const actor of this.init.actors) actors.set(actor.name, { phase: 'not started', step: null, op: null, ph: null, waitingOn: null });
    const prims = new Map<string, PrimCell>();
    for (const name of Object.keys(this.init.primitives ?? {})) prims.set(name, { holders: new Map(), waiters: [], isSet: this.init.primitives?.[name] === 'event' ? false : null });
    const queues = new Map<string, QueueCell>();
    for (const name of this.init.queues ?? []) queues.set(name, { length: 0, items: [], complete: true });
    const shared = new Map<string, SharedCell>();
    for (const [name, value] of Object.entries(this.init.initialShared ?? {})) shared.set(name, { value, by: null, op: null });
    return { actors, prims, queues, shared, pendingPut: new Map() };
  }

  private prim(fold: Fold, name: string): PrimCell {
    let cell = fold.prims.get(name);
    if (!cell) fold.prims.set(name, (cell = { holders: new Map(), waiters: [], isSet: null }));
    return cell;
  }

  private queue(fold: Fold, name: string): QueueCell {
    let cell = fold.queues.get(name);
    if (!cell) fold.queues.set(name, (cell = { length: 0, items: [], complete: true }));
    return cell;
  }

  private apply(fold: Fold, event: TraceEvent): void {
    const name = event.actor;
    let actor = fold.actors.get(name);
    if (!actor) fold.actors.set(name, (actor = { phase: 'running', step: null, op: null, ph: null, waitingOn: null }));
    const data = event.data ?? {};
    if (event.op === 'actor') {
      actor.phase = event.ph === 'E' ? 'ended' : 'running';
      if (event.ph === 'E') {
        actor.waitingOn = null;
        // An actor that ended holds nothing and waits for nothing any more (as far as its events go).
        for (const cell of fold.prims.values()) remove(cell.waiters, name);
      }
      return;
    }
    if (actor.phase === 'not started') actor.phase = 'running';
    if (event.s !== undefined) actor.step = event.s;
    actor.op = event.op;
    actor.ph = event.ph;
    const prim = typeof data.prim === 'string' ? data.prim : event.op.startsWith('var_') && typeof data.var === 'string' ? `${data.var}.lock` : null;
    switch (event.op) {
      case 'acquire':
      case 'var_lock':
      case 'wait':
        if (prim === null) break;
        if (event.ph === 'B') {
          const cell = this.prim(fold, prim);
          // Waiting on a condition lets its lock go until the wait ends.
          if (event.op === 'wait') letGo(cell, name);
          addOnce(cell.waiters, name);
          actor.waitingOn = prim;
        } else if (event.ph === 'E') {
          const cell = this.prim(fold, prim);
          remove(cell.waiters, name);
          actor.waitingOn = null;
          const ok = event.op === 'var_lock' || data.ok === true;
          if (event.op === 'wait' ? this.init.primitives?.[prim] === 'condition' : ok) hold(cell, name);
        }
        break;
      case 'release':
      case 'var_unlock':
        if (prim !== null) letGo(this.prim(fold, prim), name);
        break;
      case 'set':
        if (prim !== null) this.prim(fold, prim).isSet = true;
        break;
      case 'clear':
        if (prim !== null) this.prim(fold, prim).isSet = false;
        break;
      case 'put': {
        const queueName = typeof data.queue === 'string' ? data.queue : null;
        if (queueName === null) break;
        if (event.ph === 'B') {
          fold.pendingPut.set(name, data.value);
          actor.waitingOn = queueName;
        } else {
          actor.waitingOn = null;
          const value = fold.pendingPut.get(name);
          fold.pendingPut.delete(name);
          if (data.ok === false) break;
          const cell = this.queue(fold, queueName);
          cell.length++;
          if (cell.items.length < this.maxItems && cell.complete) cell.items.push(value);
          else cell.complete = false;
        }
        break;
      }
      case 'get': {
        const queueName = typeof data.queue === 'string' ? data.queue : null;
        if (queueName === null) break;
        if (event.ph === 'B') {
          actor.waitingOn = queueName;
          break;
        }
        actor.waitingOn = null;
        if (data.ok === false) break;
        const cell = this.queue(fold, queueName);
        cell.length = Math.max(0, cell.length - 1);
        if ('value' in data) {
          const at = cell.items.findIndex((item) => sameValue(item, data.value));
          if (at >= 0) cell.items.splice(at, 1);
          else if (cell.items.length > 0) {
            cell.items.shift();
            cell.complete = false;
          }
        } else if (cell.items.length > 0) cell.items.shift();
        if (cell.items.length === cell.length) cell.complete = true;
        break;
      }
      case 'join':
        if (event.ph === 'B') actor.waitingOn = typeof data.actor === 'string' ? data.actor : typeof data.queue === 'string' ? data.queue : null;
        else actor.waitingOn = null;
        break;
      case 'read':
      case 'write':
      case 'add': {
        const key = varKey(data);
        if (key !== null && 'value' in data) fold.shared.set(key, { value: data.value, by: name, op: event.op });
        break;
      }
      default:
        if (event.ph === 'E') actor.waitingOn = null;
    }
  }

  private view(fold: Fold, position: number): ReplayState {
    const atEnd = position === this.events.length && position > 0;
    const shared = new Map(fold.shared);
    if (atEnd) for (const [name, value] of Object.entries(this.init.finalShared ?? {})) shared.set(name, { value, by: null, op: null });
    return {
      position,
      event: position > 0 ? this.events[position - 1]! : null,
      actors: [...fold.actors].map(([name, cell]) => {
        const info = this.actorInfo.get(name);
        return { name, group: info?.group ?? name, kind: info?.kind ?? '', phase: cell.phase, step: cell.step, op: cell.op, ph: cell.ph, waitingOn: cell.waitingOn };
      }),
      primitives: [...fold.prims].map(([name, cell]) => ({
        name,
        type: this.init.primitives?.[name] ?? null,
        holders: [...cell.holders].map(([holder, count]) => (count > 1 ? `${holder} ×${count}` : holder)),
        waiters: [...cell.waiters],
        isSet: cell.isSet,
      })),
      queues: [...fold.queues].map(([name, cell]) => ({ name, length: cell.length, items: [...cell.items], itemsComplete: cell.complete && cell.items.length === cell.length })),
      shared: [...shared].map(([name, cell]) => ({ name, value: cell.value, by: cell.by, op: cell.op })),
    };
  }
}
