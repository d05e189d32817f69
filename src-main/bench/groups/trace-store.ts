import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { currentEnvironment } from '../../engine/runner/environment';
import { runExperiment, type RunSink } from '../../engine/runner/experiment';
import { DEFAULT_LIMIT_CAPS } from '../../model/limit-caps';
import { validateSpec } from '../../engine/spec/validate';
import type { EventBatch } from '../../model/trace-event';
import { openDatabase } from '../../store/database';
import { RunStore } from '../../store/run-store';
import { RunWriter } from '../../store/run-writer';
import type { RunRecord, RuntimeName } from '../../model/run-model';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';
import { median, msBetween } from '../sampling';

/**
 * Trace events per second from two thread actors into SQLite, none lost: each actor marks N times
 * (trace 'each'), the run is written through a RunWriter (the store's writer worker) into a fresh
 * database file, and the clock stops when the writer's flush() after the run has resolved, i.e.
 * when every event is committed. Then the events are counted three ways (emitted, received by the
 * runner, rows' counts in SQLite) and must all equal what the program emits.
 *
 * Baseline, measured after each run on the same batches: inserting them (one row per batch) into a
 * fresh database of the same schema with better-sqlite3 directly, in one transaction: the storage
 * ceiling the pipeline sits on.
 */

const ACTORS = 2;
/** Per actor: 'actor' B and E around the program, 'repeat' B and E around the marks. */
const FRAME_EVENTS = 4;

export interface RepetitionResult {
  readonly eventsPerS: number;
  readonly rawInsertPerS: number;
  readonly elapsedMs: number;
  readonly flushTailMs: number;
  readonly actorEmitPerS: number;
  readonly batches: number;
  readonly failures: string[];
}

function traceSpec(marksPerActor: number, maxEvents: number): unknown {
  return {
    version: 1,
    limits: { maxEvents },
    actors: [{ name: 'marker', kind: 'thread', count: ACTORS, program: [{ op: 'repeat', times: marksPerActor, trace: 'each', steps: [{ op: 'mark', name: 'm' }] }] }],
  };
}

function countChecks(run: RunRecord, expected: number, stored: number): string[] {
  const failures: string[] = [];
  const trial = run.trials[0];
  if (run.status !== 'ok' || !trial) return [`the run ended ${run.status}${run.error ? `: ${run.error}` : ''}`];
  const received = trial.actors.reduce((sum, actor) => sum + actor.eventsReceived, 0);
  const emitted = trial.actors.reduce((sum, actor) => sum + actor.eventsEmitted, 0);
  if (emitted !== expected) failures.push(`actors emitted ${emitted} events, expected ${expected}`);
  if (received !== expected) failures.push(`the runner received ${received} events, expected ${expected}`);
  if (stored !== expected) failures.push(`SQLite holds ${stored} events, expected ${expected}`);
  if (trial.eventsLost !== 0 || trial.eventsDropped !== 0) failures.push(`${trial.eventsLost} events lost, ${trial.eventsDropped} dropped`);
  return failures;
}

