/**
 * The store-writer worker thread (bundled to out/engine/store-writer.mjs): the one place where a run's
 * writes meet SQLite, so the runner and the Electron main process never wait on the disk.
 *
 * Guarantees: requests are applied in the order they were posted; event batches are buffered and
 * committed in transactions of many batches, at the latest COMMIT_INTERVAL_MS after the first one of a
 * transaction arrived or once COMMIT_BATCHES are buffered; any other request first commits what is
 * buffered. A failed write is reported (`failed`) and never stops the writes after it.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { EventBatch } from '../engine/trace/trace-event';
import { openDatabase } from './database';
import { RunStore } from './run-store';
import { toPlainError, unknownMessageError, type WriterInit, type WriterReply, type WriterRequest } from './writer-protocol';

const COMMIT_INTERVAL_MS = 50;
const COMMIT_BATCHES = 256;

interface PendingBatches {
  readonly seq: number;
  readonly runId: string;
  readonly batches: readonly EventBatch[];
}

class BatchingWriter {
  private pending: PendingBatches[] = [];
  private pendingCount = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: RunStore,
    private readonly port: MessagePort,
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
        return this.apply(message.seq, () => this.store.beginRun(message.meta));
      case 'saveTrial':
        return this.apply(message.seq, () => {
          if (!this.store.saveTrial(message.runId, message.trial)) {
            throw new Error(`cannot save trial ${message.trial.index}: run ${message.runId} does not exist`);
          }
        });
      case 'finishRun':
        return this.apply(message.seq, () => {
          if (!this.store.finishRun(message.runId, message.fields)) {
            throw new Error(`cannot finish run ${message.runId}: it does not exist`);
          }
        });
      case 'flush':
        return this.apply(message.seq, () => undefined);
      case 'close':
        this.apply(message.seq, () => this.store.close());
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
    try {
      this.store.transaction(() => {
        for (const group of groups) this.store.appendEventBatches(group.runId, group.batches);
      });
    } catch {
      // One bad request (batches for a run never begun) must not cost the others their batches.
      for (const group of groups) {
        try {
          this.store.appendEventBatches(group.runId, group.batches);
        } catch (error) {
          this.fail(group.seq, error, `lost ${group.batches.length} event batches of run ${group.runId}: `);
        }
      }
    }
    this.post({ type: 'committed', seq: groups[groups.length - 1]!.seq });
  }

  private apply(seq: number, write: () => void): void {
    this.commitPending();
    try {
      write();
    } catch (error) {
      this.fail(seq, error);
    }
    this.post({ type: 'committed', seq });
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
    store = new RunStore(openDatabase(init.dbPath, { recoverInterrupted: false }));
  } catch (error) {
    port.postMessage({ type: 'openFailed', error: toPlainError(error) } satisfies WriterReply);
    port.close();
    return;
  }
  const writer = new BatchingWriter(store, port);
  port.on('message', (message: WriterRequest) => writer.handle(message));
  port.postMessage({ type: 'ready' } satisfies WriterReply);
}

main();
