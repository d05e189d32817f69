import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { assertNever } from '../model/assert-never';
import { entryPath } from '../engine/entry-paths';
import { RunLogError, runLogByteLimit, type RunLog, type RunLogIssue } from './run-log';

/** What the reader worker is given: the log's bytes (a copy) and the size limit to apply. */
export interface ReaderInit {
  readonly bytes: Uint8Array | string;
  readonly maxBytes: number;
}

export type ReaderReply =
  /** Part of a valid log's event batches, in order; its `parsed` follows with the rest of the log. */
  | { readonly type: 'events'; readonly batches: RunLog['events'] }
  | { readonly type: 'parsed'; readonly log: RunLog }
  | { readonly type: 'refused'; readonly message: string; readonly issues: readonly RunLogIssue[] }
  | { readonly type: 'failed'; readonly message: string };

const TRANSFER_MIN_BYTES = 1024 * 1024;

/**
 * Parses a run log in a worker thread with a heap the size of this process's, so the limits runLogByteLimit
 * derives from it hold there too. Guarantees: the calling thread only copies the bytes in and the validated
 * log out; a parse that fills the worker's heap as it goes ends the worker and is refused as a RunLogError;
 * `stop()` (or the returned promise settling) ends the worker. Not guaranteed: V8 aborts the whole process
 * when one allocation alone cannot fit the heap (the text of a log far larger than the limits allow).
 */
export class RunLogReader {
  private readonly active = new Set<Worker>();

  /**
   * `heapMb`: the worker's heap (default: as large as this process's); `maxBytes`: the size limit (default:
   * runLogByteLimit for that heap); `workerFile`: another build of the entry.
   */
  constructor(private readonly options: { readonly heapMb?: number; readonly maxBytes?: number; readonly workerFile?: string } = {}) {}

  /**
   * `transfer`: the caller hands `bytes` over (they are moved to the worker, not copied, and are empty
   * here afterwards); only for bytes nothing else holds, such as a file just read.
   */
  async read(bytes: Uint8Array | string, options: { readonly transfer?: boolean } = {}): Promise<RunLog> {
    const heapMb = this.options.heapMb ?? Math.floor(getHeapStatistics().heap_size_limit / (1024 * 1024));
    const maxBytes = this.options.maxBytes ?? runLogByteLimit(heapMb * 1024 * 1024);
    if (bytes.length > maxBytes) throw new RunLogError(`run log is larger than ${maxBytes} bytes; refusing to read it`);
    const worker = new Worker(this.options.workerFile ?? entryPath('run-log-reader'), {
      workerData: { bytes, maxBytes } satisfies ReaderInit,
      // Only a large buffer of its own: small Buffers share Node's pool, which must never move.
      ...(options.transfer && typeof bytes !== 'string' && bytes.buffer instanceof ArrayBuffer && bytes.buffer.byteLength >= TRANSFER_MIN_BYTES
        ? { transferList: [bytes.buffer] }
        : {}),
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    this.active.add(worker);
    try {
      // A large log's events come in parts: each is a small copy into this thread, with its other work between.
      const events: RunLog['events'][number][] = [];
      const reply = await new Promise<Exclude<ReaderReply, { type: 'events' }>>((resolve, reject) => {
        worker.on('message', (message: ReaderReply) => {
          if (message.type === 'events') for (const batch of message.batches) events.push(batch);
          else resolve(message);
        });
        worker.once('error', (error: NodeJS.ErrnoException) => {
          reject(
            error.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? new RunLogError(`run log needs more memory to check than this process has (a ${heapMb} MB heap); refusing it`)
              : error,
          );
        });
        worker.once('exit', (code) => reject(new Error(`the run-log reader stopped before answering (exit code ${code})`)));
      });
      switch (reply.type) {
        case 'parsed':
          return events.length > 0 ? { ...reply.log, events: [...events, ...reply.log.events] } : reply.log;
        case 'refused':
          throw new RunLogError(reply.message, reply.issues);
        case 'failed':
          throw new Error(`the run-log reader failed: ${reply.message}`);
        default:
          return assertNever(reply, 'run-log reader reply');
      }
    } finally {
      this.active.delete(worker);
      void worker.terminate();
    }
  }

  /** Ends every read in progress (their promises reject). */
  async stop(): Promise<void> {
    await Promise.all([...this.active].map((worker) => worker.terminate()));
  }
}
