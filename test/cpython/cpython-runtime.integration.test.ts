import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { prepareCpython, RuntimeUnavailableError } from '../../src-main/engine/runtimes/cpython-runtime';
import { discoverPython } from '../../src-main/engine/runtimes/python-discovery';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { cpythonIssues } from '../../src-main/engine/runtimes/cpython-support';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { LabError, LabService } from '../../src-main/service/lab-service';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { decodeBatches, type EventBatch } from '../../src-main/model/trace-event';
import { only, runSpec, select } from '../engine/helpers/run-spec';
import { python, skipReason, lessonSpec } from './cpython-helpers';

/**
 * The CPython runtime runs the same specs on real CPython threads, processes and asyncio tasks and
 * reports the same trace events. Skipped, with the reason in the test name, where no CPython 3.9+ is found.
 */


const savedEnv = { CONLAB_PYTHON: process.env['CONLAB_PYTHON'], PATH: process.env['PATH'] };
afterEach(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});


test('with no interpreter to be found, a CPython run is refused in one line naming what was looked for and CONLAB_PYTHON', () => {
  process.env['CONLAB_PYTHON'] = '/nonexistent/python3';
  process.env['PATH'] = mkdtempSync(join(tmpdir(), 'conlab-emptypath-'));
  const discovery = discoverPython({ fresh: true });
  expect(discovery.found).toBeNull();
  expect(discovery.candidates.map((c) => c.command)).toEqual(['/nonexistent/python3', 'python3', 'python', 'py -3']);
  const validated = validateSpec({ version: 1, actors: [{ name: 'main', kind: 'main', program: [{ op: 'mark', name: 'm' }] }] });
  let refusal: unknown;
  try {
    prepareCpython(validated);
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(RuntimeUnavailableError);
  const message = (refusal as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  expect(message).toContain('CONLAB_PYTHON=/nonexistent/python3 (not found)');
  expect(message).toContain('python3 (not found)');
  expect(message).toContain('set CONLAB_PYTHON');
});

describe.skipIf(!python)(`on CPython${skipReason}`, () => {
  test('discovery reports a CPython 3.9+ with its path, GIL and the start method processes use', () => {
    const found = discoverPython({ fresh: true }).found!;
    expect(found.name).toBe('cpython');
    const [major, minor] = found.version.split('.').map(Number);
    expect(major! * 100 + minor!).toBeGreaterThanOrEqual(309);
    expect(found.path).toMatch(/python/);
    expect(typeof found.gil).toBe('boolean');
    expect(found.startMethod).toBe(process.platform === 'linux' ? 'fork' : 'spawn');
  });

  test('race-counter through the service: without the lock updates are lost, with it and serially none are; the run records its runtime', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-cpython-'));
    const service = LabService.open({ dbPath: join(dir, 'history.db'), workRoot: join(dir, 'runs') });
    try {
      const run = await service.run({ lessonId: 'race-counter', runtime: 'cpython', overrides: { threads: 10, windowMs: 20, outsideMs: 5 } });
      expect(run.status).toBe('ok');
      expect(run.environment.runtime?.name).toBe('cpython');
      expect(run.environment.runtime?.version).toBe(python!.version);
      const trial = run.trials[0]!;
      // Every thread reads before any writes back (20 ms window): at most one decrement survives.
      expect(trial.records['unlockedFinal']).toEqual([expect.any(Number)]);
      expect(trial.records['unlockedFinal']![0]).toBeGreaterThanOrEqual(5);
      expect(trial.records['lockedFinal']).toEqual([0]);
      expect(trial.records['serialFinal']).toEqual([0]);
      expect(trial.metrics['section.critical.max']).toBe(1);
      expect(trial.finalShared).toEqual({ counter: 0 });
      const threads = trial.actors.filter((a) => a.kind === 'thread');
      expect(threads).toHaveLength(30);
      expect(threads.every((a) => a.exit === 'completed' && a.eventsEmitted === a.eventsReceived && a.eventsReceived > 0)).toBe(true);
      // Threads are threads of the interpreter that ran main: one pid, distinct OS thread ids.
      const main = trial.actors.find((a) => a.name === 'main')!;
      expect(new Set(threads.map((a) => a.pid))).toEqual(new Set([main.pid]));
      expect(new Set(threads.map((a) => a.threadId)).has(main.threadId)).toBe(false);
      const verdicts = Object.fromEntries(run.claims.map((c) => [c.id, c.status]));
      expect(verdicts).toMatchObject({ 'updates-lost': 'holds', 'lock-exact': 'holds', 'serial-exact': 'holds' });
      // The events are stored like any run's, and the run log carries the runtime to another history.
      expect(service.getRun(run.id).trials[0]!.eventCount).toBe(trial.eventCount);
      const log = service.exportRun(run.id, 'json');
      const other = LabService.open({ dbPath: join(dir, 'other.db') });
      try {
        expect((await other.importRunLog(log.data)).result).toBe('inserted');
        expect(other.getRun(run.id).environment.runtime).toEqual(run.environment.runtime);
      } finally {
        await other.close();
      }
    } finally {
      await service.close();
    }
  });

  test('thread start on CPython: start() waits until the thread runs, so its first step comes before main\'s next one', async () => {
    const trials = 5;
    const batches: EventBatch[] = [];
    const { run } = await runExperiment({ spec: lessonSpec('thread-start'), runtime: 'cpython', overrides: { workMs: 0 }, repeat: trials, onBatch: (batch) => batches.push(batch) });
    expect(run.status).toBe('ok');
    let threadFirst = 0;
    for (let index = 0; index < trials; index++) {
      const events = decodeBatches(batches.filter((b) => b.trial === index));
      const mainMark = only(events, { actor: 'main', op: 'mark', name: 'main-after-first' });
      const threadMark = only(events, { actor: 'byTarget', op: 'mark', name: 'thread-begins' });
      if (threadMark.t < mainMark.t) threadFirst++;
      expect(run.trials[index]!.actors.map((a) => a.exit)).toEqual(['completed', 'completed', 'completed']);
    }
    // The GIL stays with the new thread until it waits or its switch interval (5 ms) passes; a busy
    // machine may preempt it that long now and then, so a majority, not every trial.
    expect(threadFirst).toBeGreaterThanOrEqual(3);
    // The claims about Node's worker boot do not apply to CPython: inconclusive, with the reason.
    const mainFirst = run.claims.find((c) => c.id === 'main-goes-on-first')!;
    expect(mainFirst.status).toBe('inconclusive');
    expect(mainFirst.detail).toContain('describes the node runtime');
    expect(run.claims.find((c) => c.id === 'same-process')!.status).toBe('holds');
  });
  test('a deterministic program gives the same sequence of event kinds per actor on CPython as on Node', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      shared: { total: { scope: 'shared', initial: 0 }, slots: { scope: 'shared', initial: [0, 0] } },
      primitives: { lock: { type: 'mutex' }, ready: { type: 'event' }, seats: { type: 'semaphore', value: 1 } },
      actors: [
        {
          name: 'main',
          kind: 'main',
          program: [
            { op: 'mark', name: 'begin' },
            { op: 'spawn', actor: 'worker' },
            { op: 'join', actor: 'worker' },
            { op: 'set', prim: 'ready' },
            { op: 'spawn', actor: 'helper' },
            { op: 'join', actor: 'helper' },
            { op: 'read', var: 'total', into: 'seen' },
            { op: 'record', name: 'total', value: { ref: 'seen' } },
          ],
        },
        {
          name: 'worker',
          kind: 'thread',
          autostart: false,
          program: [
            { op: 'let', name: 'n', value: { add: [{ self: 'index' }, 2] } },
            { op: 'acquire', prim: 'lock' },
            { op: 'section', name: 'inside', steps: [{ op: 'read', var: 'total', into: 'v' }, { op: 'write', var: 'total', value: { add: [{ ref: 'v' }, { ref: 'n' }] } }] },
            { op: 'release', prim: 'lock' },
            { op: 'repeat', times: 3, steps: [{ op: 'add', var: 'slots', index: 1, delta: 1 }] },
            { op: 'if', cond: { compare: [{ ref: 'n' }, '==', 2] }, then: [{ op: 'log', message: 'n is {n}', values: { n: { ref: 'n' } } }], else: [{ op: 'fail', message: 'unreachable' }] },
            { op: 'sleep', ms: 1 },
            { op: 'block', ms: 1 },
            { op: 'compute', iterations: 1000 },
          ],
        },
        {
          name: 'helper',
          kind: 'task',
          autostart: false,
          program: [
            { op: 'wait', prim: 'ready' },
            { op: 'acquire', prim: 'seats' },
            { op: 'add', var: 'total', delta: 10, into: 'now' },
            { op: 'release', prim: 'seats' },
            { op: 'is_alive', actor: 'worker', into: 'alive' },
            { op: 'record', name: 'alive', value: { ref: 'alive' } },
          ],
        },
        {
          name: 'forked',
          kind: 'process',
          program: [
            { op: 'wait', prim: 'ready' },
            { op: 'acquire', prim: 'seats' },
            { op: 'add', var: 'total', delta: 100 },
            { op: 'release', prim: 'seats' },
            { op: 'sleep', ms: 1 },
            { op: 'mark', name: 'forked-done' },
          ],
        },
      ],
    };
    const kinds = async (runtime: 'node' | 'cpython'): Promise<Record<string, string[]>> => {
      const ran = await runSpec(spec, { runtime });
      expect(ran.trial.status).toBe('ok');
      expect(ran.trial.records).toEqual({ total: [12], alive: [false] });
      const byActor: Record<string, string[]> = {};
      for (const actor of ['main', 'worker', 'helper', 'forked']) byActor[actor] = select(ran.events, { actor }).map((e) => `${e.op}:${e.ph}`);
      return byActor;
    };
    const onNode = await kinds('node');
    const onCpython = await kinds('cpython');
    expect(onNode['worker']!.length).toBeGreaterThan(15);
    expect(onCpython).toEqual(onNode);
  });

  test('a step the CPython runtime does not support is refused before anything starts, with its JSON path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-cpython-'));
    const service = LabService.open({ dbPath: join(dir, 'history.db'), workRoot: join(dir, 'runs') });
    try {
      const spec = {
        version: 1,
        functions: { twice: { steps: [{ op: 'return', value: { mul: [{ ref: 'arg' }, 2] } }] } },
        actors: [
          {
            name: 'main',
            kind: 'main',
            program: [{ op: 'mark', name: 'ok' }, { op: 'spawn', actor: 'child' }],
          },
          // Every op runs on CPython; a process actor still cannot start actors there.
          { name: 'child', kind: 'process', autostart: false, program: [{ op: 'mark', name: 'ok' }, { op: 'repeat', times: 1, steps: [{ op: 'spawn', actor: 'other' }] }] },
          { name: 'other', kind: 'thread', autostart: false, program: [{ op: 'mark', name: 'ok' }] },
        ],
      };
      let refusal: unknown;
      try {
        await service.run({ spec, runtime: 'cpython' });
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(LabError);
      const { code, issues } = refusal as LabError;
      expect(code).toBe('bad-input');
      expect(issues.map((issue) => [issue.path, issue.message])).toEqual([
        ['actors[1].program[1].steps[0]', 'step "spawn" inside a process actor is not supported on cpython (only main, threads and tasks start, join and list actors there)'],
      ]);
      expect(service.listRuns()).toEqual([]);
      // A thread cannot be killed in CPython: terminate is refused for threads, by path, and allowed for processes.
      const terminating = (kind: 'thread' | 'process') =>
        cpythonIssues(
          validateSpec({
            version: 1,
            actors: [
              { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 'victim' }, { op: 'terminate', actor: 'victim' }] },
              { name: 'victim', kind, autostart: false, program: [{ op: 'sleep', ms: 10 }] },
            ],
          }).spec,
        ).map((issue) => issue.path);
      expect(terminating('thread')).toEqual(['actors[0].program[1].actor']);
      expect(terminating('process')).toEqual([]);
      // The same spec runs on Node.
      expect((await service.run({ spec })).status).toBe('ok');
    } finally {
      await service.close();
    }
  });
  test('the first actor to fail ends the CPython trial as failed, with its message, from a thread or a forked process', async () => {
    const failing = (kind: 'thread' | 'process'): AuthoredSpec => ({
      version: 1,
      actors: [
        { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 'bad' }, { op: 'join', actor: 'bad' }, { op: 'sleep', ms: 60_000 }] },
        { name: 'bad', kind, autostart: false, program: [{ op: 'mark', name: 'before' }, { op: 'fail', message: `broken ${kind}` }] },
      ],
    });
    for (const kind of ['thread', 'process'] as const) {
      const { trial, events } = await runSpec(failing(kind), { runtime: 'cpython' });
      expect(trial.status).toBe('failed');
      expect(trial.error).toBe(`bad failed: broken ${kind}`);
      const bad = trial.actors.find((a) => a.name === 'bad')!;
      expect([bad.exit, bad.error]).toEqual(['failed', `broken ${kind}`]);
      expect(select(events, { actor: 'bad' }).map((e) => `${e.op}:${e.ph}`)).toEqual(['actor:B', 'mark:I', 'actor:E']);
      // main was stopped in its minute-long sleep, not awaited.
      expect(trial.actors.find((a) => a.name === 'main')!.exit).toBe('cancelled');
      expect(trial.wallMs).toBeLessThan(30_000);
    }
  });
  test('the deadlock lesson on CPython: the interpreter finds the cycle of threads and locks, and with one rlock there is none', async () => {
    const deadlocked = await runSpec(lessonSpec('deadlock'), { runtime: 'cpython', overrides: { threads: 4, pauseMs: 100 } });
    expect(deadlocked.trial.status).toBe('deadlocked');
    const cycle = deadlocked.trial.deadlock!.cycle;
    expect(cycle.map((edge) => edge.waitsFor).sort()).toEqual(['A', 'B']);
    expect(new Set(cycle.map((edge) => edge.actor))).toEqual(new Set(cycle.map((edge) => edge.heldBy)));
    expect(deadlocked.trial.metrics['deadlockLatencyMs']).toBeLessThan(5_000);
    expect(deadlocked.run.claims.find((c) => c.id === 'deadlock-detected')!.status).toBe('holds');
    const reentrant = await runSpec(lessonSpec('deadlock'), { runtime: 'cpython', overrides: { threads: 4, pauseMs: 10, useRlock: true } });
    expect(reentrant.trial.status).toBe('ok');
    expect(reentrant.trial.deadlock).toBeNull();
  });
  test('without a main actor, the trial ends only after every autostarted actor has run, even when the first ends before the last starts', async () => {
    const actors = 60;
    const { trial } = await runSpec(
      {
        version: 1,
        shared: { n: { scope: 'shared', initial: 0 } },
        actors: [{ name: 'worker', kind: 'thread', count: actors, program: [{ op: 'add', var: 'n', delta: 1 }] }],
      },
      { runtime: 'cpython' },
    );
    expect(trial.status).toBe('ok');
    expect(trial.actors.filter((a) => a.exit === 'completed')).toHaveLength(actors);
    expect(trial.finalShared['n']).toBe(actors);
  });
  test('a value that keeps growing fails its actor with MemoryError at the cap derived from the limits, and the trial ends', { timeout: 60_000 }, async () => {
    const saved = process.env['CONLAB_RUNNER_HEAP_MB'];
    process.env['CONLAB_RUNNER_HEAP_MB'] = '256'; // the cap the runner's heap would get: 256 MB + a thread stack an actor
    try {
      const { trial } = await runSpec(
        {
          version: 1,
          actors: [{ name: 'main', kind: 'main', program: [{ op: 'let', name: 's', value: 'xxxxxxxx' }, { op: 'repeat', times: 40, trace: 'summary', steps: [{ op: 'let', name: 's', value: { concat: [{ ref: 's' }, { ref: 's' }] } }] }] }],
        },
        { runtime: 'cpython' },
      );
      expect(trial.status).toBe('failed');
      expect(trial.error).toContain('MemoryError');
    } finally {
      if (saved === undefined) delete process.env['CONLAB_RUNNER_HEAP_MB'];
      else process.env['CONLAB_RUNNER_HEAP_MB'] = saved;
    }
  });
  test('process-lifecycle on CPython: terminate signals the forked child, which ends "terminated" before its last step', async () => {
    const { run, trial, events } = await runSpec(lessonSpec('process-lifecycle'), { runtime: 'cpython' });
    expect(trial.status).toBe('ok');
    expect(trial.actors.map((a) => [a.name, a.exit])).toEqual([['main', 'completed'], ['courier', 'terminated']]);
    expect(select(events, { actor: 'courier', op: 'mark', name: 'finished-normally' })).toEqual([]);
    expect(trial.records['aliveBefore']).toEqual([true]);
    expect(trial.records['aliveAfter']).toEqual([false]);
    expect(run.claims.every((c) => c.status === 'holds')).toBe(true);
  });
  test('queues on CPython: FIFO, LIFO and priority orders in one process, a joinable FIFO between forked producers and consumers', async () => {
    const orders = await runSpec(lessonSpec('queue-orders'), { runtime: 'cpython' });
    expect(orders.trial.status).toBe('ok');
    expect(orders.run.claims.map((c) => [c.id, c.status])).toEqual([
      ['fifo-order', 'holds'],
      ['lifo-order', 'holds'],
      ['priority-order', 'holds'],
    ]);
    const kitchen = await runSpec(lessonSpec('producer-consumer'), { runtime: 'cpython', overrides: { produceMs: 5, consumeMs: 5 } });
    expect(kitchen.trial.status).toBe('ok');
    // Every dish a producer put reached a consumer: none was left in a feeder thread of an exiting process.
    expect([...(kitchen.trial.records['consumed'] ?? [])].sort()).toEqual([...(kitchen.trial.records['produced'] ?? [])].sort());
    expect(kitchen.trial.records['produced']!.length).toBeGreaterThan(0);
    expect(kitchen.run.claims.every((c) => c.status === 'holds')).toBe(true);
  });
});
