// The conformance suite of the step language: every op of the step catalog runs in a small program on
// each actor kind, and its trace events and effects are checked. The cases are data
// (fixtures/step-conformance.json) and the engine is reached through `StepRuntime`, so another runtime
// of the step language can be checked by the same cases: give it a StepRuntime.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { catalogOps, parseTraceLine, type OpShape } from '../../src-main/contract/step-catalog';
import type { AuthoredSpec } from '../../src-main/engine/spec/spec-schema';
import { runSpec } from './helpers/run-spec';

type Kind = 'thread' | 'process' | 'task';
type Expected = string | { readonly e: string; readonly data: Readonly<Record<string, unknown>> };
interface ConformanceCase {
  readonly name: string;
  readonly covers: readonly string[];
  readonly kinds: readonly Kind[];
  readonly spec: unknown;
  readonly expect: {
    readonly status: 'ok' | 'failed';
    readonly error?: string;
    readonly trace: readonly Expected[];
    readonly records?: Readonly<Record<string, unknown[]>>;
    readonly shared?: Readonly<Record<string, unknown>>;
    readonly sameRecords?: readonly (readonly [string, string])[];
  };
}

/** What a runtime reports of one trial: its outcome, actor "a"'s events, records and final shared state. */
export interface StepOutcome {
  readonly status: string;
  readonly error: string | null;
  readonly events: readonly { readonly op: string; readonly ph: string; readonly data?: Readonly<Record<string, unknown>> | undefined }[];
  readonly records: Readonly<Record<string, unknown[]>>;
  readonly shared: Readonly<Record<string, unknown>>;
}

export interface StepRuntime {
  readonly name: string;
  run(spec: unknown): Promise<StepOutcome>;
}

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

const suite = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'step-conformance.json'), 'utf8')) as { cases: ConformanceCase[] };
const catalog = new Map<string, OpShape>(catalogOps());
/** The ops the Node engine runs: all but those the catalog marks as another runtime's only. */
const nodeOps = [...catalog].filter(([, shape]) => shape.runtime === undefined).map(([op]) => op);

function withKind(spec: unknown, kind: Kind): unknown {
  return JSON.parse(JSON.stringify(spec).replaceAll('"$KIND"', JSON.stringify(kind))) as unknown;
}

/** The event's data has the keys its op's catalog trace line says: every required key, no key it does not name (unless open). */
function keysProblem(event: StepOutcome['events'][number]): string | null {
  const shape = catalog.get(event.op);
  if (!shape) return `${event.op} is not in the step catalog`;
  const line = shape.trace.map(parseTraceLine).find((candidate) => candidate.ph === event.ph);
  if (!line) return `${event.op} ${event.ph}: the catalog says ${event.op} traces ${JSON.stringify(shape.trace)}`;
  const keys = Object.keys(event.data ?? {});
  const missing = line.keys.filter((key) => !keys.includes(key));
  const extra = line.open ? [] : keys.filter((key) => !line.keys.includes(key) && !line.optionalKeys.includes(key));
  if (missing.length === 0 && extra.length === 0) return null;
  return `${event.op} ${event.ph} ${JSON.stringify(event.data ?? {})}: missing ${JSON.stringify(missing)}, not in the catalog ${JSON.stringify(extra)}`;
}

export async function checkCase(runtime: StepRuntime, c: ConformanceCase, kind: Kind): Promise<void> {
  const ran = await runtime.run(withKind(c.spec, kind));
  // Transport details (net.write, load.progress, …) depend on the network and are not the step's own.
  const got = { ...ran, events: ran.events.filter((event) => !event.op.includes('.')) };
  const where = `${runtime.name}: ${c.name} on a ${kind}`;
  expect(got.status, `${where}: ${got.error ?? ''}`).toBe(c.expect.status);
  if (c.expect.error !== undefined) expect(got.error ?? '', where).toContain(c.expect.error);
  expect(got.events.map((event) => `${event.op} ${event.ph}`), where).toEqual(c.expect.trace.map((entry) => (typeof entry === 'string' ? entry : entry.e)));
  c.expect.trace.forEach((entry, i) => {
    if (typeof entry !== 'string') expect(got.events[i]!.data ?? {}, `${where}: event ${i} (${entry.e})`).toMatchObject(entry.data);
  });
  expect(got.events.map(keysProblem).filter((problem) => problem !== null), where).toEqual([]);
  for (const [name, values] of Object.entries(c.expect.records ?? {})) expect(got.records[name], `${where}: record ${name}`).toEqual(values);
  for (const [name, value] of Object.entries(c.expect.shared ?? {})) expect(got.shared[name], `${where}: shared ${name}`).toEqual(value);
  for (const [left, right] of c.expect.sameRecords ?? []) {
    expect(got.records[left], `${where}: record ${left}`).toBeDefined();
    expect(got.records[left], `${where}: records ${left} and ${right}`).toEqual(got.records[right]);
  }
}

describe('step conformance', () => {
  test('the cases cover every op of the catalog, and only ops of the catalog', () => {
    const covered = new Set(suite.cases.flatMap((c) => c.covers));
    expect([...covered].sort()).toEqual([...nodeOps].sort());
    expect(nodeOps.length).toBeLessThan(catalog.size);
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
