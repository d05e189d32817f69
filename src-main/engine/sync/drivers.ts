import { performance } from 'node:perf_hooks';
import type { SyncOp, WaitOutcome } from './primitives';

/**
 * Drivers run a primitive's generator to completion.
 *
 * `runBlocking` sleeps with Atomics.wait: the calling thread is really blocked, as a thread waiting
 * on a lock is. `runAwaiting` sleeps with Atomics.waitAsync: the event loop stays free, so async tasks
 * and the broker serving process actors can wait on the same words without stalling the runner.
 */

export interface WaitHooks {
  /** Called once before the first sleep of an operation (wait-table bookkeeping, trace flush). */
  onFirstSleep?(): void;
  /** Called once after an operation that slept is done. */
  onWoken?(): void;
  /**
   * A blocking wait longer than this is split: the first slice is short, then `onLongWait` runs
   * (for instance to flush buffered trace events before a possibly endless wait), then the rest.
   */
  readonly longWaitMs?: number;
  onLongWait?(): void;
  /** Awaiting waits re-check this after every wake-up and give up with AbortedWaitError when true. */
  isAborted?(): boolean;
}

export class AbortedWaitError extends Error {
  constructor() {
    super('the wait was abandoned: the actor was stopped');
    this.name = 'AbortedWaitError';
  }
}

export function deadlineFrom(timeoutMs: number | undefined, blocking = true): number {
  if (!blocking) return 0;
  if (timeoutMs === undefined) return Infinity;
  return performance.now() + timeoutMs;
}

function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

export function runBlocking<T>(op: SyncOp<T>, memory: Int32Array, hooks: WaitHooks = {}): T {
  let slept = false;
  let longWaitSignalled = false;
  let step = op.next();
  try {
    while (!step.done) {
      const request = step.value;
      if (!slept) {
        slept = true;
        hooks.onFirstSleep?.();
      }
      let left = remaining(request.deadline);
      let outcome: WaitOutcome;
      if (left === 0) outcome = 'timed-out';
      else {
        if (!longWaitSignalled && hooks.longWaitMs !== undefined && left > hooks.longWaitMs) {
          outcome = Atomics.wait(memory, request.index, request.expected, hooks.longWaitMs);
          if (outcome === 'timed-out') {
            longWaitSignalled = true;
            hooks.onLongWait?.();
            left = remaining(request.deadline);
            outcome = left === 0 ? 'timed-out' : Atomics.wait(memory, request.index, request.expected, left);
          }
        } else {
          outcome = Atomics.wait(memory, request.index, request.expected, left);
        }
      }
      step = op.next(outcome);
    }
  } finally {
    if (slept) hooks.onWoken?.();
  }
  return step.value;
}

export async function runAwaiting<T>(op: SyncOp<T>, memory: Int32Array, hooks: WaitHooks = {}): Promise<T> {
  let slept = false;
  let step = op.next();
  try {
    while (!step.done) {
      const request = step.value;
      if (!slept) {
        slept = true;
        hooks.onFirstSleep?.();
      }
      const left = remaining(request.deadline);
      let outcome: WaitOutcome;
      if (left === 0) outcome = 'timed-out';
      else {
        const result = Atomics.waitAsync(memory, request.index, request.expected, left);
        outcome = result.async ? await result.value : result.value;
      }
      if (hooks.isAborted?.()) throw new AbortedWaitError();
      step = op.next(outcome);
    }
  } finally {
    if (slept) hooks.onWoken?.();
  }
  return step.value;
}
