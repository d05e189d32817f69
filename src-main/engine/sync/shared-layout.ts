import type { Spec, PrimitiveType } from '../../model/spec-schema';
import { setOwnValue } from '../spec/own-names';

/**
 * Where everything shared lives in one SharedArrayBuffer of 32-bit words: shared variables,
 * primitive state, and the per-actor wait table the deadlock detector reads.
 *
 * The layout is a pure function of the spec and the actor count, so the runner and every thread
 * compute the same offsets without sending them.
 */

/** Words reserved per primitive. */
export const PRIM_WORDS = 4;
/**
 * Words per actor in the wait table: waiting-on (primitive id + 1; negated for a wait with a timeout, which ends by
 * itself; 0 for none), wait sequence, events emitted, stop, the trace hold (1 while the runner asks a thread to wait
 * after handing on a batch, because what it handed on before is not stored yet), and the thread's batches not yet
 * encoded.
 */
export const ACTOR_WORDS = 6;
export const ACTOR_WAITING_ON = 0;
export const ACTOR_WAIT_SEQ = 1;
export const ACTOR_EVENTS_EMITTED = 2;
export const ACTOR_STOP = 3;
export const ACTOR_TRACE_HOLD = 4;
/** A thread's batches sent in columns and not yet encoded (see trace/batch-encoder.ts): it waits while too many are. */
export const ACTOR_BATCHES_OUT = 5;

export interface VarSlot {
  readonly offset: number;
  readonly length: number;
  readonly array: boolean;
}

export interface PrimSlot {
  readonly id: number;
  readonly name: string;
  readonly type: PrimitiveType;
  readonly offset: number;
  /** For conditions: the slot of their lock (their own hidden mutex when none is named). */
  readonly lockId: number | null;
  readonly value: number; // semaphore initial value, barrier parties
}

export interface SharedLayout {
  readonly vars: Readonly<Record<string, VarSlot>>;
  readonly prims: readonly PrimSlot[];
  readonly primByName: Readonly<Record<string, PrimSlot>>;
  readonly actorTableOffset: number;
  readonly actorCount: number;
  readonly words: number;
}

export function buildLayout(spec: Spec, actorCount: number): SharedLayout {
  let offset = 0;
  const vars: Record<string, VarSlot> = {};
  for (const [name, def] of Object.entries(spec.shared ?? {})) {
    if (def.scope !== 'shared') continue;
    const length = Array.isArray(def.initial) ? def.initial.length : 1;
    setOwnValue(vars, name, { offset, length, array: Array.isArray(def.initial) });
    offset += length;
  }
  const prims: PrimSlot[] = [];
  const declared = Object.entries(spec.primitives ?? {});
  const ids = new Map(declared.map(([name], i) => [name, i]));
  let nextHidden = declared.length;
  const hidden: PrimSlot[] = [];
  for (const [name, def] of declared) {
    const id = ids.get(name)!;
    let lockId: number | null = null;
    if (def.type === 'condition') {
      if (def.lock !== undefined) lockId = ids.get(def.lock) ?? null;
      else {
        lockId = nextHidden++;
        hidden.push({ id: lockId, name: `${name}.lock`, type: 'rlock', offset: 0, lockId: null, value: 0 });
      }
    }
    const value = def.type === 'semaphore' || def.type === 'bounded-semaphore' ? def.value : def.type === 'barrier' ? def.parties : 0;
    prims.push({ id, name, type: def.type, offset: 0, lockId, value });
  }
  const all = [...prims, ...hidden].map((slot) => {
    const placed = { ...slot, offset };
    offset += PRIM_WORDS;
    return placed;
  });
  const actorTableOffset = offset;
  offset += actorCount * ACTOR_WORDS;
  return {
    vars,
    prims: all,
    primByName: Object.fromEntries(all.map((slot) => [slot.name, slot])),
    actorTableOffset,
    actorCount,
    words: Math.max(offset, 1),
  };
}

/** Allocates the buffer and writes initial values: variables and primitive start states. */
export function createSharedMemory(spec: Spec, layout: SharedLayout): Int32Array {
  const memory = new Int32Array(new SharedArrayBuffer(layout.words * 4));
  for (const [name, slot] of Object.entries(layout.vars)) {
    const def = spec.shared![name]!;
    if (def.scope !== 'shared') continue;
    if (Array.isArray(def.initial)) memory.set(def.initial, slot.offset);
    else memory[slot.offset] = def.initial as number;
  }
  for (const prim of layout.prims) {
    if (prim.type === 'semaphore' || prim.type === 'bounded-semaphore') memory[prim.offset] = prim.value;
  }
  return memory;
}

export function actorWord(layout: SharedLayout, actorId: number, word: number): number {
  return layout.actorTableOffset + actorId * ACTOR_WORDS + word;
}
