import { describe, expect, test } from 'vitest';
import { findLesson } from '../../src-main/lessons/catalog';
import { discoverPython, noPythonMessage } from '../../src-main/engine/runtimes/python-discovery';
import type { AuthoredSpec } from '../../src-main/engine/spec/spec-schema';
import type { ClaimResult } from '../../src-main/engine/run-model';
import { runSpec, select } from '../engine/helpers/run-spec';

/**
 * The lessons written for CPython (gil, shared-value-array, pipe, select-limit, edge-vs-level,
 * socket-options) run on real CPython and their claims hold; a claim may be inconclusive only for the
 * reason it declares (requires, given). Small parameters: counts and orderings, never tight times.
 */

const python = discoverPython().found;
const skipReason = python ? '' : ` (skipped: ${noPythonMessage(discoverPython())})`;

function lessonSpec(id: string): AuthoredSpec {
  const lesson = findLesson(id);
  if (!lesson) throw new Error(`no lesson ${id}`);
  return lesson.spec as AuthoredSpec;
}

function claim(claims: readonly ClaimResult[], id: string): ClaimResult {
  const found = claims.find((c) => c.id === id);
  if (!found) throw new Error(`no claim ${id} among ${claims.map((c) => c.id).join(', ')}`);
  return found;
}

function expectHolds(claims: readonly ClaimResult[], ...ids: string[]): void {
  for (const id of ids) expect(claim(claims, id).status, `${id}: ${claim(claims, id).detail}`).toBe('holds');
}

describe.skipIf(!python)(`new CPython lessons${skipReason}`, () => {
  test('gil: threads gain nothing under the GIL, the race loses updates and the lock is exact; Node-only and no-GIL claims are inconclusive for their reason', { timeout: 120_000 }, async () => {
    const { run, trial } = await runSpec(lessonSpec('gil'), { runtime: 'cpython', overrides: { cpuIterations: 400_000, racers: 3, rounds: 5, switchIntervalMs: 1 } });
    expect(trial.status).toBe('ok');
    expect(run.environment.runtime?.name).toBe('cpython');
    expect(run.environment.runtime?.gil).toBe(true);
    expectHolds(run.claims, 'threads-take-turns', 'race-loses-updates', 'lock-exact');
    expect(claim(run.claims, 'node-threads-parallel')).toMatchObject({ status: 'inconclusive', detail: expect.stringContaining('node runtime') });
    expect(claim(run.claims, 'threads-parallel-without-gil')).toMatchObject({ status: 'inconclusive', detail: expect.stringContaining('with the GIL') });
    // Processes are faster where the machine gave them two cores; else inconclusive for that declared reason.
    const processes = claim(run.claims, 'processes-parallel');
    expect(processes.status === 'holds' || (processes.status === 'inconclusive' && /cannot decide|needs at least/.test(processes.detail ?? '')), processes.detail).toBe(true);
  });

  test('shared-value-array: a Value loses updates without its lock, is exact with it (the parent reads the total), a lock-free Array is exact per own element', { timeout: 60_000 }, async () => {
    const { run, trial, events } = await runSpec(lessonSpec('shared-value-array'), { runtime: 'cpython', overrides: { workers: 3, rounds: 5 } });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expectHolds(run.claims, 'unlocked-loses-updates', 'locked-exact', 'own-slots-exact');
    expect(trial.finalShared).toMatchObject({ counter: 15, slots: [5, 5, 5, 0] });
    // Every locked increment sits between its var_lock's end and its var_unlock: 3 × 5 of each.
    expect(select(events, { op: 'var_lock', ph: 'E' })).toHaveLength(15);
    expect(select(events, { op: 'var_unlock' })).toHaveLength(15);
  });

  test('pipe: in order through a one-way pipe, EOF once every copy of the sending end is closed, a timeout while main keeps one; duplex both ways', { timeout: 60_000 }, async () => {
    const closed = await runSpec(lessonSpec('pipe'), { runtime: 'cpython', overrides: { messages: 5 } });
    expect(closed.trial.status, closed.trial.error ?? '').toBe('ok');
    expectHolds(closed.run.claims, 'in-order', 'eof-when-closed', 'duplex-both-ways');
    const received = select(closed.events, { op: 'pipe_recv', ph: 'E', actor: 'main' }).filter((e) => e.data?.['pipe'] === 'stream');
    expect(received.map((e) => e.data?.['value'] ?? e.data?.['status'])).toEqual([1, 2, 3, 4, 5, 'eof']);

    const kept = await runSpec(lessonSpec('pipe'), { runtime: 'cpython', overrides: { messages: 3, closeUnused: false, waitMs: 100 } });
    expect(kept.trial.status, kept.trial.error ?? '').toBe('ok');
    expectHolds(kept.run.claims, 'in-order', 'no-eof-while-open', 'duplex-both-ways');
  });
});
