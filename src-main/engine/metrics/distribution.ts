/**
 * The distribution of one quantity over many trials: how often each outcome happened, with an exact
 * (Clopper–Pearson) 95% interval for each share, a histogram when the values are too many to list,
 * and the share of trials meeting a condition ("updates were lost in 97% of trials, 94–99%").
 *
 * Pure computation, no Node imports.
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import { equalIntervalBreaks, mean, quantileSorted } from 'simple-statistics';
import type { Bin, Condition, ConditionOp, Distribution, Share } from '../../model/distribution';

/** At most this many distinct values are listed one by one; beyond, values are binned. */
export const MAX_LISTED_OUTCOMES = 30;
const HISTOGRAM_BINS = 20;

export type { Bin, Distribution, Share } from '../../model/distribution';

/** A share with its exact 95% interval; 0 of 0 has the whole interval [0, 1]. */
export function shareOf(count: number, of: number): Share {
  if (!Number.isInteger(count) || !Number.isInteger(of) || count < 0 || of < 0 || count > of) throw new RangeError(`a share needs 0 ≤ count ≤ of, got ${count} of ${of}`);
  if (of === 0) return { count, of, share: 0, ci95: [0, 1] };
  const lower = count === 0 ? 0 : betaQuantile(0.025, count, of - count + 1);
  const upper = count === of ? 1 : betaQuantile(0.975, count + 1, of - count);
  return { count, of, share: count / of, ci95: [lower, upper] };
}

export function distributionOf(values: readonly number[]): Distribution {
  const finite = values.filter((v) => Number.isFinite(v));
  const n = finite.length;
  if (n === 0) return { n: 0, listed: true, bins: [], mean: null, p5: null, median: null, p95: null };
  const sorted = [...finite].sort((a, b) => a - b);
  const counts = new Map<number, number>();
  for (const v of sorted) counts.set(v, (counts.get(v) ?? 0) + 1);
  let bins: Bin[];
  let listed = true;
  if (counts.size <= MAX_LISTED_OUTCOMES) {
    bins = [...counts].map(([value, count]) => ({ from: value, to: value, ...shareOf(count, n) }));
  } else {
    listed = false;
    const breaks = equalIntervalBreaks(sorted, HISTOGRAM_BINS);
    const tally = new Array<number>(HISTOGRAM_BINS).fill(0);
    const lo = sorted[0]!;
    const width = (sorted[n - 1]! - lo) / HISTOGRAM_BINS;
    for (const v of sorted) tally[Math.min(HISTOGRAM_BINS - 1, Math.floor((v - lo) / width))]!++;
    bins = tally.map((count, i) => ({ from: breaks[i]!, to: breaks[i + 1]!, ...shareOf(count, n) }));
  }
  return { n, listed, bins, mean: mean(sorted), p5: quantileSorted(sorted, 0.05), median: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95) };
}

export type { Condition, ConditionOp } from '../../model/distribution';

export function parseCondition(text: string): Condition {
  const match = /^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i.exec(text);
  if (!match) throw new RangeError(`a condition is an operator (>, >=, <, <=, ==, !=) and a number, like ">0"; got ${JSON.stringify(text.slice(0, 40))}`);
  return { op: match[1] as ConditionOp, value: Number(match[2]) };
}

export function meets(value: number, c: Condition): boolean {
  switch (c.op) {
    case '>':
      return value > c.value;
    case '>=':
      return value >= c.value;
    case '<':
      return value < c.value;
    case '<=':
      return value <= c.value;
    case '==':
      return value === c.value;
    case '!=':
      return value !== c.value;
  }
}

/** The share of values meeting the condition, with its exact interval. */
export function shareMeeting(values: readonly number[], c: Condition): Share {
  const finite = values.filter((v) => Number.isFinite(v));
  return shareOf(finite.filter((v) => meets(v, c)).length, finite.length);
}
