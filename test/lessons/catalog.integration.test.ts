import v8 from 'node:v8';
import { describe, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { nodeIssues } from '../../src-main/engine/runtimes/node-support';
import { CHAPTERS } from '../../src-main/lessons/lesson';
import { LESSONS } from '../../src-main/lessons/catalog';
import { rightChoiceFor, sourceValue } from '../../src-main/model/questions';

/** Every lesson runs headless on real primitives and every claim it makes holds. */

// The lessons run in this (vitest) process, so its thread and task actors compute here: without this
// flag, V8's concurrent on-stack replacement makes tight loops randomly several times slower (see
// ANCHORS), and cpu-vs-io's timings would mix two modes. bin/conlab.mjs sets the same flag.
v8.setFlagsFromString('--no-concurrent-osr');

/** The other setting of a lesson, where it has claims of its own. */
const variants: Record<string, Record<string, string | number | boolean>[]> = {
  'process-isolation': [{ childKind: 'thread' }],
  'process-join': [{ joinEach: true, stepMs: 100 }],
  'daemon-process': [{ daemonMs: 100, workerMs: 800 }],
  'process-shared-data': [{ childKind: 'thread' }],
  'thread-shared-memory': [{ childKind: 'process' }],
  'daemon-thread': [{ daemonMs: 100, workerMs: 800 }],
  deadlock: [{ useRlock: true }],
  semaphore: [{ permits: 1 }],
  event: [{ setLate: false }],
  // The handler's delay is a server setting taken from a parameter.
  'threading-tcp-server': [{ clients: 4, delayMs: 300 }],
  // Presets whose claims must hold too: the same dialogue whatever runs the server; a Chinese line.
  'ivr-bot': [{ serverModel: 'thread-per-connection' }, { serverModel: 'process-per-connection' }],
  'tcp-basics': [{ message: '你好, tcp' }],
};

describe('the lesson catalog', () => {
  test('every lesson has a valid spec, both languages and a known chapter', () => {
    const ids = new Set<string>();
    for (const lesson of LESSONS) {
      expect(ids.has(lesson.id)).toBe(false);
      ids.add(lesson.id);
      expect(CHAPTERS).toContain(lesson.chapter);
      expect(() => validateSpec(lesson.spec)).not.toThrow();
      for (const text of [lesson.title, lesson.text.teaches, lesson.text.watch, lesson.text.pythonVsNode, lesson.text.tryNext]) {
        expect(text.en.length).toBeGreaterThan(0);
        expect(text.zh).toMatch(/[\u4e00-\u9fff]/);
      }
      expect((lesson.spec['claims'] as unknown[] | undefined)?.length ?? 0).toBeGreaterThan(0);
    }
  });

  for (const lesson of LESSONS) {
    // A lesson built on CPython-only parts (pipes, shared values, fd probes) is refused on Node before
    // anything starts, each part named by its path; test/cpython runs it on CPython.
    if (nodeIssues(validateSpec(lesson.spec).spec).length > 0) {
      test(`${lesson.id}: CPython only, refused on Node before it starts`, async () => {
        await expect(runExperiment({ spec: lesson.spec, lessonId: lesson.id })).rejects.toThrow(/only on cpython: run it with --runtime cpython/);
      });
      continue;
    }
    for (const overrides of [{}, ...(variants[lesson.id] ?? [])]) {
      test(`${lesson.id} ${JSON.stringify(overrides)}: every claim holds`, async () => {
        const { run } = await runExperiment({ spec: lesson.spec, overrides, lessonId: lesson.id });
        expect(run.claims.length).toBeGreaterThan(0);
        const declared = new Map(((lesson.spec['claims'] ?? []) as { id: string; requires?: unknown; given?: unknown }[]).map((c) => [c.id, c]));
        for (const claim of run.claims) {
          // Inconclusive is acceptable only for the reasons a claim declares: what the machine must have
          // (requires) or must have given the run (given, e.g. enough CPU for a parallel speed-up).
          const spec = declared.get(claim.id);
          const mayBeUndecided = claim.status === 'inconclusive' && (spec?.requires !== undefined || spec?.given !== undefined);
          if (!mayBeUndecided) expect(claim.status, `${claim.id}: ${claim.detail}`).toBe('holds');
        }
        expect(run.trials.every((t) => t.eventsLost === 0 || t.status === 'deadlocked')).toBe(true);
        // The questions asked before a run can be scored on it: each source has a value, a right choice.
        if (Object.keys(overrides).length === 0) {
          for (const question of lesson.questions ?? []) {
            const measured = sourceValue(run, question.answerFrom!);
            expect(measured, `question ${question.id}`).not.toBeNull();
            if (question.kind === 'choice') expect(rightChoiceFor(question, measured!), `question ${question.id}: ${String(measured)}`).not.toBeNull();
          }
        }
      });
    }
  }
});
