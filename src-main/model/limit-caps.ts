/**
 * The caps on what one run may use, configured by the person (settings, CLI flags). A spec may ask for
 * less than a cap, never more (engine/spec/limits.ts checks it). Pure data: the engine, the service and
 * the Settings page share this one declaration.
 */

export interface LimitCaps {
  /** Actor instances in one trial, all groups together. */
  readonly maxActors: number;
  readonly wallTimeMs: number;
  /** Heap cap of each thread and process actor, in MB. */
  readonly memoryMbPerActor: number;
  /** Trace events kept per trial; beyond it, actors count events instead of recording them. */
  readonly maxEvents: number;
  // The byte limits below bound one trial, measured as a value arrives (its JSON length): events recorded
  // (streamed on, not held), records, managed state and queued items (held); going over fails the trial,
  // names the limit and the actor, and stops that actor.
  /** Encoded trace batches received in one trial (all actors). */
  readonly maxEventBytes: number;
  /** `record` events of one trial (all actors), each counted as its encoded event. */
  readonly maxRecordBytes: number;
  /** Managed shared state, all variables together, at any moment. */
  readonly maxManagedBytes: number;
  /** Items held in all queues (waiting in them or waiting to enter them), at any moment. */
  readonly maxQueueBytes: number;
  /** Any single value a step builds (a string, a list), checked as it is built, on whatever thread runs the actor. */
  readonly maxValueBytes: number;
}

const MB = 1024 * 1024;

export const DEFAULT_LIMIT_CAPS: LimitCaps = Object.freeze({
  maxActors: 1_000,
  wallTimeMs: 10 * 60_000,
  memoryMbPerActor: 512,
  maxEvents: 5_000_000,
  // Every lesson stays far below these (its largest trial holds a few MB of events); together they keep a
  // runner's own holdings for a trial at a few hundred MB, well under 1 GB with the copies in flight.
  maxEventBytes: 128 * MB,
  maxRecordBytes: 32 * MB,
  maxManagedBytes: 64 * MB,
  maxQueueBytes: 64 * MB,
  // One value built by a step (concat, text, list): a few MB is far more than any lesson builds, and it stops a
  // string doubled in a loop long before it can fill the heap of the runner (tasks and main run there).
  maxValueBytes: 4 * MB,
});
