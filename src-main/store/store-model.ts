import type { ClaimResult, MetricStats, RunRecord, RunStatus } from '../model/run-model';

/**
 * What the runner hands the store at the points of a run's life: start, then (from RunRecord) trials
 * and event batches, then the end. Shared by RunStore and the RunWriter protocol; pure data.
 */

/** The RunRecord fields known when a run starts. */
export type RunStart = Pick<
  RunRecord,
  | 'id'
  | 'lessonId'
  | 'experimentId'
  | 'title'
  | 'startedAt'
  | 'spec'
  | 'params'
  | 'repeat'
  | 'warmup'
  | 'environment'
  | 'substitutions'
>;

/** The RunRecord fields known when a run ends, plus the number of trace events it recorded. */
export interface RunFinish {
  readonly status: RunStatus;
  readonly endedAt: string;
  readonly wallMs: number | null;
  readonly stats: readonly MetricStats[];
  readonly claims: readonly ClaimResult[];
  readonly warnings: readonly string[];
  readonly error: string | null;
  readonly eventCount: number;
}

/** Saving without an id creates a new experiment; with the id of a saved one, replaces its name and spec. */
export interface ExperimentInput {
  readonly id?: string;
  readonly name: string;
  readonly spec: unknown;
}

/** Bad input a person can fix (an empty tag, a malformed date): show the message, not a stack. */
export class StoreInputError extends Error {
  override readonly name = 'StoreInputError';
}
