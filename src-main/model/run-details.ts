import { sourceValue } from './lesson-results';
import type { ClaimStatus, LocalizedText, RunRecord } from './run-model';

/**
 * What a comparison and the history show of runs beyond their metrics: which parameters differ, each
 * claim's verdict per run, each numeric record per run with its ratio to the first run. Pure data.
 */

export interface ParamDifference {
  readonly name: string;
  /** The value in each run, in the runs' order (undefined where a run has no such parameter). */
  readonly values: readonly unknown[];
  readonly differs: boolean;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every parameter of any of the runs, the ones that differ first (each group in name order). */
export function paramDifferences(runs: readonly Pick<RunRecord, 'params'>[]): ParamDifference[] {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.params)))].sort();
  const rows = names.map((name) => {
    const values = runs.map((run) => (Object.hasOwn(run.params, name) ? run.params[name] : undefined));
    return { name, values, differs: values.some((value) => !same(value, values[0])) };
  });
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
}

export interface ClaimAcrossRuns {
  readonly id: string;
  readonly text: LocalizedText;
  /** The verdict in each run (null where the run has no such claim). */
  readonly statuses: readonly (ClaimStatus | null)[];
  readonly details: readonly (string | null)[];
}

export function claimsAcrossRuns(runs: readonly Pick<RunRecord, 'claims'>[]): ClaimAcrossRuns[] {
  const ids = [...new Set(runs.flatMap((run) => run.claims.map((c) => c.id)))];
  return ids.map((id) => {
    const found = runs.map((run) => run.claims.find((c) => c.id === id) ?? null);
    return { id, text: found.find((c) => c !== null)!.text, statuses: found.map((c) => c?.status ?? null), details: found.map((c) => c?.detail ?? null) };
  });
}

export interface RecordAcrossRuns {
  readonly name: string;
  /** Each run's median over its counted trials of the record's last value (null: none, or not a number). */
  readonly values: readonly (number | null)[];
  /** values[i] ÷ values[0] (null where either is missing or the first is 0); ratios[0] is 1 when defined. */
  readonly ratios: readonly (number | null)[];
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Every record that is a number in at least one run, at most `limit` of them. */
export function recordsAcrossRuns(runs: readonly Pick<RunRecord, 'trials'>[], limit = 200): RecordAcrossRuns[] {
  const counted = runs.map((run) => {
    const trials = run.trials.filter((t) => !t.warmup);
    return trials.length > 0 ? trials : run.trials;
  });
  const names = [...new Set(counted.flatMap((trials) => trials.flatMap((t) => Object.keys(t.records))))];
  const rows: RecordAcrossRuns[] = [];
  for (const name of names) {
    const values = counted.map((trials) => median(trials.map((t) => sourceValue({ record: name }, t)).filter((v): v is number => v !== null)));
    if (values.every((v) => v === null)) continue;
    const first = values[0] ?? null;
    rows.push({ name, values, ratios: values.map((v) => (v === null || first === null || first === 0 ? null : v / first)) });
    if (rows.length >= limit) break;
  }
  return rows;
}

/** A run's parameters that differ from its spec's defaults, as "name=value" (all of them when the spec is not readable). */
export function nonDefaultParams(run: Pick<RunRecord, 'params' | 'spec'>): string[] {
  const declared = (run.spec !== null && typeof run.spec === 'object' ? (run.spec as { params?: unknown }).params : undefined) as Record<string, { default?: unknown } | undefined> | undefined;
  return Object.entries(run.params)
    .filter(([name, value]) => {
      const def = declared && Object.hasOwn(declared, name) ? declared[name] : undefined;
      return def === undefined || !same(def.default, value);
    })
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
}
