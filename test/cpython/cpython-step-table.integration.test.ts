import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CPYTHON_STEPS } from '../../src-main/engine/runtimes/cpython-support';
import { python, skipReason } from './cpython-helpers';

/**
 * The Node side refuses, before anything starts, every op the CPython runtime has no handler for; the
 * two lists are kept in two languages, so this reads the Python step table and compares.
 */


describe.skipIf(!python)(`the CPython step table${skipReason}`, () => {
  test('has exactly one handler for each op the Node side lets through to CPython', () => {
    const printed = execFileSync(
      python!.path,
      ['-c', 'import json; from conlab_runtime.step_table import load; print(json.dumps(sorted(load())))'],
      { env: { ...process.env, PYTHONPATH: join(process.cwd(), 'resources', 'python') }, encoding: 'utf8', timeout: 20_000 },
    );
    const handlers = JSON.parse(printed) as string[];
    expect(handlers).toEqual([...CPYTHON_STEPS].sort());
  });
});
