import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { assertNever } from '../model/assert-never';
import { appVersion } from '../engine/entry-paths';
import { compareRuns } from '../engine/metrics/compare';
import type { Comparison } from '../model/run-model';
import { isCpythonRuntime, type RunRecord, type RunFilter, type RunNote, type RunStatus, type RunSummary, type RuntimeName } from '../model/run-model';
import { listRuntimes, prepareCpython, RuntimeUnavailableError, type RuntimeListing } from '../engine/runtimes/cpython-runtime';
import { cpythonIssues } from '../engine/runtimes/cpython-support';
import { configuredPython, setConfiguredPython } from '../engine/runtimes/python-discovery';
import { prepareNode } from '../engine/runtimes/node-support';
import type { RunProgress } from '../model/run-model';
import type { ActorHost } from '../engine/actors/hosts';
import { RunnerProcess } from '../engine/runner/runner-process';
import { DEFAULT_LIMIT_CAPS, type LimitCaps } from '../model/limit-caps';
import { specJsonSchema } from '../model/spec-schema';
import { SpecError, validateSpec } from '../engine/spec/validate';
import { formatSpecIssues } from '../model/spec-issue';
import type { SpecIssue, ValidationResult } from '../model/spec-issue';
import type { EventBatch } from '../model/trace-event';
import { eventsCsvLines, metricsCsv, recordsCsv, trialsCsv } from '../export/csv';
import { buildRunLog, RunLogError, runLogByteLimit, serializeRunLog } from '../export/run-log';
import { RunLogReader } from '../export/run-log-reader';
import { readRegularFile, readRegularFileAsync } from '../engine/untrusted/bounded-file';
import { StandaloneServers } from './standalone-servers';
import { parseCheckedJson } from '../engine/untrusted/bounded-json';
import { UntrustedInputError } from '../engine/untrusted/untrusted-error';
import { toTraceEvents } from '../export/trace-events';
import { pairTrace, PairTraceError, type PairAlignment, type PairSide as TracePairSide } from '../export/trace-pair';
import { comparisonReport, runReport } from '../export/html-report';
import type { ReportLang } from '../export/report-wording';
import type { ChapterId, Lesson, LessonSummary } from '../model/lesson';
import { CHAPTER_TITLES, CHAPTERS, type Lang } from '../lessons/lesson';
import { findLesson, LESSONS } from '../lessons/catalog';
import { CPYTHON_PARAMS } from '../lessons/cpython-params';
import { resolveDbPath } from '../store/db-location';
import { recoveryHint, storeFailureKind, StoreUnavailableError, type StoreHealth } from '../store/database';
import { openRunReader, type RunReader } from '../store/run-reader';
import { lockWaitFromEnv, RunWriter, StoreCommandError, type CommandBody } from '../store/run-writer';
import type { ExperimentInput } from '../store/store-model';
import { EXPORT_FORMATS, type ExportFormat } from '../model/export-formats';
import type { SavedExperiment } from '../model/saved-experiment';
import type { Settings } from '../model/settings';
import type { PredictionInput, Question, RunPrediction } from '../model/questions';
import { checkPredictionInputs } from './predictions';

/**
 * LabService: the one API every front end calls — the CLI, browser mode and the Electron app.
 * It reads the history on a connection of its own that cannot write (store/run-reader.ts); every
 * change (a tag, a note, a deletion, an import, the end of a killed run) goes to a store-writer worker
 * (store/run-writer.ts), opened at the first change, so this thread never waits on the write lock or
 * the disk. It runs experiments, each in a runner process of its own (which records the run through
 * its own writer); front ends never reach into the engine's insides. Errors a person caused are
 * LabErrors with a code.
 */

export type LabErrorCode = 'bad-input' | 'not-found' | 'conflict' | 'unavailable';

export class LabError extends Error {
  constructor(
    readonly code: LabErrorCode,
    message: string,
    readonly issues: readonly SpecIssue[] = [],
  ) {
    super(message);
    this.name = 'LabError';
  }
}

export interface LabServiceOptions {
  /** Explicit database path (the CLI's --db); else CONLAB_DB; else the app's user-data folder. */
  readonly dbPath?: string | undefined;
  readonly caps?: Partial<LimitCaps>;
  readonly workRoot?: string;
  /**
   * Hosts this process offers the runner. `utility`: utility actors start here and are relayed to the
   * runner (the Electron main process, where utilityProcess exists); without it the runner forks them
   * and the run records the substitution.
   */
  readonly hosts?: { readonly utility?: ActorHost };
}

export interface StartRunRequest {
  /** A lesson id, or a spec (an object) to run. */
  readonly lessonId?: string;
  readonly spec?: unknown;
  readonly overrides?: Readonly<Record<string, string | number | boolean>>;
  readonly repeat?: number;
  readonly warmup?: number;
  readonly title?: string;
  readonly experimentId?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RunProgress) => void;
  /** A live batch; a promise returned holds the run's actors (bounded) until it settles (see RunnerProcessOptions). */
  readonly onBatch?: (batch: EventBatch) => unknown;
  /** Where the actors run: the Node engine (default) or CPython. */
  readonly runtime?: RuntimeName;
  /** false: keep the trials' records and metrics but not their events (a batch for a distribution). */
  readonly storeEvents?: boolean;
  /** The learner's answers to the lesson's questions (checked before the run starts, stored with it). */
  readonly predictions?: readonly PredictionInput[];
}

