import {
  barrierWait,
  conditionNotify,
  conditionWait,
  eventClear,
  eventSet,
  eventWait,
  mutexAcquire,
  mutexRelease,
  mutexReleaseAt,
  MUTEX_OWNER,
  MUTEX_STATE,
  mutexTryAcquire,
  PrimitiveError,
  rlockAcquire,
  rlockRelease,
  semaphoreAcquire,
  semaphoreRelease,
  type SyncOp,
} from './primitives';
import { ACTOR_WAIT_SEQ, ACTOR_WAITING_ON, actorWord, type PrimSlot, type SharedLayout } from './shared-layout';
import { deadlineFrom, runAwaiting, runBlocking } from './drivers';
import { andThen, type Maybe } from './maybe';

/**
 * One actor's handle on the shared primitives: it names primitives, keeps the wait table that the
 * deadlock detector reads, and drives each operation blocking (threads) or awaiting (tasks, and the
 * runner acting for a process actor).
 */

export type WaitMode = 'blocking' | 'awaiting';

export interface AcquireOptions {
  readonly blocking?: boolean | undefined;
  readonly timeoutMs?: number | undefined;
}

/** A lock's operations bound to it (see PrimitiveAccess.lockOps). */
export interface LockOps {
  acquire(options: AcquireOptions): Maybe<boolean>;
  release(): void;
  /** A plain mutex's words (see MutexWords); absent for other locks. */
  readonly words?: MutexWords;
}

/**
 * Where a plain mutex lives in shared memory and who takes it, for a step that runs the mutex's uncontended path
 * itself: to take it, the CAS of `state` from 0 (free) to 1, then the store of `owner` at `ownerAt` (as
 * mutexTryAcquire); to release it, the clear of `ownerAt`, then the CAS of `state` from 1 to 0 (nobody waits; any
 * other state goes through `release`, which wakes a waiter or says the mutex is not locked). Without the calls: a
 * summarised lock loop on a thread that has just started spends most of its time in V8's interpreter, where each
 * call saved counts.
 */
export interface MutexWords {
  readonly memory: Int32Array;
  readonly state: number;
  readonly ownerAt: number;
  readonly owner: number;
}

export class PrimitiveAccess {
  private readonly owner: number;
  /** Primitives by name, in a Map: only declared names are found (no key of Object.prototype), and fast. */
  private readonly slots: ReadonlyMap<string, PrimSlot>;

  constructor(
    private readonly memory: Int32Array,
    private readonly layout: SharedLayout,
    private readonly actorId: number,
    private readonly mode: WaitMode,
    /** Runs before a blocking wait that lasts longer than a few milliseconds. */
    private readonly beforeLongWait: () => void = () => {},
    private readonly isAborted: () => boolean = () => false,
  ) {
    this.owner = actorId + 1;
    this.slots = new Map(Object.entries(layout.primByName));
  }

  slot(name: string): PrimSlot {
    const slot = this.slots.get(name);
    if (!slot) throw new PrimitiveError(`no primitive named ${name}`);
    return slot;
  }

  /**
   * `deadline` is the operation's own: a wait that will end by itself (finite deadline) is marked so,
   * and is never part of a deadlock. Blocking mode returns the result itself (or throws), awaiting mode
   * a promise.
   */
  private drive<T>(slot: PrimSlot, op: SyncOp<T>, deadline: number): Maybe<T> {
    const waitingOn = actorWord(this.layout, this.actorId, ACTOR_WAITING_ON);
    const hooks = {
      onFirstSleep: () => {
        Atomics.add(this.memory, actorWord(this.layout, this.actorId, ACTOR_WAIT_SEQ), 1);
        Atomics.store(this.memory, waitingOn, deadline === Infinity ? slot.id + 1 : -(slot.id + 1));
        // A task that starts waiting hands on its events now: another task may hold the loop next (a
        // compute) and nothing of this one would be seen live until then, its wait included.
        if (this.mode === 'awaiting') this.beforeLongWait();
      },
      onWoken: () => Atomics.store(this.memory, waitingOn, 0),
      longWaitMs: 20,
      onLongWait: this.beforeLongWait,
      isAborted: this.isAborted,
    };
    return this.mode === 'blocking' ? runBlocking(op, this.memory, hooks) : runAwaiting(op, this.memory, hooks);
  }

  /** The slot acquire and release act on: a condition is acquired and released through its lock, as Python's Condition is. */
  private lockSlot(name: string): PrimSlot {
    const named = this.slot(name);
    return named.type === 'condition' ? this.layout.prims[named.lockId!]! : named;
  }

