import type { Condition, Distribution, RunRecord, SweepResult, TrialQuantity } from '@contract/dto';

/**
 * What the distribution page shows, computed without Vue: the quantities a run's trials have, the
 * quantity and condition typed in the page's fields, the histogram's bars, and a sweep's share
 * meeting the condition per value of its parameter. The numbers come from the service (exact
 * intervals are computed there); this only arranges them.
 */

export interface QuantityChoices {
  readonly metrics: readonly string[];
  readonly records: readonly string[];
  readonly shared: readonly string[];
}

/**
 * The numeric quantities of a run's first counted trial: records in the order the program recorded
 * them (the lesson's main outcome usually first), metrics and shared variables by name.
 */
export function quantityChoices(run: RunRecord): QuantityChoices {
  const trial = run.trials.find((t) => !t.warmup);
  if (!trial) return { metrics: [], records: [], shared: [] };
  const numeric = (v: unknown): boolean => typeof v === 'number' || typeof v === 'boolean';
  return {
    metrics: Object.keys(trial.metrics)
      .filter((k) => numeric(trial.metrics[k]))
      .sort(),
    records: Object.keys(trial.records).filter((k) => {
      const values = trial.records[k];
      return Array.isArray(values) && numeric(values[values.length - 1]);
    }),
    shared: Object.keys(trial.finalShared)
      .filter((k) => numeric(trial.finalShared[k]))
      .sort(),
  };
}

/** `metric:wallMs`, `record:unlockedFinal`, `shared:counter`: how a quantity travels in a select and a URL. */
export function quantityKey(q: TrialQuantity): string {
  return 'metric' in q ? `metric:${q.metric}` : 'record' in q ? `record:${q.record}` : `shared:${q.shared}`;
}

export function quantityFromKey(key: string): TrialQuantity | null {
  const match = /^(metric|record|shared):(.{1,200})$/.exec(key);
  if (!match) return null;
  const name = match[2]!;
  return match[1] === 'record' ? { record: name } : match[1] === 'shared' ? { shared: name } : { metric: name };
}

export function quantityName(q: TrialQuantity): string {
  return 'metric' in q ? q.metric : 'record' in q ? q.record : q.shared;
}

/** The first record, else the first shared variable, else wall time. */
export function defaultQuantity(choices: QuantityChoices): TrialQuantity {
  if (choices.records[0] !== undefined) return { record: choices.records[0] };
  if (choices.shared[0] !== undefined) return { shared: choices.shared[0] };
  return { metric: choices.metrics.includes('wallMs') || choices.metrics.length === 0 ? 'wallMs' : choices.metrics[0]! };
}

/** `>0`, `<= 10`, `==0`: an operator and a number; anything else is null (the field is marked invalid). */
export function conditionFromText(text: string): Condition | null {
  const match = /^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) return null;
  return { op: match[1] as Condition['op'], value: Number(match[2]) };
}

export interface HistogramBar {
  readonly label: string;
  readonly count: number;
  readonly share: number;
  readonly ci95: readonly [number, number];
}

/** One bar per listed outcome (its value) or per bin (its bounds); the counts add up to the trials that had the quantity. */
export function histogramBars(distribution: Distribution, format: (v: number) => string): HistogramBar[] {
  return distribution.bins.map((bin) => ({
    label: distribution.listed ? format(bin.from) : `${format(bin.from)} – ${format(bin.to)}`,
    count: bin.count,
    share: bin.share,
    ci95: bin.ci95,
  }));
}

export interface SharePoint {
  readonly x: string;
  readonly runId: string;
  readonly share: number;
  readonly ci95: readonly [number, number];
  readonly count: number;
  readonly of: number;
  /** This page's own run. */
  readonly current: boolean;
}

export interface ShareCurve {
  readonly name: string;
  readonly points: readonly SharePoint[];
}

/** Per series of a sweep, the share of each point's trials meeting the condition, against the swept parameter. */
export function sweepShareCurves(result: SweepResult, currentRunId: string): ShareCurve[] {
  const xName = result.params[0] ?? '';
  return result.series.map((series) => ({
    name: [series.runtime === 'node' ? 'Node' : series.runtime === 'cpython' ? 'CPython' : series.runtime, ...Object.entries(series.fixed).map(([k, v]) => `${k}=${String(v)}`)].join(' · '),
    points: series.points
      .filter((p) => p.meeting !== null)
      .map((p) => ({ x: String(p.point[xName]), runId: p.runId, share: p.meeting!.share, ci95: p.meeting!.ci95, count: p.meeting!.count, of: p.meeting!.of, current: p.runId === currentRunId })),
  }));
}

/** The sweep a run belongs to (its tag `sweep:<id>`), or null. */
export function sweepIdOf(tags: readonly string[]): string | null {
  const tag = tags.find((t) => /^sweep:[0-9A-Za-z-]{1,64}$/.test(t));
  return tag ? tag.slice('sweep:'.length) : null;
}

export const percent = (v: number, locale: string): string => `${(v * 100).toLocaleString(locale, { maximumFractionDigits: 1 })}%`;