/** One runtime's side of a pair: its recorded run, or why that runtime refused it before anything started. */
export type PairSide = { readonly runtime: RuntimeName; readonly run: RunRecord; readonly refused?: undefined } | { readonly runtime: RuntimeName; readonly run?: undefined; readonly refused: string };

/** A lesson or spec run on Node and on CPython, linked by the tag `pair:<pairId>` on both runs. */
export interface RunPair {
  readonly pairId: string;
  readonly sides: readonly PairSide[];
}

export const PAIR_TAG_PREFIX = 'pair:';
/** `--runtime both`: the Node engine and CPython with the GIL (the no-GIL runtime is asked for by name). */
export const RUNTIME_PAIR: readonly RuntimeName[] = ['node', 'cpython'];

export interface ExportResult {
  readonly data: Buffer;
  readonly fileName: string;
  readonly mimeType: string;
}

export class LabService {
  readonly dbPath: string;
  /** Network-lab servers started on their own for real clients (the network page, like `conlab server`). */
  readonly standaloneServers = new StandaloneServers();
  readonly caps: LimitCaps;
  private readonly store: RunReader;
  private writer: Promise<RunWriter> | null = null;
  /** How long the writer waits for another program's write lock (CONLAB_LOCK_WAIT_MS), as it was opened with. */
  private lockWaitMs = 0;
  private nextImportId = 1;
  private closed = false;
  private readonly active = new Map<string, { readonly runner: RunnerProcess; readonly settled: Promise<void> }>();
  private readonly runLogReader = new RunLogReader();
  private savedSettings: Settings | null = null;

  private constructor(
    store: RunReader,
    dbPath: string,
    private readonly options: LabServiceOptions,
  ) {
    this.store = store;
    this.dbPath = dbPath;
    this.caps = { ...DEFAULT_LIMIT_CAPS, ...options.caps };
  }

  /**
   * Opens the run history. A read-only or damaged file still opens, for reading: `storeHealth` says
   * so, and every write (a run, a tag, a note…) is refused with that one-line reason (bad-input).
   */
  static open(options: LabServiceOptions = {}): LabService {
    const dbPath = resolveDbPath(options.dbPath);
    // SQLite would open a device or a FIFO and fail later, or wait on it: refuse anything but a regular file.
    const existing = statSync(dbPath, { throwIfNoEntry: false });
    if (existing && !existing.isFile()) {
      throw new LabError('bad-input', `cannot use ${dbPath} as the run history: it is ${existing.isDirectory() ? 'a directory' : 'not a regular file'}; give a file path`);
    }
    try {
      lockWaitFromEnv();
    } catch (error) {
      throw new LabError('bad-input', (error as Error).message);
    }
    try {
      mkdirSync(dirname(dbPath), { recursive: true });
    } catch {
      // RunStore.open says why the folder cannot be made, in the same words as every other open failure.
    }
    try {
      return new LabService(openRunReader(dbPath), dbPath, options);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw new LabError('bad-input', error.message);
      throw new LabError('unavailable', `cannot open the run history at ${dbPath}: ${(error as Error).message}`);
    }
  }

  /** Whether the run history can be written, and if not, why and what to do. */
  get storeHealth(): StoreHealth {
    return this.store.health;
  }

  private requireWritable(): void {
    if (this.store.health.access !== 'read-write') throw new LabError('bad-input', this.store.health.problem ?? `the run history ${this.dbPath} cannot be written`);
  }

  /**
   * Sends a change to the store-writer worker (started at the first one): refused at once on a
   * read-only or damaged file; the writer's refusals become LabErrors in one line.
   */
  private async command<T>(body: CommandBody): Promise<T> {
    this.requireWritable();
    if (this.closed) throw new LabError('unavailable', `the run history ${this.dbPath} is closed`);
    const opening = this.openWriter();
    const writer = await opening;
    try {
      return await writer.call<T>(body);
    } catch (error) {
      if (!(error instanceof StoreCommandError)) {
        // The writer itself is gone (it crashed, or was closed): the next change starts a new one.
        if (this.writer === opening) this.writer = null;
        void writer.close().catch(() => undefined);
        throw new LabError('unavailable', `cannot write the run history at ${this.dbPath}: ${(error as Error).message}`);
      }
      throw this.commandError(error);
    }
  }

  private openWriter(): Promise<RunWriter> {
    if (!this.writer) {
      this.lockWaitMs = lockWaitFromEnv();
      const opening = RunWriter.open(this.dbPath, { lockWaitMs: this.lockWaitMs }).catch((error: unknown) => {
        this.writer = null; // a later change tries again
        throw new LabError('unavailable', `cannot write the run history at ${this.dbPath}: ${(error as Error).message}`);
      });
      this.writer = opening;
    }
    return this.writer;
  }

