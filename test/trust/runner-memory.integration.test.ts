// The runner's memory is bounded: hostile specs that fill records, managed state, queues or the trace
// end `failed` naming the byte limit and the actor, while the runner (a real `conlab run` in a child
// process whose heap is capped at 512 MB, so a blow-up is a crash) stays small; repeated trials do not
// make it grow.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSpecJson } from './conlab-process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RunStore } from '../../src-main/store/run-store';

const MB = 1024 * 1024;
/** A runner doing nothing heavy sits near 100–150 MB; an unbounded one reached gigabytes. */
const RUNNER_RSS_BOUND_MB = 400;
/** Each case ends in about two seconds here; the bound only catches a hang or a crawl. */
const CASE_BOUND_MS = 90_000;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-memory-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface TrialJson {
  readonly index: number;
  readonly status: string;
  readonly error: string | null;
  readonly metrics: Record<string, number>;
  readonly actors: readonly { readonly name: string; readonly exit: string; readonly error: string | null }[];
}

interface RunJson {
  readonly runId: string;
  readonly status: string;
  readonly trials: readonly TrialJson[];
}

interface Ran {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stderr: string;
  readonly run: RunJson;
  readonly elapsedMs: number;
  readonly db: string;
}

/** Runs a spec with `conlab run --json` in a child whose heap is capped: a runner that blows up crashes it. */
function conlabRun(name: string, spec: unknown, extra: readonly string[] = []): Promise<Ran> {
  return runSpecJson<RunJson>(dir, name, spec, { extra, heapMb: 512, timeoutMs: CASE_BOUND_MS }).then((ran) => ({ ...ran, signal: null }));
}

function storedEvents(db: string, runId: string): number {
  const store = RunStore.open(db, { recoverInterrupted: false });
  try {
    return store.countEvents(runId);
  } finally {
    store.db.close();
  }
}

/** The one trial of a failed hostile run, checked for what every case shares. */
function failedTrial(ran: Ran, limit: string, actor: RegExp): TrialJson {
  expect(ran.code).toBe(1);
  expect(ran.run.status).toBe('failed');
  const trial = ran.run.trials[0]!;
  expect(trial.status).toBe('failed');
  expect(trial.error).toMatch(new RegExp(`^actor ${actor.source} exceeded limits\\.${limit} \\(4 MB\\)`));
  const culprit = trial.actors.find((a) => a.error !== null && a.error.includes(`exceeded limits.${limit}`));
  expect(culprit?.exit).toBe('failed');
  expect(culprit?.name).toMatch(actor);
  expect(trial.metrics['runnerPeakRssMb']).toBeLessThan(RUNNER_RSS_BOUND_MB);
  expect(ran.elapsedMs).toBeLessThan(CASE_BOUND_MS);
  return trial;
}

const text100k = 'x'.repeat(100_000);
const forever = 1_000_000;

