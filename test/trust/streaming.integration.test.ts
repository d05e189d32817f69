// Trials stream their events: the runner keeps what the analysis and the claims read, not the events.
// A run of about 1,000,000 traced events (a real `conlab run`, so a runner process of its own) stores
// every event while the runner's peak RSS grows far less than the events it passed on; and claims that
// read events decide exactly as they do when judged over every event of the trial, decoded afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { runSpecJson } from './conlab-process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { claimApplies, combineVerdicts, evaluateClaimOnTrial, eventQueries, type ClaimEvents, type EventQuery, type EventTally } from '../../src-main/engine/claims/evaluate';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import type { TrialRecord } from '../../src-main/model/run-model';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { decodeBatches, type EventBatch, type TraceEvent } from '../../src-main/model/trace-event';
import { findLesson } from '../../src-main/lessons/catalog';

const MB = 1024 * 1024;
const ACTORS = 2;
/** Per actor: 'actor' B and E around the program, 'repeat' B and E around the loop. */
const FRAME_EVENTS = 4;
/** A log message of 300 characters: each event is about 330 bytes of JSON, the run about 330 MB of events. */
const MESSAGE = 'x'.repeat(300);

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-streaming-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface RunJson {
  readonly runId: string;
  readonly status: string;
  readonly trials: readonly { readonly status: string; readonly error: string | null; readonly eventCount: number; readonly metrics: Record<string, number> }[];
}

function loggers(perActor: number): unknown {
  return {
    version: 1,
    actors: [{ name: 'logger', kind: 'thread', count: ACTORS, program: [{ op: 'repeat', times: perActor, trace: 'each', steps: [{ op: 'log', message: MESSAGE }] }] }],
  };
}

function conlabRun(name: string, spec: unknown): Promise<{ run: RunJson; db: string }> {
  return runSpecJson<RunJson>(dir, name, spec, { extra: ['--max-event-bytes', String(1024 * MB)], timeoutMs: 240_000 });
}

/** Events and bytes of event JSON the store holds for a run. */
function stored(db: string, runId: string): { events: number; bytes: number } {
  const sqlite = new Database(db, { readonly: true });
  try {
    const row = sqlite.prepare('SELECT coalesce(sum(count), 0) AS events, coalesce(sum(length(payload)), 0) AS bytes FROM events WHERE run_id = ?').get(runId) as { events: number; bytes: number };
    return row;
  } finally {
    sqlite.close();
  }
}

describe('a run of a million traced events', () => {
  test('every event is stored, and the runner grows by well under half of what it passed on', { timeout: 600_000 }, async () => {
    const small = await conlabRun('small', loggers(5_000));
    const large = await conlabRun('large', loggers(500_000));
    for (const { run } of [small, large]) {
      expect(run.status, run.trials[0]?.error ?? '').toBe('ok');
    }
    const expected = ACTORS * (500_000 + FRAME_EVENTS);
    const trial = large.run.trials[0]!;
    expect(trial.eventCount).toBe(expected);
    const inStore = stored(large.db, large.run.runId);
    expect(inStore.events).toBe(expected);
    // Holding the events would take at least their JSON (one byte a character): over 300 MB here.
    const eventMb = inStore.bytes / MB;
    expect(eventMb).toBeGreaterThan(300);
    const grownMb = trial.metrics['runnerPeakRssMb']! - small.run.trials[0]!.metrics['runnerPeakRssMb']!;
    expect(grownMb, `runner peak RSS grew ${grownMb.toFixed(0)} MB for ${eventMb.toFixed(0)} MB of events`).toBeLessThan(eventMb / 2);
  });
});

/** The claims' view of a trial computed the plain way: every event of the trial decoded, sorted, filtered. */
function fromAllEvents(trial: TrialRecord, batches: readonly EventBatch[]): ClaimEvents {
  const events: TraceEvent[] = decodeBatches(batches.filter((batch) => batch.trial === trial.index));
  const matchesActor = (actor: string, wanted: string | undefined): boolean =>
    wanted === undefined || actor === wanted || trial.actors.find((a) => a.name === actor)?.group === wanted;
  return {
    records: (name, actor) => events.filter((e) => e.op === 'record' && e.data?.['name'] === name && matchesActor(e.actor, actor)).map((e) => e.data?.['value']),
    matching: (q: EventQuery): EventTally => {
      const found = events.filter(
        (e) =>
          e.op === q.op &&
          (q.ph === undefined || e.ph === q.ph) &&
          (q.name === undefined || e.data?.['name'] === q.name || e.data?.['prim'] === q.name || e.data?.['queue'] === q.name) &&
          matchesActor(e.actor, q.actor),
      );
      return { count: found.length, firstT: found[0]?.t ?? null, lastT: found[found.length - 1]?.t ?? null };
    },
  };
}

describe('claims that read events', () => {
  // event: first and last times and counts of events (by actor, phase and name); timer: records of one actor.
  test.each(['event', 'timer'])('lesson %s: the verdicts taken as events passed equal those judged over every event', async (id) => {
    const lesson = findLesson(id)!;
    const validated = validateSpec(lesson.spec);
    const claims = (validated.spec.claims ?? []).filter(claimApplies);
    const readsEvents = JSON.stringify(claims).includes('"actor":') || eventQueries(claims).length > 0;
    expect(readsEvents).toBe(true);
    const batches: EventBatch[] = [];
    const { run } = await runExperiment({ spec: lesson.spec, repeat: 2, onBatch: (batch) => batches.push(batch) });
    expect(run.claims.length).toBe(claims.length);
    const reference = claims.map((claim) =>
      combineVerdicts(
        claim,
        run.trials.map((trial) => ({
          trial: trial.index,
          verdict: evaluateClaimOnTrial(claim, { trial, events: fromAllEvents(trial, batches), environment: run.environment, runnerPid: process.pid, runnerThreadId: threadId }),
        })),
      ),
    );
    expect(run.claims.map((c) => [c.id, c.status, c.detail])).toEqual(reference.map((c) => [c.id, c.status, c.detail]));
  });
});
