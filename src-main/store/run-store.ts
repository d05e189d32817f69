import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Statement } from 'better-sqlite3';
import {
  RUN_STATUSES,
  RUNTIME_NAMES,
  type ActorRecord,
  type ClaimResult,
  type ClaimStatus,
  type DeadlockReport,
  type MetricMap,
  type MetricStats,
  type RunEnvironment,
  type RunFilter,
  type RunNote,
  type RunRecord,
  type RunStatus,
  type RunSummary,
  type RuntimeName,
  type Substitution,
  type TrialRecord,
} from '../model/run-model';
import type { EventBatch } from '../model/trace-event';
import type { RunPrediction } from '../model/questions';
import { openHistory, StoreUnavailableError, type OpenDatabaseOptions, type SqliteDatabase, type StoreHealth } from './database';
import { currentOwner } from './owner-process';
import { StoreInputError, type ExperimentInput, type RunFinish, type RunStart } from './store-model';
import type { SavedExperiment } from '../model/saved-experiment';
import { nonDefaultParams } from '../model/run-details';

/**
 * The run history in SQLite: runs, trials, event batches, metrics, claims, tags, notes, experiments.
 *
 * Synchronous (better-sqlite3): call it from the thread that owns the connection. Every method that
 * writes more than one row does so in one transaction, so a reader never sees half of it; those
 * transactions take the write lock when they begin (BEGIN IMMEDIATE), so with several writers on one
 * file a transaction waits for the lock (busy timeout) instead of failing when its read snapshot went
 * stale. A store opened on a read-only or damaged file (see `health`) reads, and refuses every write
 * with a StoreUnavailableError that says why and what to do. Unknown ids
 * give null / false / empty results, never an exception; writing events for a run that does not exist
 * is a programming error and throws. JSON columns hold JSON text; event payloads are stored as given.
 */

interface RunRow {
  id: string;
  lesson_id: string | null;
  experiment_id: string | null;
  title: string;
  status: string;
  started_at: string;
  ended_at: string | null;
  wall_ms: number | null;
  spec_json: string;
  params_json: string;
  repeat: number;
  warmup: number;
  environment_json: string;
  substitutions_json: string;
  stats_json: string;
  warnings_json: string;
  error: string | null;
  owner_pid: number | null;
  event_count: number;
}

interface TrialRow {
  idx: number;
  warmup: number;
  status: string;
  started_at: string;
  wall_ms: number;
  metrics_json: string;
  actors_json: string;
  records_json: string;
  final_shared_json: string;
  deadlock_json: string | null;
  error: string | null;
  event_count: number;
  events_lost: number;
  events_dropped: number;
}

interface ClaimRow {
  claim_id: string;
  text_en: string;
  text_zh: string;
  status: string;
  detail: string;
  trials_json: string | null;
}

/** A claim's per-trial evidence as stored; a value that does not parse is left out (the detail still says the verdict). */
function claimTrials(json: string | null): { trials?: ClaimResult['trials'] } {
  if (json === null) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? { trials: parsed as ClaimResult['trials'] } : {};
  } catch {
    return {};
  }
}

interface NoteRow {
  id: number;
  text: string;
  created_at: string;
}

interface EventRow {
  trial: number;
  actor: string;
  first_seq: number;
  count: number;
  t_first: number;
  t_last: number;
  payload: string;
}

interface SummaryRow {
  id: string;
  lesson_id: string | null;
  title: string;
  status: string;
  started_at: string;
  wall_ms: number | null;
  trials: number;
  claims_held: number;
  claims_failed: number;
  claims_inconclusive: number;
  tags_json: string;
  runtime: string | null;
  params_json: string;
  param_defs_json: string | null;
  notes_json: string;
}

/** A listed run's parameters that differ from its spec's defaults (all of them when the spec's are unreadable). */
function summaryParams(row: SummaryRow): string[] {
  try {
    const params = JSON.parse(row.params_json) as Record<string, unknown>;
    const defs = row.param_defs_json === null ? undefined : (JSON.parse(row.param_defs_json) as unknown);
    return nonDefaultParams({ params, spec: { params: defs } });
  } catch {
    return [];
  }
}

interface ExperimentRow {
  id: string;
  name: string;
  spec_json: string;
  created_at: string;
  updated_at: string;
}

/** One numeric metric of one trial, as the metrics table holds it (for CSV and comparisons). */
export interface MetricRow {
  readonly trial: number;
  readonly name: string;
  readonly value: number;
}

export type SearchMode = 'fts5' | 'like';

const MAX_TAG_LENGTH = 100;
const MAX_SEARCH_TERMS = 16;

const toJson = (value: unknown): string => JSON.stringify(value ?? null);
const fromJson = <T>(text: string): T => JSON.parse(text) as T;

function asRunStatus(value: string, runId: string): RunStatus {
  if ((RUN_STATUSES as readonly string[]).includes(value)) return value as RunStatus;
  throw new Error(`run ${runId} has status "${value}", which this version does not know`);
}

