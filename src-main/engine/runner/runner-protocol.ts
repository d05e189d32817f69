import type { ActorExit, ActorHostOptions } from '../actors/hosts';
import type { ActorInit, ActorToRunner, RunnerToActor } from '../actors/protocol';
import type { RunProgress, RunStatus, RuntimeName } from '../../model/run-model';
import type { ValidatedSpec } from '../spec/validate';
import type { EventBatch } from '../../model/trace-event';

/**
 * Messages between LabService (the parent) and a runner process (runner-entry.ts). Every message
 * has a `type`; both switches end in assertNever. Errors cross as plain data.
 */

export interface RunnerStart {
  /** Assigned by the parent up front, so it can cancel and finalize a run it never heard from. */
  readonly runId: string;
  readonly dbPath: string;
  readonly spec: unknown;
  readonly validated: ValidatedSpec;
  readonly repeat: number;
  readonly warmup: number;
  readonly lessonId: string | null;
  readonly experimentId: string | null;
  readonly title?: string;
  readonly workRoot?: string;
  /**
   * Relay every event batch (someone draws them live); otherwise batches only go to the store. A relayed
   * batch counts in the runner's backlog until the parent answers 'batches-taken' for it.
   */
  readonly relayBatches: boolean;
  /** The parent's pid as the runner first saw it: the guard kills the runner when it changes. */
  readonly parentPid: number;
  /**
   * The mechanism of the utility host the parent starts utility actors on (relayed: the runner asks, the
   * parent owns the actor); null: the runner forks utility actors itself and the run records the substitution.
   */
  readonly relayedUtility: string | null;
  /** Where the actors run (absent: the Node engine). */
  readonly runtime?: RuntimeName;
  /** The settings' Python path, looked for after CONLAB_PYTHON (absent: none). */
  readonly pythonPath?: string;
  /** false: event batches are not stored (records and metrics only). */
  readonly storeEvents?: boolean;
}

/**
 * A relayed actor, seen from the parent: started on request, its messages relayed both ways as they are
 * (structured clone over the runner's channel; an actor's events already come in batches), its exit
 * reported once, killed on request (even after its exit: its children too) and whenever the runner ends.
 * Every message names the actor by the id the runner gave it in 'actor-start'.
 */
export type RelayToActor =
  | { readonly type: 'actor-start'; readonly id: number; readonly init: ActorInit; readonly options: ActorHostOptions }
  | { readonly type: 'actor-post'; readonly id: number; readonly message: RunnerToActor }
  | { readonly type: 'actor-kill'; readonly id: number };

export type RelayFromActor =
  /** The actor's pid, as soon as its host knows it. */
  | { readonly type: 'actor-pid'; readonly id: number; readonly pid: number }
  | { readonly type: 'actor-message'; readonly id: number; readonly message: ActorToRunner }
  /** Sent once, after every message of the actor; also the answer to a start that failed. */
  | { readonly type: 'actor-exit'; readonly id: number; readonly exit: ActorExit }
  /** The answer to 'actor-kill': the actor and what it started are gone. */
  | { readonly type: 'actor-killed'; readonly id: number };

export type ParentToRunner =
  | { readonly type: 'start'; readonly start: RunnerStart }
  /** Abort the run; the runner answers 'cancelling' at once and then ends the run as cancelled. */
  | { readonly type: 'cancel' }
  /**
   * Payload bytes of relayed batches the parent has taken further (sent on to its viewers, or skipped for
   * them): until then they count in the runner's backlog, so a parent that falls behind holds the actors.
   */
  | { readonly type: 'batches-taken'; readonly bytes: number }
  | RelayFromActor;

export interface RunnerError {
  readonly name: string;
  readonly message: string;
}

export type RunnerToParent =
  | { readonly type: 'progress'; readonly progress: RunProgress }
  | { readonly type: 'batch'; readonly batch: EventBatch }
  /** An actor process (the leader of its own process group) started: the parent kills it with the tree. */
  | { readonly type: 'actor-started'; readonly pid: number }
  | { readonly type: 'cancelling' }
  /** The run is recorded and finished (the store is flushed and closed); the runner exits next. */
  | { readonly type: 'done'; readonly status: RunStatus }
  | { readonly type: 'failed'; readonly error: RunnerError }
  | RelayToActor;

export function toRunnerError(error: unknown): RunnerError {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}

/** The environment variable every process of a run's tree inherits (its value is the run id). */
export const RUN_MARKER_ENV = 'CONLAB_RUN_ID';
