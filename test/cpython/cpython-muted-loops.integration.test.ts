import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { markedProcesses } from '../../src-main/engine/runner/process-tree';
import { pythonEnv } from '../../src-main/engine/runtimes/python-discovery';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { pollUntil } from '../engine/helpers/procfs';
import { runSpec, select } from '../engine/helpers/run-spec';
import { python, skipReason } from './cpython-helpers';

/**
 * A summary repeat on a thread actor runs its body as one generated loop (muted_loops.py): locks and
 * adds inline, every other step through its compiled callable. These cases hold it to what the steps
 * do one by one: the same values, records and summary events, the same deadlock found and named, and
 * cancel and the wall limit still end a trial busy in such a loop. A thread actor's last lines are
 * written soon rather than by the ending thread (output.py), in order with every other line.
 */

interface Plan {
  readonly shape: string[];
  readonly final: Record<string, unknown>;
  readonly locals: Record<string, unknown>;
  readonly owners: Record<string, string>;
  readonly depth: Record<string, number>;
}

/** What each step of the first repeat of each spec's first actor becomes, run `times` rounds in Python. */
function plans(cases: readonly { spec: unknown; times: number }[]): Plan[] {
  const out = execFileSync(python!.path, [join(process.cwd(), 'test', 'cpython', 'fixtures', 'muted_loop_plan.py')], {
    input: JSON.stringify(cases),
    env: pythonEnv(),
    encoding: 'utf8',
    timeout: 20_000,
  });
  return JSON.parse(out) as Plan[];
}

const shared = { n: { scope: 'shared', initial: 0 } };
const acquire = (prim: string) => ({ op: 'acquire', prim }) as const;
const release = (prim: string) => ({ op: 'release', prim }) as const;
const addN = { op: 'add', var: 'n', delta: 1 } as const;
const counting = (steps: unknown[], others: unknown[] = [], primitives: Record<string, unknown> = { m: { type: 'mutex' } }, vars: Record<string, unknown> = shared) => ({
  version: 1,
  shared: vars,
  primitives,
  actors: [{ name: 'w', kind: 'thread', program: [{ op: 'repeat', times: 5, trace: 'summary', steps }] }, ...others],
});

