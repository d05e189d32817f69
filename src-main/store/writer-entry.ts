/**
 * The store-writer worker thread (bundled to out/engine/store-writer.mjs): the one place where a run's
 * writes meet SQLite, so the runner and the Electron main process never wait on the disk.
 *
 * Guarantees:
 * - requests are applied in the order they were posted; event batches are buffered and committed in
 *   transactions of many batches, at the latest COMMIT_INTERVAL_MS after the first one of a
 *   transaction arrived or once COMMIT_BATCHES are buffered; any other request first commits what is
 *   buffered. A failed write is reported (`failed`) and never stops the writes after it.
 * - every transaction takes the write lock up front (BEGIN IMMEDIATE) and, while another connection
 *   holds it, is retried with backoff for up to `lockWaitMs` per stretch of contention. Blocking here
 *   is the point of having a worker: the runner keeps running and its messages queue up meanwhile.
 * - a run's stored end never claims more than was stored: when any of its batches or trials could not
 *   be written (lock held too long, disk full, damaged file), or its stored events fall short of the
 *   count the runner reports, it is stored as 'failed' with the reason, and its event_count is always
 *   the number of events actually stored.
 * - an end that cannot be written yet is kept and written as soon as it can: before every later
 *   write, and with a fresh wait at `flush` and `close`.
 */
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { RunRecord } from '../model/run-model';
import type { EventBatch } from '../model/trace-event';
import { openDatabase, recoveryHint, storeFailureKind, type StoreFailureKind } from './database';
import { RunStore } from './run-store';
import { honestFinish, newLedger, type RunLedger } from './run-ledger';
import type { RunFinish } from './store-model';
import { toPlainError, unknownMessageError, type WriterInit, type WriterReply, type WriterRequest } from './writer-protocol';

const COMMIT_INTERVAL_MS = 50;
const COMMIT_BATCHES = 256;
/** Each attempt lets SQLite's busy handler wait this long; the retry loop backs off between attempts. */
const ATTEMPT_BUSY_TIMEOUT_MS = 200;
const FIRST_BACKOFF_MS = 20;
const MAX_BACKOFF_MS = 1000;

interface PendingBatches {
  readonly seq: number;
  readonly runId: string;
  readonly batches: readonly EventBatch[];
}

/** A write that could not be done; `kind` is null for anything but the storage conditions. */
/**
 * Room kept on the history's file system so that the end of a run can still be recorded when the disk
 * fills up during the run: a file of END_RESERVE_BYTES beside the database, made when a writer starts
 * (where there is room) and deleted when a run's end meets a full disk, just before the end is written.
 * SQLite needs a few pages of WAL for that end; with nothing free at all it could not record it.
 */
const END_RESERVE_BYTES = 256 * 1024;
const reservePath = (dbPath: string): string => `${dbPath}-end-reserve`;

function keepEndReserve(dbPath: string): void {
  if (dbPath === ':memory:') return;
  try {
    if (statSync(reservePath(dbPath), { throwIfNoEntry: false })?.size === END_RESERVE_BYTES) return;
    writeFileSync(reservePath(dbPath), Buffer.alloc(END_RESERVE_BYTES));
  } catch {
    // No room (or no right) to keep it: a full disk then may leave a run's end unrecorded, as before.
    rmSync(reservePath(dbPath), { force: true });
  }
}

function releaseEndReserve(dbPath: string): void {
  try {
    rmSync(reservePath(dbPath), { force: true });
  } catch {
    // nothing kept, or not ours to delete
  }
}

class WriteFailure extends Error {
  constructor(
    readonly kind: StoreFailureKind | null,
    /** Why, without the words naming the write. */
    readonly reason: string,
    prefix: string,
    /** What the write itself threw (for a person's request, its name tells bad input from the rest). */
    readonly original: unknown = null,
  ) {
    super(prefix + reason);
  }
}

interface PendingImport {
  readonly run: RunRecord;
  readonly batches: EventBatch[];
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks this worker thread only (Atomics.wait is allowed off the main thread). */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, Math.max(1, ms));
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

