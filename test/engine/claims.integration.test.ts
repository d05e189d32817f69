// Claims and repeated trials through runExperiment: holds / fails / inconclusive with a reason,
// warm-ups not counted, statistics over the counted trials, and the sink told everything in order.
import { expect, test } from 'vitest';
import type { RunSink } from '../../src-main/engine/runner/experiment';
import type { RunProgress } from '../../src-main/model/run-model';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { runSpec } from './helpers/run-spec';

test('claims of every shape, judged on a real run', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    shared: { counter: { scope: 'shared', initial: 0 } },
    primitives: { m: { type: 'mutex' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [{ op: 'mark', name: 'first' }, { op: 'spawn', actor: 'w' }, { op: 'spawn', actor: 'p' }, { op: 'join', actor: 'w' }, { op: 'join', actor: 'p' }, { op: 'mark', name: 'second' }],
      },
      {
        name: 'w',
        kind: 'thread',
        count: 3,
        autostart: false,
        program: [
          { op: 'acquire', prim: 'm' },
          { op: 'section', name: 'critical', steps: [{ op: 'add', var: 'counter', delta: 1 }] },
          { op: 'release', prim: 'm' },
          { op: 'record', name: 'answer', value: { add: [{ self: 'index' }, 1] } },
        ],
      },
      { name: 'p', kind: 'process', autostart: false, program: [{ op: 'record', name: 'pid', value: { self: 'pid' } }] },
    ],
    claims: [
      { id: 'many-cores', text: 'needs a big machine', requires: { minCores: 9999 }, check: { compare: [{ const: 1 }, '==', { const: 1 }] } },
      { id: 'records-sum', text: 'the workers record 1, 2 and 3', check: { all: [{ compare: [{ record: 'answer', agg: 'sum' }, '==', { const: 6 }] }, { compare: [{ record: 'answer', agg: 'count' }, '==', { const: 3 }] }] } },
      { id: 'counter-large', text: { en: 'the counter passes 100', zh: '计数超过 100' }, check: { compare: [{ shared: 'counter' }, '>', { const: 100 }] } },
      { id: 'exclusive', text: 'one at a time', check: { compare: [{ metric: 'section.critical.max' }, '==', { const: 1 }] } },
      { id: 'unmeasured', text: 'a metric nobody measures', check: { compare: [{ metric: 'no.such.metric' }, '>', { const: 0 }] } },
      { id: 'order', text: 'first before second', check: { before: [{ event: { op: 'mark', name: 'first' }, pick: 'first' }, { event: { op: 'mark', name: 'second' }, pick: 'first' }] } },
      { id: 'own-pid', text: 'a process has its own pid', check: { all: [{ compare: [{ actor: 'p', field: 'pid' }, '!=', { runner: 'pid' }] }, { compare: [{ record: 'pid', actor: 'p' }, '==', { actor: 'p', field: 'pid' }] }] } },
      { id: 'threads-share-pid', text: 'threads share the runner pid', check: { all: [{ compare: [{ actors: 'w', field: 'pid', agg: 'distinct' }, '==', { const: 1 }] }, { compare: [{ actors: 'w', field: 'pid', agg: 'first' }, '==', { runner: 'pid' }] }, { compare: [{ actors: 'w', field: 'threadId', agg: 'distinct' }, '==', { const: 3 }] }] } },
      { id: 'scaled', text: 'counter is at most twice the workers plus one', check: { compare: [{ shared: 'counter' }, '<=', { actors: 'w', field: 'pid', agg: 'count' }], factor: 2, plus: 1 } },
      { id: 'not-any', text: 'the status is ok, not failed', check: { all: [{ compare: [{ status: true }, '==', { const: 'ok' }] }, { not: { any: [{ compare: [{ status: true }, '==', { const: 'failed' }] }, { compare: [{ status: true }, '==', { const: 'deadlocked' }] }] } }] } },
      { id: 'events-counted', text: 'three workers released the lock', check: { compare: [{ event: { op: 'release', name: 'm', actor: 'w' }, pick: 'count' }, '==', { const: 3 }] } },
    ],
  };
  const { run } = await runSpec(spec);
  expect(run.status).toBe('ok');
  const claim = (id: string) => {
    const found = run.claims.find((c) => c.id === id);
    if (!found) throw new Error(`no claim ${id}`);
    return found;
  };
  expect(run.claims).toHaveLength(11);
  expect(claim('many-cores')).toMatchObject({ status: 'inconclusive', detail: expect.stringMatching(/^needs at least 9999 CPU cores; this machine has \d+$/) });
  expect(claim('records-sum').status).toBe('holds');
  expect(claim('counter-large')).toMatchObject({ status: 'fails', detail: 'final counter 3 is not > 100', text: { en: 'the counter passes 100', zh: '计数超过 100' } });
  expect(claim('exclusive').status).toBe('holds');
  expect(claim('unmeasured')).toMatchObject({ status: 'inconclusive', detail: 'metric no.such.metric was not measured' });
  expect(claim('order').status).toBe('holds');
  expect(claim('order').detail).toMatch(/^first mark first at [\d.]+ ms comes before first mark second at [\d.]+ ms$/);
  expect(claim('own-pid').status).toBe('holds');
  expect(claim('threads-share-pid').status).toBe('holds');
  expect(claim('scaled')).toMatchObject({ status: 'holds', detail: 'final counter 3 ≤ 2 × pid of w (count) 3 + 1 = 7' });
  expect(claim('not-any').status).toBe('holds');
  expect(claim('events-counted').status).toBe('holds');
});

