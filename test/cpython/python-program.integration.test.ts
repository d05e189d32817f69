import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LESSONS } from '../../src-main/lessons/catalog';
import { CPYTHON_PARAMS } from '../../src-main/lessons/cpython-params';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { catalogOps } from '../../src-main/model/step-catalog';
import { decidedCondition, pythonProgram } from '../../src-main/model/python-program';
import type { CheckSpec, Spec } from '../../src-main/model/spec-schema';
import { python, skipReason } from './cpython-helpers';

/**
 * The generated program of every lesson, run as a person would run it: `python3 lesson.py`. Each must
 * end by itself with exit 0, print nothing on stderr, and print every record the lesson's claims read
 * (those of the claims that apply with its parameters). CPU-heavy lessons run with smaller parameters;
 * at most two programs run at once (two cores).
 */

/** Smaller than the lessons' CPython parameters, so the file stays well under 90 s on two cores. */
const SMALLER: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'cpu-vs-io': { cpuIterations: 1_000_000 },
  gil: { cpuIterations: 300_000 },
  'generator-switch': { switches: 1_000_000 },
  'select-vs-epoll': { idle: 200, requests: 100 },
};
/** A deadlock is given up on after this long (the lesson deadlocks within a second). */
const PATIENCE_FOR: Readonly<Record<string, number>> = { deadlock: 2 };

const dir = mkdtempSync(join(tmpdir(), 'conlab-python-program-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function imports(interpreter: string, module: string): boolean {
  return spawnSync(interpreter, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}
/** gevent lessons: the interpreter found, else Debian's, when it has gevent. */
const geventPython = python && imports(python.path, 'gevent') ? python.path : imports('/usr/bin/python3', 'gevent') ? '/usr/bin/python3' : null;

/** Two slots: a test waits for one before it starts its program. */
let free = 2;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
  else free--;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else free++;
  }
}

function run(interpreter: string, file: string, limitMs: number): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(interpreter, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The record names a check reads. */
function recordsOf(check: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(check)) for (const item of check) recordsOf(item, into);
  else if (check !== null && typeof check === 'object') {
    const fields = check as Record<string, unknown>;
    if (typeof fields['record'] === 'string') into.add(fields['record']);
    for (const value of Object.values(fields)) recordsOf(value, into);
  }
  return into;
}

/** The records the claims that apply to this resolved spec read (a claim whose `when` is false with these parameters does not apply). */
function recordsClaimsRead(spec: Spec): string[] {
  const names = new Set<string>();
  for (const claim of spec.claims ?? []) {
    if (claim.when !== undefined && decidedCondition(claim.when) === false) continue;
    recordsOf(claim.check as CheckSpec, names);
    if (claim.given) recordsOf(claim.given, names);
  }
  return [...names].sort();
}

describe.skipIf(!python)(`every lesson as a generated Python program${skipReason}`, () => {
  for (const lesson of LESSONS) {
    const validated = validateSpec(lesson.spec, { overrides: { ...CPYTHON_PARAMS[lesson.id], ...SMALLER[lesson.id] }, cpuCount: 2 });
    const gevent = validated.spec.cpython?.tasks === 'gevent' && validated.spec.actors.some((a) => a.kind === 'task');
    const interpreter = gevent ? geventPython : python!.path;
    const reason = interpreter === null ? ' (skipped: neither the CPython found nor /usr/bin/python3 can import gevent)' : '';
    test.skipIf(interpreter === null).concurrent(`${lesson.id}: ends by itself, exit 0, nothing on stderr, every record its claims read${reason}`, async () => {
      const file = join(dir, `${lesson.id}.py`);
      writeFileSync(file, pythonProgram(validated.spec, { params: validated.params, ...(PATIENCE_FOR[lesson.id] ? { patienceS: PATIENCE_FOR[lesson.id] } : {}) }));
      const result = await slot(() => run(interpreter!, file, 50_000));
      expect(result.stderr).toBe('');
      expect(result.code, result.stdout.slice(-2_000)).toBe(0);
      const printed = new Set([...result.stdout.matchAll(/^record (\S+) = (.*)$/gm)].map((m) => m[1]));
      for (const line of result.stdout.matchAll(/^record \S+ = (.*)$/gm)) expect(() => JSON.parse(line[1]!)).not.toThrow();
      expect(recordsClaimsRead(validated.spec).filter((name) => !printed.has(name)), 'records the claims read that the program did not print').toEqual([]);
      expect(result.stdout, 'no actor failed').not.toMatch(/^\[[^\]]+\] failed: /m);
    }, 60_000);
  }

  test.concurrent('what the programs record means what the lessons say: a locked counter loses nothing, the tasks take turns, the pool maps in order', async () => {
    const outputs = await Promise.all(
      ['race-counter', 'explicit-switch', 'pools', 'http-hello'].map(async (id) => {
        const lesson = LESSONS.find((l) => l.id === id)!;
        const validated = validateSpec(lesson.spec, { overrides: { ...CPYTHON_PARAMS[id] }, cpuCount: 2 });
        const file = join(dir, `${id}-values.py`);
        writeFileSync(file, pythonProgram(validated.spec));
        const result = await slot(() => run(python!.path, file, 50_000));
        return new Map([...result.stdout.matchAll(/^record (\S+) = (.*)$/gm)].map((m) => [m[1]!, JSON.parse(m[2]!) as unknown]));
      }),
    );
    const [race, turns, pools, hello] = outputs as [Map<string, unknown>, Map<string, unknown>, Map<string, unknown>, Map<string, unknown>];
    expect(race.get('lockedFinal')).toBe(0);
    expect(race.get('serialFinal')).toBe(0);
    expect(race.get('unlockedFinal')).toBeGreaterThan(0); // lost updates: 20 threads, each read-sleep-write
    expect(turns.get('order')).toBe('eat1 play1 eat2 play2 ');
    expect(pools.get('mapped')).toBe('[1,4,9,16,25,36]');
    expect(pools.get('callbackFutureId')).toBe('processes#1');
    expect(hello.get('body')).toBe('你好，世界！Hello, world. Ünïcödé ✓');
  }, 90_000);

  test('every op of the step catalog, in a thread, a process and an asyncio task, is Python that compiles', () => {
    // The catalog leaves the names of a step's primitive, variable, queue... empty: a spec must name one.
    const named = (fields: object): object => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === '' ? `the_${k}` : v]));
    const steps = catalogOps().map(([op, shape]) => ({ op, ...named(shape.fields), ...named(shape.optional ?? {}) }));
    for (const kind of ['thread', 'process', 'task'] as const) {
      const text = pythonProgram({ version: 1, actors: [{ name: 'a', kind, program: steps }] } as unknown as Spec);
      const compiled = spawnSync(python!.path, ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: text, encoding: 'utf8', timeout: 20_000 });
      expect(compiled.stderr, kind).toBe('');
      expect(compiled.status).toBe(0);
    }
  });
});
