import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { python, skipReason } from './cpython-helpers';

/** `conlab run --runtime both` and `conlab check --runtime …`: the two runtimes side by side, as a person types them. */

const execute = promisify(execFile);
const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');

function conlabIn(dir: string) {
  return async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await execute(process.execPath, [bin, '--db', join(dir, 'history.db'), ...args], { cwd: dir, env: { ...process.env, LANG: 'en_US.UTF-8' }, maxBuffer: 64 * 2 ** 20 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
}

interface RunJson {
  runId: string;
  status: string;
  runtime: { name: string };
  claims: { id: string; status: string }[];
  records?: unknown;
}

const statuses = (run: RunJson): Record<string, string> => Object.fromEntries(run.claims.map((c) => [c.id, c.status]));

describe.skipIf(!python)(`both runtimes side by side${skipReason}`, () => {
  test('run --runtime both --json: the lesson runs on each runtime, each checks its own claims, and the two runs are linked as a pair', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-both-'));
    const conlab = conlabIn(dir);
    const ran = await conlab(['run', 'thread-start', '--runtime', 'both', '--json', '--set', 'workMs=0']);
    expect(ran.code, ran.stderr).toBe(0);
    const pair = JSON.parse(ran.stdout) as { pairId: string; runs: { node: RunJson; cpython: RunJson } };
    expect(pair.runs.node.runtime.name).toBe('node');
    expect(pair.runs.cpython.runtime.name).toBe('cpython');
    // Node's worker boots while main goes on; CPython's start() returns once the thread runs.
    expect(statuses(pair.runs.node)).toMatchObject({ 'main-goes-on-first': 'holds', 'thread-goes-first': 'inconclusive', 'same-process': 'holds' });
    expect(statuses(pair.runs.cpython)).toMatchObject({ 'main-goes-on-first': 'inconclusive', 'thread-goes-first': 'holds', 'same-process': 'holds' });

    const listed = await conlab(['history', '--tag', `pair:${pair.pairId}`, '--json']);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((r) => r.id).sort()).toEqual([pair.runs.node.runId, pair.runs.cpython.runId].sort());
    const shown = await conlab(['show-run', pair.runs.cpython.runId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`paired with run ${pair.runs.node.runId} on node (ok)`);
    const shownJson = JSON.parse((await conlab(['show-run', pair.runs.node.runId, '--json'])).stdout) as { pairedRuns: { id: string; runtime: string }[] };
    expect(shownJson.pairedRuns).toEqual([{ id: pair.runs.cpython.runId, runtime: 'cpython', status: 'ok' }]);
  });

  test('run --runtime both prints one table with a column per runtime; where the runtimes differ, the claims say so', async () => {
    const conlab = conlabIn(mkdtempSync(join(tmpdir(), 'conlab-both-')));
    const ran = await conlab(['run', 'daemon-process', '--runtime', 'both', '--set', 'daemonMs=300', '--set', 'workerMs=1000']);
    expect(ran.code, ran.stderr).toBe(0);
    const header = ran.stdout.split('\n').find((line) => line.includes('node') && line.includes('cpython'));
    expect(header, ran.stdout).toBeDefined();
    const row = (claim: string): string => ran.stdout.split('\n').find((line) => line.includes(` ${claim} `)) ?? '';
    // Node lets the short daemon finish; CPython's multiprocessing kills it when the main code ends.
    expect(row('short-daemon-finishes')).toMatch(/✓ holds.*\? inconclusive/);
    expect(row('daemon-killed-when-main-ends')).toMatch(/\? inconclusive.*✓ holds/);
    expect(row('worker-awaited')).toMatch(/✓ holds.*✓ holds/);
    expect(ran.stdout).toMatch(/both runs are tagged pair:[0-9a-f]{8}/);
  });

  test('a spec CPython cannot run yet: Node runs it, the CPython side says why it was refused, and that fails nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-both-'));
    const conlab = conlabIn(dir);
    const spec = {
      version: 1,
      // The helper says it started (a busy machine may take longer than any fixed sleep to start a thread),
      // after a short sleep: a sleep sends the events before it, so its mark is not lost when it is terminated.
      primitives: { started: { type: 'event' } },
      actors: [
        // A CPython thread cannot be killed: terminating one is refused there before anything starts.
        { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 'helper' }, { op: 'wait', prim: 'started' }, { op: 'terminate', actor: 'helper' }, { op: 'join', actor: 'helper' }] },
        { name: 'helper', kind: 'thread', autostart: false, program: [{ op: 'mark', name: 'ran' }, { op: 'sleep', ms: 1 }, { op: 'set', prim: 'started' }, { op: 'sleep', ms: 30_000 }] },
      ],
      claims: [{ id: 'helper-ran', text: 'the helper ran', check: { compare: [{ event: { op: 'mark', name: 'ran', actor: 'helper' }, pick: 'count' }, '==', { const: 1 }] } }],
    };
    writeFileSync(join(dir, 'terminate.json'), JSON.stringify(spec));
    const ran = await conlab(['run', './terminate.json', '--runtime', 'both', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    const pair = JSON.parse(ran.stdout) as { runs: { node: RunJson; cpython: { refused: string } } };
    expect(statuses(pair.runs.node)).toEqual({ 'helper-ran': 'holds' });
    expect(pair.runs.cpython.refused).toContain('actors[0].program[2].actor: terminating a thread is not supported on cpython');
    const text = await conlab(['run', './terminate.json', '--runtime', 'both']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('refused: actors[0].program[2].actor');
    expect(text.stdout).toContain('the run is tagged pair:');
  });

  test('check --runtime both: a column per runtime; every coroutines lesson runs on both, none refused', async () => {
    const conlab = conlabIn(mkdtempSync(join(tmpdir(), 'conlab-both-')));
    const checked = await conlab(['check', '--chapter', 'coroutines', '--runtime', 'both', '--json']);
    const rows = JSON.parse(checked.stdout) as { lesson: string; runtime: string; refused?: string; failed: number; failures: string[] }[];
    expect(new Set(rows.map((r) => r.runtime))).toEqual(new Set(['node', 'cpython']));
    const lessons = [...new Set(rows.map((r) => r.lesson))];
    expect(rows).toHaveLength(lessons.length * 2);
    // Every lesson runs on CPython now (its servers included): nothing is refused on either side.
    expect(rows.every((r) => r.refused === undefined)).toBe(true);
    expect(rows.find((r) => r.lesson === 'coroutine-echo-server' && r.runtime === 'cpython')).toMatchObject({ failed: 0 });
    // CPython ran what it supports (auto-switch-on-io among them) and its claims held there.
    expect(rows.find((r) => r.lesson === 'auto-switch-on-io' && r.runtime === 'cpython')).toMatchObject({ failed: 0 });
    expect(rows.find((r) => r.lesson === 'auto-switch-on-io' && r.runtime === 'cpython')?.refused).toBeUndefined();
    // The exit code comes from failed claims only: refusals never make it 1.
    expect(checked.code, JSON.stringify(rows.flatMap((r) => r.failures))).toBe(rows.some((r) => r.failed > 0) ? 1 : 0);
  });

  test('check --runtime cpython prints one column for CPython: the coroutines lessons, the echo server with 500 clients among them', async () => {
    const conlab = conlabIn(mkdtempSync(join(tmpdir(), 'conlab-both-')));
    const checked = await conlab(['check', '--chapter', 'coroutines', '--runtime', 'cpython']);
    const lines = checked.stdout.split('\n');
    expect(lines.some((line) => /lesson\s+│\s+cpython/.test(line)), checked.stdout).toBe(true);
    expect(lines.find((line) => line.includes('coroutine-echo-server'))).toMatch(/ok ✓3 ✗0/);
    expect(checked.stdout).not.toContain('refused');
  });
});