test('repeat 3 with 1 warm-up: 4 trials, 3 counted, statistics with n = 3, claims judged on every counted trial, the sink told in order', async () => {
  const calls: string[] = [];
  const sink: RunSink = {
    beginRun: (meta) => void calls.push(`begin ${meta.repeat}/${meta.warmup}`),
    appendBatches: () => {
      if (calls[calls.length - 1] !== 'batches') calls.push('batches');
    },
    saveTrial: (_runId, trial) => void calls.push(`trial ${trial.index}${trial.warmup ? ' warmup' : ''} ${trial.status}`),
    finishRun: (_runId, fields) => void calls.push(`finish ${fields.status} ${fields.eventCount > 0}`),
    flush: async () => void calls.push('flush'),
  };
  const progress: RunProgress[] = [];
  const spec: AuthoredSpec = {
    version: 1,
    actors: [{ name: 'w', kind: 'thread', count: 2, program: [{ op: 'compute', iterations: 10_000 }, { op: 'record', name: 'index', value: { self: 'index' } }] }],
    claims: [{ id: 'both-record', text: 'both workers record', check: { compare: [{ record: 'index', agg: 'sum' }, '==', { const: 1 }] } }],
  };
  const { run } = await runSpec(spec, { repeat: 3, warmup: 1, sink, onProgress: (p) => progress.push(p) });
  expect(run.status).toBe('ok');
  expect(run.trials.map((t) => [t.index, t.warmup])).toEqual([
    [0, true],
    [1, false],
    [2, false],
    [3, false],
  ]);
  const wall = run.stats.find((s) => s.name === 'wallMs');
  expect(wall?.n).toBe(3);
  expect(wall!.min).toBeLessThanOrEqual(wall!.median);
  expect(wall!.median).toBeLessThanOrEqual(wall!.max);
  expect(wall!.ci95[0]).toBeLessThanOrEqual(wall!.mean);
  expect(wall!.ci95[1]).toBeGreaterThanOrEqual(wall!.mean);
  expect(run.stats.every((s) => s.n === 3)).toBe(true);
  expect(run.claims).toMatchObject([{ id: 'both-record', text: { en: 'both workers record', zh: 'both workers record' }, status: 'holds', detail: 'trial 3: index (sum) 1 = 1' }]);
  // Every counted trial's evidence is kept, in order, each with the values its comparison read.
  expect(run.claims[0]!.trials?.map((t) => [t.trial, t.status, t.detail])).toEqual([
    [1, 'holds', 'index (sum) 1 = 1'],
    [2, 'holds', 'index (sum) 1 = 1'],
    [3, 'holds', 'index (sum) 1 = 1'],
  ]);
  expect(run.claims[0]!.trials![0]!.comparisons).toEqual([{ left: { label: 'index (sum)', value: 1 }, op: '==', right: { label: '1', value: 1, constant: true }, holds: true }]);

  expect(calls).toEqual(['begin 3/1', 'batches', 'trial 0 warmup ok', 'batches', 'trial 1 ok', 'batches', 'trial 2 ok', 'batches', 'trial 3 ok', 'finish ok true', 'flush']);
  expect(progress.map((p) => `${p.phase} ${p.trial}/${p.trials}${p.warmup ? ' warmup' : ''}`)).toEqual([
    'started 1/4 warmup',
    'trial-done 1/4 warmup',
    'started 2/4',
    'trial-done 2/4',
    'started 3/4',
    'trial-done 3/4',
    'started 4/4',
    'trial-done 4/4',
    'finished 4/4',
  ]);
  // Each trial-done report carries the finished trial's summary: its own record, and the claims' verdicts on a counted trial.
  const finished = progress.flatMap((p) => (p.finished ? [p.finished] : []));
  expect(finished.map((f) => [f.index, f.warmup, f.status, f.eventCount === run.trials[f.index]!.eventCount, f.wallMs === run.trials[f.index]!.wallMs])).toEqual([
    [0, true, 'ok', true, true],
    [1, false, 'ok', true, true],
    [2, false, 'ok', true, true],
    [3, false, 'ok', true, true],
  ]);
  expect(finished.map((f) => f.claims)).toEqual([[], ...Array.from({ length: 3 }, () => [{ id: 'both-record', status: 'holds' }])]);
  expect(finished[1]!.records).toEqual([{ name: 'index', count: 2, last: expect.stringMatching(/^[01]$/) as unknown as string }]);
  expect(progress.filter((p) => p.phase !== 'trial-done').every((p) => p.finished === undefined)).toBe(true);
});

