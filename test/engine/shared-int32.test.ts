// A 32-bit shared integer takes only integers in range: a write or add whose value is known before the
// run to be something else (text, a fraction, a boolean, a number past 2^31) is refused, naming the
// step's field and the variable, what was given and what was expected.
import { describe, expect, test } from 'vitest';
import { SpecError, validateSpec } from '../../src-main/engine/spec/validate';
import type { SpecIssue } from '../../src-main/model/spec-issue';

function spec(step: Record<string, unknown>, shared: Record<string, unknown> = { total: { scope: 'shared', initial: 0 } }, extra: Record<string, unknown> = {}): unknown {
  return { version: 1, shared, actors: [{ name: 'w', kind: 'thread', program: [step] }], ...extra };
}

function issuesOf(input: unknown): readonly SpecIssue[] {
  try {
    validateSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).issues;
  }
  return [];
}

describe('writing to a 32-bit shared integer', () => {
  test('a text written to a shared int is refused at the step field, naming the variable, the value and the range', () => {
    const input = spec({ op: 'write', var: 'total', value: 'seven' });
    const issues = issuesOf(input);
    expect(issues).toHaveLength(1);
    const issue = issues[0]!;
    expect(issue.path).toBe('actors[0].program[0].value');
    expect(issue.message).toContain('total');
    expect(issue.message).toContain('32-bit');
    expect(issue.message).toContain('a text');
    expect(issue.received).toBe('"seven"');
    expect(issue.expected).toContain('-2147483648 to 2147483647');
    // The CLI's and the service's one message carries the path too.
    expect(() => validateSpec(input)).toThrow(/actors\[0\]\.program\[0\]\.value: total is a 32-bit shared integer/);
  });

  test('numbers in range are accepted, for write and add, on single values and arrays', () => {
    expect(issuesOf(spec({ op: 'write', var: 'total', value: 7 }))).toEqual([]);
    expect(issuesOf(spec({ op: 'write', var: 'total', value: -2_147_483_648 }))).toEqual([]);
    expect(issuesOf(spec({ op: 'add', var: 'total', delta: 2_147_483_647 }))).toEqual([]);
    expect(issuesOf(spec({ op: 'write', var: 'cells', index: 1, value: 3 }, { cells: { scope: 'shared', initial: [0, 0] } }))).toEqual([]);
    // Only the run can tell what a local or arithmetic on it holds: those are left to the run.
    expect(issuesOf(spec({ op: 'write', var: 'total', value: { add: [{ ref: 'x' }, 1] } }))).toEqual([]);
  });

  test('a parameter substituted into the value is judged by what it resolves to', () => {
    const params = { params: { n: { type: 'number', default: 1.5 } } };
    const issues = issuesOf(spec({ op: 'write', var: 'total', value: { param: 'n' } }, undefined, params));
    expect(issues.map((i) => [i.path, i.received])).toEqual([['actors[0].program[0].value', '1.5']]);
    expect(issues[0]!.message).toContain('a fraction');
  });

  test('fractions, booleans, null, out-of-range numbers and text-making expressions are refused; managed variables take anything', () => {
    const refused: [Record<string, unknown>, string][] = [
      [{ op: 'write', var: 'total', value: 0.5 }, 'a fraction'],
      [{ op: 'write', var: 'total', value: true }, 'a boolean'],
      [{ op: 'write', var: 'total', value: null }, 'null'],
      [{ op: 'write', var: 'total', value: 2_147_483_648 }, 'outside the 32-bit range'],
      [{ op: 'add', var: 'total', delta: '1' }, 'a text'],
      [{ op: 'write', var: 'total', value: { concat: ['a', 1] } }, 'a text'],
      [{ op: 'write', var: 'total', value: { self: 'name' } }, 'a text'],
    ];
    for (const [step, what] of refused) {
      const issues = issuesOf(spec(step));
      expect(issues, JSON.stringify(step)).toHaveLength(1);
      expect(issues[0]!.path).toBe(`actors[0].program[0].${step['op'] === 'add' ? 'delta' : 'value'}`);
      expect(issues[0]!.message).toContain(what);
    }
    expect(issuesOf(spec({ op: 'write', var: 'box', value: 'seven' }, { box: { scope: 'managed', initial: null } }))).toEqual([]);
  });

  test('a nested step inside repeat is named by its full path', () => {
    const issues = issuesOf(spec({ op: 'repeat', times: 2, steps: [{ op: 'write', var: 'total', value: 'x' }] }));
    expect(issues.map((i) => i.path)).toEqual(['actors[0].program[0].steps[0].value']);
  });
});
