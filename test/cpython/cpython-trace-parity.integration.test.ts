import { describe, expect, test } from 'vitest';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import type { TraceEvent } from '../../src-main/model/trace-event';
import { runSpec, select } from '../engine/helpers/run-spec';
import { python, skipReason } from './cpython-helpers';

/**
 * A deterministic program traces the same events on both runtimes: per actor, the same ops and phases in
 * the same order, with the same key data (names, values, outcomes) — only what a machine decides (ids,
 * clocks, how long a wait took) may differ. Covers the ops the basic parity test in
 * cpython-runtime.integration.test.ts leaves out: queues of each order, re-entrant and bounded primitives,
 * timeouts, non-blocking refusals, clearing events, terminating a task, counted actors, loops and branches.
 */


/** Data a machine decides: who ran where, when, and for how long. */
const VOLATILE = new Set(['pid', 'ppid', 'threadId', 'waitedMs', 'elapsedMs', 'tookMs']);

function key(event: TraceEvent): string {
  const data = Object.fromEntries(Object.entries(event.data ?? {}).filter(([k]) => !VOLATILE.has(k)).sort(([a], [b]) => a.localeCompare(b)));
  return `${event.op}:${event.ph}${Object.keys(data).length ? ` ${JSON.stringify(data)}` : ''}`;
}

const spec: AuthoredSpec = {
  version: 1,
  // Each counted thread adds to a slot of its own: the threads' order does not change what they see.
  shared: { slots: { scope: 'shared', initial: [0, 0] } },
  primitives: {
    rl: { type: 'rlock' },
    held: { type: 'mutex' },
    seats: { type: 'bounded-semaphore', value: 2 },
    flag: { type: 'event' },
    never: { type: 'event' },
  },
  queues: { fifo: { order: 'fifo' }, lifo: { order: 'lifo' }, prio: { order: 'priority' } },
  actors: [
    {
      name: 'main',
      kind: 'main',
      program: [
        { op: 'acquire', prim: 'held' },
        { op: 'spawn', actor: 'counted' },
        { op: 'join', actor: 'counted' },
        { op: 'release', prim: 'held' },
        { op: 'spawn', actor: 'sleeper' },
        { op: 'is_alive', actor: 'sleeper', into: 'alive' },
        { op: 'terminate', actor: 'sleeper' },
        { op: 'join', actor: 'sleeper' },
        { op: 'is_alive', actor: 'sleeper', into: 'after' },
        { op: 'record', name: 'alive', value: { ref: 'alive' } },
        { op: 'record', name: 'after', value: { ref: 'after' } },
        { op: 'join', queue: 'fifo' },
        // An array's name alone reads its first word, on both runtimes.
        { op: 'read', var: 'slots', into: 'slots' },
        { op: 'record', name: 'slots', value: { ref: 'slots' } },
      ],
    },
    {
      name: 'counted',
      kind: 'thread',
      count: 2,
      autostart: false,
      program: [
        { op: 'acquire', prim: 'rl' },
        { op: 'acquire', prim: 'rl' },
        { op: 'add', var: 'slots', index: { self: 'index' }, delta: { add: [{ self: 'index' }, 1] }, into: 'now' },
        { op: 'release', prim: 'rl' },
        { op: 'release', prim: 'rl' },
        { op: 'acquire', prim: 'held', timeoutMs: 20 },
        { op: 'acquire', prim: 'seats' },
        { op: 'release', prim: 'seats' },
        { op: 'wait', prim: 'never', timeoutMs: 20 },
      ],
    },
    {
      name: 'sleeper',
      kind: 'task',
      autostart: false,
      program: [{ op: 'mark', name: 'sleeping' }, { op: 'sleep', ms: 60_000 }, { op: 'mark', name: 'never-reached' }],
    },
    {
      name: 'queues',
      kind: 'thread',
      program: [
        { op: 'get', queue: 'lifo', blocking: false, into: 'none' },
        { op: 'repeat', times: 3, steps: [{ op: 'put', queue: 'lifo', value: { concat: ['item', { self: 'index' }] } }] },
        { op: 'put', queue: 'prio', value: 'low', priority: 5 },
        { op: 'put', queue: 'prio', value: 'high', priority: 1 },
        { op: 'put', queue: 'prio', value: 'mid', priority: 3 },
        { op: 'let', name: 'i', value: 0 },
        {
          op: 'repeat',
          times: 3,
          steps: [
            { op: 'get', queue: 'prio', into: 'p' },
            { op: 'record', name: 'prio', value: { ref: 'p' } },
            { op: 'put', queue: 'fifo', value: { add: [{ ref: 'i' }, 10] } },
            { op: 'let', name: 'i', value: { add: [{ ref: 'i' }, 1] } },
          ],
        },
        { op: 'set', prim: 'flag' },
        { op: 'clear', prim: 'flag' },
        { op: 'wait', prim: 'flag', timeoutMs: 10 },
      ],
    },
    {
      name: 'consumer',
      kind: 'task',
      program: [
        {
          op: 'repeat',
          times: 3,
          steps: [
            { op: 'get', queue: 'fifo', into: 'v' },
            {
              op: 'if',
              cond: { compare: [{ ref: 'v' }, '>=', 11] },
              then: [{ op: 'log', message: 'late {v}', values: { v: { ref: 'v' } } }],
              else: [{ op: 'section', name: 'first', steps: [{ op: 'compute', iterations: 500 }, { op: 'log', message: 'first {v}', values: { v: { ref: 'v' } } }] }],
            },
            { op: 'task_done', queue: 'fifo' },
          ],
        },
      ],
    },
  ],
};

describe.skipIf(!python)(`trace parity between Node and CPython${skipReason}`, () => {
  test('per actor, the same ops, phases and key data in the same order on both runtimes', async () => {
    const trace = async (runtime: 'node' | 'cpython'): Promise<Record<string, string[]>> => {
      const ran = await runSpec(spec, { runtime });
      expect(ran.trial.status, `${runtime}: ${ran.trial.error ?? ''}`).toBe('ok');
      const byActor: Record<string, string[]> = {};
      for (const actor of ran.trial.actors.map((a) => a.name)) byActor[actor] = select(ran.events, { actor }).map(key);
      return byActor;
    };
    const onNode = await trace('node');
    const onCpython = await trace('cpython');
    // What is compared carries the outcomes, not only the op names.
    expect(onNode['counted-0']).toContain('acquire:E {"ok":false,"prim":"held"}');
    expect(onNode['counted-1']).toContain('add:I {"delta":2,"index":1,"value":2,"var":"slots"}');
    expect(onNode['queues']).toContain('get:E {"ok":true,"queue":"prio","value":"high"}');
    expect(onNode['consumer']).toContain('log:I {"message":"late 12"}');
    // A task stopped by its starter before it ran gets to its first wait, and is stopped there.
    expect(onNode['sleeper']).toEqual(['actor:B {"kind":"task"}', 'mark:I {"name":"sleeping"}', 'sleep:B {"ms":60000}']);
    expect(onCpython).toEqual(onNode);
  });
});