/** The runtime a run's environment names; runs from before runtimes were recorded ran on Node. */
const RUNTIME_OF_RUN = "coalesce(json_extract(r.environment_json, '$.runtime.name'), 'node')";

function asRuntimeName(value: string | null): RuntimeName {
  return (RUNTIME_NAMES as readonly (string | null)[]).includes(value) ? (value as RuntimeName) : 'node';
}

function asClaimStatus(value: string): ClaimStatus {
  return value === 'holds' || value === 'fails' ? value : 'inconclusive';
}

function escapeLike(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function checkCount(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) {
    throw new StoreInputError(`${field}: expected a whole number ≥ 0, got ${String(value)}`);
  }
  return value;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Turns a filter bound into the ISO form stored in started_at. A bare date means local midnight (the
 * person's day, not UTC's); `until` with a bare date includes that whole day.
 */
function dateBound(field: 'since' | 'until', value: string): { iso: string; exclusive: boolean } {
  const dateOnly = DATE_ONLY.exec(value.trim());
  if (dateOnly) {
    const [, y, m, d] = dateOnly.map(Number) as [number, number, number, number];
    const day = new Date(y, m - 1, d);
    // Date rolls 2025-02-30 over into March; a date that does not round-trip does not exist.
    if (day.getFullYear() === y && day.getMonth() === m - 1 && day.getDate() === d) {
      if (field === 'until') day.setDate(d + 1);
      return { iso: day.toISOString(), exclusive: field === 'until' };
    }
  } else {
    const time = Date.parse(value);
    if (!Number.isNaN(time)) return { iso: new Date(time).toISOString(), exclusive: false };
  }
  throw new StoreInputError(`${field}: expected an ISO date such as 2025-03-01 or 2025-03-01T09:30:00Z, got "${value}"`);
}

function normalizeTag(tag: string): string {
  const trimmed = tag.trim();
  if (trimmed === '') throw new StoreInputError('tag: expected a non-empty text, got an empty one');
  if (trimmed.length > MAX_TAG_LENGTH) {
    throw new StoreInputError(`tag: expected at most ${MAX_TAG_LENGTH} characters, got ${trimmed.length}`);
  }
  return trimmed;
}

function prepareStatements(db: SqliteDatabase) {
  // A file that predates schema 4 (opened read-only, or a test store) keeps no per-trial claim evidence.
  const claimEvidence = (db.prepare(`SELECT name FROM pragma_table_info('claims')`).pluck().all() as string[]).includes('trials_json');
  // A file that predates schema 6 (opened read-only) has no predictions table: its runs have none.
  const predictions = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'predictions'`).pluck().all() as string[]).length === 1;
  return {
    claimEvidence,
    predictions,
    upsertPrediction: predictions
      ? db.prepare(
          `INSERT INTO predictions (run_id, question_id, value, answered_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (run_id, question_id) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at`,
        )
      : null,
    readPredictions: predictions ? db.prepare('SELECT question_id, value, answered_at FROM predictions WHERE run_id = ? ORDER BY answered_at, question_id') : null,
    runExists: db.prepare('SELECT 1 FROM runs WHERE id = ?').pluck(),
    // substr, not LIKE: an id is compared as it is written, whatever characters it holds.
    runsByPrefix: db.prepare(
      `SELECT id FROM runs WHERE lower(substr(id, 1, length(@prefix))) = lower(@prefix) ORDER BY started_at DESC, id LIMIT @limit`,
    ).pluck(),
    // Runs whose id starts with the given id, or with which it starts (case aside): an import of such an id
    // would make a prefix a person copied from the history name another run.
    prefixRelatives: db.prepare(
      `SELECT id FROM runs WHERE id <> @id AND (lower(substr(id, 1, length(@id))) = lower(@id) OR lower(substr(@id, 1, length(id))) = lower(id))
       ORDER BY id LIMIT 5`,
    ).pluck(),
    insertRun: db.prepare(
      `INSERT INTO runs (id, lesson_id, experiment_id, title, status, started_at, ended_at, wall_ms, spec_json,
         params_json, repeat, warmup, environment_json, substitutions_json, stats_json, warnings_json, error,
         owner_pid, event_count)
       VALUES (@id, @lessonId, @experimentId, @title, @status, @startedAt, @endedAt, @wallMs, @spec,
         @params, @repeat, @warmup, @environment, @substitutions, @stats, @warnings, @error,
         @ownerPid, @eventCount)`,
    ),
    finishRun: db.prepare(
      `UPDATE runs SET status = @status, ended_at = @endedAt, wall_ms = @wallMs, stats_json = @stats,
         warnings_json = @warnings, error = @error, event_count = @eventCount
       WHERE id = @id`,
    ),
    getRun: db.prepare('SELECT * FROM runs WHERE id = ?'),
    // The end of a run whose runner was killed: what it committed, timed from its start to now.
    finalizeKilled: db.prepare(
      `UPDATE runs SET
         status = @status,
         ended_at = @endedAt,
         wall_ms = (julianday(@endedAt) - julianday(started_at)) * 86400000.0,
         event_count = (SELECT coalesce(sum(count), 0) FROM events WHERE run_id = @id),
         error = @error
       WHERE id = @id AND status = 'running'`,
    ),
    deleteRun: db.prepare('DELETE FROM runs WHERE id = ?'),
    insertEvent: db.prepare(
      `INSERT OR IGNORE INTO events (run_id, trial, actor, first_seq, count, t_first, t_last, payload)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    readEvents: db.prepare(
      `SELECT trial, actor, first_seq, count, t_first, t_last, payload FROM events
       WHERE run_id = ? ORDER BY trial, actor, first_seq`,
    ),
    readTrialEvents: db.prepare(
      `SELECT trial, actor, first_seq, count, t_first, t_last, payload FROM events
       WHERE run_id = ? AND trial = ? ORDER BY actor, first_seq`,
    ),
    countEvents: db.prepare('SELECT coalesce(sum(count), 0) FROM events WHERE run_id = ?').pluck(),
    upsertTrial: db.prepare(
      `INSERT OR REPLACE INTO trials (run_id, idx, warmup, status, started_at, wall_ms, metrics_json, actors_json,
         records_json, final_shared_json, deadlock_json, error, event_count, events_lost, events_dropped)
       VALUES (@runId, @index, @warmup, @status, @startedAt, @wallMs, @metrics, @actors,
         @records, @finalShared, @deadlock, @error, @eventCount, @eventsLost, @eventsDropped)`,
    ),
    readTrials: db.prepare('SELECT * FROM trials WHERE run_id = ? ORDER BY idx'),
    deleteTrialMetrics: db.prepare('DELETE FROM metrics WHERE run_id = ? AND trial = ?'),
    insertMetric: db.prepare('INSERT INTO metrics (run_id, trial, name, value) VALUES (?, ?, ?, ?)'),
    readMetrics: db.prepare('SELECT trial, name, value FROM metrics WHERE run_id = ? ORDER BY trial, name'),
    deleteClaims: db.prepare('DELETE FROM claims WHERE run_id = ?'),
    insertClaim: db.prepare(
      // The evidence is written only where the file has a column for it.
      claimEvidence
        ? `INSERT INTO claims (run_id, claim_id, position, text_en, text_zh, status, detail, trials_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
        : `INSERT INTO claims (run_id, claim_id, position, text_en, text_zh, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    readClaims: db.prepare(`SELECT claim_id, text_en, text_zh, status, detail, ${claimEvidence ? 'trials_json' : 'NULL AS trials_json'} FROM claims WHERE run_id = ? ORDER BY position`),
    insertTag: db.prepare('INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?, ?)'),
    deleteTag: db.prepare('DELETE FROM tags WHERE run_id = ? AND tag = ?'),
    readTags: db.prepare('SELECT tag FROM tags WHERE run_id = ? ORDER BY tag').pluck(),
    insertNote: db.prepare('INSERT INTO notes (run_id, text, created_at) VALUES (?, ?, ?)'),
    deleteNote: db.prepare('DELETE FROM notes WHERE id = ?'),
    readNotes: db.prepare('SELECT id, text, created_at FROM notes WHERE run_id = ? ORDER BY id'),
    getExperiment: db.prepare('SELECT * FROM experiments WHERE id = ?'),
    listExperiments: db.prepare('SELECT * FROM experiments ORDER BY updated_at DESC, name, id'),
    insertExperiment: db.prepare(
      `INSERT INTO experiments (id, name, spec_json, created_at, updated_at) VALUES (@id, @name, @spec, @now, @now)`,
    ),
    updateExperiment: db.prepare(`UPDATE experiments SET name = @name, spec_json = @spec, updated_at = @now WHERE id = @id`),
    deleteExperiment: db.prepare('DELETE FROM experiments WHERE id = ?'),
  };
}

export class RunStore {
  /** Whether search uses the FTS5 index or, where the SQLite build lacks FTS5, LIKE scans. */
  readonly searchMode: SearchMode;

  private readonly listStatements = new Map<string, Statement>();
  private readonly stmt: ReturnType<typeof prepareStatements>;

  /** Opens the database at `file` (see openHistory: read-only and damaged files open for reading) and wraps it. */
  static open(file: string, options?: OpenDatabaseOptions): RunStore {
    const { db, health } = openHistory(file, options);
    return new RunStore(db, health);
  }

  /** Null when the file predates schema 3 (a read-only or test store): owners are then known by pid only. */
  private readonly ownerStatement: Statement | null;

  constructor(
    readonly db: SqliteDatabase,
    readonly health: StoreHealth = { access: 'read-write', problem: null },
  ) {
    const fts = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs_fts'`).get();
    this.searchMode = fts ? 'fts5' : 'like';
    this.stmt = prepareStatements(db);
    const runColumns = db.prepare(`SELECT name FROM pragma_table_info('runs')`).pluck().all() as string[];
    this.ownerStatement = runColumns.includes('owner_started')
      ? db.prepare('UPDATE runs SET owner_host = ?, owner_started = ? WHERE id = ?')
      : null;
  }

  /**
   * Runs `fn` in one write transaction that takes the write lock up front (BEGIN IMMEDIATE; nested
   * calls become savepoints). A deferred transaction that reads first and writes later cannot wait for
   * the lock: SQLite fails it at once with SQLITE_BUSY when another connection committed meanwhile.
   */
  transaction<T>(fn: () => T): T {
    this.assertWritable();
    return this.db.transaction(fn).immediate();
  }

  /** Runs `fn` in one read transaction, so that its reads see one state of the file. */
  private readTransaction<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }

  /** Throws the reason (read-only, damaged) when this store cannot write. */
  assertWritable(): void {
    if (this.health.access !== 'read-write') {
      throw new StoreUnavailableError(this.health.access, this.health.problem ?? 'the run history cannot be written');
    }
  }

  runExists(runId: string): boolean {
    return this.stmt.runExists.get(runId) !== undefined;
  }

  /** Ids of the runs whose id starts with `prefix` (ignoring case), newest first, at most `limit`. */
  runIdsStartingWith(prefix: string, limit: number): string[] {
    return this.stmt.runsByPrefix.all({ prefix, limit }) as string[];
  }

  // ---------------------------------------------------------------- a run's life, as the runner writes it

  /** Records a starting run: status 'running', owned by this process until finishRun. */
  beginRun(meta: RunStart): void {
    this.transaction(() => this.insertRunning(meta));
  }

  private insertRunning(meta: RunStart): void {
    if (this.runExists(meta.id)) throw new Error(`cannot begin run ${meta.id}: a run with this id is already stored`);
    const owner = currentOwner();
    this.stmt.insertRun.run({
      ...this.runStartColumns(meta),
      status: 'running',
      endedAt: null,
      wallMs: null,
      stats: '[]',
      warnings: '[]',
      error: null,
      ownerPid: owner.pid,
      eventCount: 0,
    });
    this.ownerStatement?.run(owner.host, owner.started, meta.id);
  }

  /**
   * Stores event batches, one row each, in one transaction. A batch already stored (same run, trial,
   * actor, first sequence number) is skipped, so re-sending after an uncertain failure is safe.
   * Returns the number of new rows.
   */
  appendEventBatches(runId: string, batches: readonly EventBatch[]): number {
    return this.transaction(() => {
      if (!this.runExists(runId)) {
        throw new Error(`cannot store ${batches.length} event batches: run ${runId} does not exist (beginRun first)`);
      }
      let inserted = 0;
      for (const b of batches) {
        inserted += this.stmt.insertEvent.run(runId, b.trial, b.actor, b.firstSeq, b.count, b.tFirst, b.tLast, b.payload).changes;
      }
      return inserted;
    });
  }

  /** Stores (or replaces) one trial and its numeric metrics. False when the run does not exist. */
  saveTrial(runId: string, trial: TrialRecord): boolean {
    return this.transaction(() => {
      if (!this.runExists(runId)) return false;
      this.writeTrial(runId, trial);
      return true;
    });
  }

  /** Records a run's end: status, times, statistics, claims, warnings. False when the run does not exist. */
  finishRun(runId: string, fields: RunFinish): boolean {
    return this.transaction(() => {
      const changed = this.stmt.finishRun.run({
        id: runId,
        status: fields.status,
        endedAt: fields.endedAt,
        wallMs: fields.wallMs,
        stats: toJson(fields.stats),
        warnings: toJson(fields.warnings),
        error: fields.error,
        eventCount: fields.eventCount,
      }).changes;
      if (changed === 0) return false;
      this.writeClaims(runId, fields.claims);
      return true;
    });
  }

  /**
   * Ends the row of a run whose runner was killed or died: status, end time, wall time and the count of
   * the events it committed. A run already ended is left as it is. False when the run was never recorded.
   */
  finalizeKilledRun(runId: string, status: RunStatus, error: string, endedAt: string): boolean {
    return this.transaction(() => {
      if (!this.runExists(runId)) return false;
      this.stmt.finalizeKilled.run({ id: runId, status, endedAt, error });
      return true;
    });
  }

  /**
   * Stores a whole run (an imported run log) in one transaction. If the same run is already stored, with the
   * same content (tags and notes added since are allowed; the log's own must be there), nothing changes and
   * the answer is 'exists'. A run stored under this id with other content,
   * or an id that another run's id starts with (or that starts with another's), is refused with an
   * ImportConflictError and nothing changes. Notes get new local ids; tags are a set. Batches must not repeat
   * a (trial, actor, first sequence number): the run's event count is their sum.
   */
  saveCompleteRun(run: RunRecord, batches: readonly EventBatch[]): 'inserted' | 'exists' {
    return this.transaction(() => {
      if (this.runExists(run.id)) {
        const difference = this.importDifference(run, batches);
        if (difference === null) return 'exists';
        throw new ImportConflictError(
          `run ${run.id} is already in the history with different ${difference}; nothing changed ` +
            `(delete the stored run first to replace it, or import the log into another history)`,
        );
      }
      const relatives = this.stmt.prefixRelatives.all({ id: run.id }) as string[];
      if (relatives.length > 0) {
        throw new ImportConflictError(
          `run id ${run.id} and the stored run${relatives.length === 1 ? '' : 's'} ${relatives.join(', ')} start alike: ` +
            `one id is the beginning of the other, so a short id would name the wrong run; nothing changed`,
        );
      }
      this.stmt.insertRun.run({
        ...this.runStartColumns(run),
        status: run.status,
        endedAt: run.endedAt,
        wallMs: run.wallMs,
        stats: toJson(run.stats),
        warnings: toJson(run.warnings),
        error: run.error,
        ownerPid: null,
        eventCount: batches.reduce((sum, b) => sum + b.count, 0),
      });
      for (const trial of run.trials) this.writeTrial(run.id, trial);
      this.writeClaims(run.id, run.claims);
      for (const tag of run.tags) this.stmt.insertTag.run(run.id, normalizeTag(tag));
      for (const note of run.notes) this.stmt.insertNote.run(run.id, note.text, note.createdAt);
      for (const p of run.predictions ?? []) this.writePrediction(run.id, p);
      this.appendEventBatches(run.id, batches);
      return 'inserted';
    });
  }

  /** The first part of a stored run that an imported copy of it does not match, or null when it matches. */
  private importDifference(run: RunRecord, batches: readonly EventBatch[]): string | null {
    const stored = this.getRun(run.id)!;
    // Both sides through JSON, as the columns hold them (-0 is 0, key order does not count).
    const same = (a: unknown, b: unknown): boolean => isDeepStrictEqual(JSON.parse(toJson(a)), JSON.parse(toJson(b)));
    const simple = ['lessonId', 'experimentId', 'title', 'status', 'startedAt', 'endedAt', 'wallMs', 'spec', 'params', 'repeat', 'warmup', 'environment', 'substitutions', 'stats', 'claims', 'warnings', 'error'] as const;
    for (const field of simple) if (!same(stored[field], run[field])) return field;
    const byIndex = (trials: readonly TrialRecord[]) => [...trials].sort((a, b) => a.index - b.index);
    if (!same(byIndex(stored.trials), byIndex(run.trials))) return 'trials';
    // Tags and notes added here since the log was exported are this history's own; the log's must all be here.
    const storedTags = new Set(stored.tags);
    if (!run.tags.every((tag) => storedTags.has(normalizeTag(tag)))) return 'tags';
    const noteKey = (note: RunNote): string => JSON.stringify([note.text, note.createdAt]);
    const storedNotes = new Set(stored.notes.map(noteKey));
    if (!run.notes.every((note) => storedNotes.has(noteKey(note)))) return 'notes';
    const predictionKey = (p: RunPrediction): string => JSON.stringify([p.question, p.value, p.answeredAt]);
    const storedPredictions = new Set((stored.predictions ?? []).map(predictionKey));
    if (!(run.predictions ?? []).every((p) => storedPredictions.has(predictionKey(p)))) return 'predictions';
    const given = new Map<string, EventBatch>();
    for (const b of batches) given.set(JSON.stringify([b.trial, b.actor, b.firstSeq]), b);
    let matched = 0;
    for (const b of this.iterateEventBatches(run.id)) {
      const other = given.get(JSON.stringify([b.trial, b.actor, b.firstSeq]));
      if (!other || other.count !== b.count || other.tFirst !== b.tFirst || other.tLast !== b.tLast || other.payload !== b.payload) return 'events';
      matched++;
    }
    return matched === given.size && given.size === batches.length ? null : 'events';
  }

  // ---------------------------------------------------------------- reading

  /** The whole record of a run (without its events), or null when there is no such run. */
  getRun(runId: string): RunRecord | null {
    return this.readTransaction(() => {
      const row = this.stmt.getRun.get(runId) as RunRow | undefined;
      if (!row) return null;
      const trials = (this.stmt.readTrials.all(runId) as TrialRow[]).map((t) => this.trialFromRow(t, runId));
      const claims = (this.stmt.readClaims.all(runId) as ClaimRow[]).map(
        (c): ClaimResult => ({
          id: c.claim_id,
          text: { en: c.text_en, zh: c.text_zh },
          status: asClaimStatus(c.status),
          detail: c.detail,
          ...claimTrials(c.trials_json),
        }),
      );
      return {
        id: row.id,
        lessonId: row.lesson_id,
        experimentId: row.experiment_id,
        title: row.title,
        status: asRunStatus(row.status, row.id),
        startedAt: row.started_at,
        endedAt: row.ended_at,
        wallMs: row.wall_ms,
        spec: fromJson<unknown>(row.spec_json),
        params: fromJson<Record<string, unknown>>(row.params_json),
        repeat: row.repeat,
        warmup: row.warmup,
        environment: fromJson<RunEnvironment>(row.environment_json),
        substitutions: fromJson<Substitution[]>(row.substitutions_json),
        trials,
        stats: fromJson<MetricStats[]>(row.stats_json),
        claims,
        warnings: fromJson<string[]>(row.warnings_json),
        error: row.error,
        tags: this.stmt.readTags.all(runId) as string[],
        notes: this.readNotes(runId),
        ...this.predictionsField(runId),
      };
    });
  }

  /**
   * One line per run, newest first. Filters combine with AND; `search` matches every
   * whitespace-separated term (as a substring, case-insensitively) in the title, lesson id or notes.
   * `trials` counts the counted trials (warm-ups excluded). Malformed dates or counts throw a
   * StoreInputError that names the field.
   */
  listRuns(filter: RunFilter = {}): RunSummary[] {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (filter.lessonId !== undefined) {
      where.push('r.lesson_id = @lessonId');
      params['lessonId'] = filter.lessonId;
    }
    if (filter.status !== undefined) {
      where.push('r.status = @status');
      params['status'] = filter.status;
    }
    if (filter.tag !== undefined) {
      where.push('EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.tag = @tag)');
      params['tag'] = filter.tag.trim();
    }
    if (filter.since !== undefined) {
      where.push('r.started_at >= @since');
      params['since'] = dateBound('since', filter.since).iso;
    }
    if (filter.until !== undefined) {
      const bound = dateBound('until', filter.until);
      where.push(bound.exclusive ? 'r.started_at < @until' : 'r.started_at <= @until');
      params['until'] = bound.iso;
    }
    if (filter.runtime !== undefined) {
      where.push(`${RUNTIME_OF_RUN} = @runtime`);
      params['runtime'] = filter.runtime;
    }
    if (filter.search !== undefined) {
      const clause = this.searchClause(filter.search, params);
      if (clause) where.push(clause);
    }
    params['limit'] = checkCount('limit', filter.limit) ?? -1;
    params['offset'] = checkCount('offset', filter.offset) ?? 0;

    const sql = `SELECT r.id, r.lesson_id, r.title, r.status, r.started_at, r.wall_ms,
        (SELECT count(*) FROM trials t WHERE t.run_id = r.id AND t.warmup = 0) AS trials,
        (SELECT count(*) FROM claims c WHERE c.run_id = r.id AND c.status = 'holds') AS claims_held,
        (SELECT count(*) FROM claims c WHERE c.run_id = r.id AND c.status = 'fails') AS claims_failed,
        (SELECT count(*) FROM claims c WHERE c.run_id = r.id AND c.status NOT IN ('holds', 'fails')) AS claims_inconclusive,
        (SELECT json_group_array(tag) FROM (SELECT tag FROM tags t WHERE t.run_id = r.id ORDER BY tag)) AS tags_json,
        ${RUNTIME_OF_RUN} AS runtime,
        r.params_json,
        json_extract(r.spec_json, '$.params') AS param_defs_json,
        (SELECT json_group_array(substr(text, 1, 200)) FROM (SELECT text FROM notes n WHERE n.run_id = r.id ORDER BY id)) AS notes_json
      FROM runs r
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.started_at DESC, r.id DESC
      LIMIT @limit OFFSET @offset`;
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.listStatements.set(sql, statement);
    }
    return (statement.all(params) as SummaryRow[]).map((row) => ({
      id: row.id,
      lessonId: row.lesson_id,
      title: row.title,
      status: asRunStatus(row.status, row.id),
      startedAt: row.started_at,
      wallMs: row.wall_ms,
      trials: row.trials,
      claimsHeld: row.claims_held,
      claimsFailed: row.claims_failed,
      claimsInconclusive: row.claims_inconclusive,
      tags: fromJson<string[]>(row.tags_json),
      runtime: asRuntimeName(row.runtime),
      changedParams: summaryParams(row),
      notes: fromJson<string[]>(row.notes_json),
    }));
  }

  /** A run's event batches ordered by trial, actor, first sequence number; [] for an unknown run. */
  readEventBatches(runId: string, trial?: number): EventBatch[] {
    return [...this.iterateEventBatches(runId, trial)];
  }

  /**
   * The same batches one at a time, for exports of runs too large to hold decoded. The connection is
   * busy until the iteration ends (better-sqlite3 refuses other statements meanwhile).
   */
  *iterateEventBatches(runId: string, trial?: number): Generator<EventBatch> {
    const rows = (
      trial === undefined ? this.stmt.readEvents.iterate(runId) : this.stmt.readTrialEvents.iterate(runId, trial)
    ) as IterableIterator<EventRow>;
    for (const row of rows) {
      yield {
        trial: row.trial,
        actor: row.actor,
        firstSeq: row.first_seq,
        count: row.count,
        tFirst: row.t_first,
        tLast: row.t_last,
        payload: row.payload,
      };
    }
  }

  /** Number of events stored for a run (the sum of its batch counts); 0 for an unknown run. */
  countEvents(runId: string): number {
    return this.stmt.countEvents.get(runId) as number;
  }

  /** The metrics rows of a run, by trial then name. */
  readMetrics(runId: string): MetricRow[] {
    return this.stmt.readMetrics.all(runId) as MetricRow[];
  }

  // ---------------------------------------------------------------- what a person adds or removes

  /** Tags a run (idempotent). False when the run does not exist. */
  addTag(runId: string, tag: string): boolean {
    this.assertWritable();
    const normalized = normalizeTag(tag);
    if (!this.runExists(runId)) return false;
    this.stmt.insertTag.run(runId, normalized);
    return true;
  }

  /** True when the tag was there and is now removed. */
  removeTag(runId: string, tag: string): boolean {
    this.assertWritable();
    return this.stmt.deleteTag.run(runId, tag.trim()).changes > 0;
  }

  /** Adds a note to a run; null when the run does not exist. */
  addNote(runId: string, text: string): RunNote | null {
    if (text.trim() === '') throw new StoreInputError('note: expected some text, got an empty note');
    this.assertWritable();
    if (!this.runExists(runId)) return null;
    const createdAt = new Date().toISOString();
    const id = Number(this.stmt.insertNote.run(runId, text, createdAt).lastInsertRowid);
    return { id, text, createdAt };
  }

  /**
   * Keeps a learner's predictions with a run (one per question; a second answer replaces the first); false
   * when the run does not exist. The service checks them against the lesson's questions first.
   */
  savePredictions(runId: string, predictions: readonly RunPrediction[]): boolean {
    this.assertWritable();
    return this.transaction(() => {
      if (!this.runExists(runId)) return false;
      for (const p of predictions) this.writePrediction(runId, p);
      return true;
    });
  }

  private writePrediction(runId: string, p: RunPrediction): void {
    if (!this.stmt.upsertPrediction) throw new StoreInputError('this run history predates predictions and cannot be upgraded here (it is open for reading only)');
    this.stmt.upsertPrediction.run(runId, p.question, p.value, p.answeredAt);
  }

  /** `predictions` when the run has any (a run without keeps the shape it always had). */
  private predictionsField(runId: string): { predictions?: RunPrediction[] } {
    const rows = (this.stmt.readPredictions?.all(runId) ?? []) as { question_id: string; value: string; answered_at: string }[];
    return rows.length === 0 ? {} : { predictions: rows.map((r) => ({ question: r.question_id, value: r.value, answeredAt: r.answered_at })) };
  }

  deleteNote(noteId: number): boolean {
    this.assertWritable();
    return this.stmt.deleteNote.run(noteId).changes > 0;
  }

  /** Deletes a run with everything recorded for it. False when there was no such run. */
  deleteRun(runId: string): boolean {
    this.assertWritable();
    return this.stmt.deleteRun.run(runId).changes > 0;
  }

  // ---------------------------------------------------------------- saved experiments

  saveExperiment(input: ExperimentInput): SavedExperiment {
    const name = input.name.trim();
    if (name === '') throw new StoreInputError('name: expected a non-empty experiment name');
    const now = new Date().toISOString();
    const id = input.id ?? randomUUID();
    const values = { id, name, spec: toJson(input.spec), now };
    this.transaction(() => {
      if (this.stmt.updateExperiment.run(values).changes === 0) this.stmt.insertExperiment.run(values);
    });
    return this.getExperiment(id)!;
  }

  listExperiments(): SavedExperiment[] {
    return (this.stmt.listExperiments.all() as ExperimentRow[]).map(experimentFromRow);
  }

  getExperiment(id: string): SavedExperiment | null {
    const row = this.stmt.getExperiment.get(id) as ExperimentRow | undefined;
    return row ? experimentFromRow(row) : null;
  }

  deleteExperiment(id: string): boolean {
    this.assertWritable();
    return this.stmt.deleteExperiment.run(id).changes > 0;
  }

  /** Closes the connection; further calls throw. Safe to call twice. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---------------------------------------------------------------- internals

  private runStartColumns(meta: RunStart) {
    return {
      id: meta.id,
      lessonId: meta.lessonId,
      experimentId: meta.experimentId,
      title: meta.title,
      startedAt: meta.startedAt,
      spec: toJson(meta.spec),
      params: toJson(meta.params),
      repeat: meta.repeat,
      warmup: meta.warmup,
      environment: toJson(meta.environment),
      substitutions: toJson(meta.substitutions),
    };
  }

  private writeTrial(runId: string, trial: TrialRecord): void {
    this.stmt.upsertTrial.run({
      runId,
      index: trial.index,
      warmup: trial.warmup ? 1 : 0,
      status: trial.status,
      startedAt: trial.startedAt,
      wallMs: trial.wallMs,
      metrics: toJson(trial.metrics),
      actors: toJson(trial.actors),
      records: toJson(trial.records),
      finalShared: toJson(trial.finalShared),
      deadlock: trial.deadlock === null ? null : toJson(trial.deadlock),
      error: trial.error,
      eventCount: trial.eventCount,
      eventsLost: trial.eventsLost,
      eventsDropped: trial.eventsDropped,
    });
    this.stmt.deleteTrialMetrics.run(runId, trial.index);
    for (const [name, value] of Object.entries(trial.metrics)) {
      // NaN and infinities have no SQL (or JSON) form; metrics_json keeps them as null.
      if (Number.isFinite(value)) this.stmt.insertMetric.run(runId, trial.index, name, value);
    }
  }

  private writeClaims(runId: string, claims: readonly ClaimResult[]): void {
    this.stmt.deleteClaims.run(runId);
    claims.forEach((claim, position) => {
      const row = [runId, claim.id, position, claim.text.en, claim.text.zh, claim.status, claim.detail] as const;
      if (this.stmt.claimEvidence) this.stmt.insertClaim.run(...row, claim.trials ? JSON.stringify(claim.trials) : null);
      else this.stmt.insertClaim.run(...row);
    });
  }

  private trialFromRow(row: TrialRow, runId: string): TrialRecord {
    return {
      index: row.idx,
      warmup: row.warmup !== 0,
      status: asRunStatus(row.status, runId),
      startedAt: row.started_at,
      wallMs: row.wall_ms,
      metrics: fromJson<MetricMap>(row.metrics_json),
      actors: fromJson<ActorRecord[]>(row.actors_json),
      records: fromJson<Record<string, unknown[]>>(row.records_json),
      finalShared: fromJson<Record<string, unknown>>(row.final_shared_json),
      deadlock: row.deadlock_json === null ? null : fromJson<DeadlockReport>(row.deadlock_json),
      error: row.error,
      eventCount: row.event_count,
      eventsLost: row.events_lost,
      eventsDropped: row.events_dropped,
    };
  }

  private readNotes(runId: string): RunNote[] {
    return (this.stmt.readNotes.all(runId) as NoteRow[]).map((n) => ({ id: n.id, text: n.text, createdAt: n.created_at }));
  }

  /**
   * The WHERE clause for a search text, or null when it has no terms. With FTS5, terms of 3 or more
   * characters go through the trigram index (MATCH of a quoted phrase is a substring test); shorter
   * ones, which a trigram index cannot look up, are LIKE tests on the same rows.
   */
  private searchClause(search: string, params: Record<string, string | number>): string | null {
    const terms = [...new Set(search.trim().split(/\s+/u).filter((t) => t !== ''))].slice(0, MAX_SEARCH_TERMS);
    if (terms.length === 0) return null;
    const likeOf = (columns: string[], name: string) =>
      `(${columns.map((c) => `${c} LIKE @${name} ESCAPE '\\'`).join(' OR ')})`;
    if (this.searchMode === 'like') {
      return terms
        .map((term, i) => {
          params[`s${i}`] = escapeLike(term);
          return `(r.title LIKE @s${i} ESCAPE '\\' OR coalesce(r.lesson_id, '') LIKE @s${i} ESCAPE '\\'
            OR EXISTS (SELECT 1 FROM notes n WHERE n.run_id = r.id AND n.text LIKE @s${i} ESCAPE '\\'))`;
        })
        .join(' AND ');
    }
    const long = terms.filter((t) => [...t].length >= 3);
    const conditions: string[] = [];
    if (long.length > 0) {
      params['match'] = long.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ');
      conditions.push('runs_fts MATCH @match');
    }
    terms
      .filter((t) => [...t].length < 3)
      .forEach((term, i) => {
        params[`s${i}`] = escapeLike(term);
        conditions.push(likeOf(['title', 'lesson_id', 'notes'], `s${i}`));
      });
    return `r.id IN (SELECT run_id FROM runs_fts WHERE ${conditions.join(' AND ')})`;
  }
}

/** An import that would change or shadow a stored run; nothing was written. */
export class ImportConflictError extends StoreInputError {}

function experimentFromRow(row: ExperimentRow): SavedExperiment {
  return {
    id: row.id,
    name: row.name,
    spec: fromJson<unknown>(row.spec_json),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
