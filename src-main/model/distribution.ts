/**
 * The distribution of one quantity over a run's counted trials, as the service answers it and the
 * app draws it: each outcome's share with its exact (Clopper–Pearson) 95% interval, a histogram when
 * the outcomes are too many to list, and the share of trials meeting a condition.
 * engine/metrics/distribution.ts computes it.
 */
import type { TrialShare } from './sweep';

/** A share of trials with its exact 95% interval (0 of 0: the whole interval [0, 1]). */
export type Share = TrialShare;

export interface Bin extends Share {
  /** The value itself (listed outcomes) or the bin's bounds, from inclusive, to exclusive but the last. */
  readonly from: number;
  readonly to: number;
}

export interface Distribution {
  readonly n: number;
  /** true when every distinct value has a bin of its own. */
  readonly listed: boolean;
  readonly bins: readonly Bin[];
  readonly mean: number | null;
  readonly p5: number | null;
  readonly median: number | null;
  readonly p95: number | null;
}

export type ConditionOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

/** A condition on a value, written `>0`, `<=10`, `==0`, `!=20`. */
export interface Condition {
  readonly op: ConditionOp;
  readonly value: number;
}

/** A run metric, a record (its last value in each trial) or a shared variable's final value. */
export type TrialQuantity = { readonly metric: string } | { readonly record: string } | { readonly shared: string };

export interface RunDistribution {
  readonly runId: string;
  readonly title: string;
  readonly quantity: TrialQuantity;
  /** Counted trials, and those of them that had the quantity as a number. */
  readonly trials: number;
  readonly distribution: Distribution;
  readonly condition: Condition | null;
  readonly meeting: Share | null;
}
