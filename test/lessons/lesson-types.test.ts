import { describe, expect, test } from 'vitest';
import { SpecError, validateSpec } from '../../src-main/engine/spec/validate';
import type { Lesson } from '../../src-main/model/lesson';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';

/**
 * A lesson's spec is an AuthoredSpec, so a lesson the validator would refuse does not compile. Each
 * refused spec below carries @ts-expect-error: should the type stop catching it, `npm run typecheck`
 * fails on the unused directive; the test itself checks the validator refuses the same spec.
 */
const text = { en: 'x', zh: 'x' };
const lessonWith = (spec: AuthoredSpec): Lesson => ({
  id: 'typed',
  chapter: 'threads',
  title: text,
  text: { teaches: text, watch: text, pythonVsNode: text, tryNext: text },
  spec,
});

const refused: [string, unknown][] = [
  // @ts-expect-error an op the step language does not have
  ['unknown op', lessonWith({ version: 1, actors: [{ name: 'main', kind: 'main', program: [{ op: 'sleeep', ms: 1 }] }] }).spec],
  // @ts-expect-error an actor kind that does not exist
  ['unknown kind', lessonWith({ version: 1, actors: [{ name: 'main', kind: 'fiber', program: [] }] }).spec],
  // @ts-expect-error a parameter where the schema takes only a name
  ['param as a name', lessonWith({ version: 1, actors: [{ name: 'main', kind: 'main', program: [{ op: 'acquire', prim: { param: 'lock' } }] }] }).spec],
  // @ts-expect-error a field the step does not take
  ['extra field', lessonWith({ version: 1, actors: [{ name: 'main', kind: 'main', program: [{ op: 'sleep', ms: 1, seconds: 2 }] }] }).spec],
];

describe('lessons are typed as authored specs', () => {
  test.each(refused)('the validator refuses what the compiler refuses: %s', (_name, spec) => {
    expect(() => validateSpec(spec)).toThrow(SpecError);
  });

  test('a parameter where the schema allows one compiles and validates', () => {
    const lesson = lessonWith({
      version: 1,
      params: { ms: { type: 'integer', default: 5, min: 0 } },
      actors: [{ name: 'main', kind: 'main', program: [{ op: 'sleep', ms: { param: 'ms' } }] }],
    });
    expect(validateSpec(lesson.spec).params).toEqual({ ms: 5 });
  });
});
