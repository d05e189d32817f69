/**
 * Parameter sweeps: one run per point of a grid of parameter values, linked by the tag `sweep:<id>`,
 * summarised per point (median and 95% interval of the chosen quantity), with speed-ups against the
 * first point and scaling laws fitted to them.
 */
import type { RuntimeName, RunStatus } from './run-model';

/** The tag that links a sweep's runs. */
export const SWEEP_TAG_PREFIX = 'sweep:';
/** At most this many points in one sweep (the grid's product). */
export const MAX_SWEEP_POINTS = 200;

/** What a sweep plots: a run metric (wallMs, cpuUserMs…), a record (its last value in each counted trial) or a shared variable's final value. */
export type SweepQuantity = { readonly metric: string } | { readonly record: string } | { readonly shared: string };

/** How many of `of` trials met a condition, with the exact 95% interval of the share. */
export interface TrialShare {
  readonly count: number;
  readonly of: number;
  readonly share: number;
  readonly ci95: readonly [number, number];
}

export type SweepScaling = 'strong' | 'weak';

export interface ScalingPoint {
  /** The swept parameter's value. */
  readonly concurrency: number;
  /** Speed-up against the sweep's first point (>1: better). */
  readonly speedup: number;
}

export interface ScalingFit {
  readonly law: 'amdahl' | 'usl';
  /** amdahl: serialFraction; usl: sigma (contention), kappa (coherency). */
  readonly params: Readonly<Record<string, number>>;
  readonly rSquared: number;
  readonly predicted: readonly ScalingPoint[];
  /** usl: the parameter value where throughput peaks (null when it never turns down). */
  readonly peak: number | null;
  /** The largest speed-up the law allows, against the first point (null: unbounded). */
  readonly maxSpeedup: number | null;
  readonly reading: { readonly en: string; readonly zh: string };
}

export interface SweepPointSummary {
  readonly runId: string;
  readonly runtime: RuntimeName;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly status: RunStatus;
  /** The swept parameters' values of this point. */
  readonly point: Readonly<Record<string, number | string | boolean>>;
  /** Counted trials' values of the quantity. */
  readonly n: number;
  readonly median: number | null;
  readonly mean: number | null;
  readonly stddev: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly ci95: readonly [number, number] | null;
  /** Mean CPU of the counted trials, user and system (hyperfine's user and system columns). */
  readonly cpuUserMs: number | null;
  readonly cpuSystemMs: number | null;
  /** Against the series' first point; null when either is missing. */
  readonly speedup: number | null;
  /** The share of this point's trials meeting the sweep's condition (`--when >0`), else null. */
  readonly meeting: TrialShare | null;
  readonly claims: { readonly holds: number; readonly fails: number; readonly inconclusive: number };
}

/** One curve: the points of one runtime (and one value of every other swept parameter). */
export interface SweepSeries {
  readonly runtime: RuntimeName;
  /** Values of the swept parameters other than the plotted one. */
  readonly fixed: Readonly<Record<string, number | string | boolean>>;
  readonly points: readonly SweepPointSummary[];
  readonly fits: readonly ScalingFit[];
  /** Why there are no fits (too few points, a non-numeric parameter…), else null. */
  readonly fitProblem: string | null;
}

export interface SweepResult {
  readonly sweepId: string;
  readonly lessonId: string | null;
  readonly title: string;
  /** The swept parameters in grid order; the first is plotted against. */
  readonly params: readonly string[];
  readonly quantity: SweepQuantity;
  /** The condition each point's share counts (`>0`: updates were lost), or null. */
  readonly condition: { readonly op: string; readonly value: number } | null;
  readonly unit: string;
  /** true: smaller values are better (times), so speed-up = first / value. */
  readonly lowerIsBetter: boolean;
  /**
   * strong: the total work is the same at every point (speed-up of a time = first / value); weak: the work
   * grows with the plotted parameter (each worker does its own share), so a time's speed-up is the
   * throughput's: (N / N₀) · (first / value).
   */
  readonly scaling: SweepScaling;
  readonly series: readonly SweepSeries[];
  /** Points planned and points recorded (a cancelled sweep keeps what finished). */
  readonly planned: number;
  readonly recorded: number;
}

export interface SweepProgress {
  readonly sweepId: string;
  readonly point: number;
  readonly of: number;
  readonly runtime: RuntimeName;
  readonly values: Readonly<Record<string, number | string | boolean>>;
}

/** What the app shows of a sweep: its points and fits (null before its first point is recorded) and its progress here. */
export interface SweepView {
  readonly result: SweepResult | null;
  /** Progress of a sweep started in this lab session (null: started elsewhere, or before a restart). */
  readonly progress: { readonly planned: number; readonly done: number; readonly active: boolean; readonly currentRunId: string | null; readonly error: string | null } | null;
}
