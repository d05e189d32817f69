/**
 * Summary statistics of repeated trials: every MetricStats is computed from finite values only, over
 * counted (non-warm-up) trials, with a Student's t 95% interval of the mean and robust outlier flags.
 *
 * Pure computation, no Node imports.
 */
import { runMessage } from '../../model/run-wording';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { max, mean, median, medianAbsoluteDeviation, min, sampleStandardDeviation } from 'simple-statistics';
import type { MetricStats, TrialRecord } from '../../model/run-model';

/** Modified z-score above which a value is flagged (Iglewicz and Hoaglin). */
export const OUTLIER_Z_THRESHOLD = 3.5;
/** A first counted trial slower than this multiple of the median of the others triggers the warm-up warning. */
export const WARMUP_SLOWDOWN_FACTOR = 1.5;

/** Two-sided 95% Student's t critical value for `df` degrees of freedom. */
export function tCritical95(df: number): number {
  return tQuantile(0.975, df);
}

/** Summarizes one metric; throws a RangeError when `values` is empty or holds a non-finite number. */
export function summarize(name: string, unit: string, values: readonly number[]): MetricStats {
  if (values.length === 0) throw new RangeError(`metric "${name}": no values to summarize`);
  const bad = values.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) throw new RangeError(`metric "${name}": value ${bad} is ${String(values[bad])}, expected a finite number`);

  const n = values.length;
  const center = mean(values);
  const stddev = n >= 2 ? sampleStandardDeviation(values) : 0;
  let ci95: readonly [number, number] = [center, center];
  if (n >= 2) {
    const halfWidth = (tCritical95(n - 1) * stddev) / Math.sqrt(n);
    ci95 = [center - halfWidth, center + halfWidth];
  }
  return {
    name,
    unit,
    n,
    median: median(values),
    mean: center,
    stddev,
    min: min(values),
    max: max(values),
    ci95,
    outliers: outlierIndices(values),
  };
}

/**
 * Indices whose modified z-score 0.6745·(x − median)/MAD exceeds 3.5 in absolute value.
 * When MAD is 0 (over half the values equal the median) the scale falls back to 1.253314 × the mean
 * absolute deviation from the median (IBM SPSS's rule), so a lone deviant among identical values is flagged.
 */
export function outlierIndices(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const center = median(values);
  const mad = medianAbsoluteDeviation(values);
  let scoreOf: (x: number) => number;
  if (mad > 0) {
    scoreOf = (x) => (0.6745 * (x - center)) / mad;
  } else {
    const meanAbsoluteDeviation = mean(values.map((x) => Math.abs(x - center)));
    if (meanAbsoluteDeviation === 0) return [];
    scoreOf = (x) => (x - center) / (1.253314 * meanAbsoluteDeviation);
  }
  const flagged: number[] = [];
  values.forEach((x, index) => {
    if (Math.abs(scoreOf(x)) > OUTLIER_Z_THRESHOLD) flagged.push(index);
  });
  return flagged;
}

/**
 * Like hyperfine: with at least 3 counted trials, warns when the first is slower than 1.5 × the median of
 * the others (cold caches, JIT, lazy loading), advising warm-up trials; otherwise null. `unit` only labels
 * the numbers in the message.
 */
export function warmupWarning(values: readonly number[], unit = 'ms'): string | null {
  if (values.length < 3) return null;
  const [first, ...rest] = values as [number, ...number[]];
  const restMedian = median(rest);
  if (!(restMedian > 0) || !(first > WARMUP_SLOWDOWN_FACTOR * restMedian)) return null;
  const factor = (first / restMedian).toFixed(1);
  return runMessage('warmup-slow', { factor, first: formatValue(first, unit), median: formatValue(restMedian, unit) });
}

/** Unit of a metric by naming convention: …Ms → ms, …Mb → MB, …PerSec → /s, anything else unitless. */
export function unitOf(metricName: string): string {
  // The unit is carried by the base name: `spawnLatencyMs.thread` and `server.web.cpuMs` are both ms.
  const base = metricName.split('.').find((part) => /(Ms|Mb|PerSec)$/.test(part)) ?? metricName;
  if (base.endsWith('Ms')) return 'ms';
  if (base.endsWith('Mb')) return 'MB';
  if (base.endsWith('PerSec')) return '/s';
  return '';
}

/**
 * MetricStats over the counted trials: wallMs first, then every other metric that each counted trial has
 * as a finite number, by name. Returns [] when there is no counted trial.
 */
export function summarizeTrials(trials: readonly TrialRecord[]): MetricStats[] {
  const counted = trials.filter((trial) => !trial.warmup);
  if (counted.length === 0) return [];
  const stats = [summarize('wallMs', 'ms', counted.map((trial) => trial.wallMs))];
  const shared = Object.keys(counted[0]!.metrics)
    .filter((name) => name !== 'wallMs')
    .filter((name) => counted.every((trial) => Number.isFinite(trial.metrics[name])))
    .sort();
  for (const name of shared) {
    stats.push(summarize(name, unitOf(name), counted.map((trial) => trial.metrics[name]!)));
  }
  return stats;
}

function formatValue(value: number, unit: string): string {
  const text = Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return unit === '' ? text : `${text} ${unit}`;
}