class BatchingWriter {
  private pending: PendingBatches[] = [];
  private pendingCount = 0;
  private timer: NodeJS.Timeout | null = null;
  /** When the current stretch of lock contention began; null while writes go through. */
  private lockedSince: number | null = null;
  /** When a write last found the lock taken: a quiet spell longer than lockWaitMs ends a stretch. */
  private lastBusyAt = 0;
  private readonly ledgers = new Map<string, RunLedger>();
  /** Ends of runs that could not be written yet, in the order they came. */
  private readonly unfinished = new Map<string, RunFinish>();
  /** Imports whose parts are still arriving, by the id the caller gave them. */
  private readonly imports = new Map<number, PendingImport>();

  constructor(
    private readonly store: RunStore,
    private readonly port: MessagePort,
    private readonly dbPath: string,
    private readonly lockWaitMs: number,
  ) {}

  handle(message: WriterRequest): void {
    switch (message.type) {
      case 'eventBatches':
        this.pending.push({ seq: message.seq, runId: message.runId, batches: message.batches });
        this.pendingCount += message.batches.length;
        if (this.pendingCount >= COMMIT_BATCHES) this.commitPending();
        // A timer, not the next message, ends a quiet stretch: batches must not wait for more batches.
        else this.timer ??= setTimeout(() => this.commitPending(), COMMIT_INTERVAL_MS);
        return;
      case 'beginRun':
        return this.apply(message.seq, () => {
          this.durably(() => this.store.beginRun(message.meta), `cannot record run ${message.meta.id}: `);
          this.ledgers.set(message.meta.id, newLedger());
        });
      case 'saveTrial':
        return this.apply(message.seq, () => {
          try {
            this.durably(() => {
              if (!this.store.saveTrial(message.runId, message.trial)) {
                throw new Error(`cannot save trial ${message.trial.index}: run ${message.runId} does not exist`);
              }
            }, `trial ${message.trial.index} of run ${message.runId} not stored: `);
          } catch (error) {
            this.noteLoss(message.runId, error, (ledger) => ledger.lostTrials++);
            throw error;
          }
        });
      case 'finishRun':
        this.unfinished.set(message.runId, message.fields);
        return this.apply(message.seq, () => this.writeFinish(message.runId, false));
      case 'flush':
        return this.apply(message.seq, () => this.writeUnfinished(true));
      case 'importBegin':
        this.imports.set(message.importId, { run: message.run, batches: [] });
        return this.post({ type: 'committed', seq: message.seq });
      case 'importEvents': {
        const pending = this.imports.get(message.importId);
        // An unknown import is reported by its importEnd; the parts alone are not answered.
        if (pending) for (const batch of message.batches) pending.batches.push(batch);
        return this.post({ type: 'committed', seq: message.seq });
      }
      case 'importEnd': {
        const pending = this.imports.get(message.importId);
        this.imports.delete(message.importId);
        return this.answer(message.seq, () => {
          if (!pending) throw new Error(`import ${message.importId}: its run never arrived`);
          return this.store.saveCompleteRun(pending.run, pending.batches);
        });
      }
      case 'finalizeKilledRun':
        return this.answer(message.seq, () => this.store.finalizeKilledRun(message.runId, message.status, message.error, message.endedAt));
      case 'addTag':
        return this.answer(message.seq, () => this.store.addTag(message.runId, message.tag));
      case 'removeTag':
        return this.answer(message.seq, () => this.store.removeTag(message.runId, message.tag));
      case 'addNote':
        return this.answer(message.seq, () => this.store.addNote(message.runId, message.text));
      case 'savePredictions':
        return this.answer(message.seq, () => this.store.savePredictions(message.runId, message.predictions));
      case 'deleteRun':
        return this.answer(message.seq, () => this.store.deleteRun(message.runId));
      case 'saveExperiment':
        return this.answer(message.seq, () => this.store.saveExperiment(message.input));
      case 'deleteExperiment':
        return this.answer(message.seq, () => this.store.deleteExperiment(message.id));
      case 'close':
        this.apply(message.seq, () => {
          try {
            this.writeUnfinished(true);
          } finally {
            this.store.close();
          }
        });
        this.port.close(); // nothing else keeps this thread alive: it exits
        return;
      default:
        return this.rejectUnknown(message);
    }
  }

  private post(reply: WriterReply): void {
    this.port.postMessage(reply);
  }

  private fail(seq: number, error: unknown, prefix = ''): void {
    const plain = toPlainError(error);
    this.post({ type: 'failed', seq, error: { name: plain.name, message: prefix + plain.message } });
  }

