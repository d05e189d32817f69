import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { nodeHosts } from '../../src-main/engine/actors/hosts';
import { Trial } from '../../src-main/engine/runner/trial';
import { validateSpec } from '../../src-main/engine/spec/validate';

test('smoke: thread, process, task share and isolate', async () => {
  const { spec, limits } = validateSpec({
    version: 1,
    shared: { n: { scope: 'shared', initial: 100 } },
    primitives: { m: { type: 'mutex' } },
    actors: [
      { name: 't', kind: 'thread', count: 2, program: [{ op: 'acquire', prim: 'm' }, { op: 'add', var: 'n', delta: 1 }, { op: 'release', prim: 'm' }] },
      { name: 'p', kind: 'process', program: [{ op: 'write', var: 'n', value: 0 }, { op: 'read', var: 'n', into: 'x' }, { op: 'record', name: 'child', value: { ref: 'x' } }, { op: 'acquire', prim: 'm' }, { op: 'release', prim: 'm' }] },
      { name: 'k', kind: 'task', program: [{ op: 'sleep', ms: 10 }, { op: 'add', var: 'n', delta: 1 }] },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'conlab-'));
  const out = await new Trial({ runId: 'r1', index: 0, warmup: false, spec, limits, workDir: dir, hosts: nodeHosts }).run();
  console.log(JSON.stringify(out.record, null, 1).slice(0, 3000));
  expect(out.record.status).toBe('ok');
  expect(out.record.finalShared['n']).toBe(103);
  expect(out.record.records['child']).toEqual([0]);
});
