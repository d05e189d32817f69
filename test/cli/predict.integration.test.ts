// `conlab run ID --predict question=value`: the answers are checked before anything runs (exit 2 when bad,
// nothing recorded), kept with the run, and printed beside what the run measured; the exit code stays the run's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cliIn } from './cli-helpers';

let dir = '';
const conlab = cliIn(() => dir, () => join(dir, 'history.db'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-predict-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RunJson {
  runId: string;
  status: string;
  claims: { status: string }[];
  trials: { warmup: boolean; records: Record<string, unknown[]> }[];
  predictions?: { question: string; given: string; measured: number | string | null; rightChoice: string | null; right: boolean | null }[];
}

describe('conlab run --predict', () => {
  test('bad answers are refused before anything runs, with exit 2 and the place named', async () => {
    const unknown = await conlab('run', 'race-counter', '--predict', 'nope=1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/predictions\[0\]\.question: no question "nope" \(expected one of lost-unlocked, lost-locked, lock-or-serial\)/);
    const notAChoice = await conlab('run', 'race-counter', '--predict', 'lock-or-serial=both');
    expect(notAChoice.code).toBe(2);
    expect(notAChoice.stderr).toMatch(/"both" is not one of its choices \(lock, serial\)/);
    const noValue = await conlab('run', 'race-counter', '--predict', 'lost-unlocked');
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toMatch(/--predict takes question=value/);
    const pair = await conlab('run', 'race-counter', '--runtime', 'both', '--predict', 'lost-unlocked=1');
    expect(pair.code).toBe(2);
    const history = await conlab('history', '--json');
    expect(JSON.parse(history.stdout)).toEqual([]);
  });

  test('answers are kept with the run and checked against its own records', async () => {
    const result = await conlab('run', 'race-counter', '--set', 'threads=4', '--predict', 'lost-unlocked=2', '--predict', 'lock-or-serial=serial', '--json');
    const run = JSON.parse(result.stdout) as RunJson;
    // The exit code is the run's: 0 when every claim holds, 1 otherwise.
    expect(result.code).toBe(run.claims.every((c) => c.status === 'holds') ? 0 : 1);
    const lost = run.trials.find((t) => !t.warmup)!.records['unlockedFinal']!.at(-1) as number;
    expect(run.predictions!.map((p) => p.question)).toEqual(['lost-unlocked', 'lock-or-serial']);
    expect(run.predictions![0]).toMatchObject({ given: '2', measured: lost, right: Math.abs(lost - 2) <= 4 });
    const serialRight = run.predictions![1]!.rightChoice === 'serial';
    expect(run.predictions![1]!.right).toBe(serialRight);

    const shown = await conlab('show-run', run.runId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Your predictions:');
    expect(shown.stdout).toContain(`you said: 2; measured: ${lost}`);
    const stored = JSON.parse((await conlab('show-run', run.runId, '--json')).stdout) as { predictions: { question: string; value: string }[] };
    expect(stored.predictions.map((p) => [p.question, p.value]).sort()).toEqual([['lock-or-serial', 'serial'], ['lost-unlocked', '2']]);
  });
});
