import type { ClaimStatus, RunStatus, TrialRecord } from './run-model';

/**
 * A finished trial as the live views draw it (the trial bar): its status, wall time, event count, what its
 * `record` steps recorded (counts and the last value, shortened) and each claim's verdict on it. Bounded in size
 * whatever the trial held, so that a running run can keep every finished trial's summary for pages that join it
 * later (a reload, a second tab). Pure data.
 */
export interface TrialSummary {
  /** 0-based over warm-ups and counted trials, as TrialRecord.index. */
  readonly index: number;
  readonly warmup: boolean;
  readonly status: RunStatus;
  readonly wallMs: number;
  readonly eventCount: number;
  readonly deadlock: boolean;
  /** The trial's error, shortened to TRIAL_SUMMARY_TEXT_MAX characters; null when none. */
  readonly error: string | null;
  /** Per recorded name (at most TRIAL_SUMMARY_MAX_RECORDS, in the order recorded): how many values, and the last one as short text. */
  readonly records: readonly { readonly name: string; readonly count: number; readonly last: string }[];
  /** Each claim's verdict on this trial (counted trials only; at most TRIAL_SUMMARY_MAX_CLAIMS). */
  readonly claims: readonly { readonly id: string; readonly status: ClaimStatus }[];
}

export const TRIAL_SUMMARY_MAX_RECORDS = 16;
export const TRIAL_SUMMARY_MAX_CLAIMS = 32;
export const TRIAL_SUMMARY_TEXT_MAX = 200;
export const TRIAL_SUMMARY_VALUE_MAX = 60;
/** Summaries a running run keeps for late pages: more than the largest repeat + warm-up a run may ask for. */
export const TRIAL_SUMMARIES_KEPT = 2_000;

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A recorded value as one short line of text (JSON for objects, cut at `max` characters). */
export function shortValue(value: unknown, max = TRIAL_SUMMARY_VALUE_MAX): string {
  if (typeof value === 'string') return shorten(value, max);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  return shorten(text ?? String(value), max);
}

/** The summary of a finished trial, from its record and its claims' verdicts (id → status, in claim order). */
export function summarizeTrial(trial: TrialRecord, verdicts: readonly { readonly id: string; readonly status: ClaimStatus }[] = []): TrialSummary {
  const records: { name: string; count: number; last: string }[] = [];
  for (const [name, values] of Object.entries(trial.records)) {
    if (records.length >= TRIAL_SUMMARY_MAX_RECORDS) break;
    if (!Array.isArray(values)) continue;
    records.push({ name: shorten(name, TRIAL_SUMMARY_VALUE_MAX), count: values.length, last: values.length > 0 ? shortValue(values[values.length - 1]) : '' });
  }
  return {
    index: trial.index,
    warmup: trial.warmup,
    status: trial.status,
    wallMs: trial.wallMs,
    eventCount: trial.eventCount,
    deadlock: trial.deadlock !== null,
    error: trial.error === null ? null : shorten(trial.error, TRIAL_SUMMARY_TEXT_MAX),
    records,
    claims: verdicts.slice(0, TRIAL_SUMMARY_MAX_CLAIMS).map(({ id, status }) => ({ id: shorten(id, TRIAL_SUMMARY_VALUE_MAX), status })),
  };
}

/**
 * Summaries merged by trial index (a later one for the same index replaces the earlier), in index order, at most
 * `max` of them (the latest trials kept).
 */
export function mergeTrialSummaries(known: readonly TrialSummary[], more: readonly TrialSummary[], max = TRIAL_SUMMARIES_KEPT): TrialSummary[] {
  if (more.length === 0) return known.length <= max ? [...known] : known.slice(known.length - max);
  const byIndex = new Map<number, TrialSummary>();
  for (const summary of known) byIndex.set(summary.index, summary);
  for (const summary of more) byIndex.set(summary.index, summary);
  const merged = [...byIndex.values()].sort((a, b) => a.index - b.index);
  return merged.length <= max ? merged : merged.slice(merged.length - max);
}
