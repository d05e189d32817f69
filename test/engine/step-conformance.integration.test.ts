// The conformance suite of the step language: every op of the step catalog runs in a small program on
// each actor kind, and its trace events and effects are checked. The cases are data
// (fixtures/step-conformance.json) and the engine is reached through `StepRuntime`, so another runtime
// of the step language can be checked by the same cases: give it a StepRuntime.
import { describe, expect, test } from 'vitest';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { runSpec } from './helpers/run-spec';
import { catalog, checkCase, keysProblem, suite, type StepRuntime } from './helpers/step-conformance';

/** This engine: the spec run by the real runner, with real threads, processes and sockets. */
const engine: StepRuntime = {
  name: 'engine',
  async run(spec) {
    const { trial, events } = await runSpec(spec as AuthoredSpec);
    return {
      status: trial.status,
      error: trial.error ?? null,
      events: events.filter((event) => event.actor === 'a' && event.op !== 'actor'),
      records: trial.records as Record<string, unknown[]>,
      shared: trial.finalShared,
    };
  },
};

describe('step conformance', () => {
  test('the cases cover every op of the catalog, and only ops of the catalog', () => {
    const covered = new Set(suite.cases.flatMap((c) => c.covers));
    expect([...covered].sort()).toEqual([...catalog.keys()].sort());
    for (const c of suite.cases) {
      // An op a case covers appears in its program (as its own events, unless it emits none).
      const text = JSON.stringify(c.spec);
      for (const op of c.covers) expect(text, `${c.name} covers ${op}`).toContain(`"op":"${op}"`);
    }
  });

  test("an event is held to its op's catalog line: a missing or unknown key, a phase the op does not have", () => {
    expect(keysProblem({ op: 'mark', ph: 'I', data: { name: 'm' } })).toBeNull();
    expect(keysProblem({ op: 'read', ph: 'I', data: { var: 'n', index: 1, value: 2 } })).toBeNull();
    expect(keysProblem({ op: 'mark', ph: 'I', data: { name: 'm', extra: 1 } })).toContain('"extra"');
    expect(keysProblem({ op: 'acquire', ph: 'E', data: { prim: 'm' } })).toContain('"ok"');
    expect(keysProblem({ op: 'mark', ph: 'B', data: { name: 'm' } })).toContain('mark B');
    expect(keysProblem({ op: 'load', ph: 'E', data: { anything: 1 } })).toBeNull();
  });

  for (const c of suite.cases) {
    for (const kind of c.kinds) {
      test(`${c.name} on a ${kind}`, { timeout: 60_000 }, async () => {
        await checkCase(engine, c, kind);
      });
    }
  }
});
