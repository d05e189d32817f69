import { runMessage } from '../../model/run-wording';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { nodeHosts, UTILITY_SUBSTITUTION_REASON, type ActorHosts } from '../actors/hosts';
import { claimApplies, combineVerdicts, evaluateClaimOnTrial, eventQueries } from '../claims/evaluate';
import { summarizeTrials, warmupWarning } from '../metrics/stats';
import type { ClaimResult, RunEnvironment, RunProgress, RunRecord, RunStatus, RuntimeName, Substitution, TrialRecord } from '../../model/run-model';
import { validateSpec, type ValidatedSpec, type ValidateOptions } from '../spec/validate';
import { prepareCpython } from '../runtimes/cpython-runtime';
import { prepareNode } from '../runtimes/node-support';
import { CpythonTrial } from '../runtimes/cpython-trial';
import { CPYTHON_UTILITY_SUBSTITUTION } from '../runtimes/cpython-support';
import type { EventBatch } from '../../model/trace-event';
import { summarizeTrial, type TrialSummary } from '../../model/trial-summary';
import { currentEnvironment } from './environment';
import { groupWatchdog } from './group-watchdog';
import { claimRunFolder, sweepOnce } from './run-folders';
import { ensureStableTimings } from './stable-timings';
import { Trial, trialWorkDir } from './trial';
import type { TrialEvents } from './trial-analysis';

/**
 * Running an experiment: validate, then warm-up and counted trials one after another, claims
 * checked on every counted trial, statistics over the counted trials, and the run written to a
 * sink (the store) as it goes, so a crash loses at most the last unflushed batch.
 *
 * Memory does not grow with the number of events nor of trials: event batches stream to the sink and
 * to `onBatch` and are not kept; a trial takes from each one only what its analysis and the claims
 * read (records, section boundaries, wait starts, the claims' event counts and first and last times).
 * With a sink, finished trials keep only what the run's statistics need (their records and final
 * shared values are in the store).
 */

/** Where a run is recorded while it runs (the store's writer implements it). */
export interface RunSink {
  beginRun(meta: Pick<RunRecord, 'id' | 'lessonId' | 'experimentId' | 'title' | 'startedAt' | 'spec' | 'params' | 'repeat' | 'warmup' | 'environment' | 'substitutions'>): Promise<void> | void;
  appendBatches(runId: string, batches: readonly EventBatch[]): void;
  saveTrial(runId: string, trial: TrialRecord): Promise<void> | void;
  finishRun(
    runId: string,
    fields: Pick<RunRecord, 'status' | 'wallMs' | 'stats' | 'claims' | 'warnings' | 'error'> & { endedAt: string; eventCount: number },
  ): Promise<void> | void;
  flush(): Promise<void>;
}

export interface RunRequest extends ValidateOptions {
  /** An authored spec (validated here) or one validated already. */
  readonly spec: unknown;
  readonly validated?: ValidatedSpec;
  readonly repeat?: number;
  readonly warmup?: number;
  readonly lessonId?: string | null;
  readonly experimentId?: string | null;
  readonly title?: string;
  readonly runId?: string;
  /** Electron passes its utilityProcess host; elsewhere utility actors are forked (and say so). */
  readonly hosts?: Partial<ActorHosts>;
  readonly signal?: AbortSignal;
  readonly sink?: RunSink;
  readonly workRoot?: string;
  readonly onProgress?: (progress: RunProgress) => void;
  /** Live events, batch by batch, for a view that draws them as they come. */
  readonly onBatch?: (batch: EventBatch) => void;
  /** Bytes of batches given to the sink and `onBatch` and not yet stored or relayed: thread actors wait while it is high. */
  readonly backlog?: () => number;
  readonly environment?: RunEnvironment;
  readonly deadlockSampleMs?: number;
  /** Where the actors run: the Node engine (default) or CPython (engine/runtimes/). */
  readonly runtime?: RuntimeName;
  /** A process group the run started outside the actor hosts (the CPython interpreter's). */
  readonly onProcessGroup?: (pid: number) => void;
  /**
   * false: the trials' event batches are not stored (a batch run for a distribution needs only records and
   * metrics); claims and metrics still read the events as they pass. Default true.
   */
  readonly storeEvents?: boolean;
}

export interface RunResult {
  /** With a sink, each trial's `records` and `finalShared` are left empty here: read the run back from the store. */
  readonly run: RunRecord;
}

