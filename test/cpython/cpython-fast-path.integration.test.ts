import { describe, expect, test } from 'vitest';
import { python, skipReason } from './cpython-helpers';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { runSpec, select } from '../engine/helpers/run-spec';

/**
 * Thread and process actors on CPython run their steps as compiled callables, record trace events
 * without a lock, and enter the locks they take in the wait-for graph without the table's lock. These
 * cases hold them to what the step handlers do: the same events, values, failures and counts.
 */


describe.skipIf(!python)(`compiled steps on CPython${skipReason}`, () => {
  test('threads through one mutex: every add is traced with its value, none is lost; a timed acquire of a held lock gives false into a local an if reads', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      shared: { n: { scope: 'shared', initial: 0 } },
      primitives: { m: { type: 'mutex' }, h: { type: 'mutex' }, held: { type: 'event' }, probed: { type: 'event' } },
      actors: [
        {
          name: 'worker',
          kind: 'thread',
          count: 4,
          program: [
            { op: 'repeat', times: 50, trace: 'each', steps: [{ op: 'acquire', prim: 'm' }, { op: 'add', var: 'n', delta: 1, into: 'v' }, { op: 'release', prim: 'm' }] },
            { op: 'record', name: 'last', value: { ref: 'v' } },
          ],
        },
        {
          name: 'holder',
          kind: 'thread',
          program: [{ op: 'acquire', prim: 'h' }, { op: 'set', prim: 'held' }, { op: 'wait', prim: 'probed' }, { op: 'release', prim: 'h' }],
        },
        {
          name: 'prober',
          kind: 'thread',
          program: [
            { op: 'wait', prim: 'held' },
            { op: 'acquire', prim: 'h', timeoutMs: 50, into: 'got' },
            { op: 'set', prim: 'probed' },
            { op: 'if', cond: { compare: [{ ref: 'got' }, '==', false] }, then: [{ op: 'record', name: 'probe', value: 'refused' }], else: [{ op: 'record', name: 'probe', value: 'taken' }] },
          ],
        },
      ],
    };
    const { trial, events } = await runSpec(spec, { runtime: 'cpython' });
    expect(trial.status).toBe('ok');
    expect(trial.finalShared['n']).toBe(200);
    const adds = select(events, { op: 'add' }).map((e) => e.data?.['value'] as number);
    expect(adds.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const acquires = select(events, { op: 'acquire', ph: 'E' }).filter((e) => e.actor.startsWith('worker'));
    expect(acquires).toHaveLength(200);
    expect(acquires.every((e) => e.data?.['ok'] === true && e.data['prim'] === 'm')).toBe(true);
    expect(select(events, { op: 'release' }).filter((e) => e.actor.startsWith('worker'))).toHaveLength(200);
    expect((trial.records['last'] ?? []).length).toBe(4);
    expect(trial.records['probe']).toEqual(['refused']);
    expect(select(events, { actor: 'prober', op: 'acquire', ph: 'E' }).map((e) => e.data)).toEqual([{ prim: 'h', ok: false }]);
    expect(select(events, { actor: 'prober', op: 'if' }).map((e) => e.data)).toEqual([{ taken: true }]);
    for (const actor of trial.actors) expect(actor.eventsReceived).toBe(actor.eventsEmitted);
  }, 60_000);

  test('a thread that releases a mutex nobody holds fails with the message naming it; a summary repeat records only its ends', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      shared: { n: { scope: 'shared', initial: 0 } },
      primitives: { m: { type: 'mutex' } },
      actors: [
        {
          name: 'worker',
          kind: 'thread',
          program: [
            { op: 'repeat', times: 20, trace: 'summary', steps: [{ op: 'acquire', prim: 'm' }, { op: 'add', var: 'n', delta: 2 }, { op: 'release', prim: 'm' }] },
            { op: 'release', prim: 'm' },
          ],
        },
      ],
    };
    const { trial, events } = await runSpec(spec, { runtime: 'cpython' });
    expect(trial.status).toBe('failed');
    expect(trial.error).toMatch(/worker failed: cannot release m/);
    expect(trial.finalShared['n']).toBe(40);
    expect(select(events, { actor: 'worker' }).map((e) => `${e.op}:${e.ph}`)).toEqual(['actor:B', 'repeat:B', 'repeat:E', 'actor:E']);
  }, 60_000);

  test('daemon threads stopped while they record as fast as they can: each sent exactly what it says it emitted, numbered without gaps', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      actors: [
        { name: 'main', kind: 'main', program: [{ op: 'sleep', ms: 150 }] },
        { name: 'chatty', kind: 'thread', count: 3, daemon: true, program: [{ op: 'repeat', times: 10_000_000, trace: 'each', steps: [{ op: 'mark', name: 'tick' }] }] },
      ],
    };
    const { trial, events } = await runSpec(spec, { runtime: 'cpython' });
    expect(trial.status).toBe('ok');
    for (const index of [0, 1, 2]) {
      const name = `chatty-${index}`;
      const actor = trial.actors.find((a) => a.name === name)!;
      expect(actor.exit).toBe('daemon-stopped');
      const seqs = select(events, { actor: name }).map((e) => e.seq).sort((a, b) => a - b);
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
      expect(actor.eventsReceived).toBe(seqs.length);
      expect(actor.eventsEmitted).toBe(seqs.length);
    }
  }, 60_000);
});
