// Every issue the spec validator raises is worded in Chinese too (model/spec-issue.ts): the composer, the
// pack builder and `conlab --lang zh` show it in the learner's language, with the English kept for the record.
import { describe, expect, test } from 'vitest';
import { formatSpecIssues, wordSpecIssue, type SpecIssue } from '../../src-main/model/spec-issue';
import { SpecError, validateSpec } from '../../src-main/engine/spec/validate';
import { DEFAULT_LIMIT_CAPS } from '../../src-main/model/limit-caps';
import { nodeIssues } from '../../src-main/engine/runtimes/node-support';
import { cpythonIssues } from '../../src-main/engine/runtimes/cpython-support';

const HAN = /[\u4e00-\u9fff]/;

function issuesOf(spec: unknown, overrides?: Record<string, string | number | boolean>): readonly SpecIssue[] {
  try {
    validateSpec(spec, { ...(overrides ? { overrides } : {}), caps: DEFAULT_LIMIT_CAPS, cpuCount: 2 });
  } catch (error) {
    if (error instanceof SpecError) return error.issues;
    throw error;
  }
  throw new Error('the spec was valid');
}

const thread = (program: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 't', kind: 'thread', program, ...extra });
const spec = (fields: Record<string, unknown>): Record<string, unknown> => ({ version: 1, actors: [thread([])], ...fields });

/** Bad specs, one or more problems each, across the schema, the parameters, the references and the limits. */
const CASES: ReadonlyArray<readonly [string, unknown, Record<string, string | number | boolean>?]> = [
  ['not an object', [1, 2]],
  ['unknown field', spec({ colour: 'red' })],
  ['unknown step', spec({ actors: [thread([{ op: 'jump' }])] })],
  ['unknown primitive type', spec({ primitives: { m: { type: 'spinlock' } } })],
  ['unknown scope', spec({ shared: { n: { scope: 'global', initial: 0 } } })],
  ['wrong type', spec({ actors: [thread([{ op: 'sleep', ms: 'long' }])] })],
  ['missing fields', spec({ actors: [thread([{ op: 'sleep' }]), { kind: 'thread', program: [] }] })],
  ['bad actor kind', spec({ actors: [{ name: 't', kind: 'thred', program: [] }] })],
  ['bad name', spec({ actors: [thread([], { name: '1 bad' })] })],
  ['too small', spec({ actors: [thread([], { count: 0 })] })],
  ['nested too deep', spec({ actors: [thread([nest(40)])] })],
  ['proto key', JSON.parse('{"version":1,"actors":[],"__proto__":{}}')],
  ['built-in name', spec({ shared: { constructor: { scope: 'shared', initial: 0 } } })],
  ['default out of bounds', spec({ params: { n: { type: 'integer', default: 50, min: 1, max: 10 } } })],
  ['default not a choice', spec({ params: { mode: { type: 'choice', default: 'z', choices: ['a', 'b'] } } })],
  ['unknown parameter', spec({ actors: [thread([{ op: 'sleep', ms: { param: 'nope' } }])] })],
  ['override of no parameter', spec({}), { threads: 3 }],
  ['override out of range', spec({ params: { n: { type: 'integer', default: 5, min: 1, max: 10 } } }), { n: 99 }],
  ['override not an integer', spec({ params: { n: { type: 'integer', default: 5 } } }), { n: 'many' }],
  ['override not a boolean', spec({ params: { on: { type: 'boolean', default: true } } }), { on: 'perhaps' }],
  ['override not a choice', spec({ params: { mode: { type: 'choice', default: 'a', choices: ['a', 'b'] } } }), { mode: 'c' }],
  ['names twice, two mains', spec({ actors: [thread([]), thread([]), { name: 'm1', kind: 'main', program: [] }, { name: 'm2', kind: 'main', program: [] }] })],
  ['main runs once, not a daemon', spec({ actors: [{ name: 'm', kind: 'main', count: 2, daemon: true, program: [] }] })],
  ['condition on no lock, on an event', spec({ primitives: { c: { type: 'condition', lock: 'zz' }, e: { type: 'event' }, d: { type: 'condition', lock: 'e' } } })],
  ['semaphore too large', spec({ primitives: { s: { type: 'semaphore', value: 2_000_000 } } })],
  ['missing names', spec({ actors: [thread([{ op: 'acquire', prim: 'nope' }, { op: 'add', var: 'nope', delta: 1 }, { op: 'put', queue: 'nope', value: 1 }, { op: 'join', actor: 'nope' }, { op: 'submit', pool: 'nope', function: 'f', arg: 1 }])] })],
  ['op on the wrong primitive', spec({ primitives: { e: { type: 'event' } }, actors: [thread([{ op: 'acquire', prim: 'e' }])] })],
  ['in-process lock in a process', spec({ primitives: { m: { type: 'mutex', reach: 'in-process' } }, actors: [{ name: 'p', kind: 'process', program: [{ op: 'acquire', prim: 'm' }] }] })],
  ['index into a single value', spec({ shared: { n: { scope: 'shared', initial: 0 } }, actors: [thread([{ op: 'read', var: 'n', index: 0, into: 'x' }])] })],
  ['fraction into a 32-bit word', spec({ shared: { n: { scope: 'shared', initial: 0 } }, actors: [thread([{ op: 'write', var: 'n', value: 1.5 }])] })],
  ['join of both', spec({ queues: { q: { order: 'fifo' } }, actors: [thread([{ op: 'join', actor: 't', queue: 'q' }])] })],
  ['return outside a function', spec({ actors: [thread([{ op: 'return', value: 1 }])] })],
  ['never starts', spec({ actors: [thread([], { autostart: false })] })],
  ['path out of the run folder', spec({ actors: [thread([{ op: 'file_write', path: '../escape.txt', text: 'x' }])] })],
  ['limit above its cap', spec({ limits: { maxEvents: DEFAULT_LIMIT_CAPS.maxEvents * 10 } })],
  ['too many actors', spec({ actors: [thread([], { count: 1_000 })], limits: { maxActors: 10 } })],
  ['claim on no actor or variable', spec({ claims: [{ id: 'c', text: { en: 'x', zh: 'x' }, check: { compare: [{ actors: 'nobody', field: 'exit', agg: 'max' }, '>', { shared: 'nothing' }] } }] })],
];

