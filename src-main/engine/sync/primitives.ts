import type { PrimSlot } from './shared-layout';

/**
 * Locks, semaphores, events, conditions and barriers over 32-bit words of a SharedArrayBuffer.
 *
 * Each operation is written once, as a generator that yields whenever it must sleep on a word
 * (futex style: "sleep while word[index] still equals expected"). A driver decides how to sleep:
 * `Atomics.wait` blocks a thread for real; `Atomics.waitAsync` lets an async task or the runner's
 * broker await without blocking the event loop. Both wake on the same `Atomics.notify`.
 *
 * Guarantees: mutual exclusion for mutex and rlock, at most `value` holders for semaphores, and no
 * lost wake-ups. Not guaranteed: fairness (a releasing actor may win the lock again), and a
 * condition's notify(n) may wake more than n waiters (the futex condition variable's usual trade).
 */

export interface WaitRequest {
  readonly index: number;
  readonly expected: number;
  /** Absolute deadline in performance.now() milliseconds; Infinity waits forever. */
  readonly deadline: number;
}

export type WaitOutcome = 'ok' | 'not-equal' | 'timed-out';
export type SyncOp<T> = Generator<WaitRequest, T, WaitOutcome>;

export class PrimitiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrimitiveError';
  }
}

const STATE = 0;
const OWNER = 1;
/** A mutex's words from its slot's offset: its state (0 free, 1 locked, 2 locked with waiters) and its owner. */
export const MUTEX_STATE = STATE;
export const MUTEX_OWNER = OWNER;
const DEPTH = 2;
const WAITERS = 1;
const BARRIER_COUNT_BITS = 16;
const BARRIER_COUNT_MASK = (1 << BARRIER_COUNT_BITS) - 1;

/*
 * A futex mutex (three states: free, locked, locked with waiters). `owner` is actorId + 1.
 *
 * The owner word is written with plain stores, not Atomics.store (a seq-cst store is a locked
 * instruction: it cost as much as the whole rest of an uncontended acquire and release). That is safe
 * because only the holder writes it, between the CAS that takes the state word and the Atomics.sub that
 * frees it: those synchronise, so the next holder's write happens after this one's clear and wins.
 * Readers are the holder itself (its own writes, in program order) and the deadlock detector, which
 * samples it with Atomics.load and may see a value a moment late (aligned Int32 accesses never tear).
 */

/**
 * The uncontended path of mutexAcquire alone: takes a free mutex at once, allocating nothing; false when it is held.
 * `at` is the mutex's first word (its slot's offset): a number, so that a lock bound once (a step's) reads no slot
 * object on each acquire.
 */
export function mutexTryAcquire(m: Int32Array, at: number, owner: number): boolean {
  if (Atomics.compareExchange(m, at + STATE, 0, 1) !== 0) return false;
  m[at + OWNER] = owner;
  return true;
}

export function* mutexAcquire(m: Int32Array, p: PrimSlot, owner: number, deadline: number): SyncOp<boolean> {
  const state = p.offset + STATE;
  let c = Atomics.compareExchange(m, state, 0, 1);
  if (c !== 0) {
    if (deadline <= 0) return false; // non-blocking attempt failed
    if (c !== 2) c = Atomics.exchange(m, state, 2);
    while (c !== 0) {
      const outcome = yield { index: state, expected: 2, deadline };
      if (outcome === 'timed-out') {
        // One last try, so a release that raced with the timeout is not missed.
        if (Atomics.compareExchange(m, state, 0, 2) !== 0) return false;
        break;
      }
      c = Atomics.exchange(m, state, 2);
    }
  }
  m[p.offset + OWNER] = owner;
  return true;
}

export function mutexRelease(m: Int32Array, p: PrimSlot): void {
  mutexReleaseAt(m, p.offset, p.name);
}

/** mutexRelease of the mutex whose first word is `at` (see mutexTryAcquire). */
export function mutexReleaseAt(m: Int32Array, at: number, name: string): void {
  const state = at + STATE;
  if (Atomics.load(m, state) === 0) throw new PrimitiveError(`release of ${name}, which is not locked`);
  m[at + OWNER] = 0;
  if (Atomics.sub(m, state, 1) !== 1) {
    Atomics.store(m, state, 0);
    Atomics.notify(m, state, 1);
  }
}

/** A recursive lock: the owner may acquire again; it is free after as many releases. */
export function* rlockAcquire(m: Int32Array, p: PrimSlot, owner: number, deadline: number): SyncOp<boolean> {
  if (Atomics.load(m, p.offset + OWNER) === owner) {
    Atomics.add(m, p.offset + DEPTH, 1);
    return true;
  }
  const got = yield* mutexAcquire(m, p, owner, deadline);
  if (got) Atomics.store(m, p.offset + DEPTH, 1);
  return got;
}

export function rlockRelease(m: Int32Array, p: PrimSlot, owner: number): void {
  if (Atomics.load(m, p.offset + OWNER) !== owner) throw new PrimitiveError(`release of ${p.name} by an actor that does not hold it (an rlock is released by its owner)`);
  if (Atomics.sub(m, p.offset + DEPTH, 1) === 1) mutexRelease(m, p);
}

/** Releases an rlock completely, returning its depth so a condition wait can restore it. */
function rlockReleaseAll(m: Int32Array, p: PrimSlot, owner: number): number {
  if (Atomics.load(m, p.offset + OWNER) !== owner) throw new PrimitiveError(`wait on a condition whose lock ${p.name} is not held by this actor`);
  const depth = Atomics.exchange(m, p.offset + DEPTH, 0);
  mutexRelease(m, p);
  return depth;
}

