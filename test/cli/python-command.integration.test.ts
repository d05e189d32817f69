import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { discoverPython } from '../../src-main/engine/runtimes/python-discovery';
import { cliIn } from './cli-helpers';

/** `conlab show <lesson> --python` and `conlab python <spec.json>`, as a person types them. */

const dir = mkdtempSync(join(tmpdir(), 'conlab-python-cli-'));
const conlab = cliIn(
  () => dir,
  () => join(dir, 'history.db'),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = {
  version: 1,
  id: 'counter',
  params: { n: { type: 'integer', default: 3, min: 1, max: 100 } },
  shared: { total: { scope: 'shared', initial: 0 } },
  actors: [
    { name: 'main', kind: 'main', program: [{ op: 'join', actor: 'adder' }, { op: 'read', var: 'total', into: 't' }, { op: 'record', name: 'total', value: { ref: 't' } }] },
    { name: 'adder', kind: 'thread', count: { param: 'n' }, program: [{ op: 'add', var: 'total', delta: 2 }] },
  ],
};

test('show --python prints the lesson as a program with its CPython parameters, and needs no history', async () => {
  const shown = await conlab('show', 'gil', '--python');
  expect(shown.code).toBe(0);
  expect(shown.stdout.startsWith('#!/usr/bin/env python3\n')).toBe(true);
  expect(shown.stdout).toContain('CPU_ITERATIONS = 3_000_000');
  expect(shown.stdout).toContain('if __name__ == "__main__":');
  expect(existsSync(join(dir, 'history.db'))).toBe(false);
  const unknown = await conlab('show', 'no-such-lesson', '--python');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('no lesson named no-such-lesson');
});

test('python <spec.json> --set n=5 -o file writes a program that python3 runs as is', async () => {
  const file = join(dir, 'counter.json');
  writeFileSync(file, JSON.stringify(spec));
  const printed = await conlab('python', file);
  expect(printed.code).toBe(0);
  expect(printed.stdout).toContain('for i in range(3)]');
  const written = await conlab('python', file, '--set', 'n=5', '-o', join(dir, 'counter.py'));
  expect(written.code).toBe(0);
  expect(written.stdout).toContain('wrote');
  const program = readFileSync(join(dir, 'counter.py'), 'utf8');
  expect(program).toContain('N = 5');
  const python = discoverPython().found;
  if (!python) return; // the program's text is checked above; running it needs an interpreter
  const ran = spawnSync(python.path, [join(dir, 'counter.py')], { encoding: 'utf8', timeout: 30_000 });
  expect(ran.stderr).toBe('');
  expect(ran.status).toBe(0);
  expect(ran.stdout).toContain('record total = 10\n');
});

test('a bad spec exits 2 naming the field, a bad --set names the parameter, and an unreadable file says why', async () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...spec, actors: [{ name: 'main', kind: 'main', program: [{ op: 'acquire', prim: 'nowhere' }] }] }));
  const refused = await conlab('python', bad);
  expect(refused.code).toBe(2);
  expect(refused.stdout).toBe('');
  expect(refused.stderr).toContain('actors[0].program[0].prim');
  const badSet = await conlab('python', join(dir, 'counter.json'), '--set', 'n=1000');
  expect(badSet.code).toBe(2);
  expect(badSet.stderr).toContain('n');
  const notJson = join(dir, 'not.json');
  writeFileSync(notJson, '{"version": 1, "actors": [');
  const unreadable = await conlab('python', notJson);
  expect(unreadable.code).toBe(2);
  expect(unreadable.stderr.trim().split('\n')).toHaveLength(1);
  const missing = await conlab('python', join(dir, 'missing.json'));
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('cannot read');
});
