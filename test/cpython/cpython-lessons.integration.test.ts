import { describe, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { cpythonIssues } from '../../src-main/engine/runtimes/cpython-support';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { LESSONS } from '../../src-main/lessons/catalog';
import { CPYTHON_PARAMS } from '../../src-main/lessons/cpython-params';
import { python, skipReason } from './cpython-helpers';

/**
 * Every lesson the CPython runtime supports runs on real CPython, and every claim it makes holds there —
 * or is inconclusive for a reason the claim declares (`requires`, e.g. a claim about Node's workers, or
 * `given`, e.g. not enough CPU for a speed-up on a busy machine). Parameters are shrunk so the file stays fast.
 */


/** Lessons CPython ran end to end when this file was written: the count may only grow. */
const SUPPORTED_TODAY = 41;

type Overrides = Record<string, string | number | boolean>;

/** Smaller parameters than the lessons' defaults, each still inside what its claims need. */
const SMALL: Record<string, Overrides> = {
  'process-join': { stepMs: 100 },
  'process-lifecycle': { lifeMs: 1000 },
  'producer-consumer': { produceMs: 20, consumeMs: 40 },
  'thread-start': { workMs: 0 },
  'race-counter': { threads: 10, windowMs: 10, outsideMs: 30 },
  'cpu-vs-io': { tasks: 2, cpuIterations: 2_000_000, ioMs: 100 },
  deadlock: { threads: 4, pauseMs: 100 },
  semaphore: { threads: 6, workMs: 50 },
  event: { setAfterMs: 150 },
  // Not run on CPython yet; small for the day it is.
  'generator-switch': { switches: 200_000 },
  // The network lab (test/cpython/cpython-net.integration.test.ts runs them with the same sizes).
  'select-server': { clients: 10 },
  'nonblocking-polling': { clients: 10, holdMs: 2000 },
  'coroutine-echo-server': { connections: 200 },
  'select-vs-epoll': { idle: 500, requests: 100 },
  'threaded-tcp-server': { clients: 6 },
  'threading-tcp-server': { clients: 6 },
  'server-models': { loadRequests: 20 },
};

/** Settings whose claims differ between the runtimes, run once more. */
const VARIANTS: Record<string, Overrides[]> = {
  // Node lets a short daemon finish; CPython's multiprocessing kills it when the main code ends.
  'daemon-process': [{ daemonMs: 300, workerMs: 1000 }],
};

const supported = LESSONS.filter((lesson) => cpythonIssues(validateSpec(lesson.spec).spec).length === 0);

describe.skipIf(!python)(`every lesson CPython supports, on CPython${skipReason}`, () => {
  test(`CPython runs ${supported.length} of ${LESSONS.length} lessons (at least ${SUPPORTED_TODAY})`, () => {
    expect(supported.length).toBeGreaterThanOrEqual(SUPPORTED_TODAY);
  });

  for (const lesson of supported) {
    for (const extra of [{}, ...(VARIANTS[lesson.id] ?? [])]) {
      const overrides: Overrides = { ...CPYTHON_PARAMS[lesson.id], ...SMALL[lesson.id], ...extra };
      test(`${lesson.id} ${JSON.stringify(extra)}: every claim holds, or is inconclusive for a declared reason`, async () => {
        const { run } = await runExperiment({ spec: lesson.spec, overrides, lessonId: lesson.id, runtime: 'cpython' });
        expect(run.environment.runtime?.name).toBe('cpython');
        expect(run.claims.length).toBeGreaterThan(0);
        const declared = new Map(((lesson.spec['claims'] ?? []) as { id: string; requires?: unknown; given?: unknown }[]).map((c) => [c.id, c]));
        let held = 0;
        for (const claim of run.claims) {
          const spec = declared.get(claim.id);
          const mayBeUndecided = claim.status === 'inconclusive' && (spec?.requires !== undefined || spec?.given !== undefined);
          if (!mayBeUndecided) expect(claim.status, `${claim.id}: ${claim.detail}`).toBe('holds');
          if (claim.status === 'holds') held++;
        }
        // A lesson whose every claim is about Node would check nothing here.
        expect(held, 'claims that held on CPython').toBeGreaterThan(0);
        expect(run.trials.every((t) => t.eventsLost === 0 || t.status === 'deadlocked')).toBe(true);
      });
    }
  }
});
