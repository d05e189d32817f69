import { Worker } from 'node:worker_threads';
import type { TrialRecord } from '../model/run-model';
import type { EventBatch } from '../model/trace-event';
import { entryPath } from '../engine/entry-paths';
import { StoreInputError, type RunFinish, type RunStart } from './store-model';
import type { StoreFailureKind } from './database';
import { unknownMessageError, type PlainError, type StoreCommand, type WriterInit, type WriterReply, type WriterRequest } from './writer-protocol';

/**
 * The runner's handle on the history database: writes go to a worker thread that owns its own SQLite
 * connection (writer-entry.ts), so the runner never waits on the disk.
 *
 * Guarantees:
 * - writes are applied in the order they were called, event batches committed many per transaction;
 * - `appendBatches` never blocks: it posts to the worker (watch `pendingBatches` for back-pressure);
 * - `flush()` resolves once everything called before it is committed, and rejects if any write since
 *   the previous flush failed (even one whose own promise already rejected): a flush that resolves
 *   means nothing before it was lost;
 * - a failed write never stops later ones; every failure also reaches the `onError` listeners;
 * - once the worker is gone (closed or crashed) every write throws instead of vanishing.
 *
 * Writes take the run id explicitly, or leave it out when exactly one run is open (begun and not yet
 * finished through this writer).
 *
 * The worker is unref'd while nothing is outstanding, so an idle writer never keeps a process alive;
 * call close() to end it cleanly.
 */

export interface RunWriterOptions {
  /** The worker bundle; defaults to entryPath('store-writer'). */
  readonly workerFile?: string;
  /**
   * How long one stretch of writes may wait for a write lock another program holds before the writes
   * are given up (and their runs stored as 'failed'); defaults to DEFAULT_LOCK_WAIT_MS.
   */
  readonly lockWaitMs?: number;
}

/** Ten seconds: longer than any write of ours holds the lock, short enough to tell a person soon. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;
const MAX_LOCK_WAIT_MS = 600_000;

/**
 * The lock wait from CONLAB_LOCK_WAIT_MS (milliseconds), or the default when it is unset. Throws a
 * StoreInputError naming the variable for anything but a whole number from 0 to 600000.
 */
