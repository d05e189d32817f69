import type { RunRecord, RunStatus, TrialRecord } from '../model/run-model';
import type { EventBatch } from '../model/trace-event';
import type { RunPrediction } from '../model/questions';
import type { StoreFailureKind } from './database';
import type { ExperimentInput, RunFinish, RunStart } from './store-model';

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
  | { readonly type: 'close'; readonly seq: number }
  | StoreCommand;

/**
 * What a person (or the service on their behalf) changes in the history. Each is answered with a
 * `result` (its value) or a `failed`, then `committed`. An import arrives in parts: `importBegin` with
 * the validated run, any number of `importEvents`, then `importEnd`, which stores the whole run in
 * one transaction (nothing of it is visible before) and answers 'inserted' or 'exists'.
 */
export type StoreCommand =
  | { readonly type: 'importBegin'; readonly seq: number; readonly importId: number; readonly run: RunRecord }
  | { readonly type: 'importEvents'; readonly seq: number; readonly importId: number; readonly batches: readonly EventBatch[] }
  | { readonly type: 'importEnd'; readonly seq: number; readonly importId: number }
  | { readonly type: 'finalizeKilledRun'; readonly seq: number; readonly runId: string; readonly status: RunStatus; readonly error: string; readonly endedAt: string }
  | { readonly type: 'addTag'; readonly seq: number; readonly runId: string; readonly tag: string }
  | { readonly type: 'removeTag'; readonly seq: number; readonly runId: string; readonly tag: string }
  | { readonly type: 'addNote'; readonly seq: number; readonly runId: string; readonly text: string }
  | { readonly type: 'savePredictions'; readonly seq: number; readonly runId: string; readonly predictions: readonly RunPrediction[] }
  | { readonly type: 'deleteRun'; readonly seq: number; readonly runId: string }
  | { readonly type: 'saveExperiment'; readonly seq: number; readonly input: ExperimentInput }
  | { readonly type: 'deleteExperiment'; readonly seq: number; readonly id: string };

export interface PlainError {
  readonly name: string;
  readonly message: string;
  /** Set when the history could not take the write (locked too long, disk full, read-only, damaged). */
  readonly kind?: StoreFailureKind | undefined;
}

export type WriterReply =
  | { readonly type: 'ready' }
  | { readonly type: 'openFailed'; readonly error: PlainError }
  | { readonly type: 'committed'; readonly seq: number }
  | { readonly type: 'result'; readonly seq: number; readonly value: unknown }
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
