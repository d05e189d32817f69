/**
 * Comparison of two or more runs against the first (the baseline): per metric, each run's statistics and
 * each other run's mean ratio with a 95% interval, or null and the reason when no interval can be had.
 *
 * The interval is the delta method on the log ratio with Welch–Satterthwaite degrees of freedom, so it is
 * asymmetric around the ratio and never crosses 0. Pure computation, no Node imports.
 */
import type { Comparison, MetricComparison, MetricStats, RatioEstimate, RatioInterval, RunRecord, SkippedMetric, Verdict } from '../../model/run-model';
import { summarizeTrials, tCritical95 } from './stats';

export interface CompareOptions {
  /** Compare only these metrics, in this order. Default: every metric of the baseline, in its order. */
  readonly metrics?: readonly string[];
}

/** Compares `runs[1..]` with `runs[0]`; throws a RangeError with fewer than two runs. */
export function compareRuns(runs: readonly RunRecord[], opts: CompareOptions = {}): Comparison {
  if (runs.length < 2) throw new RangeError(`comparing needs at least 2 runs, got ${runs.length}`);
  const statsByRun = runs.map((run) => indexByName(statsOf(run)));
  const baselineStats = statsByRun[0]!;
  const others = runs.slice(1);

  const requested = opts.metrics ?? [...baselineStats.keys()];
  const metrics: MetricComparison[] = [];
  const skipped: SkippedMetric[] = [];
  const considered = new Set<string>();
  for (const name of requested) {
    if (considered.has(name)) continue;
    considered.add(name);
    const baseline = baselineStats.get(name);
    if (baseline === undefined) {
      skipped.push(baselineLacks(runs[0]!.id, name));
      continue;
    }
    if (!statsByRun.slice(1).some((byName) => byName.has(name))) {
      skipped.push({ name, reason: `only the baseline run ${runs[0]!.id} has metric "${name}"`, reasonCode: 'only-baseline-has-metric', reasonParams: { run: runs[0]!.id, metric: name } });
      continue;
    }
    const timeLike = baseline.unit === 'ms';
    const ratios = others.map((run, index): RatioEstimate | null => {
      const other = statsByRun[index + 1]!.get(name);
      if (other === undefined) return null;
      const estimate = ratioInterval(baseline, other, shortId(runs[0]!.id), shortId(run.id));
      return { runId: run.id, ...estimate, verdict: timeLike ? verdictOf(estimate) : null };
    });
    metrics.push({
      name,
      unit: baseline.unit,
      timeLike,
      stats: statsByRun.map((byName) => byName.get(name) ?? null),
      ratios,
    });
  }
  if (opts.metrics === undefined) {
    const notInBaseline = new Set<string>();
    for (const byName of statsByRun.slice(1)) {
      for (const name of byName.keys()) if (!baselineStats.has(name)) notInBaseline.add(name);
    }
    for (const name of notInBaseline) {
      skipped.push(baselineLacks(runs[0]!.id, name));
    }
  }
  return { baselineId: runs[0]!.id, runIds: runs.map((run) => run.id), metrics, skipped };
}

function baselineLacks(baselineId: string, name: string): SkippedMetric {
  return { name, reason: `the baseline run ${baselineId} has no metric "${name}"`, reasonCode: 'baseline-lacks-metric', reasonParams: { run: baselineId, metric: name } };
}

/** The first 8 characters of a run id, as the app and the CLI show it. */
const shortId = (id: string): string => id.slice(0, 8);

/**
 * Ratio of means other/baseline with its 95% interval: se = sqrt(s_b²/(n_b·m_b²) + s_a²/(n_a·m_a²)) on the
 * log scale, df by Welch–Satterthwaite on those two terms, interval = ratio·exp(±t(0.975, df)·se).
 */
export function ratioInterval(
  baseline: MetricStats,
  other: MetricStats,
  baselineLabel = 'baseline',
  otherLabel = 'other',
): RatioInterval {
  const ratio = baseline.mean === 0 ? null : other.mean / baseline.mean;
  const tooFew: string[] = [];
  if (baseline.n < 2) tooFew.push(`${baselineLabel} has n = ${baseline.n}`);
  if (other.n < 2) tooFew.push(`${otherLabel} has n = ${other.n}`);
  if (tooFew.length > 0) {
    return {
      ratio,
      interval: null,
      df: null,
      reason: `an interval needs at least 2 counted trials per run (${tooFew.join(', ')})`,
      reasonCode: 'too-few-trials',
      reasonParams: { baseline: baselineLabel, baselineN: baseline.n, other: otherLabel, otherN: other.n },
    };
  }
  if (baseline.mean === 0 && other.mean === 0 && baseline.stddev === 0 && other.stddev === 0) {
    return { ratio: null, interval: null, df: null, reason: 'both runs measured 0 in every trial: no ratio to take', reasonCode: 'all-zero', reasonParams: {} };
  }
  if (ratio === null || !(baseline.mean > 0) || !(other.mean > 0)) {
    return {
      ratio,
      interval: null,
      df: null,
      reason: `the log-ratio interval needs positive means (${baselineLabel} ${baseline.mean}, ${otherLabel} ${other.mean})`,
      reasonCode: 'non-positive-mean',
      reasonParams: { baseline: baselineLabel, baselineMean: baseline.mean, other: otherLabel, otherMean: other.mean },
    };
  }
  const baselineTerm = baseline.stddev ** 2 / (baseline.n * baseline.mean ** 2);
  const otherTerm = other.stddev ** 2 / (other.n * other.mean ** 2);
  const variance = baselineTerm + otherTerm;
  if (variance === 0) return { ratio, interval: [ratio, ratio], df: null, reason: null };
  const df = variance ** 2 / (baselineTerm ** 2 / (baseline.n - 1) + otherTerm ** 2 / (other.n - 1));
  const halfWidth = tCritical95(df) * Math.sqrt(variance);
  return { ratio, interval: [ratio * Math.exp(-halfWidth), ratio * Math.exp(halfWidth)], df, reason: null };
}

/** Lower is faster: an interval entirely below 1 is 'faster', entirely above 1 'slower', containing 1 'same'. */
export function verdictOf(estimate: RatioInterval): Verdict {
  if (estimate.interval === null) return 'uncertain';
  const [low, high] = estimate.interval;
  if (high < 1) return 'faster';
  if (low > 1) return 'slower';
  return 'same';
}

/** A run's stored statistics; recomputed from its trials when none were stored (e.g. an interrupted run). */
function statsOf(run: RunRecord): readonly MetricStats[] {
  return run.stats.length > 0 ? run.stats : summarizeTrials(run.trials);
}

function indexByName(stats: readonly MetricStats[]): Map<string, MetricStats> {
  return new Map(stats.map((entry) => [entry.name, entry]));
}