describe.skipIf(!python)(`summary repeats as generated loops on CPython${skipReason}`, () => {
  test('what each step becomes: a lock held only across adds is not entered in the wait table, an add the spec makes only under one mutex takes no other lock, anything else keeps its bookkeeping', () => {
    const cases = [
      // The contended-lock figure's body.
      { spec: counting([acquire('m'), addN, release('m')]), times: 7 },
      // Another actor adds to n without the lock: the add takes the shared variables' lock.
      { spec: counting([acquire('m'), addN, release('m')], [{ name: 'x', kind: 'thread', program: [addN] }]), times: 7 },
      // Another actor releases m without taking it: m does not order the adds.
      { spec: counting([acquire('m'), addN, release('m')], [{ name: 'x', kind: 'thread', program: [release('m'), acquire('m'), addN, release('m')] }]), times: 7 },
      // A condition built on m lets go of it while waiting.
      { spec: counting([acquire('m'), addN, release('m')], [], { m: { type: 'mutex' }, c: { type: 'condition', lock: 'm' } }), times: 7 },
      // Nested locks: the outer one is held while the inner one may block, so it is entered in the table.
      { spec: counting([acquire('a'), acquire('b'), { ...addN, into: 'v' }, release('b'), release('a')], [], { a: { type: 'mutex' }, b: { type: 'mutex' } }), times: 9 },
      // Another step between acquire and release: the lock is entered in the table, the add takes its lock.
      { spec: counting([acquire('m'), { op: 'let', name: 'x', value: 1 }, addN, release('m')]), times: 3 },
      // A lock left held at the end of the loop stays in the table for the deadlock watch.
      { spec: counting([acquire('m'), addN]), times: 1 },
      // Names that look like code are values bound to the loop, never part of its source.
      {
        spec: counting([acquire('m"); import os; ("'), { op: 'add', var: 'n\nraise SystemExit', delta: 2 }, release('m"); import os; ("')], [], { 'm"); import os; ("': { type: 'mutex' } }, { 'n\nraise SystemExit': { scope: 'shared', initial: 0 } }),
        times: 4,
      },
    ];
    const [bench, unlocked, foreignRelease, condition, nested, between, leftHeld, odd] = plans(cases);
    expect(bench).toEqual({ shape: ['acquire_bare', 'add_held', 'release_bare'], final: { n: 7 }, locals: {}, owners: {}, depth: {} });
    expect(unlocked!.shape).toEqual(['acquire_bare', 'add', 'release_bare']);
    expect(foreignRelease!.shape).toEqual(['acquire_bare', 'add', 'release_bare']);
    expect(condition!.shape).toEqual(['acquire_bare', 'add', 'release_bare']);
    expect(nested).toEqual({
      shape: ['acquire_mutex', 'acquire_bare', 'add_held_into', 'release_bare', 'release_mutex'],
      final: { n: 9 },
      locals: { v: 9 },
      owners: {},
      depth: {},
    });
    expect(between).toEqual({ shape: ['acquire_mutex', 'call', 'add', 'release_mutex'], final: { n: 3 }, locals: { x: 1 }, owners: {}, depth: {} });
    expect(leftHeld).toEqual({ shape: ['acquire_mutex', 'add'], final: { n: 1 }, locals: {}, owners: { m: 'w' }, depth: { m: 1 } });
    expect(odd).toEqual({ shape: ['acquire_bare', 'add_held', 'release_bare'], final: { 'n\nraise SystemExit': 8 }, locals: {}, owners: {}, depth: {} });
  });

  test("a thread actor's last lines, handed to the output to write soon, go out with nobody else writing, and before any later line", () => {
    const run = spawnSync(python!.path, [join(process.cwd(), 'test', 'cpython', 'fixtures', 'output_soon.py')], { env: pythonEnv(), encoding: 'utf8', timeout: 20_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stderr.trim().split('\n').pop()!) as { alone: string; waitedS: number; together: string };
    expect(report.alone).toBe('{"type":"done","actor":"a"}\n{"type":"ended","actor":"a"}\n');
    // The flusher waits 10 ms for more; far less than the heartbeat's second even on a loaded machine.
    expect(report.waitedS).toBeLessThan(0.9);
    expect(report.together).toBe('{"type":"ended","actor":"b"}\n{"type":"result"}\n');
  });

  test('a summary repeat ends with the same values, records and summary events as the same steps traced one by one, and as tasks awaiting them', async () => {
    const rounds = 300;
    const spec = (kind: 'thread' | 'task', trace: 'summary' | 'each'): AuthoredSpec => ({
      version: 1,
      shared: { n: { scope: 'shared', initial: 0 }, t: { scope: 'shared', initial: 0 }, k: { scope: 'shared', initial: 0 } },
      primitives: { m: { type: 'mutex' }, a: { type: 'mutex' }, b: { type: 'mutex' } },
      actors: [
        {
          name: 'worker',
          kind,
          count: 4,
          program: [
            { op: 'let', name: 'i', value: 0 },
            {
              op: 'repeat',
              times: rounds,
              trace,
              steps: [
                { op: 'acquire', prim: 'm' },
                { op: 'add', var: 'n', delta: 1, into: 'v' },
                { op: 'add', var: 't', delta: 2 },
                { op: 'release', prim: 'm' },
                { op: 'add', var: 'k', delta: 3 },
                { op: 'acquire', prim: 'a' },
                { op: 'acquire', prim: 'b' },
                { op: 'add', var: 'k', delta: 1 },
                { op: 'release', prim: 'b' },
                { op: 'release', prim: 'a' },
                { op: 'let', name: 'i', value: { add: [{ ref: 'i' }, 1] } },
                { op: 'if', cond: { compare: [{ mod: [{ ref: 'i' }, 100] }, '==', 0] }, then: [{ op: 'mark', name: 'hundred' }] },
              ],
            },
            { op: 'record', name: 'last', value: { ref: 'v' } },
            { op: 'record', name: 'rounds', value: { ref: 'i' } },
          ],
        },
      ],
    });
    const ops = (events: Parameters<typeof select>[0], actor: string) => select(events, { actor }).map((e) => `${e.op}:${e.ph}`);
    const fused = await runSpec(spec('thread', 'summary'), { runtime: 'cpython' });
    const each = await runSpec(spec('thread', 'each'), { runtime: 'cpython' });
    const tasks = await runSpec(spec('task', 'summary'), { runtime: 'cpython' });
    const summaryOps = ['actor:B', 'let:I', 'repeat:B', 'mark:I', 'mark:I', 'mark:I', 'repeat:E', 'record:I', 'record:I', 'actor:E'];
    for (const ran of [fused, each, tasks]) {
      expect(ran.trial.status).toBe('ok');
      expect(ran.trial.finalShared).toEqual({ n: 4 * rounds, t: 8 * rounds, k: 16 * rounds });
      expect(ran.trial.records['rounds']).toEqual([rounds, rounds, rounds, rounds]);
      // Each worker's last add under m gave it a distinct value; the last of all is the total.
      const last = (ran.trial.records['last'] ?? []) as number[];
      expect(new Set(last).size).toBe(4);
      expect(Math.max(...last)).toBe(4 * rounds);
      for (const actor of ran.trial.actors) expect(actor.eventsReceived).toBe(actor.eventsEmitted);
    }
    for (const ran of [fused, tasks]) {
      for (const index of [0, 1, 2, 3]) expect(ops(ran.events, `worker-${index}`)).toEqual(summaryOps);
      expect(ran.trial.actors.map((a) => a.eventsEmitted)).toEqual([summaryOps.length, summaryOps.length, summaryOps.length, summaryOps.length]);
    }
    // Traced one by one, every step of every round is there.
    expect(select(each.events, { op: 'add' })).toHaveLength(4 * rounds * 4);
    expect(select(each.events, { op: 'acquire', ph: 'E' })).toHaveLength(4 * rounds * 3);
    expect(select(each.events, { op: 'mark' })).toHaveLength(4 * 3);
  }, 120_000);

  test('a deadlock formed inside generated loops is found and named, whether the lock waited for is entered in the table or held only across an add', async () => {
    // Each worker takes its first lock, lets the other know, waits to hear back, then takes the second:
    // in the first round each holds what the other waits for. Both loops would run a million rounds.
    const body = (first: string, second: string, told: string, heard: string) =>
      [acquire(first), { op: 'set', prim: told } as const, { op: 'wait', prim: heard } as const, acquire(second), addN, release(second), release(first)];
    const spec: AuthoredSpec = {
      version: 1,
      shared: { n: { scope: 'shared', initial: 0 } },
      primitives: { a: { type: 'mutex' }, b: { type: 'mutex' }, aTaken: { type: 'event' }, bTaken: { type: 'event' } },
      actors: [
        { name: 'left', kind: 'thread', program: [{ op: 'repeat', times: 1_000_000, trace: 'summary', steps: body('a', 'b', 'aTaken', 'bTaken') }] },
        { name: 'right', kind: 'thread', program: [{ op: 'repeat', times: 1_000_000, trace: 'summary', steps: body('b', 'a', 'bTaken', 'aTaken') }] },
      ],
    };
    const { trial, events } = await runSpec(spec, { runtime: 'cpython' });
    expect(trial.status).toBe('deadlocked');
    const cycle = trial.deadlock!.cycle.map((edge) => `${edge.actor} waits for ${edge.waitsFor} held by ${edge.heldBy}`).sort();
    expect(cycle).toEqual(['left waits for b held by right', 'right waits for a held by left']);
    expect(trial.error).toMatch(/deadlock: .*left waits for b held by right/);
    expect(trial.error).toMatch(/right waits for a held by left/);
    expect(trial.finalShared['n']).toBe(0);
    for (const actor of ['left', 'right']) {
      expect(trial.actors.find((a) => a.name === actor)!.exit).toBe('deadlocked');
      // Stopped inside the loop: it never ended.
      expect(select(events, { actor, op: 'repeat', ph: 'E' })).toHaveLength(0);
    }
  }, 60_000);

  test('cancel ends a trial whose threads are busy in a generated loop, and kills its interpreter; the wall limit ends one too', async () => {
    const busy = (limits?: AuthoredSpec['limits']): AuthoredSpec => ({
      version: 1,
      ...(limits ? { limits } : {}),
      shared: { n: { scope: 'shared', initial: 0 } },
      primitives: { m: { type: 'mutex' } },
      actors: [
        // A sleep sends what each worker recorded so far: the test sees every one at work.
        { name: 'worker', kind: 'thread', count: 20, program: [{ op: 'sleep', ms: 1 }, { op: 'repeat', times: 1_000_000_000, trace: 'summary', steps: [acquire('m'), addN, release('m')] }] },
      ],
    });
    const runId = randomUUID();
    const marker = `CONLAB_RUN_ID=${runId}`;
    const controller = new AbortController();
    const tracing = new Set<string>();
    const running = runExperiment({
      spec: busy(),
      runtime: 'cpython',
      runId,
      signal: controller.signal,
      workRoot: mkdtempSync(join(tmpdir(), 'conlab-cpython-muted-')),
      onBatch: (batch) => tracing.add(batch.actor),
    });
    expect(await pollUntil(() => tracing.size === 20, 20_000), `tracing: ${[...tracing].join(', ')}`).toBe(true);
    const cancelledAt = performance.now();
    controller.abort();
    const gone = await pollUntil(() => markedProcesses(marker).length === 0, 5_000, 10);
    expect(gone).toBe(true);
    expect(performance.now() - cancelledAt).toBeLessThan(500);
    const { run } = await running;
    expect(run.status).toBe('cancelled');
    expect(new Set(run.trials[0]!.actors.map((a) => a.exit))).toEqual(new Set(['cancelled']));

    const limited = await runSpec(busy({ wallTimeMs: 1_500 }), { runtime: 'cpython' });
    expect(limited.trial.status).toBe('timed-out');
    expect(new Set(limited.trial.actors.map((a) => a.exit))).toEqual(new Set(['timed-out']));
  }, 60_000);
});