  acquire(name: string, options: AcquireOptions = {}): Maybe<boolean> {
    const slot = this.lockSlot(name);
    // A free mutex is taken at once, without the operation's generator and wait hooks (the common case).
    if (slot.type === 'mutex' && mutexTryAcquire(this.memory, slot.offset, this.owner)) return true;
    return this.acquireSlot(slot, options);
  }

  /**
   * Acquire and release bound to one named primitive, looked up once (a step binds them when it is
   * compiled), for a mutex reduced to the CAS that takes it and the release itself. Undefined for a name
   * that is not a lock, a semaphore or a condition: `acquire`/`release` then fail with their message when
   * the step runs, as before.
   */
  lockOps(name: string): LockOps | undefined {
    const named = this.slots.get(name);
    if (!named) return undefined;
    const slot = named.type === 'condition' ? this.layout.prims[named.lockId!]! : named;
    const memory = this.memory;
    const owner = this.owner;
    switch (slot.type) {
      case 'mutex':
      {
        const { offset, name: lockName } = slot;
        return {
          acquire: (options) => (mutexTryAcquire(memory, offset, owner) ? true : this.acquireSlot(slot, options)),
          release: () => mutexReleaseAt(memory, offset, lockName),
          words: { memory, state: offset + MUTEX_STATE, ownerAt: offset + MUTEX_OWNER, owner },
        };
      }
      case 'rlock':
      case 'semaphore':
      case 'bounded-semaphore':
        return { acquire: (options) => this.acquireSlot(slot, options), release: () => this.releaseSlot(slot) };
      default:
        return undefined;
    }
  }

  private acquireSlot(slot: PrimSlot, options: AcquireOptions): Maybe<boolean> {
    const deadline = deadlineFrom(options.timeoutMs, options.blocking ?? true);
    switch (slot.type) {
      case 'mutex':
        return this.drive(slot, mutexAcquire(this.memory, slot, this.owner, deadline), deadline);
      case 'rlock':
        return this.drive(slot, rlockAcquire(this.memory, slot, this.owner, deadline), deadline);
      case 'semaphore':
      case 'bounded-semaphore':
        return this.drive(slot, semaphoreAcquire(this.memory, slot, deadline), deadline);
      default:
        throw new PrimitiveError(`acquire does not apply to ${slot.name} (${slot.type})`);
    }
  }

  release(name: string): void {
    this.releaseSlot(this.lockSlot(name));
  }

  private releaseSlot(slot: PrimSlot): void {
    switch (slot.type) {
      case 'mutex':
        return mutexRelease(this.memory, slot);
      case 'rlock':
        return rlockRelease(this.memory, slot, this.owner);
      case 'semaphore':
      case 'bounded-semaphore':
        return semaphoreRelease(this.memory, slot);
      default:
        throw new PrimitiveError(`release does not apply to ${slot.name} (${slot.type})`);
    }
  }

  /** Event: true once set (false on timeout). Condition: true when notified. Barrier: true when passed. */
  wait(name: string, timeoutMs?: number): Maybe<{ passed: boolean; index?: number }> {
    const slot = this.slot(name);
    const deadline = deadlineFrom(timeoutMs);
    switch (slot.type) {
      case 'event':
        return andThen(this.drive(slot, eventWait(this.memory, slot, deadline), deadline), (passed) => ({ passed }));
      case 'condition': {
        const lock = this.layout.prims[slot.lockId!]!;
        return andThen(this.drive(slot, conditionWait(this.memory, slot, lock, this.owner, deadline), deadline), (passed) => ({ passed }));
      }
      case 'barrier':
        return andThen(this.drive(slot, barrierWait(this.memory, slot, deadline), deadline), (index) => (index < 0 ? { passed: false } : { passed: true, index }));
      default:
        throw new PrimitiveError(`wait does not apply to ${name} (${slot.type})`);
    }
  }

  set(name: string): void {
    eventSet(this.memory, this.expect(name, 'event'));
  }

  clear(name: string): void {
    eventClear(this.memory, this.expect(name, 'event'));
  }

  notify(name: string, count: number): void {
    const slot = this.expect(name, 'condition');
    conditionNotify(this.memory, slot, this.layout.prims[slot.lockId!]!, this.owner, count);
  }

  /** The lock a condition uses, so that acquire/release on the condition's name can be offered. */
  conditionLock(name: string): string {
    const slot = this.expect(name, 'condition');
    return this.layout.prims[slot.lockId!]!.name;
  }

  private expect(name: string, type: PrimSlot['type']): PrimSlot {
    const slot = this.slot(name);
    if (slot.type !== type) throw new PrimitiveError(`${name} is a ${slot.type}, not a ${type}`);
    return slot;
  }
}