  /** A failure the writer reported, in the words a person gets for it. */
  private commandError(error: StoreCommandError): Error {
    const message = error.message;
    switch (error.kind) {
      case 'locked':
        return new LabError('unavailable', `the run history ${this.dbPath} is locked by another program (waited ${(this.lockWaitMs / 1000).toFixed(1)} s); try again when it is done`);
      case 'disk-full':
        return new LabError('unavailable', `disk full: no space left for ${this.dbPath} (${message})`);
      case 'read-only':
        return new LabError('bad-input', `the run history ${this.dbPath} became read-only (${message})`);
      case 'damaged':
        return new LabError('bad-input', `the run history ${this.dbPath} is damaged (${message}); ${recoveryHint(this.dbPath)}`);
      case null:
        return error.name === 'StoreInputError' ? new LabError('bad-input', message) : error;
    }
  }

  // ------------------------------------------------------------------ lessons and specs

  listLessons(): LessonSummary[] {
    return LESSONS.map((lesson) => ({ id: lesson.id, chapter: lesson.chapter, chapterTitle: CHAPTER_TITLES[lesson.chapter], title: lesson.title }));
  }

  chapters(): readonly { id: ChapterId; title: { en: string; zh: string } }[] {
    return CHAPTERS.map((id) => ({ id, title: CHAPTER_TITLES[id] }));
  }

  getLesson(id: string): Lesson {
    const lesson = findLesson(id);
    if (!lesson) throw new LabError('not-found', `no lesson named ${id} (conlab list shows them all)`);
    return lesson;
  }

  specSchema(): unknown {
    return specJsonSchema();
  }

  validate(spec: unknown, overrides: Readonly<Record<string, string | number | boolean>> = {}): ValidationResult {
    try {
      return { ok: true, params: validateSpec(spec, { overrides, caps: this.caps, cpuCount: availableParallelism() }).params };
    } catch (error) {
      if (error instanceof SpecError) return { ok: false, issues: error.issues };
      throw error;
    }
  }

  // ------------------------------------------------------------------ runs