  /**
   * Runs `write` in one immediate transaction. While another connection holds the write lock it
   * retries with growing pauses until the current stretch of contention has lasted lockWaitMs (a
   * fresh stretch starts with `fresh`); after that each write gets one attempt until one succeeds.
   * Throws a WriteFailure whose message is one line: the reason, after `prefix`.
   */
  private durably<T>(write: () => T, prefix: string, fresh = false): T {
    if (fresh || Date.now() - this.lastBusyAt > this.lockWaitMs) this.lockedSince = null;
    let backoff = FIRST_BACKOFF_MS;
    for (;;) {
      const attemptStart = Date.now();
      try {
        const result = this.store.transaction(write);
        this.lockedSince = null;
        return result;
      } catch (error) {
        const kind = storeFailureKind(error);
        if (kind !== 'locked') throw new WriteFailure(kind, this.describe(kind, error), prefix, error);
        this.lockedSince ??= attemptStart;
        this.lastBusyAt = Date.now();
        const waited = Date.now() - this.lockedSince;
        if (waited >= this.lockWaitMs) {
          throw new WriteFailure('locked', `database locked for ${seconds(waited)} by another program`, prefix);
        }
        sleepSync(Math.min(backoff, this.lockWaitMs - waited));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private describe(kind: StoreFailureKind | null, error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    switch (kind) {
      case 'disk-full':
        return `disk full: no space left for ${this.dbPath} (${message})`;
      case 'read-only':
        return `the database ${this.dbPath} became read-only (${message})`;
      case 'damaged':
        return `the database ${this.dbPath} is damaged (${message}); ${recoveryHint(this.dbPath)}`;
      case 'locked':
      case null:
        return message;
    }
  }

  /** Records a lost write against its run (runs begun elsewhere have no ledger and just report it). */
  private noteLoss(runId: string, error: unknown, count: (ledger: RunLedger) => void): void {
    const ledger = this.ledgers.get(runId);
    if (!ledger) return;
    count(ledger);
    if (error instanceof WriteFailure && error.kind === 'disk-full') ledger.diskFull ??= error;
    const reason = error instanceof WriteFailure ? error.reason : error instanceof Error ? error.message : String(error);
    ledger.reasons.set(error instanceof WriteFailure && error.kind !== null ? error.kind : reason, reason);
  }

  /** Commits every buffered batch: one transaction normally, one per request if that one fails. */
  private commitPending(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const groups = this.pending;
    this.pending = [];
    this.pendingCount = 0;
    const last = groups[groups.length - 1]!.seq;
    const lose = (group: PendingBatches, error: unknown): void => {
      this.noteLoss(group.runId, error, (ledger) => {
        ledger.lostBatches += group.batches.length;
        ledger.lostEvents += group.batches.reduce((sum, b) => sum + b.count, 0);
      });
      this.fail(group.seq, error, `lost ${group.batches.length} event batches of run ${group.runId}: `);
    };
    // A run that met a full disk stores no more batches: the room left (the pages of the transaction
    // that failed, which SQLite reuses) must stay free for the record of how the run ended.
    const writable = groups.filter((group) => {
      const diskFull = this.ledgers.get(group.runId)?.diskFull;
      if (diskFull) lose(group, diskFull);
      return !diskFull;
    });
    if (writable.length === 0) return this.post({ type: 'committed', seq: last });
    try {
      this.durably(() => {
        for (const group of writable) this.store.appendEventBatches(group.runId, group.batches);
      }, '');
    } catch (error) {
      if (error instanceof WriteFailure && error.kind !== null) {
        // The lock was waited for already, or the file refuses writes: every group is lost alike.
        for (const group of writable) lose(group, error);
      } else {
        // One bad request (batches for a run never begun) must not cost the others their batches.
        for (const group of writable) {
          try {
            this.durably(() => this.store.appendEventBatches(group.runId, group.batches), '');
          } catch (groupError) {
            lose(group, groupError);
          }
        }
      }
    }
    this.post({ type: 'committed', seq: last });
  }

  /** Writes a run's end (see honestFinish); on a storage failure the end is kept for a later attempt. */
  private writeFinish(runId: string, fresh: boolean): void {
    const fields = this.unfinished.get(runId);
    if (fields === undefined) return;
    const write = (): void =>
      this.durably(
        () => {
          const finish = honestFinish(fields, this.store.countEvents(runId), this.ledgers.get(runId));
          if (!this.store.finishRun(runId, finish)) throw new Error(`cannot finish run ${runId}: it does not exist`);
        },
        `the end of run ${runId} is not recorded yet: `,
        fresh,
      );
    try {
      try {
        write();
      } catch (error) {
        if (!(error instanceof WriteFailure) || error.kind !== 'disk-full') throw error;
        // The room kept beside the history for this moment goes first; then copying the WAL into the
        // database and truncating it can free room the database does not need (pages the WAL held
        // several versions of). Then the end fits.
        releaseEndReserve(this.dbPath);
        try {
          this.store.db.pragma('wal_checkpoint(TRUNCATE)');
        } catch {
          // the retry below reports the disk
        }
        write();
      }
    } catch (error) {
      // Only a storage condition can clear up; anything else would fail the same way again.
      if (!(error instanceof WriteFailure) || error.kind === null) this.forget(runId);
      throw error;
    }
    this.forget(runId);
  }

  private forget(runId: string): void {
    this.unfinished.delete(runId);
    this.ledgers.delete(runId);
  }

  /** Writes every kept end; throws one error naming those that still cannot be written. */
  private writeUnfinished(fresh: boolean): void {
    const failures: string[] = [];
    for (const runId of [...this.unfinished.keys()]) {
      try {
        this.writeFinish(runId, fresh);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  private apply(seq: number, write: () => void): void {
    this.commitPending();
    try {
      // Ends kept from earlier go first, quietly: flush and close report the ones still missing.
      if (this.unfinished.size > 0) this.writeUnfinished(false);
    } catch {
      // reported by flush or close
    }
    try {
      write();
    } catch (error) {
      this.fail(seq, error);
    }
    this.post({ type: 'committed', seq });
  }

  /**
   * A person's request: one immediate transaction, waiting out another connection's lock like every
   * write here; answered with its value, or with the error it threw (its name kept, so bad input stays
   * bad input) and, for a storage condition, the kind.
   */
  private answer(seq: number, write: () => unknown): void {
    this.apply(seq, () => {
      let value: unknown;
      try {
        value = this.durably(write, '');
      } catch (error) {
        if (!(error instanceof WriteFailure)) throw error;
        if (error.kind !== null) {
          // The service words these for a person (see LabService); it gets SQLite's own words to quote.
          const message = error.kind === 'locked' || error.original === null ? error.reason : toPlainError(error.original).message;
          this.post({ type: 'failed', seq, error: { name: 'StoreUnavailableError', message, kind: error.kind } });
          return;
        }
        this.post({ type: 'failed', seq, error: toPlainError(error.original ?? error) });
        return;
      }
      this.post({ type: 'result', seq, value });
    });
  }

  private rejectUnknown(message: never): void {
    const seq = (message as { seq?: unknown }).seq;
    const known = typeof seq === 'number' ? seq : -1;
    this.fail(known, unknownMessageError(message, 'store writer'));
    if (known >= 0) this.post({ type: 'committed', seq: known });
  }
}

function main(): void {
  if (!parentPort) throw new Error('store-writer must run as a worker thread (new Worker(entryPath("store-writer")))');
  const port = parentPort;
  const init = workerData as WriterInit;
  let store: RunStore;
  try {
    // recoverInterrupted off: the process that owns this worker may have runs in progress.
    const db = openDatabase(init.dbPath, { recoverInterrupted: false });
    // Short: the retry loop in BatchingWriter does the long waiting, in steps it can count.
    db.pragma(`busy_timeout = ${ATTEMPT_BUSY_TIMEOUT_MS}`);
    store = new RunStore(db);
  } catch (error) {
    port.postMessage({ type: 'openFailed', error: toPlainError(error) } satisfies WriterReply);
    port.close();
    return;
  }
  keepEndReserve(init.dbPath);
  const writer = new BatchingWriter(store, port, init.dbPath, init.lockWaitMs);
  port.on('message', (message: WriterRequest) => writer.handle(message));
  port.postMessage({ type: 'ready' } satisfies WriterReply);
}

main();