export function lockWaitFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env['CONLAB_LOCK_WAIT_MS'];
  if (raw === undefined || raw.trim() === '') return DEFAULT_LOCK_WAIT_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > MAX_LOCK_WAIT_MS) {
    throw new StoreInputError(`CONLAB_LOCK_WAIT_MS: expected a whole number of milliseconds from 0 to ${MAX_LOCK_WAIT_MS}, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return value;
}

/** One or more writes failed; `failures` holds each plain message. */
export class StoreWriteError extends Error {
  override readonly name = 'StoreWriteError';
  constructor(readonly failures: readonly string[]) {
    super(
      failures.length === 1
        ? failures[0]!
        : `${failures.length} store writes failed: ${failures.slice(0, 5).join('; ')}${failures.length > 5 ? '; …' : ''}`,
    );
  }
}

/** Promise-returning methods report misuse (no open run, a closed writer) by rejecting, never by throwing. */
function rejectInsteadOfThrow(start: () => Promise<void>): Promise<void> {
  try {
    return start();
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

type WriterState = 'open' | 'closing' | 'closed' | 'dead';

interface Waiter {
  readonly seq: number;
  /** A `call` is answered by itself (value or error); its failure is not reported again by flush. */
  readonly kind: 'write' | 'flush' | 'call';
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A store command that failed in the writer, with the name the error had there (StoreInputError for bad
 * input, StoreUnavailableError for a storage condition, whose `kind` then says which).
 */
export class StoreCommandError extends Error {
  readonly kind: StoreFailureKind | null;
  constructor(error: PlainError) {
    super(error.message);
    this.name = error.name;
    this.kind = error.kind ?? null;
  }
}

/** A store command without its sequence number, as callers of RunWriter.call give it. */
export type CommandBody = RequestBody<StoreCommand>;

/** Distributes a request type over the union so each variant keeps its own fields. */
type RequestBody<T = WriterRequest> = T extends WriterRequest ? Omit<T, 'seq'> : never;

export class RunWriter {
  private state: WriterState = 'open';
  private deathError: Error | null = null;
  private nextSeq = 1;
  private ackedSeq = 0;
  private readonly waiters: Waiter[] = [];
  private readonly failedSeqs = new Map<number, PlainError>();
  private readonly results = new Map<number, unknown>();
  private unreported: string[] = [];
  private readonly listeners = new Set<(error: Error) => void>();
  private readonly openRuns = new Set<string>();
  private readonly batchCounts: { seq: number; count: number }[] = [];
  private outstandingBatches = 0;
  private closing: Promise<void> | null = null;

  /** Starts the worker and waits until it has opened (and if needed migrated) the database. */
  static async open(dbPath: string, options: RunWriterOptions = {}): Promise<RunWriter> {
    const worker = new Worker(options.workerFile ?? entryPath('store-writer'), {
      workerData: { dbPath, lockWaitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS } satisfies WriterInit,
    });
    await new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: WriterReply) => {
        cleanup();
        if (reply.type === 'ready') resolve();
        else if (reply.type === 'openFailed') reject(new Error(`cannot open the history database ${dbPath}: ${reply.error.message}`));
        else reject(new Error(`store writer: unexpected first reply ${reply.type}`));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new Error(`store writer failed to start: ${error.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`store writer exited during start (exit code ${code})`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    return new RunWriter(worker);
  }

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WriterReply) => this.onReply(reply));
    worker.on('error', (error) => this.die(new Error(`store writer crashed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (this.state === 'closing') {
        // A clean close answers every request before the thread ends; anything left was cut off.
        const error = new Error(`store writer exited before it finished closing (exit code ${code})`);
        for (const waiter of this.waiters.splice(0)) waiter.reject(error);
      } else if (this.state === 'open') {
        this.die(new Error(`store writer stopped unexpectedly (exit code ${code})`));
      }
    });
    worker.unref();
  }

  /** Event batches posted but not yet committed: a runner producing faster than the disk sees it grow. */
  get pendingBatches(): number {
    return this.outstandingBatches;
  }

  /** Listens for write failures as they happen; returns the function that stops listening. */
  onError(listener: (error: Error) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records a run as started (status 'running', owned by this process). */
  beginRun(meta: RunStart): Promise<void> {
    return rejectInsteadOfThrow(() => {
      const done = this.request({ type: 'beginRun', meta }, 'write');
      this.openRuns.add(meta.id);
      return done;
    });
  }

  /** Queues event batches for the run; returns at once. */
  appendBatches(batches: readonly EventBatch[]): void;
  appendBatches(runId: string, batches: readonly EventBatch[]): void;
  appendBatches(first: string | readonly EventBatch[], second?: readonly EventBatch[]): void {
    const [runId, batches] = typeof first === 'string' ? [first, second ?? []] : [this.currentRun('appendBatches'), first];
    if (batches.length === 0) return;
    const seq = this.post({ type: 'eventBatches', runId, batches });
    this.batchCounts.push({ seq, count: batches.length });
    this.outstandingBatches += batches.length;
  }

  saveTrial(trial: TrialRecord): Promise<void>;
  saveTrial(runId: string, trial: TrialRecord): Promise<void>;
  saveTrial(first: string | TrialRecord, second?: TrialRecord): Promise<void> {
    return rejectInsteadOfThrow(() => {
      const [runId, trial] = typeof first === 'string' ? [first, second!] : [this.currentRun('saveTrial'), first];
      return this.request({ type: 'saveTrial', runId, trial }, 'write');
    });
  }

  finishRun(fields: RunFinish): Promise<void>;
  finishRun(runId: string, fields: RunFinish): Promise<void>;
  finishRun(first: string | RunFinish, second?: RunFinish): Promise<void> {
    return rejectInsteadOfThrow(() => {
      const [runId, fields] = typeof first === 'string' ? [first, second!] : [this.currentRun('finishRun'), first];
      const done = this.request({ type: 'finishRun', runId, fields }, 'write');
      this.openRuns.delete(runId);
      return done;
    });
  }

  /** Resolves once everything called so far is committed; rejects with the failures since the last flush. */
  flush(): Promise<void> {
    return rejectInsteadOfThrow(() => this.request({ type: 'flush' }, 'flush'));
  }

  /**
   * Sends one store command (a tag, a note, a deletion, an import's part…) and resolves with the
   * writer's answer; rejects with a StoreCommandError when the command failed there.
   */
  call<T>(body: CommandBody): Promise<T> {
    try {
      const seq = this.post(body);
      const promise = new Promise<T>((resolve, reject) =>
        this.waiters.push({ seq, kind: 'call', resolve: (value) => resolve(value as T), reject }),
      );
      return promise;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Commits what is queued, closes the connection and ends the worker. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  // ---------------------------------------------------------------- internals

  private async shutDown(): Promise<void> {
    if (this.state === 'dead') {
      await this.worker.terminate();
      this.state = 'closed';
      return this.takeUnreported();
    }
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    const done = this.request({ type: 'close' }, 'flush');
    this.state = 'closing';
    try {
      await done;
    } finally {
      await exited;
      this.state = 'closed';
    }
  }

  private currentRun(operation: string): string {
    if (this.openRuns.size === 1) return this.openRuns.values().next().value!;
    if (this.openRuns.size === 0) throw new Error(`${operation}: no run is open; call beginRun first or pass the run id`);
    throw new Error(`${operation}: ${this.openRuns.size} runs are open (${[...this.openRuns].join(', ')}); pass the run id`);
  }

  private post(body: RequestBody): number {
    if (this.state !== 'open') {
      throw new Error(
        this.state === 'dead'
          ? `store writer is not running (${this.deathError?.message ?? 'stopped'}); nothing more can be saved through it`
          : 'store writer is closed; open a new one to save more',
      );
    }
    const seq = this.nextSeq++;
    if (this.ackedSeq === seq - 1) this.worker.ref(); // outstanding work keeps the process alive
    this.worker.postMessage({ ...body, seq } as WriterRequest);
    return seq;
  }

  /** Posts a request whose completion the caller can await. */
  private request(body: RequestBody, kind: Waiter['kind']): Promise<void> {
    const seq = this.post(body);
    const promise = new Promise<void>((resolve, reject) => this.waiters.push({ seq, kind, resolve: () => resolve(), reject }));
    // Failures also reach flush() and onError, so a caller that does not await a write must not crash
    // the process with an unhandled rejection.
    promise.catch(() => undefined);
    return promise;
  }

  private onReply(reply: WriterReply): void {
    switch (reply.type) {
      case 'committed':
        return this.acknowledge(reply.seq);
      case 'failed':
        return this.recordFailure(reply.seq, reply.error);
      case 'result':
        this.results.set(reply.seq, reply.value);
        return;
      case 'ready':
      case 'openFailed':
        return this.die(new Error(`store writer: unexpected reply ${reply.type} after start`));
      default:
        return this.die(unknownMessageError(reply, 'store writer reply'));
    }
  }

  private recordFailure(seq: number, error: PlainError): void {
    this.failedSeqs.set(seq, error);
    if (this.waiters.some((waiter) => waiter.seq === seq && waiter.kind === 'call')) return;
    this.unreported.push(error.message);
    this.emit(new Error(error.message));
  }

  private acknowledge(seq: number): void {
    this.ackedSeq = Math.max(this.ackedSeq, seq);
    while (this.batchCounts.length > 0 && this.batchCounts[0]!.seq <= seq) {
      this.outstandingBatches -= this.batchCounts.shift()!.count;
    }
    while (this.waiters.length > 0 && this.waiters[0]!.seq <= seq) {
      const waiter = this.waiters.shift()!;
      const failure = this.failedSeqs.get(waiter.seq);
      this.failedSeqs.delete(waiter.seq);
      const value = this.results.get(waiter.seq);
      this.results.delete(waiter.seq);
      if (waiter.kind === 'call') {
        if (failure !== undefined) waiter.reject(new StoreCommandError(failure));
        else waiter.resolve(value);
      } else if (failure !== undefined) waiter.reject(new StoreWriteError([failure.message]));
      else if (waiter.kind === 'flush' && this.unreported.length > 0) waiter.reject(new StoreWriteError(this.takeFailures()));
      else waiter.resolve(undefined);
    }
    for (const failed of this.failedSeqs.keys()) if (failed <= seq) this.failedSeqs.delete(failed);
    if (this.ackedSeq === this.nextSeq - 1 && this.state === 'open') this.worker.unref();
  }

  private takeFailures(): string[] {
    const failures = this.unreported;
    this.unreported = [];
    return failures;
  }

  private takeUnreported(): void {
    const failures = this.takeFailures();
    if (failures.length > 0) throw new StoreWriteError(failures);
  }

  private die(error: Error): void {
    if (this.state === 'dead' || this.state === 'closed') return;
    this.state = 'dead';
    this.deathError = error;
    this.unreported.push(error.message);
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    this.outstandingBatches = 0;
    this.batchCounts.length = 0;
    this.emit(error);
    this.worker.unref();
  }

  private emit(error: Error): void {
    for (const listener of this.listeners) {
      try {
        listener(error);
      } catch {
        // A listener's own failure must not stop the others from hearing about this one.
      }
    }
  }
}