  /**
   * Runs a lesson or a spec to the end and records it. Bad specs are refused before anything starts.
   *
   * The run happens in a runner process of its own (engine/runner/runner-process.ts): this process
   * only relays progress and batches, so it stays responsive whatever the actors compute, and it can
   * always end the run by killing the runner's tree. The runner records the run through its own
   * writer; when the tree is killed (cancel unanswered, wall limit passed, runner crashed) this
   * process finalizes the run row with what was committed.
   */
  async run(request: StartRunRequest): Promise<RunRecord> {
    const lesson = request.lessonId !== undefined ? this.getLesson(request.lessonId) : null;
    const spec = lesson ? lesson.spec : request.spec;
    if (spec === undefined) throw new LabError('bad-input', 'give a lesson id or a spec to run');
    const predictions = request.predictions?.length ? checkPredictionInputs(lesson?.questions ?? [], request.predictions) : [];
    const repeat = request.repeat ?? 1;
    const warmup = request.warmup ?? 0;
    if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1_000) throw new LabError('bad-input', `repeat must be an integer from 1 to 1000, got ${repeat}`);
    if (!Number.isInteger(warmup) || warmup < 0 || warmup > 100) throw new LabError('bad-input', `warmup must be an integer from 0 to 100, got ${warmup}`);
    let validated;
    try {
      validated = validateSpec(spec, { overrides: request.overrides ?? {}, caps: this.caps, cpuCount: availableParallelism() });
    } catch (error) {
      if (error instanceof SpecError) throw new LabError('bad-input', error.message, error.issues);
      throw error;
    }
    this.requireWritable();
    const runtime = request.runtime ?? 'node';
    if (isCpythonRuntime(runtime) && lesson && CPYTHON_PARAMS[lesson.id]) {
      // The lesson's CPython defaults (a slower compute loop), under what the person set.
      try {
        validated = validateSpec(spec, { overrides: { ...CPYTHON_PARAMS[lesson.id], ...request.overrides }, caps: this.caps, cpuCount: availableParallelism() });
      } catch (error) {
        if (error instanceof SpecError) throw new LabError('bad-input', error.message, error.issues);
        throw error;
      }
    }
    try {
      if (isCpythonRuntime(runtime)) prepareCpython(validated, runtime);
      else prepareNode(validated);
    } catch (error) {
      if (error instanceof RuntimeUnavailableError) throw new LabError('unavailable', error.message);
      if (error instanceof SpecError) throw new LabError('bad-input', error.message, error.issues);
      throw error;
    }
    if (request.signal?.aborted) throw new LabError('conflict', 'the run was cancelled before it started');
    const runId = randomUUID();
    const pythonPath = configuredPython();
    const runner = new RunnerProcess({
      start: {
        runId,
        dbPath: this.dbPath,
        spec,
        validated,
        repeat,
        warmup,
        lessonId: lesson?.id ?? null,
        experimentId: request.experimentId ?? null,
        ...(request.title !== undefined ? { title: request.title } : lesson ? { title: lesson.title.en } : {}),
        ...(this.options.workRoot ? { workRoot: this.options.workRoot } : {}),
        ...(runtime !== 'node' ? { runtime } : {}),
        ...(runtime === 'cpython' && pythonPath !== null ? { pythonPath } : {}),
        ...(request.storeEvents === false ? { storeEvents: false } : {}),
      },
      wallTimeMs: validated.limits.wallTimeMs,
      ...(this.options.hosts?.utility ? { utilityHost: this.options.hosts.utility } : {}),
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      ...(request.onBatch ? { onBatch: request.onBatch } : {}),
    });
    const onOuterAbort = (): void => runner.cancel();
    request.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const settled = runner.ended.then(() => undefined);
    this.active.set(runId, { runner, settled });
    let end;
    try {
      end = await runner.ended;
    } finally {
      this.active.delete(runId);
      request.signal?.removeEventListener('abort', onOuterAbort);
    }
    switch (end.kind) {
      case 'done': {
        const stored = this.getRun(runId);
        if (stored.status === 'running') {
          throw new LabError(
            'unavailable',
            `run ${runId} ended ${end.status} but its end could not be recorded in ${this.dbPath}; it will be marked interrupted once its runner has ended`,
          );
        }
        if (predictions.length === 0) return stored;
        await this.command<boolean>({ type: 'savePredictions', runId, predictions });
        return this.getRun(runId);
      }
      case 'failed':
        if (end.error.name === 'StoreWriteError' || end.error.name === 'StoreUnavailableError') {
          // Nothing was started: the history could not take the run (locked, full, read-only, damaged).
          throw new LabError('unavailable', `the run was not started: ${end.error.message}`);
        }
        await this.finalizeRun(runId, 'failed', end.error.message);
        throw end.error.name === 'RangeError' ? new LabError('bad-input', end.error.message) : new Error(end.error.message);
      case 'killed':
        if (!(await this.finalizeRun(runId, end.status, end.reason))) {
          throw new LabError(end.status === 'failed' ? 'unavailable' : 'conflict', `the run ended before it was recorded: ${end.reason}`);
        }
        if (predictions.length > 0) await this.command<boolean>({ type: 'savePredictions', runId, predictions });
        return this.getRun(runId);
      default:
        return assertNever(end, 'runner end');
    }
  }

  /**
   * Ends the row of a run whose runner was killed or died: status, end time, wall time and the count
   * of the events it committed. A run the runner finished itself is left as it is. False when the
   * runner never recorded the run.
   */
  private finalizeRun(runId: string, status: RunStatus, error: string): Promise<boolean> {
    return this.command<boolean>({ type: 'finalizeKilledRun', runId, status, error, endedAt: new Date().toISOString() });
  }

  /**
   * Why `runtime` would refuse this lesson or spec before anything starts (no interpreter, a part it cannot
   * run, by JSON path), or null when it would run it. A spec that is bad on every runtime is a LabError.
   */
  runtimeRefusal(request: Pick<StartRunRequest, 'lessonId' | 'spec' | 'overrides'>, runtime: RuntimeName): string | null {
    if (runtime === 'node') return null;
    const lesson = request.lessonId !== undefined ? this.getLesson(request.lessonId) : null;
    const spec = lesson ? lesson.spec : request.spec;
    const overrides = { ...(lesson ? CPYTHON_PARAMS[lesson.id] : {}), ...request.overrides };
    let validated;
    try {
      validated = validateSpec(spec, { overrides, caps: this.caps, cpuCount: availableParallelism() });
    } catch (error) {
      if (error instanceof SpecError) throw new LabError('bad-input', error.message, error.issues);
      throw error;
    }
    try {
      prepareCpython(validated, runtime);
      return null;
    } catch (error) {
      if (error instanceof SpecError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      if (error instanceof RuntimeUnavailableError) return error.message;
      throw error;
    }
  }

  /**
   * Runs a lesson or spec on Node, then on CPython, and links the two runs with the tag `pair:<id>`
   * (history --tag finds both; show-run names the other). A runtime that refuses it is reported, not thrown.
   */
  async runPair(request: Omit<StartRunRequest, 'runtime'>): Promise<RunPair> {
    const pairId = randomUUID().slice(0, 8);
    const sides: PairSide[] = [];
    for (const runtime of RUNTIME_PAIR) {
      const refused = this.runtimeRefusal(request, runtime);
      if (refused !== null) {
        sides.push({ runtime, refused });
        continue;
      }
      if (request.signal?.aborted) break;
      const run = await this.run({ ...request, runtime });
      await this.tagRun(run.id, `${PAIR_TAG_PREFIX}${pairId}`);
      sides.push({ runtime, run: this.getRun(run.id) });
    }
    return { pairId, sides };
  }

  /** The other runs of a run's pair (`run --runtime both`), each with the runtime it ran on; empty for a run of its own. */
  pairedRuns(idOrPrefix: string): { readonly id: string; readonly runtime: RuntimeName; readonly status: RunStatus }[] {
    const run = this.getRun(idOrPrefix);
    const tag = run.tags.find((t) => t.startsWith(PAIR_TAG_PREFIX));
    if (!tag) return [];
    return this.listRuns({ tag, limit: 10 })
      .filter((other) => other.id !== run.id)
      .map((other) => {
        const record = this.getRun(other.id);
        return { id: other.id, runtime: record.environment.runtime?.name ?? 'node', status: record.status };
      });
  }

  /** The runtimes a run may use on this machine (Node, and each CPython interpreter looked for). */
  runtimes(lessonId?: string): RuntimeListing[] {
    // A lesson page asks each time it opens: the interpreters found first are kept (what a run uses too).
    const listed = listRuntimes({ fresh: lessonId === undefined });
    if (lessonId === undefined) return listed;
    const validated = validateSpec(this.getLesson(lessonId).spec, { caps: this.caps, cpuCount: availableParallelism() });
    const issues = cpythonIssues(validated.spec);
    const refusal = issues.length > 0 ? formatSpecIssues(issues, 3) : null;
    return listed.map((runtime) => ({ ...runtime, refusal: isCpythonRuntime(runtime.name) ? refusal : null }));
  }

  /** Cancels a run in progress; the whole tree is gone within half a second. */
  cancel(runId: string): boolean {
    const active = this.active.get(runId);
    if (!active) return false;
    active.runner.cancel();
    return true;
  }

  activeRuns(): string[] {
    return [...this.active.keys()];
  }

  // ------------------------------------------------------------------ history

  /**
   * Accepts a full run id (which wins over any run it is the prefix of) or a prefix of at least 4 characters
   * that only one run's id starts with; a prefix several ids start with is refused, naming them.
   */
  resolveRunId(idOrPrefix: string): string {
    if (this.store.runExists(idOrPrefix)) return idOrPrefix;
    const shown = JSON.stringify(idOrPrefix.length > 80 ? `${idOrPrefix.slice(0, 80)}…` : idOrPrefix);
    if (idOrPrefix.length < 4 || !/^[0-9A-Za-z-]+$/.test(idOrPrefix)) throw new LabError('not-found', `no run ${shown}`);
    const shownMatches = 10;
    const ids = this.store.runIdsStartingWith(idOrPrefix, shownMatches + 1);
    if (ids.length === 0) throw new LabError('not-found', `no run ${shown}`);
    if (ids.length > 1) {
      const listed = ids.slice(0, shownMatches).join(', ') + (ids.length > shownMatches ? ', …' : '');
      throw new LabError('bad-input', `${shown} is ambiguous: it starts the ids of several runs (${listed}); give more characters`);
    }
    return ids[0]!;
  }

  listRuns(filter: RunFilter = {}): RunSummary[] {
    try {
      return this.reading(() => this.store.listRuns(filter));
    } catch (error) {
      throw error instanceof LabError ? error : new LabError('bad-input', (error as Error).message);
    }
  }

  /** Runs a read; SQLite's report of a damaged page becomes one line that says what to do. */
  private reading<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (storeFailureKind(error) !== 'damaged') throw error;
      throw new LabError('bad-input', `the run history ${this.dbPath} is damaged where this was read (${(error as Error).message}); ${recoveryHint(this.dbPath)}`);
    }
  }

  getRun(idOrPrefix: string): RunRecord {
    const id = this.resolveRunId(idOrPrefix);
    const run = this.reading(() => this.store.getRun(id));
    if (!run) throw new LabError('not-found', `no run ${idOrPrefix}`);
    return run;
  }

  runEvents(idOrPrefix: string, trial?: number): EventBatch[] {
    const id = this.resolveRunId(idOrPrefix);
    return this.reading(() => this.store.readEventBatches(id, trial));
  }

  /** Bad input (an empty tag, an unknown run, a file that cannot be written) is refused before anything is sent. */
  tagRun(idOrPrefix: string, tag: string): Promise<void> {
    this.requireWritable();
    if (!tag.trim()) throw new LabError('bad-input', 'a tag cannot be empty');
    const id = this.resolveRunId(idOrPrefix);
    return this.command<boolean>({ type: 'addTag', runId: id, tag: tag.trim() }).then(() => undefined);
  }

  untagRun(idOrPrefix: string, tag: string): Promise<boolean> {
    const id = this.resolveRunId(idOrPrefix);
    this.requireWritable();
    return this.command<boolean>({ type: 'removeTag', runId: id, tag });
  }

  addNote(idOrPrefix: string, text: string): Promise<RunNote> {
    this.requireWritable();
    if (!text.trim()) throw new LabError('bad-input', 'a note cannot be empty');
    const id = this.resolveRunId(idOrPrefix);
    return this.command<RunNote | null>({ type: 'addNote', runId: id, text }).then((note) => {
      if (!note) throw new LabError('not-found', `no run ${idOrPrefix}`);
      return note;
    });
  }

  /**
   * Keeps a learner's predictions with a run, checked against `questions` (default: the run's lesson's);
   * an answer to a question already answered replaces it.
   */
  async savePredictions(idOrPrefix: string, inputs: readonly PredictionInput[], questions?: readonly Question[]): Promise<RunPrediction[]> {
    this.requireWritable();
    const id = this.resolveRunId(idOrPrefix);
    const asked = questions ?? (() => {
      const lessonId = this.getRun(id).lessonId;
      return (lessonId !== null ? findLesson(lessonId)?.questions : undefined) ?? [];
    })();
    const predictions = checkPredictionInputs(asked, inputs);
    if (!(await this.command<boolean>({ type: 'savePredictions', runId: id, predictions }))) throw new LabError('not-found', `no run ${idOrPrefix}`);
    return predictions;
  }

  deleteRun(idOrPrefix: string): Promise<boolean> {
    this.requireWritable();
    const id = this.resolveRunId(idOrPrefix);
    if (this.active.has(id)) throw new LabError('conflict', `run ${id} is still running; cancel it first`);
    return this.command<boolean>({ type: 'deleteRun', runId: id });
  }

  /** One self-contained HTML report of a comparison (the first run is the baseline). */
  compareReport(ids: readonly string[], metrics?: readonly string[], lang: ReportLang = 'en'): ExportResult {
    const comparison = this.compare(ids, metrics);
    const runs = comparison.runIds.map((id) => this.getRun(id));
    return { data: Buffer.from(comparisonReport(runs, comparison, lang)), fileName: `conlab-compare-${runs.map((r) => r.id.slice(0, 8)).join('-')}.report.html`, mimeType: 'text/html' };
  }

  /** Two runs on one timeline, as one Perfetto trace (export/trace-pair.ts); a trial each, by default the first counted one with events. */
  compareTrace(ids: readonly [string, string], align: PairAlignment, trials?: readonly [number, number]): ExportResult {
    // With trials given, only their events are read.
    const side = (id: string, trial: number | undefined): TracePairSide => {
      const run = this.getRun(id);
      return { run, batches: this.runEvents(run.id, trial) };
    };
    const sides: [TracePairSide, TracePairSide] = [side(ids[0], trials?.[0]), side(ids[1], trials?.[1])];
    try {
      const trace = pairTrace(sides, align, trials);
      return { data: Buffer.from(JSON.stringify(trace)), fileName: `conlab-pair-${sides.map((side) => side.run.id.slice(0, 8)).join('-')}.trace.json`, mimeType: 'application/json' };
    } catch (error) {
      if (error instanceof PairTraceError) throw new LabError('bad-input', error.message);
      throw error;
    }
  }

  compare(ids: readonly string[], metrics?: readonly string[]): Comparison {
    if (ids.length < 2) throw new LabError('bad-input', 'compare needs two or more runs');
    const runs = ids.map((id) => this.getRun(id));
    return compareRuns(runs, metrics ? { metrics } : {});
  }

  // ------------------------------------------------------------------ export and import

  /** `lang` is the HTML report's language; the other formats are data, the same in every language. */
  exportRun(idOrPrefix: string, format: ExportFormat, lang: ReportLang = 'en'): ExportResult {
    const run = this.getRun(idOrPrefix);
    const base = `conlab-${run.lessonId ?? 'run'}-${run.id.slice(0, 8)}`;
    switch (format) {
      case 'json':
      case 'json.gz': {
        const log = buildRunLog(run, this.runEvents(run.id), appVersion());
        const gzip = format === 'json.gz';
        return { data: serializeRunLog(log, { gzip }), fileName: `${base}.runlog.json${gzip ? '.gz' : ''}`, mimeType: gzip ? 'application/gzip' : 'application/json' };
      }
      case 'csv':
        return { data: Buffer.from(trialsCsv(run)), fileName: `${base}.trials.csv`, mimeType: 'text/csv' };
      case 'csv-metrics':
        return { data: Buffer.from(metricsCsv(run)), fileName: `${base}.metrics.csv`, mimeType: 'text/csv' };
      case 'csv-records':
        return { data: Buffer.from(recordsCsv(run)), fileName: `${base}.records.csv`, mimeType: 'text/csv' };
      case 'csv-events': {
        const parts: string[] = [];
        for (const line of eventsCsvLines(this.runEvents(run.id))) parts.push(line);
        return { data: Buffer.from(parts.join('')), fileName: `${base}.events.csv`, mimeType: 'text/csv' };
      }
      case 'trace':
        return { data: Buffer.from(JSON.stringify(toTraceEvents(run, this.runEvents(run.id)))), fileName: `${base}.trace.json`, mimeType: 'application/json' };
      case 'html':
        return { data: Buffer.from(runReport(run, this.runEvents(run.id), run.lessonId ? findLesson(run.lessonId)?.results : undefined, lang)), fileName: `${base}.report.html`, mimeType: 'text/html' };
      default:
        throw new LabError('bad-input', `unknown export format ${String(format)}; use one of ${EXPORT_FORMATS.join(', ')}`);
    }
  }

  /**
   * Imports a run log (its bytes, as uploaded): validated strictly within size limits, never executed.
   * Importing the same run again changes nothing ('exists'); a log that would change a stored run, or whose
   * id would shadow another's, is refused.
   */
  async importRunLog(bytes: Buffer | string, options: { readonly transfer?: boolean } = {}): Promise<{ runId: string; result: 'inserted' | 'exists' }> {
    this.requireWritable();
    let log;
    try {
      // Parsed in a worker thread: the thread calling (a server's, the app's main) only copies bytes in and out.
      log = await this.runLogReader.read(bytes, options);
    } catch (error) {
      if (error instanceof RunLogError) throw new LabError('bad-input', error.message);
      throw error;
    }
    const result = await this.importToWriter(log.run as RunRecord, log.events);
    return { runId: log.run.id, result };
  }

  /**
   * Hands a validated run to the writer in parts of about IMPORT_PART_BYTES, letting this thread's
   * other work run between them; the writer stores it whole in one transaction.
   */
  private async importToWriter(run: RunRecord, events: readonly EventBatch[]): Promise<'inserted' | 'exists'> {
    this.requireWritable();
    const writer = await this.openWriter();
    const importId = this.nextImportId++;
    // The parts' own failures (the writer gone) are reported by the end's.
    const quietly = (sent: Promise<unknown>): void => void sent.catch(() => undefined);
    quietly(writer.call({ type: 'importBegin', importId, run }));
    let part: EventBatch[] = [];
    let partBytes = 0;
    for (const batch of events) {
      part.push(batch);
      partBytes += batch.payload.length + 64;
      if (partBytes >= IMPORT_PART_BYTES) {
        quietly(writer.call({ type: 'importEvents', importId, batches: part }));
        part = [];
        partBytes = 0;
        await nextTurn();
      }
    }
    if (part.length > 0) quietly(writer.call({ type: 'importEvents', importId, batches: part }));
    return this.command<'inserted' | 'exists'>({ type: 'importEnd', importId });
  }

  /** Imports a run log file: a regular file only (never a device, FIFO or directory), read within the size limit. */
  async importRunLogFile(path: string): Promise<{ runId: string; result: 'inserted' | 'exists' }> {
    let bytes: Buffer;
    try {
      // Read off this thread: a run log may be 100 MB, and this thread answers the front ends.
      bytes = await readRegularFileAsync(path, runLogByteLimit());
    } catch (error) {
      if (error instanceof UntrustedInputError) throw new LabError('bad-input', error.message);
      throw error;
    }
    try {
      return await this.importRunLog(bytes, { transfer: true });
    } catch (error) {
      if (error instanceof LabError && error.code === 'bad-input') throw new LabError('bad-input', `cannot import ${path}: ${error.message}`);
      throw error;
    }
  }

  /** Reads a spec file: a regular file of at most SPEC_FILE_MAX_BYTES whose JSON shape is within bounds. */
  static readSpecFile(path: string): unknown {
    try {
      return parseCheckedJson(readRegularFile(path, SPEC_FILE_MAX_BYTES), SPEC_FILE_LIMITS);
    } catch (error) {
      if (error instanceof UntrustedInputError) {
        throw new LabError('bad-input', error.message.startsWith('cannot read') ? error.message : `${path} ${error.message}`);
      }
      throw error;
    }
  }

  // ------------------------------------------------------------------ for the app and browser mode (src-main/contract)

  /**
   * Starts a run without waiting for it: resolves with the run id once the run is recorded and
   * cancellable (its first progress report); `done` settles when it ends. A bad spec or lesson
   * rejects before anything starts, exactly as `run` does.
   */
  startRun(request: StartRunRequest): Promise<{ runId: string; done: Promise<RunRecord> }> {
    return new Promise((resolve, reject) => {
      let started = false;
      const done = this.run({
        ...request,
        onProgress: (progress) => {
          if (!started) {
            started = true;
            resolve({ runId: progress.runId, done });
          }
          request.onProgress?.(progress);
        },
      });
      done.then(
        // A run ended before its first progress reached this process (its runner was killed early).
        (run) => {
          if (!started) {
            started = true;
            resolve({ runId: run.id, done });
          }
        },
        (error: unknown) => {
          if (!started) reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  listExperiments(): SavedExperiment[] {
    return this.store.listExperiments();
  }

  /** Saves a composer spec under a name; with the id of a saved experiment, replaces it. */
  saveExperiment(input: ExperimentInput): Promise<SavedExperiment> {
    this.requireWritable();
    if (typeof input.name !== 'string' || input.name.trim() === '') throw new LabError('bad-input', 'name: expected a non-empty experiment name');
    return this.command<SavedExperiment>({ type: 'saveExperiment', input });
  }

  deleteExperiment(id: string): Promise<boolean> {
    this.requireWritable();
    return this.command<boolean>({ type: 'deleteExperiment', id });
  }

  /** Settings live next to the run history, as `<database file>.settings.json`. */
  get settingsPath(): string {
    return `${this.dbPath}.settings.json`;
  }

  /**
   * Applies the Python path saved in the settings of a history (the default one, or `dbPath`) without
   * opening it: `conlab runtimes` looks for interpreters as a run would.
   */
  static applySavedPythonPath(dbPath?: string): void {
    setConfiguredPython(readSettingsFile(`${resolveDbPath(dbPath)}.settings.json`).pythonPath);
  }

  /**
   * Reads the saved settings and applies their limits as this service's caps; limits given to
   * `open` (the CLI's --max-* flags) still win. Front ends call it once after `open`.
   */
  loadSettings(): Settings {
    this.savedSettings = readSettingsFile(this.settingsPath);
    Object.assign(this.caps, this.savedSettings.limits, this.options.caps);
    setConfiguredPython(this.savedSettings.pythonPath);
    return this.getSettings();
  }

  getSettings(): Settings {
    const saved = this.savedSettings ?? readSettingsFile(this.settingsPath);
    return { ...saved, limits: { ...this.caps } };
  }

  updateSettings(patch: Partial<Omit<Settings, 'limits'>> & { limits?: Partial<LimitCaps> }): Settings {
    const current = this.getSettings();
    const next: Settings = {
      limits: { ...current.limits, ...patch.limits },
      language: patch.language ?? current.language,
      theme: patch.theme ?? current.theme,
      pythonPath: patch.pythonPath !== undefined ? patch.pythonPath.trim() : current.pythonPath,
    };
    try {
      writeFileSync(this.settingsPath, `${JSON.stringify(next, null, 2)}\n`);
    } catch (error) {
      throw new LabError('unavailable', `cannot save the settings at ${this.settingsPath}: ${(error as Error).message}`);
    }
    this.savedSettings = next;
    Object.assign(this.caps, next.limits);
    setConfiguredPython(next.pythonPath);
    return this.getSettings();
  }

  /**
   * Cancels the runs in progress and waits (bounded) until their trees are gone and their rows are
   * finalized, then closes the history. A run that does not end in time is left to be marked
   * interrupted at the next open.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    await this.standaloneServers.stopAll();
    const running = [...this.active.values()];
    for (const { runner } of running) runner.cancel();
    if (running.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(running.map(({ settled }) => settled)), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    // Let the run() calls finalize their rows before the connection goes.
    await new Promise((resolve) => setImmediate(resolve));
    await this.runLogReader.stop();
    this.closed = true;
    const writer = this.writer;
    this.writer = null;
    if (writer) {
      try {
        await (await writer).close();
      } catch {
        // every change already answered its caller; a writer that could not open has nothing to close
      }
    }
    this.store.close();
  }
}

/** An import reaches the writer in parts of about this many bytes of events. */
const IMPORT_PART_BYTES = 1024 * 1024;

/** Spec files are small; these bounds leave room for any spec the validator accepts. */
const SPEC_FILE_MAX_BYTES = 16 * 1024 * 1024;
const SPEC_FILE_LIMITS = {
  maxBytes: SPEC_FILE_MAX_BYTES,
  // As deep as a spec's JSON may be at all (engine/spec: 256 levels); its steps are checked there (32 levels).
  maxDepth: 256,
  maxParsedBytes: 64 * 1024 * 1024,
  maxArrayItems: 100_000,
  maxObjectKeys: 10_000,
  maxStringBytes: 1024 * 1024,
  maxKeyBytes: 4096,
  maxNumberChars: 100,
  rejectDuplicateKeys: true,
} as const;

/** The settings file holds a few fields; anything bigger or odder is not ours. */
const SETTINGS_FILE_LIMITS = { ...SPEC_FILE_LIMITS, maxBytes: 64 * 1024, maxDepth: 8, maxParsedBytes: 256 * 1024, maxArrayItems: 100, maxObjectKeys: 100, maxStringBytes: 4096 } as const;

/** A Python path in the settings is at most this long (a longer one in the file is ignored; settings.update refuses it). */
export const MAX_PYTHON_PATH_CHARS = 1024;

function readSettingsFile(path: string): Settings {
  const defaults: Settings = { limits: { ...DEFAULT_LIMIT_CAPS }, language: 'system', theme: 'system', pythonPath: '' };
  let raw: unknown;
  try {
    raw = parseCheckedJson(readRegularFile(path, SETTINGS_FILE_LIMITS.maxBytes), SETTINGS_FILE_LIMITS);
  } catch {
    return defaults;
  }
  if (raw === null || typeof raw !== 'object') return defaults;
  const record = raw as { limits?: Record<string, unknown>; language?: unknown; theme?: unknown; pythonPath?: unknown };
  const limits: Record<string, number> = { ...DEFAULT_LIMIT_CAPS };
  for (const key of Object.keys(DEFAULT_LIMIT_CAPS)) {
    const value = record.limits?.[key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) limits[key] = value;
  }
  return {
    limits: limits as unknown as LimitCaps,
    language: record.language === 'en' || record.language === 'zh-CN' ? record.language : 'system',
    theme: record.theme === 'light' || record.theme === 'dark' ? record.theme : 'system',
    pythonPath: typeof record.pythonPath === 'string' && record.pythonPath.length <= MAX_PYTHON_PATH_CHARS && !/[\u0000-\u001f]/.test(record.pythonPath) ? record.pythonPath.trim() : '',
  };
}

export type { Lang };
