import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { python, skipReason } from './cpython-helpers';

/**
 * Finding interpreters as a person meets it through the CLI: the free-threaded runtime (`cpython-nogil`),
 * the Windows launcher `py -3`, and the Python path saved in Settings. This machine has no free-threaded
 * build, so what is tested is discovery and refusal: an interpreter named like one that still has the GIL
 * is never used as the runtime without it.
 */

const execute = promisify(execFile);
const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');

interface Row {
  name: string;
  usable: boolean;
  version: string | null;
  path: string;
  gil: boolean | null;
  note: string;
}

async function conlab(args: string[], dbDir: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execute(process.execPath, [bin, '--db', join(dbDir, 'history.db'), ...args], {
      cwd: dbDir,
      env: { ...process.env, LANG: 'en_US.UTF-8', CONLAB_PYTHON: '', CONLAB_PYTHON_NOGIL: '', ...env },
      maxBuffer: 64 * 2 ** 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A folder holding one executable shell script (a stand-in interpreter), to be the whole PATH. */
function standIn(name: string, body: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'conlab-standin-'));
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return { dir, file };
}

test('with nothing found, run --runtime cpython-nogil is refused in one line naming what was looked for; runtimes says so', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'conlab-emptypath-'));
  const env = { PATH: empty, CONLAB_PYTHON_NOGIL: join(empty, 'missing', 'python3.13t') };
  const refused = await conlab(['run', 'race-counter', '--runtime', 'cpython-nogil'], empty, env);
  expect(refused.code).toBe(1);
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  expect(refused.stderr).toContain(
    `no CPython without the GIL found: looked for CONLAB_PYTHON_NOGIL=${env.CONLAB_PYTHON_NOGIL} (not found), python3.14t (not found), python3.13t (not found)`,
  );
  const listed = await conlab(['runtimes', '--json'], empty, env);
  expect(listed.code).toBe(0);
  const rows = JSON.parse(listed.stdout) as Row[];
  expect(rows.map((r) => [r.name, r.usable, r.path])).toEqual([
    ['node', true, process.execPath],
    ['cpython', false, 'python3'],
    ['cpython', false, 'python'],
    ['cpython', false, 'py -3'],
    ['cpython-nogil', false, env.CONLAB_PYTHON_NOGIL],
    ['cpython-nogil', false, 'python3.14t'],
    ['cpython-nogil', false, 'python3.13t'],
  ]);
  const table = await conlab(['runtimes'], empty, env);
  expect(table.stdout).toContain('no CPython without the GIL found (python3.14t, python3.13t)');
});

describe.skipIf(!python)(`interpreters found on CPython${skipReason}`, () => {
  test('a python3.13t that reports the GIL on is not the runtime without the GIL: refused with the reason, and listed as unusable', async () => {
    const fake = standIn('python3.13t', `exec "${python!.path}" "$@"`);
    const env = { PATH: fake.dir };
    const listed = await conlab(['runtimes', '--json'], fake.dir, env);
    const rows = (JSON.parse(listed.stdout) as Row[]).filter((r) => r.name === 'cpython-nogil');
    expect(rows.map((r) => [r.path, r.usable])).toEqual([
      ['python3.14t', false],
      ['python3.13t', false],
    ]);
    expect(rows[1]!.note).toBe(`on PATH: is Python ${python!.version} with the GIL on (sys._is_gil_enabled() is not false): not a free-threaded build`);

    const refused = await conlab(['run', 'race-counter', '--runtime', 'cpython-nogil'], fake.dir, env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`python3.13t (is Python ${python!.version} with the GIL on`);
    // Nothing ran: the history has no run.
    const history = await conlab(['history', '--json'], fake.dir, env);
    expect(JSON.parse(history.stdout)).toEqual([]);
  });

  test('py -3 is probed after python3 and python: a launcher on the PATH is given -3 and its interpreter runs the lesson', async () => {
    // The stand-in launcher refuses anything but `-3` first, as the real one would pick another version.
    const launcher = standIn('py', `[ "$1" = "-3" ] || { echo "py stand-in: expected -3, got $1" >&2; exit 9; }\nshift\necho "$@" >> "\${0%/*}/calls"\nexec "${python!.path}" "$@"`);
    const env = { PATH: launcher.dir };
    const listed = await conlab(['runtimes', '--json'], launcher.dir, env);
    const rows = (JSON.parse(listed.stdout) as Row[]).filter((r) => r.name === 'cpython');
    expect(rows.map((r) => [r.usable, r.note])).toEqual([
      [false, 'on PATH: not found'],
      [false, 'on PATH: not found'],
      [true, 'on PATH'],
    ]);
    expect(rows[2]).toMatchObject({ version: python!.version, path: python!.path });
    expect(readFileSync(join(launcher.dir, 'calls'), 'utf8')).toContain('-m conlab_runtime --info');

    const ran = await conlab(['run', 'daemon-thread', '--runtime', 'cpython', '--json', '--set', 'daemonMs=2000', '--set', 'workerMs=100'], launcher.dir, env);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const run = JSON.parse(ran.stdout) as { status: string; runtime: { name: string; version: string } };
    expect(run).toMatchObject({ status: 'ok', runtime: { name: 'cpython', version: python!.version } });
  });

  test("the settings' Python path is looked for after CONLAB_PYTHON and before the PATH, in runtimes and in a run", async () => {
    const chosen = standIn('my-python', `exec "${python!.path}" "$@"`);
    const empty = mkdtempSync(join(tmpdir(), 'conlab-emptypath-'));
    writeFileSync(join(chosen.dir, 'history.db.settings.json'), JSON.stringify({ pythonPath: chosen.file }));
    const env = { PATH: empty };
    const listed = await conlab(['runtimes', '--json'], chosen.dir, env);
    const rows = (JSON.parse(listed.stdout) as Row[]).filter((r) => r.name === 'cpython');
    expect(rows.map((r) => [r.usable, r.note])).toEqual([[true, "from the settings' Python path"]]);

    const ran = await conlab(['run', 'daemon-thread', '--runtime', 'cpython', '--json', '--set', 'daemonMs=2000', '--set', 'workerMs=100'], chosen.dir, env);
    expect(ran.code).toBe(0);
    expect((JSON.parse(ran.stdout) as { status: string }).status).toBe('ok');

    // CONLAB_PYTHON comes first: a missing one is reported, then the settings' path is used.
    const missing = join(empty, 'nope', 'python3');
    const first = await conlab(['runtimes', '--json'], chosen.dir, { ...env, CONLAB_PYTHON: missing });
    const order = (JSON.parse(first.stdout) as Row[]).filter((r) => r.name === 'cpython');
    expect(order.map((r) => [r.path, r.usable, r.note])).toEqual([
      [missing, false, 'from CONLAB_PYTHON: not found'],
      [python!.path, true, "from the settings' Python path"],
    ]);

    // A settings path that is not an interpreter is named in the refusal, with the PATH commands after it.
    writeFileSync(join(chosen.dir, 'history.db.settings.json'), JSON.stringify({ pythonPath: join(empty, 'gone') }));
    const refused = await conlab(['run', 'race-counter', '--runtime', 'cpython'], chosen.dir, env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`looked for the settings' Python path ${join(empty, 'gone')} (not found), python3 (not found), python (not found), py -3 (not found)`);
  });
});
