import { distributionOf, shareMeeting, type Condition } from '../engine/metrics/distribution';
import type { RunDistribution, TrialQuantity } from '../model/distribution';
import type { RunRecord } from '../model/run-model';
import { LabError, type LabService } from './lab-service';

/**
 * The distribution of one quantity over a run's counted trials (a run of `--repeat 200`, say): each
 * outcome's share with its exact interval, a histogram when there are too many outcomes to list, and
 * the share of trials meeting a condition. A batch kept for its distribution only needs its records,
 * not its events: run it with `--max-events 0`.
 */

export type { RunDistribution, TrialQuantity } from '../model/distribution';

export function quantityLabel(q: TrialQuantity): string {
  return 'metric' in q ? q.metric : 'record' in q ? `record ${q.record}` : `shared ${q.shared}`;
}

/**
 * The quantity's value in each counted trial (NaN where a trial has none, so trials and values line up).
 * A trial cut off by a cancel has none: its records stop wherever the cancel found it, so they are not
 * an outcome of the experiment (a cancelled batch keeps the trials that finished).
 */
export function trialValues(run: RunRecord, q: TrialQuantity): number[] {
  return run.trials
    .filter((t) => !t.warmup)
    .map((t) => {
      if (t.status === 'cancelled') return NaN;
      let value: unknown;
      if ('metric' in q) value = t.metrics[q.metric];
      else if ('record' in q) {
        const values = t.records[q.record];
        value = Array.isArray(values) ? values[values.length - 1] : undefined;
      } else value = t.finalShared[q.shared];
      return typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : NaN;
    });
}

export function runDistribution(service: LabService, idOrPrefix: string, quantity: TrialQuantity, condition: Condition | null = null): RunDistribution {
  const run = service.getRun(idOrPrefix);
  const values = trialValues(run, quantity);
  const numbers = values.filter((v) => Number.isFinite(v));
  if (numbers.length === 0) {
    const counted = run.trials.filter((t) => !t.warmup);
    const known =
      'metric' in quantity
        ? Object.keys(counted[0]?.metrics ?? {})
        : 'record' in quantity
          ? Object.keys(counted[0]?.records ?? {})
          : Object.keys(counted[0]?.finalShared ?? {});
    throw new LabError('not-found', `run ${run.id.slice(0, 8)} has no numeric ${quantityLabel(quantity)} in its ${counted.length} counted trials; it has ${known.slice(0, 20).join(', ') || 'none'}`);
  }
  return {
    runId: run.id,
    title: run.title,
    quantity,
    trials: values.length,
    distribution: distributionOf(numbers),
    condition,
    meeting: condition ? shareMeeting(numbers, condition) : null,
  };
}
