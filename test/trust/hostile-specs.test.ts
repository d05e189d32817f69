// Hostile specs at validation: names of Object.prototype's properties, parameter overrides that are
// not declared, nesting deep enough to exhaust a recursive walk. Each is refused with the field's path.
import { describe, expect, test } from 'vitest';
import { MAX_JSON_DEPTH, MAX_STEP_NESTING, SpecError, validateSpec, type ValidateOptions } from '../../src-main/engine/spec/validate';
import type { SpecIssue } from '../../src-main/model/spec-issue';
import { buildLayout } from '../../src-main/engine/sync/shared-layout';
import { PrimitiveAccess } from '../../src-main/engine/sync/primitive-access';
import { analyzeTrial } from '../../src-main/engine/runner/trial-analysis';

const BUILT_INS = ['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty'] as const;

function refuse(input: unknown, options?: ValidateOptions): readonly SpecIssue[] {
  try {
    validateSpec(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).issues;
  }
  throw new Error('the spec was accepted');
}

/** A spec as JSON text would give it: `__proto__` stays an own key only through JSON.parse. */
function fromJson(spec: unknown): unknown {
  return JSON.parse(JSON.stringify(spec).replaceAll('"PROTO"', '"__proto__"'));
}

const balanceSpec = (program: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  version: 1,
  shared: { balance: { scope: 'shared', initial: 5 } },
  primitives: { m: { type: 'mutex' } },
  queues: { q: { order: 'fifo' } },
  functions: { work: { steps: [{ op: 'return', value: 1 }] } },
  pools: { p: { kind: 'thread', size: 1 } },
  actors: [{ name: 'main', kind: 'main', program: [{ op: 'log', message: 'start' }, ...program] }],
  ...extra,
});