function nest(depth: number): unknown {
  let step: unknown = { op: 'sleep', ms: 1 };
  for (let i = 0; i < depth; i++) step = { op: 'repeat', times: 1, steps: [step] };
  return step;
}

describe('spec issues in Chinese', () => {
  test.each(CASES)('%s', (_name, input, overrides) => {
    expectWorded(issuesOf(input, overrides as Record<string, string | number | boolean> | undefined));
  });

  test('what a runtime refuses is worded too: CPython-only parts on Node, and what CPython does not run', () => {
    const onNode = nodeIssues(
      validateSpec(
        spec({ pipes: { p: {} }, shared: { v: { scope: 'value', initial: 0 } }, actors: [{ name: 'a', kind: 'process', program: [{ op: 'pipe_close', pipe: 'p', end: 1 }] }] }),
        { caps: DEFAULT_LIMIT_CAPS },
      ).spec,
    );
    expect(onNode.map((issue) => issue.path)).toEqual(['pipes', 'shared.v.scope', 'actors[0].program[0]']);
    expectWorded(onNode);
    const onCpython = cpythonIssues(
      validateSpec(
        spec({
          queues: { q: { order: 'lifo' } },
          servers: { s: { protocol: 'tcp', model: 'event-loop', port: 9, handler: { kind: 'echo' } } },
          actors: [
            { name: 'p', kind: 'process', program: [{ op: 'spawn', actor: 't' }] },
            { name: 't', kind: 'thread', autostart: false, program: [] },
            { name: 'm', kind: 'main', program: [{ op: 'terminate', actor: 't' }] },
          ],
        }),
        { caps: DEFAULT_LIMIT_CAPS },
      ).spec,
    );
    expect(onCpython.length).toBeGreaterThanOrEqual(4);
    expectWorded(onCpython);
  });
});

/** Every issue has a Chinese message, the English one unchanged beside it, and a Chinese expectation where the English one is words. */
function expectWorded(issues: readonly SpecIssue[]): void {
  expect(issues.length).toBeGreaterThan(0);
  for (const issue of issues) {
    expect(issue.zh, `${issue.path}: ${issue.message}`).toBeDefined();
    expect(issue.zh!.message, issue.path).toMatch(HAN);
    expect(issue.message, issue.path).not.toMatch(HAN);
    const zh = wordSpecIssue(issue, 'zh');
    const en = wordSpecIssue(issue, 'en');
    expect(en).toEqual({ message: issue.message, ...(issue.expected !== undefined ? { expected: issue.expected } : {}), ...(issue.received !== undefined ? { received: issue.received } : {}) });
    expect(zh.message).toBe(issue.zh!.message);
    // A bare value or a list of names ("1", "false", "fifo", "a, b") stays as it is.
    if (issue.expected !== undefined && /[a-z]{3,}/.test(issue.expected) && !/^[\w.\-, :"]+$/.test(issue.expected)) expect(zh.expected, issue.path).toMatch(HAN);
  }
}

describe('spec issues in Chinese: the lists', () => {
  test('the cases reach every kind of check: names, types, values, parameters, references, paths and limits', () => {
    const messages = new Set(CASES.flatMap(([, input, overrides]) => issuesOf(input, overrides).map((issue) => issue.message.split(/[:(]/)[0]!.trim())));
    expect(messages.size).toBeGreaterThanOrEqual(30);
  });

  test('an issue list reads in Chinese, with the expected and given texts, and counts what it leaves out', () => {
    const issues = issuesOf(spec({ actors: [thread([{ op: 'acquire', prim: 'a' }, { op: 'acquire', prim: 'b' }, { op: 'acquire', prim: 'c' }])] }));
    expect(issues).toHaveLength(3);
    const zh = formatSpecIssues(issues, 2, 'zh');
    expect(zh.split('\n')[0]).toBe('实验规格无效（3 个问题）：');
    expect(zh).toContain('actors[0].program[0].prim: 没有这个同步原语；应为 在 primitives 中声明的名字；实际为 "a"');
    expect(zh).toContain('… 还有 1 个');
    expect(formatSpecIssues(issues, 2, 'en')).toContain('actors[0].program[0].prim: no such primitive; expected a name declared in primitives; got "a"');
  });

  test('a field left out is named as missing, with what it takes, not as a value of the wrong form', () => {
    const issues = issuesOf(spec({ actors: [thread([{ op: 'sleep' }]), { kind: 'thread', program: [] }] }));
    expect(issues.map((issue) => [issue.path, issue.message, issue.expected, issue.zh?.message])).toEqual([
      ['actors[0].program[0].ms', 'missing field', 'a number, {"param": name}, or an expression such as {"mul": [{"self": "index"}, 100]}', '缺少这个字段'],
      ['actors[1].name', 'missing field', 'string', '缺少这个字段'],
    ]);
  });

  test('an issue from elsewhere (no Chinese) reads in English in either language', () => {
    const foreign: SpecIssue = { path: 'x', message: 'something odd', expected: 'something else' };
    expect(wordSpecIssue(foreign, 'zh')).toEqual({ message: 'something odd', expected: 'something else' });
  });
});