test('a claim about a deadlock is judged on a deadlocked run when it says so; otherwise it is inconclusive', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    limits: { wallTimeMs: 15_000 },
    primitives: { a: { type: 'mutex' }, b: { type: 'mutex' }, both: { type: 'barrier', parties: 2 } },
    actors: [
      { name: 'X', kind: 'thread', program: [{ op: 'acquire', prim: 'a' }, { op: 'wait', prim: 'both' }, { op: 'acquire', prim: 'b' }] },
      { name: 'Y', kind: 'thread', program: [{ op: 'acquire', prim: 'b' }, { op: 'wait', prim: 'both' }, { op: 'acquire', prim: 'a' }] },
    ],
    claims: [
      { id: 'deadlocks', text: 'the run deadlocks', statuses: ['deadlocked'], check: { compare: [{ status: true }, '==', { const: 'deadlocked' }] } },
      { id: 'plain', text: 'judged only on ok runs', check: { compare: [{ const: 1 }, '==', { const: 1 }] } },
    ],
  };
  const { run } = await runSpec(spec);
  expect(run.status).toBe('deadlocked');
  expect(run.claims.map((c) => [c.id, c.status])).toEqual([
    ['deadlocks', 'holds'],
    ['plain', 'inconclusive'],
  ]);
  expect(run.claims[1]!.detail).toMatch(/^the trial ended deadlocked \(deadlock: .*\), so the claim cannot be judged$/);
});

test('over several trials, a failing claim names the trial it failed in', async () => {
  const spec: AuthoredSpec = {
    version: 1,
    actors: [{ name: 'k', kind: 'task', program: [{ op: 'record', name: 'seen', value: 1 }] }],
    claims: [
      { id: 'never', text: 'records 2', check: { compare: [{ record: 'seen' }, '==', { const: 2 }] } },
      { id: 'always', text: 'records 1', check: { compare: [{ record: 'seen' }, '==', { const: 1 }] } },
    ],
  };
  const { run } = await runSpec(spec, { repeat: 2 });
  expect(run.claims[0]).toMatchObject({ status: 'fails', detail: 'trial 0: seen 1 is not = 2' });
  expect(run.claims[1]).toMatchObject({ status: 'holds', detail: 'trial 1: seen 1 = 1' });
});
