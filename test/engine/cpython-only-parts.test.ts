// The parts of the spec language that only CPython has (pipes, shared value/array variables and their
// lock, socket and descriptor probes): valid specs, checked for their references like any other part,
// refused by the Node engine before anything starts with each part's path, and run on CPython only.
import { describe, expect, test } from 'vitest';
import { catalogOps } from '../../src-main/model/step-catalog';
import { unmetRequirement } from '../../src-main/engine/claims/evaluate';
import type { RunEnvironment } from '../../src-main/model/run-model';
import { CPYTHON_STEPS } from '../../src-main/engine/runtimes/cpython-support';
import { nodeIssues, prepareNode } from '../../src-main/engine/runtimes/node-support';
import type { ClaimSpec, StepOp } from '../../src-main/model/spec-schema';
import { SpecError, validateSpec } from '../../src-main/engine/spec/validate';

const mainWith = (program: unknown[], extra: Record<string, unknown> = {}) => ({ version: 1, actors: [{ name: 'main', kind: 'main', program }], ...extra });

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    validateSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).issues.map(({ path, message }) => ({ path, message }));
  }
  throw new Error('the spec was accepted');
}

describe('CPython-only parts', () => {
  const full = mainWith(
    [
      { op: 'pipe_send', pipe: 'p', end: 1, value: 1 },
      { op: 'repeat', times: 2, steps: [{ op: 'fd_select', api: 'epoll', idle: 10, into: 'probe' }] },
      { op: 'var_lock', var: 'v' },
      { op: 'add', var: 'v', delta: 1 },
      { op: 'var_unlock', var: 'v' },
    ],
    {
      pipes: { p: { duplex: false } },
      shared: { v: { scope: 'value', initial: 0 }, a: { scope: 'array', initial: [1, 2], lock: false }, plain: { scope: 'shared', initial: 0 } },
      cpython: { switchIntervalMs: { param: 'interval' } },
      params: { interval: { type: 'number', default: 5 } },
    },
  );

  test('a spec with them is valid; its cpython settings take parameters', () => {
    const validated = validateSpec(full, { overrides: { interval: '0.5' } });
    expect(validated.spec.cpython).toEqual({ switchIntervalMs: 0.5 });
  });

  test('the Node engine refuses each one before anything starts, by its path, and says to run it on CPython', () => {
    const validated = validateSpec(full);
    const issues = nodeIssues(validated.spec);
    expect(issues.map((i) => i.path)).toEqual([
      'pipes',
      'shared.v.scope',
      'shared.a.scope',
      'actors[0].program[0]',
      'actors[0].program[1].steps[0]',
      'actors[0].program[2]',
      'actors[0].program[4]',
    ]);
    for (const issue of issues) expect(issue.message).toMatch(/only on cpython: run it with --runtime cpython/);
    expect(() => prepareNode(validated)).toThrow(SpecError);
    // The cpython block alone is no refusal: it tunes CPython and means nothing to Node.
    expect(nodeIssues(validateSpec(mainWith([{ op: 'mark', name: 'm' }], { cpython: { switchIntervalMs: 1 } })).spec)).toEqual([]);
  });

  test('their names are checked like any other: an unknown pipe, a lock taken on a variable that has none', () => {
    expect(issuesOf(mainWith([{ op: 'pipe_recv', pipe: 'nope', end: 0, into: 'x' }], { pipes: { p: {} } }))).toEqual([{ path: 'actors[0].program[0].pipe', message: 'no such pipe' }]);
    const locks = issuesOf(
      mainWith([{ op: 'var_lock', var: 'raw' }, { op: 'var_unlock', var: 'plain' }, { op: 'read', var: 'v', index: 0, into: 'x' }, { op: 'add', var: 'raw', index: 0, delta: 1 }], {
        shared: { raw: { scope: 'array', initial: [0], lock: false }, plain: { scope: 'shared', initial: 0 }, v: { scope: 'value', initial: 0 } },
      }),
    );
    expect(locks.map((i) => i.path)).toEqual(['actors[0].program[0].var', 'actors[0].program[1].var', 'actors[0].program[2].index', 'actors[0].program[3].var']);
    expect(locks[0]!.message).toContain('own lock of a shared value or array');
  });

  test("a pipe's end is 0 or 1, and a probe's size is bounded", () => {
    expect(issuesOf(mainWith([{ op: 'pipe_close', pipe: 'p', end: 2 }], { pipes: { p: {} } }))[0]!.path).toBe('actors[0].program[0].end');
    expect(issuesOf(mainWith([{ op: 'fd_select', api: 'select', idle: 100_000, into: 'x' }]))[0]!.path).toBe('actors[0].program[0].idle');
  });

  test('every op the catalog marks CPython-only is one the CPython runtime runs', () => {
    const marked = catalogOps().filter(([, shape]) => shape.runtime === 'cpython').map(([op]) => op as StepOp);
    expect(marked.length).toBeGreaterThan(5);
    for (const op of marked) expect(CPYTHON_STEPS.has(op), op).toBe(true);
  });
});

describe('claims that require a GIL, or none', () => {
  const environment: RunEnvironment = { os: 'linux', cpuModel: 'x', cpuCount: 2, totalMemoryMb: 1, node: '20', electron: null, appVersion: '0', hasProcfs: true };
  const cpython = (gil: boolean): RunEnvironment => ({ ...environment, runtime: { name: 'cpython', version: '3.13.0', path: '/usr/bin/python3', gil, startMethod: 'fork' } });
  const needs = (gil: boolean): ClaimSpec => ({ id: 'c', text: 't', check: { compare: [{ const: 1 }, '==', { const: 1 }] }, requires: { gil } });

  test('decidable where the interpreter matches; inconclusive with the reason elsewhere, Node included', () => {
    expect(unmetRequirement(needs(true), cpython(true))).toBeNull();
    expect(unmetRequirement(needs(false), cpython(false))).toBeNull();
    expect(unmetRequirement(needs(false), cpython(true))).toBe('describes an interpreter without a GIL; this interpreter runs with the GIL');
    expect(unmetRequirement(needs(true), environment)).toBe('describes an interpreter with a GIL; this run ran on node, which has no GIL to report');
  });
});
