// The step conformance suite (test/engine/fixtures/step-conformance.json) on CPython: every case whose
// parts the CPython runtime supports runs on a thread, a forked process, an asyncio task and main, and
// must give the same events, records and shared state as the Node engine. A case with a part CPython
// refuses is skipped, named with the reason (its op, by JSON path); the count of cases run may only grow.
import { describe, expect, test } from 'vitest';
import { cpythonIssues } from '../../src-main/engine/runtimes/cpython-support';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { runSpec } from '../engine/helpers/run-spec';
import { checkCase, suite, withKind, type Kind, type StepRuntime } from '../engine/helpers/step-conformance';
import { python, skipReason } from './cpython-helpers';


const cpython: StepRuntime = {
  name: 'cpython',
  async run(spec) {
    const { trial, events } = await runSpec(spec as AuthoredSpec, { runtime: 'cpython' });
    return {
      status: trial.status,
      error: trial.error ?? null,
      events: events.filter((event) => event.actor === 'a' && event.op !== 'actor'),
      records: trial.records as Record<string, unknown[]>,
      shared: trial.finalShared,
    };
  },
};

/** The kinds a case runs on here: its own, and main (CPython's main is a coroutine on the interpreter's loop). */
function kindsOf(kinds: readonly Kind[]): Kind[] {
  return kinds.includes('task') ? [...kinds, 'main'] : [...kinds];
}

interface Planned {
  readonly name: string;
  readonly kind: Kind;
  readonly skipped: string | null;
}

const plan: Planned[] = suite.cases.flatMap((c) =>
  kindsOf(c.kinds).map((kind) => {
    const issues = cpythonIssues(validateSpec(withKind(c.spec, kind)).spec);
    return { name: c.name, kind, skipped: issues.length === 0 ? null : issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ') };
  }),
);

/** Case and kind pairs CPython runs today; raise it as ops are added, never lower it. */
const RUN_AT_LEAST = 36;

describe.skipIf(!python)(`the step conformance suite on CPython${skipReason}`, () => {
  test(`runs at least ${RUN_AT_LEAST} case and kind pairs; the others are skipped with the op or part CPython refuses`, () => {
    const run = plan.filter((p) => p.skipped === null);
    const skipped = plan.filter((p) => p.skipped !== null).map((p) => `${p.name} on a ${p.kind}: ${p.skipped}`);
    // Shown in the output: what is left to support, by op.
    console.info(`CPython conformance: ${run.length} run, ${skipped.length} skipped\n  ${skipped.join('\n  ')}`);
    expect(run.length).toBeGreaterThanOrEqual(RUN_AT_LEAST);
    for (const line of skipped) expect(line).toContain('not supported on cpython');
  });

  for (const p of plan) {
    test.skipIf(p.skipped !== null)(`${p.name} on a ${p.kind}${p.skipped === null ? '' : ` (skipped: ${p.skipped})`}`, { timeout: 60_000 }, async () => {
      await checkCase(cpython, suite.cases.find((c) => c.name === p.name)!, p.kind);
    });
  }
});
