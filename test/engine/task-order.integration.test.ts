import { expect, test } from 'vitest';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { runSpec, select } from './helpers/run-spec';

test('a spawned task starts on a later turn of the loop: the spawner goes on first', async () => {
  const spec = {
    version: 1,
    actors: [
      { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 't' }, { op: 'mark', name: 'main-after-spawn' }, { op: 'join', actor: 't' }] },
      { name: 't', kind: 'task', autostart: false, program: [{ op: 'mark', name: 'task-first' }] },
    ],
  } as AuthoredSpec;
  const { events } = await runSpec(spec);
  const main = select(events, { op: 'mark', name: 'main-after-spawn' })[0]!;
  const task = select(events, { op: 'mark', name: 'task-first' })[0]!;
  expect(main.t).toBeLessThan(task.t);
});

test('a claim whose "given" does not hold is inconclusive, with what the run lacked', async () => {
  const spec = {
    version: 1,
    actors: [{ name: 'main', kind: 'main', program: [{ op: 'let', name: 'c', value: { cpu: 'ms' } }, { op: 'record', name: 'cpu', value: { ref: 'c' } }, { op: 'record', name: 'x', value: 1 }] }],
    claims: [
      { id: 'undecidable', text: 'x is 1', given: { compare: [{ record: 'cpu' }, '<', { const: 0 }] }, check: { compare: [{ record: 'x' }, '==', { const: 1 }] } },
      { id: 'decidable', text: 'x is 1', given: { compare: [{ record: 'cpu' }, '>=', { const: 0 }] }, check: { compare: [{ record: 'x' }, '==', { const: 1 }] } },
    ],
  } as AuthoredSpec;
  const { run } = await runSpec(spec);
  expect(run.claims.map((c) => [c.id, c.status])).toEqual([
    ['undecidable', 'inconclusive'],
    ['decidable', 'holds'],
  ]);
  expect(run.claims[0]!.detail).toMatch(/^this run cannot decide it: cpu [\d.]+ is not < 0$/);
});