describe('names of built-in object properties', () => {
  const cases: [string, (name: string) => Record<string, unknown>, string, string][] = [
    ['var', (name) => ({ op: 'add', var: name, delta: -12 }), 'var', 'balance'],
    ['prim', (name) => ({ op: 'acquire', prim: name }), 'prim', 'm'],
    ['queue', (name) => ({ op: 'put', queue: name, value: 1 }), 'queue', 'q'],
    ['pool', (name) => ({ op: 'submit', pool: name, function: 'work' }), 'pool', 'p'],
    ['function', (name) => ({ op: 'submit', pool: 'p', function: name }), 'function', 'work'],
  ];
  for (const [what, step, field, declared] of cases) {
    for (const name of BUILT_INS) {
      test(`an undeclared ${what} named ${name} is refused at its path, listing what is declared`, () => {
        const issues = refuse(fromJson(balanceSpec([step(name === '__proto__' ? 'PROTO' : name)])));
        expect(issues).toHaveLength(1);
        expect(issues[0]!.path).toBe(`actors[0].program[1].${field}`);
        expect(issues[0]!.received).toBe(JSON.stringify(name));
        // __proto__ is no name at all (the schema says so); the others are names nobody declared.
        if (name === '__proto__') expect(issues[0]!.message).toMatch(/not __proto__/);
        else expect(issues[0]!.expected).toContain(declared);
      });
    }
  }

  test('a send_file to an undeclared server named constructor is refused', () => {
    const issues = refuse(balanceSpec([{ op: 'send_file', server: 'constructor', mb: 1 }]));
    expect(issues.map((i) => i.path)).toEqual(['actors[0].program[1].server']);
  });

  test('a claim on an undeclared shared value named valueOf is refused', () => {
    const issues = refuse(balanceSpec([], { claims: [{ id: 'c', text: 't', check: { compare: [{ shared: 'valueOf' }, '==', { const: 5 }] } }] }));
    expect(issues.map((i) => i.path)).toEqual(['claims[0].check.compare[0].shared']);
  });

  test('a {param} naming constructor is an unknown parameter, not Object', () => {
    const issues = refuse({ version: 1, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'sleep', ms: { param: 'constructor' } }] }] });
    expect(issues.map((i) => [i.path, i.message])).toEqual([['actors[0].program[0].ms', 'unknown parameter']]);
  });

  for (const section of ['shared', 'primitives', 'queues', 'functions', 'pools', 'params', 'servers']) {
    test(`declaring ${section}.constructor is refused with a clear message`, () => {
      const decl: Record<string, unknown> = {
        shared: { scope: 'shared', initial: 0 },
        primitives: { type: 'mutex' },
        queues: { order: 'fifo' },
        functions: { steps: [] },
        pools: { kind: 'thread', size: 1 },
        params: { type: 'integer', default: 1 },
        servers: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } },
      };
      const issues = refuse({ version: 1, [section]: { constructor: decl[section] }, actors: [{ name: 'a', kind: 'thread', program: [] }] });
      expect(issues.map((i) => i.path)).toEqual([`${section}.constructor`]);
      expect(issues[0]!.message).toMatch(/built in; choose another name/);
    });
  }

  test('__proto__ is no name of a record, section, local or actor', () => {
    for (const step of [{ op: 'record', name: '__proto__', value: 1 }, { op: 'section', name: '__proto__', steps: [] }, { op: 'let', name: '__proto__', value: 1 }]) {
      const issues = refuse({ version: 1, actors: [{ name: 'a', kind: 'thread', program: [step] }] });
      expect(issues.map((i) => i.path), step.op).toEqual(['actors[0].program[0].name']);
    }
    expect(refuse({ version: 1, actors: [{ name: '__proto__', kind: 'thread', program: [] }] }).map((i) => i.path)).toEqual(['actors[0].name']);
  });

  test('__proto__ as a key anywhere is refused at its path (JSON.parse makes it an own key)', () => {
    const issues = refuse(fromJson({ version: 1, shared: { PROTO: { scope: 'shared', initial: 0 } }, actors: [{ name: 'a', kind: 'thread', program: [] }] }));
    expect(issues.map((i) => i.path)).toEqual(['shared.__proto__']);
    const inValue = refuse(fromJson({ version: 1, shared: { m: { scope: 'managed', initial: { PROTO: { x: 1 } } } }, actors: [{ name: 'a', kind: 'thread', program: [] }] }));
    expect(inValue.map((i) => i.path)).toEqual(['shared.m.initial.__proto__']);
  });

  test('the layout and the primitive table answer own names only', () => {
    const { spec } = validateSpec(balanceSpec([]));
    const layout = buildLayout(spec, 1);
    expect(Object.getPrototypeOf(layout.vars)).toBe(Object.prototype);
    const memory = new Int32Array(new SharedArrayBuffer(layout.words * 4));
    const access = new PrimitiveAccess(memory, layout, 0, 'blocking');
    for (const name of BUILT_INS) expect(() => access.acquire(name), name).toThrow(/no primitive named/);
  });

  test('result analysis keeps a record named constructor or toString as a record', () => {
    const rows = [
      [0, 1, 'record', 'I', { name: 'constructor', value: 1 }],
      [1, 2, 'record', 'I', { name: 'toString', value: 2 }],
      [2, 3, 'record', 'I', { name: 'constructor', value: 3 }],
    ];
    const batch = { trial: 0, actor: 'a', firstSeq: 0, count: 3, tFirst: 1, tLast: 3, payload: JSON.stringify(rows) };
    const record = analyzeTrial({
      index: 0,
      warmup: false,
      status: 'ok',
      startedAt: new Date(0).toISOString(),
      wallMs: 1,
      actors: [],
      batches: [batch],
      finalShared: {},
      deadlock: null,
      error: null,
      cpu: { userMs: 0, systemMs: 0 },
      runnerPeakRssMb: 0,
      processPeakRssMb: 0,
    });
    expect(record.records['constructor']).toEqual([1, 3]);
    expect(record.records['toString']).toEqual([2]);
    expect(Object.keys(record.records)).toEqual(['constructor', 'toString']);
  });
});

describe('paths in messages', () => {
  test('a key with control characters is shown escaped in the issue path, never raw', () => {
    const issues = refuse({ version: 1, shared: { 'x\u001b[2J\u0007': { scope: 'shared', initial: 0 } }, actors: [{ name: 'a', kind: 'thread', program: [] }] });
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      expect(issue.path).toBe('shared["x\\u001b[2J\\u0007"]');
      expect(issue.path).not.toMatch(/[\u0000-\u001f]/);
    }
  });

  test('file paths: absolute, .., backslashes, control characters and empty parts are refused at their field', () => {
    const step = (path: string) => ({ version: 1, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'file_append', path, text: 'x' }] }] });
    for (const path of ['/etc/passwd', '../x', 'a/../../x', 'a\\b', 'C:/x', 'a//b', 'a/', 'a\u0000b', '.']) {
      const issues = refuse(step(path));
      expect(issues.map((i) => i.path), JSON.stringify(path)).toEqual(['actors[0].program[0].path']);
      expect(issues[0]!.message).toMatch(/^files live in the run's own folder, and it /);
    }
    for (const path of ['a.txt', 'out/a.txt', './out/a.txt', '..hidden', 'a..b/c']) expect(() => validateSpec(step(path)), path).not.toThrow();
  });
});