const STATUS_SEVERITY: readonly RunStatus[] = ['cancelled', 'failed', 'timed-out', 'deadlocked', 'interrupted', 'ok'];

function overallStatus(trials: readonly TrialRecord[]): RunStatus {
  let worst: RunStatus = 'ok';
  for (const trial of trials) {
    if (STATUS_SEVERITY.indexOf(trial.status) < STATUS_SEVERITY.indexOf(worst)) worst = trial.status;
  }
  return worst;
}

function titleOf(validated: ValidatedSpec, fallback: string | undefined): string {
  if (fallback) return fallback;
  const { title, id } = validated.spec;
  if (typeof title === 'string') return title;
  if (title) return title.en;
  return id ?? 'untitled experiment';
}

/** Whether a trial of this spec starts processes (actors, pool workers, servers) that the group watchdog must cover. */
function startsProcesses(spec: ValidatedSpec['spec']): boolean {
  const forked = (kind: string): boolean => kind === 'process' || kind === 'utility';
  return spec.actors.some((actor) => forked(actor.kind)) || Object.values(spec.pools ?? {}).some((pool) => forked(pool.kind)) || Object.keys(spec.servers ?? {}).length > 0;
}

export async function runExperiment(request: RunRequest): Promise<RunResult> {
  ensureStableTimings();
  const baseEnvironment = request.environment ?? currentEnvironment();
  const validated = request.validated ?? validateSpec(request.spec, { ...request, cpuCount: baseEnvironment.cpuCount });
  const cpython = request.runtime !== undefined && request.runtime !== 'node' ? prepareCpython(validated, request.runtime) : prepareNode(validated);
  const environment: RunEnvironment = cpython ? { ...baseEnvironment, runtime: cpython } : baseEnvironment;
  const claimSpecs = (validated.spec.claims ?? []).filter(claimApplies);
  const queries = eventQueries(claimSpecs);
  const repeat = request.repeat ?? 1;
  const warmup = request.warmup ?? 0;
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1_000) throw new RangeError(`repeat must be an integer from 1 to 1000, got ${repeat}`);
  if (!Number.isInteger(warmup) || warmup < 0 || warmup > 100) throw new RangeError(`warmup must be an integer from 0 to 100, got ${warmup}`);

  const hosts: ActorHosts = { ...nodeHosts, ...request.hosts };
  const substitutions: Substitution[] = [];
  if (cpython && validated.spec.actors.some((actor) => actor.kind === 'utility')) {
    substitutions.push({ ...CPYTHON_UTILITY_SUBSTITUTION });
  } else if (hosts.utility.standsIn === true && validated.spec.actors.some((actor) => actor.kind === 'utility')) {
    substitutions.push({ kind: 'utility', ranAs: hosts.utility.mechanism, reason: UTILITY_SUBSTITUTION_REASON });
  }
  const runId = request.runId ?? randomUUID();
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const meta = {
    id: runId,
    lessonId: request.lessonId ?? null,
    experimentId: request.experimentId ?? null,
    title: titleOf(validated, request.title),
    startedAt,
    spec: validated.spec,
    params: validated.params,
    repeat,
    warmup,
    environment,
    substitutions,
  };
  const workRoot = request.workRoot ?? join(tmpdir(), 'conlab-runs');
  // Folders left by runners that died (they could not remove their own) go before this run adds one.
  await sweepOnce(workRoot);
  const runDir = join(workRoot, runId);

  const sink = request.sink;
  await sink?.beginRun(meta);

  const total = warmup + repeat;
  const trials: TrialRecord[] = [];
  const storeEvents = request.storeEvents ?? true;
  const verdicts = new Map<string, { trial: number; verdict: ReturnType<typeof evaluateClaimOnTrial> }[]>();
  let events = 0;
  const progress = (phase: RunProgress['phase'], index: number, status?: RunStatus, finished?: TrialSummary): void =>
    request.onProgress?.({
      runId,
      trial: index + 1,
      trials: total,
      warmup: index < warmup,
      phase,
      elapsedMs: performance.now() - started,
      events,
      ...(status ? { status } : {}),
      ...(finished ? { finished } : {}),
    });

  // Started before any actor (so no spawn pays for it) and kept until every trial's teardown is done.
  const forks = cpython !== null || startsProcesses(validated.spec);
  if (forks) await groupWatchdog.retain();
  try {
    claimRunFolder(runDir);
    for (let index = 0; index < total; index++) {
      progress('started', index);
      const onBatch = (batch: EventBatch): void => {
        events += batch.count;
        if (storeEvents) sink?.appendBatches(runId, [batch]);
        request.onBatch?.(batch);
      };
      const common = {
        runId,
        index,
        warmup: index < warmup,
        spec: validated.spec,
        limits: validated.limits,
        workDir: trialWorkDir(workRoot, runId, index),
        signal: request.signal,
        eventQueries: queries,
      };
      let outcome: { record: TrialRecord; events: TrialEvents; runnerPid?: number | null; runnerThreadId?: number | null };
      if (cpython) {
        outcome = await new CpythonTrial({ ...common, onBatch, runtime: cpython, onProcessGroup: request.onProcessGroup, cpuCount: environment.cpuCount }).run();
      } else {
        outcome = await new Trial({ ...common, onBatch, hosts, cpuCount: environment.cpuCount, deadlockSampleMs: request.deadlockSampleMs, backlog: request.backlog }).run();
      }
      // On CPython, "the runner" of a claim is the interpreter that ran the trial (its pid, its main thread).
      const runnerPid = outcome.runnerPid ?? process.pid;
      const runnerThreadId = outcome.runnerThreadId ?? threadId;
      await sink?.saveTrial(runId, outcome.record);
      if (index >= warmup) {
        for (const claim of claimSpecs) {
          const list = verdicts.get(claim.id) ?? [];
          list.push({ trial: index, verdict: evaluateClaimOnTrial(claim, { trial: outcome.record, events: outcome.events, environment, runnerPid, runnerThreadId }) });
          verdicts.set(claim.id, list);
        }
      }
      // What the trial gathered from its events goes out of reach here; with a sink, so do its records and final values.
      trials.push(sink ? { ...outcome.record, records: {}, finalShared: {} } : outcome.record);
      const trialVerdicts = index >= warmup ? claimSpecs.map((claim) => ({ id: claim.id, status: verdicts.get(claim.id)!.at(-1)!.verdict.status })) : [];
      progress('trial-done', index, outcome.record.status, summarizeTrial(outcome.record, trialVerdicts));
      if (outcome.record.status === 'cancelled') break;
    }
  } finally {
    if (forks) await groupWatchdog.release();
    rmSync(runDir, { recursive: true, force: true });
  }

  const counted = trials.filter((trial) => !trial.warmup);
  const status = trials.some((t) => t.status === 'cancelled') ? 'cancelled' : overallStatus(counted.length ? counted : trials);
  const claims: ClaimResult[] = claimSpecs.map((claim) => combineVerdicts(claim, verdicts.get(claim.id) ?? []));
  const stats = counted.length ? summarizeTrials(counted) : [];
  const warnings: string[] = [];
  const slowFirst = counted.length >= 3 ? warmupWarning(counted.map((t) => t.wallMs)) : null;
  if (slowFirst) warnings.push(slowFirst);
  for (const trial of trials) {
    if (trial.eventsLost > 0) {
      const who = trial.actors.filter((a) => a.eventsEmitted > a.eventsReceived).map((a) => `${a.name} (${a.eventsEmitted - a.eventsReceived})`);
      warnings.push(runMessage('events-lost', { trial: trial.index, count: trial.eventsLost, who: who.join(', ') }));
    }
    if (trial.eventsDropped > 0) {
      const overBytes = trial.error?.includes(' exceeded limits.') ?? false;
      warnings.push(runMessage(overBytes ? 'events-dropped-bytes' : 'events-dropped-limit', { trial: trial.index, count: trial.eventsDropped }));
    }
  }
  const firstError = trials.find((t) => t.status !== 'ok' && t.error)?.error ?? null;
  const wallMs = performance.now() - started;
  const endedAt = new Date().toISOString();
  if (!storeEvents) warnings.push(runMessage('trace-not-kept', { events: events.toLocaleString('en') }));
  await sink?.finishRun(runId, { status, endedAt, wallMs, stats, claims, warnings, error: firstError, eventCount: storeEvents ? events : 0 });
  await sink?.flush();
  progress('finished', total - 1, status);

  const run: RunRecord = { ...meta, status, endedAt, wallMs, trials, stats, claims, warnings, error: firstError, tags: [], notes: [] };
  return { run };
}
