import { z } from 'zod';
import type { LocalizedText, TrialRecord } from './run-model';

/**
 * A lesson's key numbers: which records and metrics matter, laid out as the lesson chooses (a table, or
 * bars with the table under them), with their units and labels in both languages and the ratios the
 * lesson's claims turn on (e.g. a speed-up). The results page and the HTML report draw them with
 * `keyNumbers`; a lesson without a declaration gets `genericKeyNumbers`, a table of its records.
 *
 * Pure data, no Node imports.
 */

const label = z.strictObject({ en: z.string().min(1).max(200), zh: z.string().min(1).max(200) });

/** Where a number comes from in one trial: a record (its last value unless said otherwise) or a metric. */
export const keyNumberSourceSchema = z.union([
  z.strictObject({ record: z.string().min(1).max(100), agg: z.enum(['last', 'first', 'sum', 'min', 'max', 'count', 'mean']).optional() }),
  z.strictObject({ metric: z.string().min(1).max(200) }),
]);
export type KeyNumberSource = z.infer<typeof keyNumberSourceSchema>;

export const lessonResultsSchema = z
  .strictObject({
    /** `bars`: a grouped bar chart of the columns (one group per row), the table under it; `table`: the table alone. */
    kind: z.enum(['table', 'bars']),
    title: label,
    /** What the rows are (e.g. "phase", "server model"). */
    rowHeader: label,
    columns: z.array(z.strictObject({ id: z.string().min(1).max(60), label, unit: z.string().max(20).optional() })).min(1).max(8),
    /** One cell per column, in order; null where the row has no such number. */
    rows: z.array(z.strictObject({ label, cells: z.array(keyNumberSourceSchema.nullable()).min(1).max(8) })).min(1).max(32),
    /** Derived ratios shown under the table: `of` ÷ `over`, e.g. a speed-up. */
    ratios: z.array(z.strictObject({ label, of: keyNumberSourceSchema, over: keyNumberSourceSchema })).max(16).optional(),
    /** Which columns the bars show (default: every column). */
    barColumns: z.array(z.string().min(1).max(60)).min(1).max(8).optional(),
  })
  .superRefine((value, ctx) => {
    value.rows.forEach((row, index) => {
      if (row.cells.length !== value.columns.length) {
        ctx.addIssue({ code: 'custom', path: ['rows', index, 'cells'], message: `has ${row.cells.length} cells; expected one per column (${value.columns.length})` });
      }
    });
    const ids = new Set(value.columns.map((c) => c.id));
    for (const id of value.barColumns ?? []) if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: ['barColumns'], message: `names column ${id}, which is not declared` });
  });
export type LessonResults = z.infer<typeof lessonResultsSchema>;

/** Every source a declaration reads (cells and ratios). */
export function keyNumberSources(results: LessonResults): KeyNumberSource[] {
  return [...results.rows.flatMap((row) => row.cells.filter((c): c is KeyNumberSource => c !== null)), ...(results.ratios ?? []).flatMap((r) => [r.of, r.over])];
}

/** The key numbers of a run, ready to draw: each cell the median over the counted trials (one trial: its value). */
export interface KeyNumbersView {
  readonly kind: 'table' | 'bars';
  readonly title: LocalizedText;
  readonly rowHeader: LocalizedText;
  readonly columns: readonly { readonly id: string; readonly label: LocalizedText; readonly unit?: string | undefined }[];
  readonly rows: readonly { readonly label: LocalizedText; readonly values: readonly (number | null)[] }[];
  readonly ratios: readonly { readonly label: LocalizedText; readonly of: number | null; readonly over: number | null; readonly value: number | null }[];
  readonly barColumns: readonly string[];
  /** How many trials the numbers come from. */
  readonly trials: number;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A source's number in one trial, or null when the trial has none (or it is not a number). */
export function sourceValue(source: KeyNumberSource, trial: TrialRecord): number | null {
  if ('metric' in source) {
    if (source.metric === 'wallMs') return trial.wallMs;
    const value = Object.hasOwn(trial.metrics, source.metric) ? trial.metrics[source.metric] : undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
  const values = Object.hasOwn(trial.records, source.record) ? trial.records[source.record]! : [];
  const agg = source.agg ?? 'last';
  if (agg === 'count') return values.length;
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length === 0 || numbers.length !== values.length) {
    // A non-numeric last/first value is not a key number; a mixed list cannot be summed.
    return null;
  }
  switch (agg) {
    case 'first':
      return numbers[0]!;
    case 'last':
      return numbers[numbers.length - 1]!;
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0);
    case 'mean':
      return numbers.reduce((a, b) => a + b, 0) / numbers.length;
    case 'min':
      return Math.min(...numbers);
    case 'max':
      return Math.max(...numbers);
  }
}

/** The counted trials (every trial when none was counted). */
function countedTrials(trials: readonly TrialRecord[]): readonly TrialRecord[] {
  const counted = trials.filter((t) => !t.warmup);
  return counted.length > 0 ? counted : trials;
}

function overTrials(source: KeyNumberSource, trials: readonly TrialRecord[]): number | null {
  return median(trials.map((t) => sourceValue(source, t)).filter((v): v is number => v !== null));
}

/** A run's key numbers as its lesson declares them. */
export function keyNumbers(results: LessonResults, allTrials: readonly TrialRecord[]): KeyNumbersView {
  const trials = countedTrials(allTrials);
  return {
    kind: results.kind,
    title: results.title,
    rowHeader: results.rowHeader,
    columns: results.columns,
    rows: results.rows.map((row) => ({ label: row.label, values: row.cells.map((cell) => (cell === null ? null : overTrials(cell, trials))) })),
    ratios: (results.ratios ?? []).map((ratio) => {
      const of = overTrials(ratio.of, trials);
      const over = overTrials(ratio.over, trials);
      return { label: ratio.label, of, over, value: of !== null && over !== null && over !== 0 ? of / over : null };
    }),
    barColumns: results.barColumns ?? results.columns.map((c) => c.id),
    trials: trials.length,
  };
}

/** A run without a declaration: one row per record with a numeric value (its last), as a table; null when there is none. */
export function genericKeyNumbers(allTrials: readonly TrialRecord[]): KeyNumbersView | null {
  const trials = countedTrials(allTrials);
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.records)))].filter((name) => trials.some((t) => sourceValue({ record: name }, t) !== null));
  if (names.length === 0) return null;
  return {
    kind: 'table',
    title: { en: 'Recorded numbers', zh: '记录下来的数字' },
    rowHeader: { en: 'record', zh: '记录名' },
    columns: [{ id: 'value', label: { en: 'value (last recorded)', zh: '数值（最后一次记录）' } }],
    rows: names.slice(0, 64).map((name) => ({ label: { en: name, zh: name }, values: [overTrials({ record: name }, trials)] })),
    ratios: [],
    barColumns: [],
    trials: trials.length,
  };
}
