// The step conformance suite's cases and checker, shared by every runtime that runs the step language
// (the Node engine in ../step-conformance.integration.test.ts, CPython in test/cpython/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { catalogOps, parseTraceLine, type OpShape } from '../../../src-main/model/step-catalog';
import { walkProgram, type StepLike } from '../../../src-main/model/program-text';

/** An actor kind a case runs "a" as (the fixture lists thread, process and task; a runtime may add main). */
export type Kind = 'thread' | 'process' | 'task' | 'main';
export type Expected = string | { readonly e: string; readonly data: Readonly<Record<string, unknown>> };
export interface ConformanceCase {
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
  readonly events: readonly { readonly op: string; readonly ph: string; readonly data?: Readonly<Record<string, unknown>> | undefined; readonly s?: number | undefined }[];
  readonly records: Readonly<Record<string, unknown[]>>;
  readonly shared: Readonly<Record<string, unknown>>;
}

export interface StepRuntime {
  readonly name: string;
  run(spec: unknown): Promise<StepOutcome>;
}

export const suite = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'step-conformance.json'), 'utf8')) as { cases: ConformanceCase[] };
export const catalog = new Map<string, OpShape>(catalogOps());
/** The ops the Node engine runs: all but those the catalog marks as another runtime's only. */
export const nodeOps = [...catalog].filter(([, shape]) => shape.runtime === undefined).map(([op]) => op);

export function withKind(spec: unknown, kind: Kind): unknown {
  return JSON.parse(JSON.stringify(spec).replaceAll('"$KIND"', JSON.stringify(kind))) as unknown;
}

/** The event's data has the keys its op's catalog trace line says: every required key, no key it does not name (unless open). */
export function keysProblem(event: StepOutcome['events'][number]): string | null {
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

/**
 * Every event of actor "a" names the step that emitted it (`s`, its pre-order id in the program), and that
 * step has the event's op: the numbering the program view and the replay rely on, the same on every runtime.
 */
export function stepIdProblems(spec: unknown, events: StepOutcome['events']): string[] {
  const actors = (spec as { actors?: { name?: string; program?: StepLike[] }[] }).actors ?? [];
  const program = actors.find((actor) => actor.name === 'a')?.program ?? [];
  const ops: string[] = [];
  walkProgram(program, (step, id) => (ops[id] = step.op));
  return events.flatMap((event, i) => {
    if (event.s === undefined) return [`event ${i} (${event.op} ${event.ph}) has no step id`];
    if (ops[event.s] !== event.op) return [`event ${i} (${event.op} ${event.ph}) names step ${event.s}, a ${ops[event.s] ?? 'missing step'}`];
    return [];
  });
}

export async function checkCase(runtime: StepRuntime, c: ConformanceCase, kind: Kind): Promise<void> {
  const spec = withKind(c.spec, kind);
  const ran = await runtime.run(spec);
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
  expect(stepIdProblems(spec, got.events), `${where}: step ids`).toEqual([]);
  for (const [name, values] of Object.entries(c.expect.records ?? {})) expect(got.records[name], `${where}: record ${name}`).toEqual(values);
  for (const [name, value] of Object.entries(c.expect.shared ?? {})) expect(got.shared[name], `${where}: shared ${name}`).toEqual(value);
  for (const [left, right] of c.expect.sameRecords ?? []) {
    expect(got.records[left], `${where}: record ${left}`).toBeDefined();
    expect(got.records[left], `${where}: records ${left} and ${right}`).toEqual(got.records[right]);
  }
}

