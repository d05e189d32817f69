// Every lesson's spec still passes the checks hostile specs are refused by: names, depth, paths.
import { describe, expect, test } from 'vitest';
import { LESSONS } from '../../src-main/lessons/catalog';
import { validateSpec } from '../../src-main/engine/spec/validate';

describe('lesson specs', () => {
  test('the catalog holds every lesson', () => {
    expect(LESSONS.length).toBeGreaterThanOrEqual(41);
  });
  for (const lesson of LESSONS) {
    test(`${lesson.id} validates with its defaults`, () => {
      expect(() => validateSpec(lesson.spec, { cpuCount: 4 })).not.toThrow();
    });
  }
});