/** A counting semaphore: acquire takes one unit, waiting while none is left. */
export function* semaphoreAcquire(m: Int32Array, p: PrimSlot, deadline: number): SyncOp<boolean> {
  const value = p.offset + STATE;
  for (;;) {
    const v = Atomics.load(m, value);
    if (v > 0) {
      if (Atomics.compareExchange(m, value, v, v - 1) === v) return true;
      continue;
    }
    if (deadline <= 0) return false;
    Atomics.add(m, p.offset + WAITERS, 1);
    const outcome = yield { index: value, expected: 0, deadline };
    Atomics.sub(m, p.offset + WAITERS, 1);
    if (outcome === 'timed-out') {
      const last = Atomics.load(m, value);
      if (last > 0 && Atomics.compareExchange(m, value, last, last - 1) === last) return true;
      return false;
    }
  }
}

export function semaphoreRelease(m: Int32Array, p: PrimSlot): void {
  const value = p.offset + STATE;
  if (p.type === 'bounded-semaphore') {
    for (;;) {
      const v = Atomics.load(m, value);
      if (v >= p.value) throw new PrimitiveError(`${p.name} released more times than it was acquired (bounded at ${p.value})`);
      if (Atomics.compareExchange(m, value, v, v + 1) === v) break;
    }
  } else {
    Atomics.add(m, value, 1);
  }
  if (Atomics.load(m, p.offset + WAITERS) > 0) Atomics.notify(m, value, 1);
}

export function* eventWait(m: Int32Array, p: PrimSlot, deadline: number): SyncOp<boolean> {
  const flag = p.offset + STATE;
  for (;;) {
    if (Atomics.load(m, flag) === 1) return true;
    const outcome = yield { index: flag, expected: 0, deadline };
    if (outcome === 'timed-out') return Atomics.load(m, flag) === 1;
  }
}

export function eventSet(m: Int32Array, p: PrimSlot): void {
  Atomics.store(m, p.offset + STATE, 1);
  Atomics.notify(m, p.offset + STATE);
}

export function eventClear(m: Int32Array, p: PrimSlot): void {
  Atomics.store(m, p.offset + STATE, 0);
}

export function isEventSet(m: Int32Array, p: PrimSlot): boolean {
  return Atomics.load(m, p.offset + STATE) === 1;
}

/**
 * Condition wait: releases the lock, sleeps until notified (or the deadline), re-acquires the lock.
 * Returns false on timeout. The lock must be held by `owner`.
 */
export function* conditionWait(m: Int32Array, cond: PrimSlot, lock: PrimSlot, owner: number, deadline: number): SyncOp<boolean> {
  const seqIndex = cond.offset + STATE;
  const seq = Atomics.load(m, seqIndex);
  let depth = 1;
  if (lock.type === 'rlock') depth = rlockReleaseAll(m, lock, owner);
  else {
    if (Atomics.load(m, lock.offset + OWNER) !== owner) throw new PrimitiveError(`wait on ${cond.name} without holding its lock ${lock.name}`);
    mutexRelease(m, lock);
  }
  const outcome = yield { index: seqIndex, expected: seq, deadline };
  if (lock.type === 'rlock') {
    yield* mutexAcquire(m, lock, owner, Infinity);
    Atomics.store(m, lock.offset + DEPTH, depth);
  } else {
    yield* mutexAcquire(m, lock, owner, Infinity);
  }
  return outcome !== 'timed-out';
}

export function conditionNotify(m: Int32Array, cond: PrimSlot, lock: PrimSlot, owner: number, count: number): void {
  if (Atomics.load(m, lock.offset + OWNER) !== owner) throw new PrimitiveError(`notify on ${cond.name} without holding its lock ${lock.name}`);
  Atomics.add(m, cond.offset + STATE, 1);
  Atomics.notify(m, cond.offset + STATE, count === Infinity ? undefined : count);
}

/**
 * Barrier: the `parties`-th arrival releases everyone and starts the next generation. The arrival
 * count and generation share one word so that a release and a new arrival cannot interleave badly.
 * Returns the arrival index (0 for the first arrival … parties-1 for the last, as Python's Barrier.wait)
 * or -1 on timeout (the arrival is withdrawn).
 */
export function* barrierWait(m: Int32Array, p: PrimSlot, deadline: number): SyncOp<number> {
  const word = p.offset + STATE;
  for (;;) {
    const current = Atomics.load(m, word);
    const generation = current >>> BARRIER_COUNT_BITS;
    const count = current & BARRIER_COUNT_MASK;
    if (count + 1 >= p.value) {
      const next = ((generation + 1) & 0x7fff) << BARRIER_COUNT_BITS;
      if (Atomics.compareExchange(m, word, current, next) !== current) continue;
      Atomics.notify(m, word);
      return p.value - 1;
    }
    const arrived = (generation << BARRIER_COUNT_BITS) | (count + 1);
    if (Atomics.compareExchange(m, word, current, arrived) !== current) continue;
    const index = count;
    for (;;) {
      const now = Atomics.load(m, word);
      if (now >>> BARRIER_COUNT_BITS !== generation) return index;
      const outcome = yield { index: word, expected: now, deadline };
      if (outcome === 'timed-out') {
        for (;;) {
          const last = Atomics.load(m, word);
          if (last >>> BARRIER_COUNT_BITS !== generation) return index;
          if (Atomics.compareExchange(m, word, last, last - 1) === last) return -1;
        }
      }
    }
  }
}

/** Who holds a mutex or rlock: actorId + 1, or 0. */
export function lockOwner(m: Int32Array, p: PrimSlot): number {
  return Atomics.load(m, p.offset + OWNER);
}