/** The same rows the writer stores, inserted by hand in one transaction; returns rows' events per second. */
function rawInsertRate(dbPath: string, run: RunRecord, batches: readonly EventBatch[], expected: number): { perS: number; failures: string[] } {
  const db = openDatabase(dbPath, { recoverInterrupted: false });
  try {
    new RunStore(db).beginRun(run);
    const insert = db.prepare(
      `INSERT OR IGNORE INTO events (run_id, trial, actor, first_seq, count, t_first, t_last, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertAll = db.transaction(() => {
      for (const b of batches) insert.run(run.id, b.trial, b.actor, b.firstSeq, b.count, b.tFirst, b.tLast, b.payload);
    });
    const started = process.hrtime.bigint();
    insertAll();
    const ms = msBetween(started, process.hrtime.bigint());
    const stored = db.prepare('SELECT coalesce(sum(count), 0) FROM events WHERE run_id = ?').pluck().get(run.id) as number;
    return { perS: (expected / ms) * 1_000, failures: stored === expected ? [] : [`raw baseline stored ${stored} events, expected ${expected}`] };
  } finally {
    db.close();
  }
}

/** One run of 2 thread actors × `marksPerActor` marks into a fresh database, on the Node engine or CPython. */
export async function traceRepetition(index: number, marksPerActor: number, options: BenchOptions, runtime: RuntimeName = 'node'): Promise<RepetitionResult> {
  const expected = ACTORS * (marksPerActor + FRAME_EVENTS);
  const maxEvents = expected * 2; // room to spare: the checks, not the limit, must catch any surplus
  const validated = validateSpec(traceSpec(marksPerActor, maxEvents), { caps: { ...DEFAULT_LIMIT_CAPS, maxEvents } });
  const dbPath = join(options.scratchDir, `trace-${runtime}-${index}.sqlite`);
  const rawPath = join(options.scratchDir, `trace-raw-${runtime}-${index}.sqlite`);
  // The writer is opened (worker started, database migrated) before the clock starts: the app keeps one open.
  const writer = await RunWriter.open(dbPath);
  const sink: RunSink = writer;
  try {
    let trialEndedNs: bigint | null = null;
    const started = process.hrtime.bigint();
    const { run } = await runExperiment({
      spec: validated.spec,
      validated,
      sink,
      runtime,
      workRoot: join(options.scratchDir, 'trace-runs'),
      environment: currentEnvironment(),
      onProgress: (progress) => {
        if (progress.phase === 'trial-done') trialEndedNs = process.hrtime.bigint();
      },
    });
    await writer.flush();
    const committed = process.hrtime.bigint();
    const elapsedMs = msBetween(started, committed);
    const stored = RunStore.open(dbPath, { recoverInterrupted: false });
    let storedCount: number;
    let batches: EventBatch[];
    try {
      storedCount = stored.countEvents(run.id);
      // The runner keeps no batches past a trial: the baseline inserts what the store holds.
      batches = stored.readEventBatches(run.id);
    } finally {
      stored.db.close();
    }
    const failures = countChecks(run, expected, storedCount);
    const raw = rawInsertRate(rawPath, run, batches, expected);
    failures.push(...raw.failures);
    const actors = run.trials[0]?.actors ?? [];
    const firstStart = Math.min(...actors.map((a) => a.startedNs ?? Infinity));
    const lastEnd = Math.max(...actors.map((a) => a.endedNs ?? -Infinity));
    return {
      eventsPerS: (expected / elapsedMs) * 1_000,
      rawInsertPerS: raw.perS,
      elapsedMs,
      flushTailMs: trialEndedNs === null ? 0 : msBetween(trialEndedNs, committed),
      actorEmitPerS: (expected / (lastEnd - firstStart)) * 1e9,
      batches: batches.length,
      failures,
    };
  } finally {
    await writer.close();
    rmSync(dbPath, { force: true });
    rmSync(`${dbPath}-wal`, { force: true });
    rmSync(`${dbPath}-shm`, { force: true });
    rmSync(rawPath, { force: true });
    rmSync(`${rawPath}-wal`, { force: true });
    rmSync(`${rawPath}-shm`, { force: true });
  }
}

async function run(options: BenchOptions): Promise<Figure[]> {
  const marksPerActor = options.quick ? 200_000 : 500_000;
  const repetitions = options.quick ? 2 : 7;
  const results: RepetitionResult[] = [];
  for (let index = 0; index < repetitions; index++) {
    const result = await traceRepetition(index, marksPerActor, options);
    options.log(`trace-store: run ${index + 1}/${repetitions}: ${Math.round(result.eventsPerS).toLocaleString('en-US')} events/s committed (${(result.elapsedMs / 1_000).toFixed(2)} s), raw insert ${Math.round(result.rawInsertPerS).toLocaleString('en-US')}/s`);
    results.push(result);
  }
  const expected = ACTORS * (marksPerActor + FRAME_EVENTS);
  const fmtRate = (perS: number): string => `${Math.round(perS).toLocaleString('en-US')}/s`;
  return [
    makeFigure({
      name: 'trace-store.events',
      value: median(results.map((r) => r.eventsPerS)),
      unit: 'events/s',
      samples: results.length,
      baseline: { value: median(results.map((r) => r.rawInsertPerS)), label: 'the same batches inserted by hand with better-sqlite3 (one row per batch, one transaction)' },
      target: { of: 'value', op: '>=', limit: 500_000 },
      failures: results.flatMap((r, i) => r.failures.map((f) => `run ${i + 1}: ${f}`)),
      notes: [
        `${ACTORS} thread actors × ${marksPerActor.toLocaleString('en-US')} marks (trace 'each') = ${expected.toLocaleString('en-US')} events a run, ${median(results.map((r) => r.batches))} batches; clock from run start until the writer's flush() resolved`,
        `checked every run: emitted = received by the runner = counted in SQLite = ${expected.toLocaleString('en-US')}`,
        `actors' own emit rate (first start to last end): ${fmtRate(median(results.map((r) => r.actorEmitPerS)))}; commit tail after the trial ended: ${median(results.map((r) => r.flushTailMs)).toFixed(0)} ms`,
        `wall per run: ${(median(results.map((r) => r.elapsedMs)) / 1_000).toFixed(2)} s`,
      ],
    }),
  ];
}

export const traceStoreGroup: FigureGroup = {
  name: 'trace-store',
  description: 'trace events per second from 2 thread actors into SQLite through the RunWriter, none lost',
  run,
};
