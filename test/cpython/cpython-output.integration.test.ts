import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { pythonEnv } from '../../src-main/engine/runtimes/python-discovery';
import { CpythonTrial } from '../../src-main/engine/runtimes/cpython-trial';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { runSpec } from '../engine/helpers/run-spec';
import { python, skipReason } from './cpython-helpers';

/**
 * The interpreter's processes share one stdout. A forked process actor stopped in the middle of a line
 * (SIGTERM landing while it writes, SIGKILL after its grace period) must leave the others able to write:
 * a turn held by a dead process, or a handler waiting for the line it interrupted, hung a trial forever.
 */

const fixture = join(__dirname, 'fixtures', 'output_under_kill.py');

function runCase(name: string): { status: number | null; lines: string[]; stderr: string } {
  const result = spawnSync(python!.path, [fixture, name], {
    cwd: mkdtempSync(join(tmpdir(), 'conlab-output-')),
    env: pythonEnv(),
    encoding: 'utf8',
    // A generous bound: the old lock never came back, so a hang shows as a killed script, not a stuck test.
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: result.status, lines: result.stdout.split('\n').filter((l) => l !== ''), stderr: result.stderr };
}

/** A case that ends cleanly (nothing on stderr, exit 0): its lines, parsed, with their types in order. */
function cleanCase(name: string): { parsed: Record<string, unknown>[]; types: unknown[] } {
  const { status, lines, stderr } = runCase(name);
  expect(stderr).toBe('');
  expect(status).toBe(0);
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { parsed, types: parsed.map((line) => line['type']) };
}

describe.skipIf(!python)(`CPython runtime output${skipReason}`, () => {
  test('the encoder built once per write gives the same text as one built per value, and fails the same way', () => {
    const result = spawnSync(python!.path, [join(__dirname, 'fixtures', 'line_encoder.py')], { env: pythonEnv(), encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { differ: number[]; differAfter: number[]; errors: [unknown, unknown][]; linesMatch: boolean };
    expect(report.differ).toEqual([]);
    expect(report.differAfter).toEqual([]);
    expect(report.linesMatch).toBe(true);
    expect(report.errors).toHaveLength(5);
    for (const [once, perValue] of report.errors) {
      expect(once).not.toBeNull();
      expect(once).toEqual(perValue);
    }
  });

  test('a child killed halfway through a line leaves the turn to write free, and its cut line does not swallow the next', () => {
    const { status, lines, stderr } = runCase('killed');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(lines).toEqual(['{"type":"half', '{"type":"after","case":"killed","childExit":-9}']);
  });

  test('SIGTERM landing while a child writes a line: the stop handler writes after it, both lines whole', () => {
    const { parsed, types } = cleanCase('terminated');
    expect(types).toEqual(['batch', 'done', 'after']);
    expect((parsed[0]!['payload'] as string).length).toBe(100_000);
    expect(parsed[2]).toEqual({ type: 'after', case: 'terminated', childExit: 0 });
  });

  test('SIGTERM landing while a child flushes its trace (its rows taken, not yet written): the stop waits for that flush, and nothing recorded is lost', () => {
    const { parsed, types } = cleanCase('flushing');
    expect(types).toEqual(['batch', 'done', 'after']);
    const batch = parsed[0]!['batch'] as { firstSeq: number; count: number; payload: string };
    expect([batch.firstSeq, batch.count]).toEqual([0, 5]);
    expect((JSON.parse(batch.payload) as unknown[][]).map((row) => (row[4] as { value: number }).value)).toEqual([0, 1, 2, 3, 4]);
    expect(parsed[1]).toEqual({ type: 'done', emitted: 5 });
    expect(parsed[2]).toEqual({ type: 'after', case: 'flushing', childExit: 0 });
  });

  test('forked actors terminated while they send batch after batch all end "terminated", and the trial ends', async () => {
    // Each child spends much of its time writing 1000-event batches, so SIGTERM often lands mid-line.
    const { trial } = await runSpec(
      {
        version: 1,
        actors: [
          {
            name: 'main',
            kind: 'main',
            program: [
              { op: 'spawn', actor: 'chatty' },
              { op: 'sleep', ms: 100 },
              { op: 'terminate', actor: 'chatty' },
              { op: 'join', actor: 'chatty', timeoutMs: 20_000 },
            ],
          },
          { name: 'chatty', kind: 'process', count: 4, autostart: false, program: [{ op: 'repeat', times: 1_000_000, steps: [{ op: 'mark', name: 'tick' }] }] },
        ],
      },
      { runtime: 'cpython' },
    );
    expect(trial.status).toBe('ok');
    expect(trial.actors.map((a) => [a.name, a.exit])).toEqual([['main', 'completed'], ...[0, 1, 2, 3].map((i) => [`chatty-${i}`, 'terminated'])]);
  }, 60_000);

  test('an interpreter that goes silent fails its trial with a clear message within the silence bound', async () => {
    // A stand-in "interpreter" that says nothing and never exits: what a stuck one looks like to the host.
    const silent = join(mkdtempSync(join(tmpdir(), 'conlab-silent-')), 'python3');
    writeFileSync(silent, '#!/bin/sh\nexec sleep 600\n');
    chmodSync(silent, 0o755);
    const validated = validateSpec({ version: 1, actors: [{ name: 'main', kind: 'main', program: [{ op: 'mark', name: 'm' }] }] });
    const trial = new CpythonTrial({
      runId: `silent-${process.pid}`,
      index: 0,
      warmup: false,
      spec: validated.spec,
      limits: { ...validated.limits, wallTimeMs: 120_000 },
      workDir: mkdtempSync(join(tmpdir(), 'conlab-silent-')),
      runtime: { name: 'cpython', version: python!.version, path: silent, gil: true, startMethod: 'fork' },
      silenceLimitMs: 1_500,
    });
    const started = Date.now();
    const outcome = await trial.run();
    expect(outcome.record.status).toBe('failed');
    expect(outcome.record.error).toMatch(/^CPython stopped responding: no output for 1500 ms while waiting for its hello; it was killed/);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