describe('parameter overrides', () => {
  const withParams = { version: 1, params: { n: { type: 'integer', default: 3, min: 1, max: 10 }, mode: { type: 'choice', default: 'a', choices: ['a', 'b'] } }, actors: [{ name: 'a', kind: 'thread', program: [] }] };

  for (const name of BUILT_INS) {
    test(`--set ${name}=1 is an unknown parameter, listing the declared ones`, () => {
      // As the CLI builds it: a computed key is an own property, __proto__ included.
      const overrides = { [name]: '1' };
      const issues = refuse(withParams, { overrides });
      expect(issues).toEqual([{ path: `--set ${name}`, message: 'no such parameter', received: '"1"', expected: 'one of n, mode', zh: { message: '没有这个参数', expected: '以下之一：n、mode' } }]);
    });
  }

  test('an overrides object {constructor: 5} from a message is refused the same way', () => {
    const overrides = JSON.parse('{"constructor": 5, "__proto__": 2}') as Record<string, number>;
    const issues = refuse(withParams, { overrides });
    expect(issues.map((i) => i.path).sort()).toEqual(['--set __proto__', '--set constructor']);
  });

  test('values are checked against the parameter: type, range, choices', () => {
    expect(refuse(withParams, { overrides: { n: '11' } })[0]).toMatchObject({ path: '--set n', message: 'too large', expected: 'at most 10' });
    expect(refuse(withParams, { overrides: { n: 2.5 } })[0]).toMatchObject({ path: '--set n', expected: 'an integer' });
    expect(refuse(withParams, { overrides: { mode: 'c' } })[0]).toMatchObject({ path: '--set mode', expected: 'a, b' });
    expect(refuse(withParams, { overrides: { n: { toString: 4 } } as never })[0]).toMatchObject({ path: '--set n', message: 'not a valid value' });
    expect(validateSpec(withParams, { overrides: { n: '7', mode: 'b' } }).params).toEqual({ n: 7, mode: 'b' });
  });

  test('a name with control characters is shown escaped', () => {
    const issues = refuse(withParams, { overrides: { '\u001b[2Jx': '1' } });
    expect(issues[0]!.path).toBe('--set "\\u001b[2Jx"');
  });
});

describe('nesting depth', () => {
  function nested(kind: 'repeat' | 'if' | 'section', levels: number): unknown {
    let step: unknown = { op: 'log', message: 'deep' };
    for (let i = 0; i < levels; i++) {
      if (kind === 'repeat') step = { op: 'repeat', times: 1, steps: [step] };
      else if (kind === 'section') step = { op: 'section', name: 's', steps: [step] };
      else step = { op: 'if', cond: { truthy: true }, then: [step] };
    }
    return { version: 1, actors: [{ name: 'a', kind: 'thread', program: [step] }] };
  }

  for (const kind of ['repeat', 'if', 'section'] as const) {
    test(`a 3,000-deep ${kind} is refused by depth with its path and the maximum`, () => {
      const issues = refuse(nested(kind, 3_000));
      expect(issues).toHaveLength(1);
      const field = kind === 'if' ? 'then' : 'steps';
      expect(issues[0]!.path).toBe(`actors[0].program[0]${`.${field}[0]`.repeat(MAX_STEP_NESTING)}`);
      expect(issues[0]!.expected).toBe(`at most ${MAX_STEP_NESTING} levels`);
    });
  }

  test(`${MAX_STEP_NESTING} levels are accepted, one more is refused`, () => {
    // The innermost log is a step too: MAX_STEP_NESTING - 1 repeats around it make MAX_STEP_NESTING levels.
    expect(() => validateSpec(nested('repeat', MAX_STEP_NESTING - 1))).not.toThrow();
    expect(refuse(nested('repeat', MAX_STEP_NESTING))[0]!.message).toMatch(/steps nested more than 32 levels/);
  });

  test('a 100,000-deep expression or condition is refused without exhausting the stack', () => {
    let value: unknown = 1;
    for (let i = 0; i < 100_000; i++) value = { add: [value, 1] };
    const issues = refuse({ version: 1, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'let', name: 'x', value }] }] });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.expected).toBe(`at most ${MAX_JSON_DEPTH} levels`);
    let cond: unknown = { truthy: true };
    for (let i = 0; i < 100_000; i++) cond = { not: cond };
    expect(refuse({ version: 1, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'if', cond, then: [] }] }] })[0]!.path).toMatch(/^actors\[0\]\.program\[0\]\.cond(\.not)+$/);
  });

  test('an expression nested 60 levels inside 32 levels of steps still validates', () => {
    let value: unknown = 1;
    for (let i = 0; i < 60; i++) value = { add: [value, 1] };
    let step: unknown = { op: 'let', name: 'x', value };
    for (let i = 0; i < MAX_STEP_NESTING - 1; i++) step = { op: 'repeat', times: 1, steps: [step] };
    expect(() => validateSpec({ version: 1, actors: [{ name: 'a', kind: 'thread', program: [step] }] })).not.toThrow();
  });
});
