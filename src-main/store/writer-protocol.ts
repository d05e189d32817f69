import type { TrialRecord } from '../engine/run-model';
import type { EventBatch } from '../engine/trace/trace-event';
import type { RunFinish, RunStart } from './store-model';

/**
 * Messages between RunWriter (the runner's thread) and the store-writer worker (writer-entry.ts).
 *
 * Every request carries a sequence number, increasing by one per message. The worker applies
 * requests strictly in that order and answers with `committed` up to a sequence number once everything
 * up to it is durable in SQLite (or has failed, reported before by a `failed` reply of the same number).
 * Errors cross as plain data.
 */

export interface WriterInit {
  readonly dbPath: string;
  /** How long a write may wait for a write lock held by another connection before it is given up. */
  readonly lockWaitMs: number;
}

export type WriterRequest =
  | { readonly type: 'beginRun'; readonly seq: number; readonly meta: RunStart }
  | { readonly type: 'eventBatches'; readonly seq: number; readonly runId: string; readonly batches: readonly EventBatch[] }
  | { readonly type: 'saveTrial'; readonly seq: number; readonly runId: string; readonly trial: TrialRecord }
  | { readonly type: 'finishRun'; readonly seq: number; readonly runId: string; readonly fields: RunFinish }
  | { readonly type: 'flush'; readonly seq: number }
  | { readonly type: 'close'; readonly seq: number };

export interface PlainError {
  readonly name: string;
  readonly message: string;
}

export type WriterReply =
  | { readonly type: 'ready' }
  | { readonly type: 'openFailed'; readonly error: PlainError }
  | { readonly type: 'committed'; readonly seq: number }
  | { readonly type: 'failed'; readonly seq: number; readonly error: PlainError };

export function toPlainError(error: unknown): PlainError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/**
 * The default branch of an exhaustive switch over a message union: `value` is `never` at compile time,
 * so adding a message type without handling it fails type-checking; at run time (a message from a
 * mismatched bundle) it yields an explicit error naming the type instead of being ignored.
 */
export function unknownMessageError(value: never, what: string): Error {
  const type = (value as { type?: unknown } | null)?.type;
  return new Error(`${what}: unknown message type ${JSON.stringify(type)}`);
}
