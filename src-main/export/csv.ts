/**
 * CSV exports of a run (RFC 4180): every record ends in CRLF, and a field is quoted, with its quotes
 * doubled, exactly when it holds a comma, a quote, CR or LF. Text is UTF-8 and kept as is (Chinese included).
 *
 * Events are produced one line at a time (eventsCsvLines) so a million events never become one string.
 */
import type { MetricStats, RunRecord } from '../model/run-model';
import { decodeBatch, type EventBatch } from '../model/trace-event';

/**
 * Prepend to a CSV file meant for Excel: without a byte order mark Excel reads UTF-8 CSV in the legacy
 * code page and garbles Chinese. Other tools do not need it, so the functions here never add it.
 */
export const CSV_UTF8_BOM = '\uFEFF';

export type CsvCell = string | number | boolean | null | undefined;

/** One field: empty for null/undefined, quoted only when RFC 4180 requires it. */
export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, terminated by CRLF. */
export function csvRecord(cells: readonly CsvCell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

/**
 * One row per trial, warm-ups included: run_id, trial, warmup, status, wallMs, then one column per metric
 * name seen in any trial, sorted; a trial without that metric leaves the cell empty.
 */
export function trialsCsv(run: RunRecord): string {
  const metricNames = [...new Set(run.trials.flatMap((trial) => Object.keys(trial.metrics)))]
    .filter((name) => name !== 'wallMs')
    .sort();
  const lines = [csvRecord(['run_id', 'trial', 'warmup', 'status', 'wallMs', ...metricNames])];
  for (const trial of run.trials) {
    lines.push(
      csvRecord([
        run.id,
        trial.index,
        trial.warmup,
        trial.status,
        trial.wallMs,
        ...metricNames.map((name) => trial.metrics[name]),
      ]),
    );
  }
  return lines.join('');
}

export const METRICS_CSV_HEADER = [
  'name',
  'unit',
  'n',
  'median',
  'mean',
  'stddev',
  'min',
  'max',
  'ci_low',
  'ci_high',
  'outliers',
] as const;

/** One row per MetricStats of the run; outliers are the counted-trial indices separated by spaces. */
export function metricsCsv(run: RunRecord): string {
  return [csvRecord(METRICS_CSV_HEADER), ...run.stats.map((stats) => csvRecord(metricsRow(stats)))].join('');
}

function metricsRow(stats: MetricStats): CsvCell[] {
  return [
    stats.name,
    stats.unit,
    stats.n,
    stats.median,
    stats.mean,
    stats.stddev,
    stats.min,
    stats.max,
    stats.ci95[0],
    stats.ci95[1],
    stats.outliers.join(' '),
  ];
}

export const RECORDS_CSV_HEADER = ['run_id', 'trial', 'warmup', 'kind', 'name', 'index', 'value'] as const;

/** A recorded value as one cell: numbers, text and booleans as they are, anything else as compact JSON. */
function valueCell(value: unknown): CsvCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/**
 * The values a run's `record` steps recorded, and the final value of every shared variable: one row per
 * value, trial by trial (warm-ups included, marked), records in their recorded order under their name
 * (kind `record`, index 0, 1, ...) then the final shared values (kind `final`, index empty).
 */
export function recordsCsv(run: RunRecord): string {
  const lines = [csvRecord(RECORDS_CSV_HEADER)];
  for (const trial of run.trials) {
    for (const [name, values] of Object.entries(trial.records)) {
      values.forEach((value, index) => lines.push(csvRecord([run.id, trial.index, trial.warmup, 'record', name, index, valueCell(value)])));
    }
    for (const [name, value] of Object.entries(trial.finalShared)) {
      lines.push(csvRecord([run.id, trial.index, trial.warmup, 'final', name, null, valueCell(value)]));
    }
  }
  return lines.join('');
}

export const EVENTS_CSV_HEADER = ['trial', 'actor', 'seq', 't_ns', 'op', 'ph', 'data'] as const;

/**
 * The header, then one CRLF-terminated line per event, batch by batch in the order given (within a batch,
 * the actor's order); data is compact JSON, empty when the event has none. Only one batch is decoded at a time.
 */
export function* eventsCsvLines(batches: Iterable<EventBatch>): Generator<string, void, undefined> {
  yield csvRecord(EVENTS_CSV_HEADER);
  for (const batch of batches) {
    for (const event of decodeBatch(batch)) {
      yield csvRecord([
        batch.trial,
        event.actor,
        event.seq,
        event.t,
        event.op,
        event.ph,
        event.data === undefined ? null : JSON.stringify(event.data),
      ]);
    }
  }
}

/** eventsCsvLines joined into one string: for small runs; stream the lines for large ones. */
export function eventsCsv(batches: Iterable<EventBatch>): string {
  let out = '';
  for (const line of eventsCsvLines(batches)) out += line;
  return out;
}
