import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { cpythonIssues } from '../../src-main/engine/runtimes/cpython-support';
import { discoverPython } from '../../src-main/engine/runtimes/python-discovery';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { findLesson } from '../../src-main/lessons/catalog';

/**
 * auto-switch-on-io on CPython with real gevent: its task actors are greenlets, and whether a sleeping
 * greenlet switches depends on monkey-patching, a parameter. Runs with an interpreter that can import
 * gevent (CONLAB_PYTHON if it can, else /usr/bin/python3, Debian's, with python3-gevent); skipped, with
 * the reason, where none can. Where the interpreter cannot import gevent the gevent claims are inconclusive.
 */

function importsGevent(python: string): boolean {
  try {
    execFileSync(python, ['-c', 'import gevent'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const configured = process.env['CONLAB_PYTHON'];
const withGevent = [configured, '/usr/bin/python3'].find((p): p is string => typeof p === 'string' && p.length > 0 && importsGevent(p));
const skipReason = withGevent ? '' : ' (skipped: no interpreter here can import gevent; install python3-gevent)';
const lesson = findLesson('auto-switch-on-io')!;

describe.skipIf(!withGevent)(`gevent greenlets on CPython${skipReason}`, () => {
  beforeAll(() => {
    process.env['CONLAB_PYTHON'] = withGevent!;
  });
  afterAll(() => {
    if (configured === undefined) delete process.env['CONLAB_PYTHON'];
    else process.env['CONLAB_PYTHON'] = configured;
  });

  test('monkey-patched, a sleeping greenlet switches: the sleeps overlap, the blocking waits still add up; greenlets share a thread of their own', async () => {
    expect(discoverPython().found?.modules?.gevent).toEqual(expect.any(String));
    const { run } = await runExperiment({ spec: lesson.spec, lessonId: lesson.id, runtime: 'cpython', overrides: { monkeyPatch: true } });
    expect(run.environment.runtime?.modules?.gevent).toEqual(expect.any(String));
    const claims = Object.fromEntries(run.claims.map((c) => [c.id, `${c.status}: ${c.detail}`]));
    expect(claims['patched-sleep-switches']).toMatch(/^holds/);
    expect(claims['yielding-overlaps']).toMatch(/^holds/);
    expect(claims['blocking-adds-up']).toMatch(/^holds/);
    expect(claims['unpatched-sleep-stalls']).toBeUndefined(); // it applies only without the patch
    // Greenlets, not asyncio tasks: all four run in one thread, which is not main's (the asyncio loop's).
    const trial = run.trials[0]!;
    const tasks = trial.actors.filter((a) => a.kind === 'task');
    const main = trial.actors.find((a) => a.name === 'main')!;
    expect(tasks).toHaveLength(4);
    expect(new Set(tasks.map((a) => a.threadId)).size).toBe(1);
    expect(tasks[0]!.threadId).not.toBe(main.threadId);
  });

  test('not patched, time.sleep stalls every greenlet: the sleeps add up like the blocking waits', async () => {
    const { run } = await runExperiment({ spec: lesson.spec, lessonId: lesson.id, runtime: 'cpython', overrides: { monkeyPatch: false, longMs: 200, shortMs: 100 } });
    const claims = Object.fromEntries(run.claims.map((c) => [c.id, `${c.status}: ${c.detail}`]));
    expect(claims['unpatched-sleep-stalls']).toMatch(/^holds/);
    expect(claims['blocking-adds-up']).toMatch(/^holds/);
    expect(claims['yielding-overlaps']).toBeUndefined();
    const yielding = run.trials[0]!.records['yieldingMs']![0] as number;
    expect(yielding).toBeGreaterThanOrEqual(0.98 * 300);
  });
});

describe('gevent claims where gevent cannot be imported', () => {
  const plain = discoverPython().found;
  const lacking = plain && !plain.modules?.gevent ? plain : null;
  test.skipIf(!lacking)(`are inconclusive, naming the interpreter${lacking ? '' : ' (skipped: the interpreter found imports gevent, or there is none)'}`, async () => {
    const { run } = await runExperiment({ spec: lesson.spec, lessonId: lesson.id, runtime: 'cpython', overrides: { longMs: 100, shortMs: 50 } });
    const claim = run.claims.find((c) => c.id === 'patched-sleep-switches')!;
    expect(claim.status).toBe('inconclusive');
    expect(claim.detail).toBe(`needs gevent, which ${lacking!.path} cannot import`);
    // The tasks ran as asyncio tasks: the lesson's other claims hold all the same.
    expect(run.claims.filter((c) => c.id !== 'patched-sleep-switches').every((c) => c.status === 'holds')).toBe(true);
  });
});

test('gevent tasks that would wait on another actor, or beside process actors, are refused before anything starts, by JSON path', () => {
  const spec = {
    version: 1,
    cpython: { tasks: 'gevent', monkeyPatch: true },
    primitives: { go: { type: 'event' } },
    actors: [
      { name: 'main', kind: 'main', program: [{ op: 'set', prim: 'go' }] },
      { name: 'waiter', kind: 'task', program: [{ op: 'sleep', ms: 1 }, { op: 'repeat', times: 2, steps: [{ op: 'wait', prim: 'go' }] }] },
      { name: 'child', kind: 'process', program: [{ op: 'sleep', ms: 1 }] },
    ],
  };
  const issues = cpythonIssues(validateSpec(spec).spec);
  expect(issues.map((i) => i.path)).toEqual(['cpython.tasks', 'actors[1].program[1].steps[0]']);
  expect(issues[1]!.message).toBe('step "wait" in a gevent task is not supported on cpython yet (its wait would block every greenlet)');
  // The same program with asyncio tasks and no process runs.
  expect(cpythonIssues(validateSpec({ ...spec, cpython: { tasks: 'asyncio' }, actors: spec.actors.slice(0, 2) }).spec)).toEqual([]);
});
