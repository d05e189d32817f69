import type { ActorKind } from '../../../model/run-model';
import type { TraceBuffer } from '../../trace/trace-buffer';
import type { Maybe } from '../../sync/maybe';
import type { MutexWords } from '../../sync/primitive-access';
import type { BrokerRequest } from '../protocol';
import type { NetClients } from '../net-clients';

export interface ActorSelf {
  readonly id: number;
  readonly name: string;
  readonly group: string;
  readonly index: number;
  readonly kind: ActorKind;
  readonly pid: number;
  readonly ppid: number;
  readonly threadId: number;
}

/** Primitive operations as the host provides them: shared memory for threads and tasks, the broker for processes. */
export interface PrimitiveOps {
  acquire(name: string, options: { blocking?: boolean | undefined; timeoutMs?: number | undefined }): Maybe<boolean>;
  release(name: string): void | Promise<void>;
  wait(name: string, timeoutMs?: number): Maybe<{ passed: boolean; index?: number }>;
  set(name: string): void | Promise<void>;
  clear(name: string): void | Promise<void>;
  notify(name: string, count: number): void | Promise<void>;
  /**
   * Acquire and release bound once to a named lock, semaphore or condition (shared memory only): what an
   * acquire or release step calls on every run instead of looking the name up again. Undefined when the
   * host has no such binding for that name; the step then calls acquire/release by name.
   */
  lockOps?(name: string): BoundLockOps | undefined;
}

export interface BoundLockOps {
  acquire(options: { blocking?: boolean | undefined; timeoutMs?: number | undefined }): Maybe<boolean>;
  release(): void;
  /** A plain mutex's words, for a step that takes its uncontended path itself (see sync/primitive-access.ts). */
  readonly words?: MutexWords;
}

/** Shared variables as the host sees them: shared words, a private copy, or the runner's managed store. */
export interface VarOps {
  read(name: string, index: unknown): unknown;
  write(name: string, index: unknown, value: unknown): void | Promise<void>;
  add(name: string, index: unknown, delta: number): number | Promise<number>;
  /**
   * `add` bound once to a single shared word (a shared variable that is not an array, in the actor's
   * words): takes an integer delta, returns the new value. Undefined for any other variable.
   */
  wordAdder?(name: string): ((delta: number) => number) | undefined;
}

export interface ActorServices {
  readonly self: ActorSelf;
  readonly trace: TraceBuffer;
  readonly prims: PrimitiveOps;
  readonly vars: VarOps;
  readonly workDir: string;
  call(request: BrokerRequest): Promise<unknown>;
  /** Blocks the actor's thread (for a task: the whole event loop) for `ms`. */
  block(ms: number): void;
  /** Yields the thread for `ms`: other tasks of the same loop run meanwhile. */
  sleep(ms: number): Promise<void>;
  /** Clients of the trial's servers. */
  readonly net: NetClients;
  /** limits.maxValueBytes: the largest value one step may build (its JSON length). */
  readonly maxValueBytes: number;
}
