// Thread and process actors run steps that complete at once back to back (the interpreter's fast
// path); tasks await every step. The same program must leave the same trace either way, whether its
// steps complete at once, wait for the runner, or fail half-way.
import { expect, test } from 'vitest';
import type { AuthoredSpec, Step } from '../../src-main/model/spec-schema';
import type { TraceEvent } from '../../src-main/model/trace-event';
import { actorRecord, outcome, runSpec, select } from './helpers/run-spec';

/** Immediate steps, shared words and an in-process lock, nested control flow, and steps that wait (sleep, queue, managed state). */
const mixed: Step[] = [
  { op: 'let', name: 'n', value: 0 },
  {
    op: 'repeat',
    times: 3,
    steps: [
      { op: 'acquire', prim: 'lock' },
      { op: 'add', var: 'words', delta: 1, into: 'after' },
      { op: 'release', prim: 'lock' },
      { op: 'if', cond: { compare: [{ ref: 'after' }, '>', 0] }, then: [{ op: 'add', var: 'managed', delta: 1 }], else: [{ op: 'fail', message: 'never' }] },
      { op: 'section', name: 'inside', steps: [{ op: 'put', queue: 'q', value: { ref: 'after' } }, { op: 'get', queue: 'q', into: 'back' }, { op: 'sleep', ms: 1 }] },
      { op: 'record', name: 'back', value: { ref: 'back' } },
    ],
  },
  // A summary repeat: muted inside, one begin and one end.
  { op: 'repeat', times: 20_000, steps: [{ op: 'read', var: 'words', into: 'seen' }] },
  { op: 'wait', prim: 'done', timeoutMs: 1 },
  { op: 'set', prim: 'done' },
  { op: 'wait', prim: 'done' },
  { op: 'log', message: 'seen {s}', values: { s: { ref: 'seen' } } },
];

function specFor(kind: 'thread' | 'task' | 'process', program: Step[]): AuthoredSpec {
  return {
    version: 1,
    shared: { words: { scope: 'shared', initial: 0 }, managed: { scope: 'managed', initial: 0 } },
    primitives: { lock: { type: 'mutex', reach: kind === 'process' ? 'cross-process' : 'in-process' }, done: { type: 'event' } },
    queues: { q: { order: 'fifo' } },
    actors: [{ name: 'a', kind, program }],
  };
}

/** The trace without times and identity: what each step said, in order. */
function shape(events: readonly TraceEvent[]): string[] {
  return select(events, { actor: 'a' })
    .filter((event) => event.op !== 'actor')
    .map((event) => `${event.op} ${event.ph} ${JSON.stringify(event.data ?? {})}`);
}

test('a thread, a process and a task leave the same trace for the same program', async () => {
  const shapes: Record<string, string[]> = {};
  for (const kind of ['task', 'thread', 'process'] as const) {
    const { trial, events } = await runSpec(specFor(kind, mixed));
    expect(outcome(trial), kind).toBe('ok');
    expect(trial.finalShared['managed'], kind).toBe(3);
    shapes[kind] = shape(events);
  }
  expect(shapes['task']!.length).toBeGreaterThan(40);
  expect(shapes['thread']).toEqual(shapes['task']);
  expect(shapes['process']).toEqual(shapes['task']);
  expect(shapes['task']!.filter((line) => line.startsWith('repeat '))).toEqual([
    'repeat B {"times":3,"trace":"each"}',
    'repeat E {"times":3}',
    'repeat B {"times":20000,"trace":"summary"}',
    'repeat E {"times":20000}',
  ]);
  expect(shapes['task']!.at(-1)).toBe('log I {"message":"seen 3"}');
});

test('a failure inside a section on the fast path still ends the section, unmutes the trace, and fails the actor', async () => {
  const failing: Step[] = [
    { op: 'repeat', times: 20_000, steps: [{ op: 'section', name: 's', steps: [{ op: 'add', var: 'words', delta: 1, into: 'v' }, { op: 'if', cond: { compare: [{ ref: 'v' }, '==', 5] }, then: [{ op: 'fail', message: 'stop at five' }] }] }] },
  ];
  for (const kind of ['thread', 'task'] as const) {
    const { trial, events } = await runSpec(specFor(kind, failing));
    expect(trial.status, kind).toBe('failed');
    expect(actorRecord(trial, 'a').error, kind).toContain('stop at five');
    expect(trial.finalShared['words'], kind).toBe(5);
    // Sections always trace, even in a muted repeat: five begin, five end, the last one after the failure.
    expect(select(events, { actor: 'a', op: 'section', ph: 'B' }), kind).toHaveLength(5);
    expect(select(events, { actor: 'a', op: 'section', ph: 'E' }), kind).toHaveLength(5);
    // The actor's own end event is traced after the muted repeat: the trace was unmuted.
    expect(select(events, { actor: 'a', op: 'actor', ph: 'E' })[0]?.data, kind).toMatchObject({ ok: false });
  }
});

test('a long repeat whose steps wait for the runner runs to its count on a process actor', async () => {
  const program: Step[] = [{ op: 'repeat', times: 2_000, steps: [{ op: 'add', var: 'managed', delta: 1 }, { op: 'add', var: 'words', delta: 1 }] }];
  const { trial } = await runSpec(specFor('process', program));
  expect(outcome(trial)).toBe('ok');
  expect(trial.finalShared['managed']).toBe(2_000);
});

test('a summary repeat of lock steps counts what it did not record the same way on every kind, a nested repeat and a forced record included', async () => {
  // Threads and processes compile a summary repeat's lock and add steps to count their events instead of emitting
  // them; tasks emit them into the muted trace. Both must leave the same trace: one span, its end stating the counts.
  const program: Step[] = [
    {
      op: 'repeat',
      times: 40,
      trace: 'summary',
      steps: [
        { op: 'acquire', prim: 'lock', into: 'got' },
        { op: 'add', var: 'words', delta: 2, into: 'now' },
        { op: 'release', prim: 'lock' },
        { op: 'repeat', times: 2, steps: [{ op: 'acquire', prim: 'lock' }, { op: 'release', prim: 'lock' }] },
        { op: 'if', cond: { compare: [{ ref: 'now' }, '==', 40] }, then: [{ op: 'record', name: 'at-twenty', value: { ref: 'got' } }] },
      ],
    },
    { op: 'acquire', prim: 'lock' },
    { op: 'release', prim: 'lock' },
  ];
  const shapes: Record<string, string[]> = {};
  for (const kind of ['task', 'thread', 'process'] as const) {
    const { trial, events } = await runSpec(specFor(kind, program));
    expect(outcome(trial), kind).toBe('ok');
    // (A process actor's shared words are its own process's: the record below shows its adds.)
    if (kind !== 'process') expect(trial.finalShared['words'], kind).toBe(80);
    shapes[kind] = shape(events);
  }
  expect(shapes['task']).toEqual([
    'repeat B {"times":40,"trace":"summary"}',
    'record I {"name":"at-twenty","value":true}',
    'repeat E {"times":40,"muted":{"acquire":240,"release":120}}',
    'acquire B {"prim":"lock"}',
    'acquire E {"prim":"lock","ok":true}',
    'release I {"prim":"lock"}',
  ]);
  expect(shapes['thread']).toEqual(shapes['task']);
  expect(shapes['process']).toEqual(shapes['task']);
});
