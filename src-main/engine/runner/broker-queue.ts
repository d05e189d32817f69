import { ITEM_OVERHEAD_BYTES } from '../spec/limits';
import type { QueueSpec } from '../../model/spec-schema';

/**
 * A queue hosted by the runner, reachable by every actor kind through the broker.
 *
 * Guarantees: FIFO, LIFO or priority order (ties in priority leave in arrival order); at most
 * `maxsize` items (0: unbounded); blocked getters and putters are served in the order they came;
 * `join` resolves once every item put has been marked done with task_done, as Python's
 * JoinableQueue does. A waiter that times out leaves without taking an item. `bytes` is the size of
 * every item it holds, in the queue or waiting to enter it (the trial bounds it with limits.maxQueueBytes).
 */

interface Item {
  readonly value: unknown;
  readonly priority: number;
  readonly seq: number;
  /** Its size as the byte limits count it (JSON length and the item's own overhead). */
  readonly bytes: number;
}

interface Waiter<T> {
  resolve(value: T): void;
  timer: NodeJS.Timeout | null;
}

export class QueueClosedError extends Error {
  constructor(name: string) {
    super(`queue ${name} closed: the trial ended`);
    this.name = 'QueueClosedError';
  }
}

export class BrokerQueue {
  private readonly items: Item[] = [];
  private readonly getters: Waiter<{ ok: boolean; value?: unknown }>[] = [];
  private readonly putters: { waiter: Waiter<boolean>; item: Item }[] = [];
  private readonly joiners: Waiter<boolean>[] = [];
  private unfinished = 0;
  private heldBytes = 0;
  private seq = 0;
  private closed = false;
  private readonly maxsize: number;

  constructor(
    readonly name: string,
    private readonly spec: QueueSpec,
  ) {
    this.maxsize = spec.maxsize ?? 0;
  }

  get size(): number {
    return this.items.length;
  }

  get pendingTasks(): number {
    return this.unfinished;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  private full(): boolean {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }

  private priorityOf(value: unknown, priority: unknown): number {
    if (typeof priority === 'number') return priority;
    if (typeof value === 'number') return value;
    return 0;
  }

  private insert(item: Item): void {
    this.unfinished++;
    if (this.spec.order === 'priority') {
      let i = this.items.length;
      while (i > 0 && this.items[i - 1]!.priority > item.priority) i--;
      this.items.splice(i, 0, item);
    } else {
      this.items.push(item);
    }
  }

  private take(): Item {
    const item = this.spec.order === 'lifo' ? this.items.pop()! : this.items.shift()!;
    this.heldBytes -= item.bytes;
    return item;
  }

  /** Hands items to waiting getters and admits waiting putters while there is room. */
  private settle(): void {
    for (;;) {
      if (this.items.length > 0 && this.getters.length > 0) {
        const getter = this.getters.shift()!;
        if (getter.timer) clearTimeout(getter.timer);
        getter.resolve({ ok: true, value: this.take().value });
        continue;
      }
      if (this.putters.length > 0 && !this.full()) {
        const { waiter, item } = this.putters.shift()!;
        if (waiter.timer) clearTimeout(waiter.timer);
        this.insert(item);
        waiter.resolve(true);
        continue;
      }
      return;
    }
  }

  private wait<T>(list: Waiter<T>[] | { waiter: Waiter<T> }[], timeoutMs: number | undefined, onTimeout: T, entry: (waiter: Waiter<T>) => Waiter<T> | { waiter: Waiter<T> }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new QueueClosedError(this.name));
      const waiter: Waiter<T> & { reject?: (error: Error) => void } = { resolve, timer: null };
      waiter.reject = reject;
      const record = entry(waiter);
      (list as unknown[]).push(record);
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          const index = (list as unknown[]).indexOf(record);
          if (index >= 0) (list as unknown[]).splice(index, 1);
          resolve(onTimeout);
        }, timeoutMs);
      }
    });
  }

  /** `valueBytes`: the value's JSON length, measured by the caller. */
  put(value: unknown, priority: unknown, blocking: boolean, timeoutMs: number | undefined, valueBytes = 0): Promise<boolean> {
    const bytes = valueBytes + ITEM_OVERHEAD_BYTES;
    const item: Item = { value, priority: this.priorityOf(value, priority), seq: this.seq++, bytes };
    if (!this.full() && this.putters.length === 0) {
      this.heldBytes += bytes;
      this.insert(item);
      this.settle();
      return Promise.resolve(true);
    }
    if (!blocking || timeoutMs === 0) return Promise.resolve(false);
    if (this.closed) return Promise.reject(new QueueClosedError(this.name));
    this.heldBytes += bytes;
    // A putter that times out takes its item away again.
    return this.wait(this.putters, timeoutMs, false, (waiter) => ({ waiter, item })).then((ok) => {
      if (!ok) this.heldBytes -= bytes;
      return ok;
    });
  }

  get(blocking: boolean, timeoutMs: number | undefined): Promise<{ ok: boolean; value?: unknown }> {
    if (this.items.length > 0 && this.getters.length === 0) {
      const value = this.take().value;
      this.settle();
      return Promise.resolve({ ok: true, value });
    }
    if (!blocking || timeoutMs === 0) return Promise.resolve({ ok: false });
    return this.wait(this.getters, timeoutMs, { ok: false }, (waiter) => waiter);
  }

  taskDone(): void {
    if (this.unfinished <= 0) throw new Error(`task_done on queue ${this.name} called more times than items were put`);
    this.unfinished--;
    if (this.unfinished === 0) {
      for (const joiner of this.joiners.splice(0)) {
        if (joiner.timer) clearTimeout(joiner.timer);
        joiner.resolve(true);
      }
    }
  }

  join(timeoutMs: number | undefined): Promise<boolean> {
    if (this.unfinished === 0) return Promise.resolve(true);
    return this.wait(this.joiners, timeoutMs, false, (waiter) => waiter);
  }

  /** Ends every wait: the trial is over. */
  close(): void {
    this.closed = true;
    const error = new QueueClosedError(this.name);
    const all = [...this.getters, ...this.putters.map((p) => p.waiter), ...this.joiners] as (Waiter<unknown> & { reject?: (e: Error) => void })[];
    this.getters.length = 0;
    this.putters.length = 0;
    this.joiners.length = 0;
    this.items.length = 0;
    this.heldBytes = 0;
    for (const waiter of all) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject?.(error);
    }
  }
}
