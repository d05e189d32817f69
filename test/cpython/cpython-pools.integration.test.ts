import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { markedProcesses } from '../../src-main/engine/runner/process-tree';
import { cpythonIssues } from '../../src-main/engine/runtimes/cpython-support';
import { validateSpec } from '../../src-main/engine/spec/validate';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { pollUntil } from '../engine/helpers/procfs';
import { runSpec, select } from '../engine/helpers/run-spec';
import { lessonSpec, orphanedInterpreter, python, skipReason } from './cpython-helpers';

/**
 * Pools on CPython: concurrent.futures executors whose workers are actors of the trial, functions run
 * by the same interpreter, callbacks on the thread CPython calls them on, and no worker outliving its trial.
 * Skipped, with the reason in the test name, where no CPython 3.9+ is found.
 */



const verdicts = (claims: readonly { id: string; status: string }[]): Record<string, string> => Object.fromEntries(claims.map((c) => [c.id, c.status]));

describe.skipIf(!python)(`pools on CPython${skipReason}`, () => {
  test('the pools lesson: map keeps order, a thread pool\'s callback runs on the worker thread that ran its task, a process pool\'s on a helper thread of the interpreter', async () => {
    const { run, trial, events } = await runSpec(lessonSpec('pools'), { runtime: 'cpython', overrides: { threadPool: 2, processPool: 2 } });
    expect(run.status).toBe('ok');
    expect(verdicts(run.claims)).toEqual({
      bounded: 'holds',
      'map-order': 'holds',
      'callback-gets-future': 'holds',
      'thread-callback-on-runner': 'inconclusive',
      'thread-callback-on-worker': 'holds',
      'default-size': 'holds',
    });
    expect(run.claims.find((c) => c.id === 'thread-callback-on-runner')!.detail).toContain('describes the node runtime');
    const main = trial.actors.find((a) => a.name === 'main')!;
    const byName = new Map(trial.actors.map((a) => [a.name, a]));
    // Workers are actors named as on Node: threads of the interpreter, processes of their own.
    for (const name of ['threads-0', 'threads-1']) expect([byName.get(name)!.kind, byName.get(name)!.pid, byName.get(name)!.exit]).toEqual(['thread', main.pid, 'completed']);
    for (const name of ['processes-0', 'processes-1']) {
      const worker = byName.get(name)!;
      expect([worker.kind, worker.ppid, worker.exit]).toEqual(['process', main.pid, 'completed']);
      expect(worker.pid).not.toBe(main.pid);
    }
    expect(trial.metrics['pool.threads.maxRunning']).toBe(2);
    expect(trial.metrics['pool.threads.tasks']).toBe(7);
    expect(trial.metrics['pool.processes.tasks']).toBe(4);
    // Every task ran in a worker's lane, each once.
    const tasks = select(events, { op: 'task', ph: 'B' });
    expect(tasks.map((e) => `${String(e.data!['pool'])}#${String(e.data!['task'])}`).sort()).toEqual(
      [...Array.from({ length: 7 }, (_, i) => `threads#${i + 1}`), ...Array.from({ length: 4 }, (_, i) => `processes#${i + 1}`), 'defaultThreads#1'].sort(),
    );
    expect(tasks.every((e) => e.actor.startsWith(`${String(e.data!['pool'])}-`))).toBe(true);
    // The thread pool's callback is in the trace of the worker that ran threads#7, on that worker's OS thread.
    const threadTask = only1(select(events, { op: 'task', ph: 'E' }).filter((e) => e.data!['task'] === 7 && e.data!['pool'] === 'threads'));
    const threadCallback = only1(select(events, { op: 'callback', ph: 'B' }).filter((e) => e.data!['future'] === 'threads#7'));
    expect(threadCallback.actor).toBe(threadTask.actor);
    expect(threadCallback.data!['threadId']).toBe(byName.get(threadTask.actor)!.threadId);
    expect(threadCallback.data!['pid']).toBe(main.pid);
    // The process pool's callback is in its lane: the interpreter's process, a thread other than main's.
    const lane = byName.get('processes-callbacks')!;
    expect([lane.kind, lane.pid, lane.exit]).toEqual(['thread', main.pid, 'completed']);
    expect(lane.threadId).not.toBe(main.threadId);
    const processCallback = only1(select(events, { op: 'callback', ph: 'B' }).filter((e) => e.data!['future'] === 'processes#1'));
    expect([processCallback.actor, processCallback.data!['pid'], processCallback.data!['threadId']]).toEqual(['processes-callbacks', main.pid, lane.threadId]);
    expect(select(events, { actor: 'processes-callbacks', op: 'callback', ph: 'E' }).map((e) => e.data!['ok'])).toEqual([true]);
    // A thread pool adds threads as tasks come: one task, one of its six workers started.
    expect(trial.metrics['pool.defaultThreads.size']).toBeGreaterThanOrEqual(5);
    expect(trial.actors.filter((a) => a.group === 'defaultThreads' && a.exit !== 'never-started').map((a) => a.name)).toEqual(['defaultThreads-0']);
    // Each actor's events arrived whole.
    expect(trial.actors.every((a) => a.eventsEmitted === a.eventsReceived)).toBe(true);
  });

  test('process-pool-callback: every result reaches a callback on one result-handler thread of the parent; never more tasks at once than workers', async () => {
    const { run, trial, events } = await runSpec(lessonSpec('process-pool-callback'), { runtime: 'cpython', overrides: { size: 3, tasks: 7, workMs: 40 } });
    expect(run.status).toBe('ok');
    expect(verdicts(run.claims)).toEqual({
      'all-results': 'holds',
      'at-most-size': 'holds',
      'callbacks-in-runner': 'holds',
      'callbacks-on-loop': 'inconclusive',
      'callbacks-on-result-thread': 'holds',
    });
    expect([...(trial.records['result'] as number[])].sort((a, b) => a - b)).toEqual([100, 101, 102, 103, 104, 105, 106]);
    const main = trial.actors.find((a) => a.name === 'main')!;
    const workers = trial.actors.filter((a) => a.group === 'pool');
    expect(workers.map((a) => a.exit)).toEqual(['completed', 'completed', 'completed']);
    expect(new Set(workers.map((a) => a.pid)).size).toBe(3);
    expect(workers.every((a) => a.ppid === main.pid)).toBe(true);
    const lane = trial.actors.find((a) => a.name === 'pool-callbacks')!;
    const callbacks = select(events, { op: 'callback', ph: 'B' });
    expect(callbacks).toHaveLength(7);
    expect(new Set(callbacks.map((e) => `${e.actor}/${String(e.data!['pid'])}/${String(e.data!['threadId'])}`))).toEqual(new Set([`pool-callbacks/${main.pid}/${lane.threadId}`]));
    expect(trial.records['callbackThread']).toEqual(Array(7).fill(lane.threadId));
    // Each callback follows its task's end in a worker (it is called once the future has its result).
    for (const callback of callbacks) {
      const task = Number(String(callback.data!['future']).split('#')[1]);
      const ended = only1(select(events, { op: 'task', ph: 'E' }).filter((e) => e.data!['task'] === task));
      expect(ended.t).toBeLessThanOrEqual(callback.t);
    }
    expect(trial.metrics['pool.pool.maxRunning']).toBeLessThanOrEqual(3);
    expect(trial.metrics['pool.pool.tasks']).toBe(7);
  });

  test('a failed task fails the caller of result with its reason; a failed callback fails the trial naming it; a shut-down pool takes no task', async () => {
    const base = (program: AuthoredSpec['actors'][number]['program'], kind: 'thread' | 'process'): AuthoredSpec => ({
      version: 1,
      functions: {
        boom: { steps: [{ op: 'fail', message: 'boom' }] },
        twice: { steps: [{ op: 'sleep', ms: 30 }, { op: 'return', value: { mul: [{ ref: 'arg' }, 2] } }] },
        badCallback: { steps: [{ op: 'fail', message: 'callback broke' }] },
      },
      pools: { p: { kind, size: 2 } },
      actors: [{ name: 'main', kind: 'main', program }],
    });
    for (const kind of ['thread', 'process'] as const) {
      const failedTask = await runSpec(base([{ op: 'submit', pool: 'p', function: 'boom', into: 'f' }, { op: 'result', future: { ref: 'f' } }], kind), { runtime: 'cpython' });
      expect(failedTask.trial.status).toBe('failed');
      expect(failedTask.trial.error).toBe('main failed: task p#1 failed: boom');
      expect(select(failedTask.events, { op: 'task', ph: 'E' }).map((e) => [e.data!['ok'], e.data!['error']])).toEqual([[false, 'boom']]);

      const failedCallback = await runSpec(
        base([{ op: 'submit', pool: 'p', function: 'twice', arg: 4, callback: 'badCallback' }, { op: 'shutdown', pool: 'p' }, { op: 'sleep', ms: 5_000 }], kind),
        { runtime: 'cpython' },
      );
      expect(failedCallback.trial.status).toBe('failed');
      expect(failedCallback.trial.error).toMatch(/failed: callback badCallback for p#1 failed: callback broke$/);
      expect(failedCallback.trial.wallMs).toBeLessThan(5_000);

      const closed = await runSpec(
        base([{ op: 'map', pool: 'p', function: 'twice', args: { list: [1, 2, 3] }, into: 'v' }, { op: 'record', name: 'v', value: { ref: 'v' } }, { op: 'shutdown', pool: 'p' }, { op: 'submit', pool: 'p', function: 'twice', arg: 1 }], kind),
        { runtime: 'cpython' },
      );
      expect(closed.trial.records['v']).toEqual([[2, 4, 6]]);
      expect(closed.trial.error).toBe('main failed: pool p is shut down: it accepts no more tasks');
      expect(closed.trial.actors.filter((a) => a.group === 'p').map((a) => a.exit)).toEqual(['completed', 'completed']);
    }
  });

  test('one-worker pools give the same sequence of event kinds per actor on CPython as on Node (callbacks aside: they run elsewhere)', async () => {
    const program = (pool: string): AuthoredSpec['actors'][number]['program'] => [
      { op: 'submit', pool, function: 'f', arg: 1, into: 'a' },
      { op: 'result', future: { ref: 'a' }, into: 'x' },
      { op: 'map', pool, function: 'f', args: { list: [2, 3] }, into: 'm' },
      { op: 'record', name: `${pool}-values`, value: { list: [{ ref: 'x' }, { ref: 'm' }] } },
      { op: 'shutdown', pool },
    ];
    const spec: AuthoredSpec = {
      version: 1,
      functions: { f: { steps: [{ op: 'sleep', ms: 5 }, { op: 'let', name: 'y', value: { mul: [{ ref: 'arg' }, 10] } }, { op: 'return', value: { ref: 'y' } }] } },
      pools: { t: { kind: 'thread', size: 1 }, q: { kind: 'process', size: 1 } },
      actors: [{ name: 'main', kind: 'main', program: [...program('t'), ...program('q')] }],
    };
    const kinds = async (runtime: 'node' | 'cpython'): Promise<Record<string, string[]>> => {
      const ran = await runSpec(spec, { runtime });
      expect(ran.trial.status).toBe('ok');
      expect(ran.trial.records['t-values']).toEqual([[10, [20, 30]]]);
      expect(ran.trial.records['q-values']).toEqual([[10, [20, 30]]]);
      expect(ran.trial.actors.filter((a) => a.group === 't' || a.group === 'q').map((a) => [a.name, a.exit])).toEqual([['t', 'completed'], ['q', 'completed']]);
      return Object.fromEntries(['main', 't', 'q'].map((actor) => [actor, select(ran.events, { actor }).map((e) => `${e.op}:${e.ph}`)]));
    };
    const onNode = await kinds('node');
    const onCpython = await kinds('cpython');
    expect(onNode['t']).toEqual(['actor:B', ...Array(3).fill(['task:B', 'sleep:B', 'sleep:E', 'let:I', 'task:E']).flat(), 'actor:E']);
    expect(onCpython).toEqual(onNode);
  });

  test('pool steps in a process actor and unsupported steps in a function are refused before anything starts, by path', () => {
    const issues = cpythonIssues(
      validateSpec({
        version: 1,
        functions: { f: { steps: [{ op: 'terminate', actor: 'worker' }] } },
        pools: { p: { kind: 'thread', size: 1 } },
        actors: [
          { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 'child' }] },
          { name: 'child', kind: 'process', autostart: false, program: [{ op: 'submit', pool: 'p', function: 'f' }] },
          { name: 'worker', kind: 'thread', program: [{ op: 'mark', name: 'w' }] },
        ],
      }).spec,
    );
    expect(issues.map((issue) => issue.path)).toEqual(['actors[1].program[0]', 'functions.f.steps[0].actor']);
    expect(issues[0]!.message).toContain('step "submit" inside a process actor is not supported on cpython');
  });

  test('cancel during a process pool\'s tasks kills the interpreter and every worker within 500 ms; a pool never shut down is stopped with its trial', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      functions: { long: { steps: [{ op: 'sleep', ms: 600_000 }] } },
      pools: { p: { kind: 'process', size: 2 } },
      actors: [{ name: 'main', kind: 'main', program: [{ op: 'map', pool: 'p', function: 'long', args: { list: [1, 2] } }] }],
    };
    const runId = randomUUID();
    const marker = `CONLAB_RUN_ID=${runId}`;
    const controller = new AbortController();
    const started = new Set<string>();
    const running = runExperiment({ spec, runtime: 'cpython', runId, signal: controller.signal, workRoot: mkdtempSync(join(tmpdir(), 'conlab-cpython-')), onBatch: (b) => started.add(b.actor) });
    // Both workers have traced their task's start: the interpreter and two worker processes are up.
    expect(await pollUntil(() => started.has('p-0') && started.has('p-1'), 15_000), `tracing: ${[...started].join(', ')}`).toBe(true);
    expect(markedProcesses(marker).length).toBeGreaterThanOrEqual(3);
    const cancelledAt = performance.now();
    controller.abort();
    expect(await pollUntil(() => markedProcesses(marker).length === 0, 5_000, 10)).toBe(true);
    expect(performance.now() - cancelledAt).toBeLessThan(500);
    const { run } = await running;
    expect(run.status).toBe('cancelled');
    expect(run.trials[0]!.actors.map((a) => [a.name, a.exit])).toEqual([['main', 'cancelled'], ['p-0', 'cancelled'], ['p-1', 'cancelled'], ['p-callbacks', 'cancelled']]);

    // main ends without shutdown: the workers are daemons, stopped at the end; none is left behind.
    const quietId = randomUUID();
    const quiet = await runExperiment({
      spec: { ...spec, actors: [{ name: 'main', kind: 'main', program: [{ op: 'submit', pool: 'p', function: 'long', arg: 1 }, { op: 'sleep', ms: 200 }] }] },
      runtime: 'cpython',
      runId: quietId,
      workRoot: mkdtempSync(join(tmpdir(), 'conlab-cpython-')),
    });
    expect(quiet.run.status).toBe('ok');
    const trial = quiet.run.trials[0]!;
    expect(trial.actors.map((a) => [a.name, a.exit])).toEqual([['main', 'completed'], ['p-0', 'daemon-stopped'], ['p-1', 'daemon-stopped'], ['p-callbacks', 'daemon-stopped']]);
    expect(trial.wallMs).toBeLessThan(10_000);
    expect(await pollUntil(() => markedProcesses(`CONLAB_RUN_ID=${quietId}`).length === 0, 5_000)).toBe(true);
  });
});

/** Interpreters of the lab's runtime carrying `marker` (pool workers are forks of it: the same command line). */

describe.skipIf(!python)(`pool workers outlive nothing${skipReason}`, () => {
  test('an interpreter whose parent dies ends itself, and its process pool\'s workers follow it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-cpython-pool-orphan-'));
    const validated = validateSpec({
      version: 1,
      functions: { long: { steps: [{ op: 'sleep', ms: 600_000 }] } },
      pools: { p: { kind: 'process', size: 2 } },
      actors: [{ name: 'main', kind: 'main', program: [{ op: 'map', pool: 'p', function: 'long', args: { list: [1, 2] } }] }],
    });
    const config = { spec: validated.spec, trial: 0, originNs: process.hrtime.bigint().toString(), eventBudget: 10_000, poolSizes: { p: 2 } };
    // The interpreter and its two pool workers.
    const { started, gone } = await orphanedInterpreter(dir, config, 3);
    expect(started).toBe(true);
    expect(gone).toBe(true);
  });
});

function only1<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}
