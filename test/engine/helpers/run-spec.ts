// Runs authored specs through the real engine and gives tests the decoded trace to assert on.
import { runExperiment, type RunRequest } from '../../../src-main/engine/runner/experiment';
import type { RunRecord, TrialRecord } from '../../../src-main/model/run-model';
import type { AuthoredSpec } from '../../../src-main/model/spec-schema';
import { decodeBatches, type EventBatch, type TraceEvent } from '../../../src-main/model/trace-event';

export interface Ran {
  readonly run: RunRecord;
  /** The last trial (the only one unless the test asked for repeats). */
  readonly trial: TrialRecord;
  /** Every event of the run, ordered by time. */
  readonly events: readonly TraceEvent[];
  readonly batches: readonly EventBatch[];
}

export async function runSpec(spec: AuthoredSpec, options: Omit<RunRequest, 'spec'> = {}): Promise<Ran> {
  // The runner keeps no batches past a trial: the test keeps every one it is handed.
  const batches: EventBatch[] = [];
  const { run } = await runExperiment({
    spec,
    ...options,
    onBatch: (batch) => {
      batches.push(batch);
      options.onBatch?.(batch);
    },
  });
  const trial = run.trials[run.trials.length - 1];
  if (!trial) throw new Error(`the run ended without a trial (status ${run.status}, error ${run.error})`);
  return { run, trial, events: decodeBatches(batches), batches };
}

export interface EventFilter {
  readonly actor?: string;
  readonly op?: string;
  readonly ph?: TraceEvent['ph'];
  /** Matches data.name, data.prim or data.queue, as claims do. */
  readonly name?: string;
}

export function select(events: readonly TraceEvent[], filter: EventFilter): TraceEvent[] {
  return events.filter(
    (e) =>
      (filter.actor === undefined || e.actor === filter.actor) &&
      (filter.op === undefined || e.op === filter.op) &&
      (filter.ph === undefined || e.ph === filter.ph) &&
      (filter.name === undefined || e.data?.['name'] === filter.name || e.data?.['prim'] === filter.name || e.data?.['queue'] === filter.name),
  );
}

/** The one event matching `filter`; fails the test when there is none or several. */
export function only(events: readonly TraceEvent[], filter: EventFilter): TraceEvent {
  const found = select(events, filter);
  if (found.length !== 1) throw new Error(`expected exactly one event matching ${JSON.stringify(filter)}, found ${found.length}`);
  return found[0]!;
}

/** Milliseconds since the run's start of an event. */
export function ms(event: TraceEvent): number {
  return event.t / 1e6;
}

/** Values of `record` steps named `name`, of one actor instance, in the order recorded. */
export function recordsOf(events: readonly TraceEvent[], actor: string, name: string): unknown[] {
  return select(events, { actor, op: 'record', name }).map((e) => e.data?.['value']);
}

/** The messages an actor logged. */
export function logsOf(events: readonly TraceEvent[], actor: string): string[] {
  return select(events, { actor, op: 'log' }).map((e) => String(e.data?.['message']));
}

export function actorRecord(trial: TrialRecord, name: string): TrialRecord['actors'][number] {
  const actor = trial.actors.find((a) => a.name === name);
  if (!actor) throw new Error(`no actor ${name} in the trial (have ${trial.actors.map((a) => a.name).join(', ')})`);
  return actor;
}

/** The trial's status, followed by its error when it has one, so that a failed assertion shows why. */
export function outcome(trial: TrialRecord): string {
  return trial.error ? `${trial.status}: ${trial.error}` : trial.status;
}
