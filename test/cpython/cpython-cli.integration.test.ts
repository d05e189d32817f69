import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { python, skipReason } from './cpython-helpers';

/** `conlab runtimes` and `conlab run --runtime cpython`, as a person types them. */

const execute = promisify(execFile);
const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');

async function conlab(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'conlab-cpython-cli-'));
  try {
    const { stdout, stderr } = await execute(process.execPath, [bin, '--db', join(dir, 'history.db'), ...args], { cwd: dir, env: { ...process.env, LANG: 'en_US.UTF-8', ...env }, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('with no CPython to be found, run --runtime cpython is refused in one line (exit 1) and runtimes says how to set one', async () => {
  const emptyPath = mkdtempSync(join(tmpdir(), 'conlab-emptypath-'));
  const env = { PATH: emptyPath, CONLAB_PYTHON: '', CONLAB_PYTHON_NOGIL: '' };
  const refused = await conlab(['run', 'race-counter', '--runtime', 'cpython'], env);
  expect(refused.code).toBe(1);
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  expect(refused.stderr).toContain('no CPython 3.9+ found: looked for python3 (not found), python (not found)');
  expect(refused.stderr).toContain('CONLAB_PYTHON');
  const listed = await conlab(['runtimes', '--json'], env);
  expect(listed.code).toBe(0);
  const rows = JSON.parse(listed.stdout) as { name: string; usable: boolean }[];
  expect(rows.map((r) => [r.name, r.usable])).toEqual([['node', true], ['cpython', false], ['cpython', false], ['cpython', false], ['cpython-nogil', false], ['cpython-nogil', false]]);
});

test('an unknown runtime is a usage error (exit 2)', async () => {
  const result = await conlab(['run', 'race-counter', '--runtime', 'jython']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('jython');
});

describe.skipIf(!python)(`the CLI on CPython${skipReason}`, () => {
  test('runtimes lists Node and the CPython found; run --json prints the runtime the run used', async () => {
    const listed = await conlab(['runtimes', '--json']);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as { name: string; usable: boolean; version: string }[];
    expect(rows[0]).toMatchObject({ name: 'node', usable: true });
    expect(rows.find((r) => r.name === 'cpython' && r.usable)?.version).toBe(python!.version);

    const ran = await conlab(['run', 'daemon-thread', '--runtime', 'cpython', '--json', '--set', 'daemonMs=2000', '--set', 'workerMs=100']);
    expect(ran.code).toBe(0);
    const run = JSON.parse(ran.stdout) as { status: string; runtime: { name: string; version: string; gil: boolean }; claims: { id: string; status: string }[] };
    expect(run.status).toBe('ok');
    expect(run.runtime).toMatchObject({ name: 'cpython', version: python!.version, gil: python!.gil });
    expect(Object.fromEntries(run.claims.map((c) => [c.id, c.status]))).toEqual({ 'worker-awaited': 'holds', 'daemon-cut-short': 'holds' });
  });
});
