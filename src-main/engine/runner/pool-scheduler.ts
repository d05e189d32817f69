import type { PoolTask } from '../actors/protocol';
import { ActorFailure } from '../actors/interpreter';
import { ITEM_OVERHEAD_BYTES } from '../spec/limits';

/**
 * The bookkeeping of one worker pool, hosted by the runner: a task queue, futures, and the workers
 * asking for work. Workers are real thread or process actors; this class only decides who runs what.
 *
 * Guarantees: tasks start in submission order; a worker runs one task at a time, so at most `size`
 * tasks run at once; every future settles exactly once; after shutdown no task is accepted and idle
 * workers are told to stop. Not guaranteed: which worker takes which task. `bytes` is what it holds
 * for the trial's limits.maxQueueBytes: the arguments of tasks not yet done and every result kept for `result`.
 */

export interface FutureOutcome {
  readonly id: string;
  readonly ok: boolean;
  readonly value: unknown;
  readonly error: string | null;
}

interface Future {
  readonly id: string;
  /** The argument's size while the task is pending, then the result's. */
  bytes: number;
  readonly callback: string | undefined;
  outcome: FutureOutcome | null;
  readonly settled: Promise<FutureOutcome>;
  settle(outcome: FutureOutcome): void;
}

export class PoolScheduler {
  private readonly queue: PoolTask[] = [];
  private readonly idle: ((task: PoolTask | null) => void)[] = [];
  private readonly futures = new Map<number, Future>();
  private nextTask = 1;
  private running = 0;
  private closedFlag = false;
  private heldBytes = 0;
  maxRunning = 0;
  completed = 0;

  constructor(
    readonly name: string,
    readonly size: number,
    /** Called with each finished future that has a callback; the runner runs it in order. */
    private readonly onCallback: (callback: string, outcome: FutureOutcome) => void,
  ) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  get submitted(): number {
    return this.nextTask - 1;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** `argBytes`: the argument's JSON length, measured by the caller. */
  submit(fn: string, arg: unknown, callback: string | undefined, argBytes = 0): string {
    if (this.closedFlag) throw new ActorFailure(`pool ${this.name} is shut down: it accepts no more tasks`);
    const task: PoolTask = { task: this.nextTask++, function: fn, arg };
    let settle!: (outcome: FutureOutcome) => void;
    const settled = new Promise<FutureOutcome>((resolve) => (settle = resolve));
    const bytes = argBytes + ITEM_OVERHEAD_BYTES;
    this.heldBytes += bytes;
    const future: Future = { id: `${this.name}#${task.task}`, bytes, callback, outcome: null, settled, settle };
    this.futures.set(task.task, future);
    const worker = this.idle.shift();
    if (worker) this.hand(worker, task);
    else this.queue.push(task);
    return future.id;
  }

  private hand(worker: (task: PoolTask | null) => void, task: PoolTask): void {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    worker(task);
  }

  /** A worker asks for its next task; null tells it to stop. */
  next(): Promise<PoolTask | null> {
    const task = this.queue.shift();
    if (task) {
      return new Promise((resolve) => this.hand(resolve, task));
    }
    if (this.closedFlag) return Promise.resolve(null);
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** `valueBytes`: the result's JSON length, measured by the caller. */
  done(task: number, ok: boolean, value: unknown, error: string | null, valueBytes = 0): void {
    const future = this.futures.get(task);
    if (!future || future.outcome) throw new ActorFailure(`task ${task} of pool ${this.name} is not running`);
    this.heldBytes += valueBytes + ITEM_OVERHEAD_BYTES - future.bytes;
    future.bytes = valueBytes + ITEM_OVERHEAD_BYTES;
    this.running--;
    this.completed++;
    future.outcome = { id: future.id, ok, value, error };
    future.settle(future.outcome);
    if (future.callback) this.onCallback(future.callback, future.outcome);
  }

  owns(futureId: string): boolean {
    return futureId.startsWith(`${this.name}#`) && this.futures.has(Number(futureId.slice(this.name.length + 1)));
  }

  /** The value of a future: waits for it; a failed task fails the caller, a timeout too. */
  async result(futureId: string, timeoutMs: number | undefined): Promise<unknown> {
    const future = this.futures.get(Number(futureId.slice(this.name.length + 1)));
    if (!future) throw new ActorFailure(`no future ${futureId}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = timeoutMs === undefined ? null : new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    const outcome = await (timeout ? Promise.race([future.settled, timeout]) : future.settled);
    if (timer) clearTimeout(timer);
    if (outcome === null) throw new ActorFailure(`future ${futureId} was not done within ${timeoutMs} ms`);
    if (!outcome.ok) throw new ActorFailure(`task ${futureId} failed: ${outcome.error ?? 'unknown error'}`);
    return outcome.value;
  }

  /** No more tasks; idle workers stop now, busy ones after the queue is empty. Resolves when every future settled (with wait). */
  async shutdown(wait: boolean): Promise<void> {
    this.closedFlag = true;
    if (this.queue.length === 0) for (const worker of this.idle.splice(0)) worker(null);
    if (wait) await Promise.all([...this.futures.values()].map((f) => f.settled));
    for (const worker of this.idle.splice(0)) worker(null);
  }
}