describe('byte limits end a hostile trial, naming the limit and the actor', () => {
  test('a thread recording 100 KB values in a loop: limits.maxRecordBytes', async () => {
    const ran = await conlabRun('records', {
      version: 1,
      limits: { maxRecordBytes: 4 * MB },
      actors: [{ name: 'recorder', kind: 'thread', program: [{ op: 'repeat', times: forever, steps: [{ op: 'record', name: 'v', value: text100k }] }] }],
    });
    failedTrial(ran, 'maxRecordBytes', /recorder/);
    // What arrived before the limit was recorded and stays in the history.
    expect(storedEvents(ran.db, ran.run.runId)).toBeGreaterThan(10);
  });

  test('a process filling managed state: limits.maxManagedBytes', async () => {
    const ran = await conlabRun('managed', {
      version: 1,
      limits: { maxManagedBytes: 4 * MB },
      shared: { bag: { scope: 'managed', initial: [] } },
      actors: [
        {
          name: 'filler',
          kind: 'process',
          program: [
            { op: 'let', name: 'i', value: 0 },
            {
              op: 'repeat',
              times: forever,
              steps: [
                { op: 'write', var: 'bag', index: { ref: 'i' }, value: text100k },
                { op: 'let', name: 'i', value: { add: [{ ref: 'i' }, 1] } },
              ],
            },
          ],
        },
      ],
    });
    const trial = failedTrial(ran, 'maxManagedBytes', /filler/);
    expect(trial.error).toContain('writing bag');
  });

  test('producers filling a queue nobody consumes: limits.maxQueueBytes', async () => {
    const ran = await conlabRun('queue', {
      version: 1,
      limits: { maxQueueBytes: 4 * MB },
      queues: { jobs: { order: 'fifo' } },
      actors: [
        { name: 'producer', kind: 'thread', count: 2, program: [{ op: 'repeat', times: forever, steps: [{ op: 'put', queue: 'jobs', value: text100k }] }] },
        { name: 'remote', kind: 'process', program: [{ op: 'repeat', times: forever, steps: [{ op: 'put', queue: 'jobs', value: text100k }] }] },
      ],
    });
    const trial = failedTrial(ran, 'maxQueueBytes', /(producer-[01]|remote)/);
    expect(trial.error).toMatch(/on queue jobs$/);
    // The others were stopped with the trial: nobody is left running.
    expect(trial.actors.every((a) => a.exit !== 'completed')).toBe(true);
  });

  test('a pool whose tasks pile up (and a queue flooded with tiny items): limits.maxQueueBytes counts them', async () => {
    const pool = await conlabRun('pool', {
      version: 1,
      limits: { maxQueueBytes: 4 * MB },
      functions: { slow: { steps: [{ op: 'sleep', ms: 60_000 }, { op: 'return', value: null }] } },
      pools: { p: { kind: 'thread', size: 1 } },
      actors: [{ name: 'submitter', kind: 'main', program: [{ op: 'repeat', times: forever, steps: [{ op: 'submit', pool: 'p', function: 'slow', arg: text100k }] }] }],
    });
    const trial = failedTrial(pool, 'maxQueueBytes', /submitter/);
    expect(trial.error).toMatch(/submitting to pool p$/);
    // One-character items: their JSON alone would take millions to fill 4 MB; each item's own cost counts too.
    // The limit comes from the command line's cap this time, not from the spec.
    const tiny = await conlabRun(
      'tiny-items',
      {
        version: 1,
        queues: { jobs: { order: 'fifo' } },
        actors: [{ name: 'producer', kind: 'task', program: [{ op: 'repeat', times: forever, steps: [{ op: 'put', queue: 'jobs', value: 1 }] }] }],
      },
      ['--max-queue-bytes', String(4 * MB)],
    );
    failedTrial(tiny, 'maxQueueBytes', /producer/);
  });

  test('an event flood: limits.maxEventBytes', async () => {
    const ran = await conlabRun('events', {
      version: 1,
      limits: { maxEventBytes: 4 * MB },
      actors: [
        {
          name: 'chatty',
          kind: 'thread',
          program: [{ op: 'repeat', times: forever, trace: 'each', steps: [{ op: 'log', message: 'a line of text repeated until the trace is full' }] }],
        },
      ],
    });
    failedTrial(ran, 'maxEventBytes', /chatty/);
    const stored = storedEvents(ran.db, ran.run.runId);
    expect(stored).toBeGreaterThan(1_000);
  });

  test('one 100 MB record in a single step is refused by the actor: the runner never holds it', async () => {
    const ran = await conlabRun('one-huge-record', {
      version: 1,
      limits: { maxRecordBytes: 4 * MB },
      actors: [
        {
          name: 'hoarder',
          kind: 'process',
          program: [
            { op: 'let', name: 's', value: text100k },
            // 100 KB doubled ten times: about 100 MB.
            { op: 'repeat', times: 10, steps: [{ op: 'let', name: 's', value: { concat: [{ ref: 's' }, { ref: 's' }] } }] },
            { op: 'record', name: 'huge', value: { ref: 's' } },
          ],
        },
      ],
      // The value cap (limits.maxValueBytes) would stop the doubling first: raised, so the record is what meets a limit.
    }, ['--max-value-bytes', String(2 ** 40)]);
    const trial = failedTrial(ran, 'maxRecordBytes', /hoarder/);
    expect(trial.error).toMatch(/with one record larger than that$/);
    // The runner received neither the record nor the long `let` values whole (they trace as previews).
    expect(trial.metrics['runnerPeakRssMb']).toBeLessThan(250);
  });
});

describe('values whose JSON is far larger than their memory', () => {
  test('a list holding itself twice, thirty times over (2^30 leaves), put by a task on the runner: refused, never expanded', async () => {
    const ran = await conlabRun('shared-parts', {
      version: 1,
      limits: { maxQueueBytes: 4 * MB },
      queues: { jobs: { order: 'fifo' } },
      actors: [
        {
          name: 'nester',
          kind: 'task',
          program: [
            { op: 'let', name: 'l', value: 'leaf' },
            { op: 'repeat', times: 30, steps: [{ op: 'let', name: 'l', value: { list: [{ ref: 'l' }, { ref: 'l' }] } }] },
            { op: 'put', queue: 'jobs', value: { ref: 'l' } },
          ],
        },
      ],
      // Its JSON (about 8 GB) is under the raised value cap, which measures built lists without expanding them too.
    }, ['--max-value-bytes', String(2 ** 40)]);
    failedTrial(ran, 'maxQueueBytes', /nester/);
    expect(ran.run.trials[0]!.metrics['runnerPeakRssMb']).toBeLessThan(250);
  });
});

describe('repeated trials', () => {
  test('the runner does not grow with the number of trials (peak RSS after trial 30 within 25 MB of trial 15)', { timeout: 240_000 }, async () => {
    const marks = 60_000;
    const ran = await conlabRun(
      'repeat',
      { version: 1, actors: [{ name: 'marker', kind: 'process', program: [{ op: 'repeat', times: marks, trace: 'each', steps: [{ op: 'mark', name: 'm' }] }] }] },
      ['--repeat', '30'],
    );
    expect(ran.run.status).toBe('ok');
    expect(ran.run.trials).toHaveLength(30);
    // Each trial streamed a few MB of events to the store; a runner keeping them grew by ~4 MB a trial.
    expect(storedEvents(ran.db, ran.run.runId)).toBeGreaterThanOrEqual(30 * marks);
    const rss = ran.run.trials.map((t) => t.metrics['runnerPeakRssMb']!);
    // The heap and the writer's page cache settle over the first trials (a curve that levels off); a
    // runner keeping batches keeps climbing at the same pace, ≈ 60 MB over the last fifteen trials.
    expect(rss[29]! - rss[14]!, `peak RSS by trial: ${rss.map(Math.round).join(' ')}`).toBeLessThan(25);
  });
});
