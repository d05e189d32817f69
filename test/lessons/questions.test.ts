// Every lesson asks one to three questions before its run, in both languages, each with its why; every
// answer is read from something the lesson's spec really produces, and every question can be scored.
import { describe, expect, test } from 'vitest';
import { LESSONS } from '../../src-main/lessons/catalog';
import { meetsCondition, questionListSchema, sourceMeasures, type Measure, type Question } from '../../src-main/model/questions';

/** What a spec's runs can hold: its record steps, shared variables, claims, and the metrics the engine computes for it. */
function produced(spec: Record<string, unknown>): { records: Set<string>; shared: Set<string>; claims: Set<string>; metric: (name: string) => boolean } {
  const records = new Set<string>();
  const sections = new Set<string>();
  const claimMetrics = new Set<string>();
  const walk = (value: unknown, inClaims: boolean): void => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, inClaims));
    else if (value !== null && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (!inClaims && object['op'] === 'record' && typeof object['name'] === 'string') records.add(object['name']);
      if (!inClaims && object['op'] === 'section' && typeof object['name'] === 'string') sections.add(object['name']);
      if (inClaims && typeof object['metric'] === 'string') claimMetrics.add(object['metric']);
      for (const [key, inner] of Object.entries(object)) walk(inner, inClaims || key === 'claims');
    }
  };
  walk(spec, false);
  const names = (key: string): Set<string> => new Set(Object.keys((spec[key] as Record<string, unknown> | undefined) ?? {}));
  const pools = names('pools');
  const servers = names('servers');
  const claims = new Set(((spec['claims'] as { id: string }[] | undefined) ?? []).map((c) => c.id));
  const metric = (name: string): boolean => {
    if (name === 'wallMs' || claimMetrics.has(name)) return true;
    const section = /^section\.(.+)\.max$/.exec(name);
    if (section) return sections.has(section[1]!);
    const owned = /^(pool|server)\.([^.]+)\.[A-Za-z]+$/.exec(name);
    return owned !== null && (owned[1] === 'pool' ? pools : servers).has(owned[2]!);
  };
  return { records, shared: names('shared'), claims, metric };
}

/** Probe values around every threshold the choices name: each must make exactly one choice (the first that matches) right. */
function probes(question: Extract<Question, { kind: 'choice' }>): number[] {
  const values = new Set<number>([0, 1, -1, 1e9, -1e9]);
  for (const choice of question.choices) {
    const bound = choice.when !== undefined ? Number(/-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(choice.when)![0]) : null;
    if (bound !== null) for (const v of [bound - 0.5, bound - 1e-6, bound, bound + 1e-6, bound + 0.5]) values.add(v);
  }
  return [...values];
}

describe('lesson questions', () => {
  test('every lesson asks one to three', () => {
    const without = LESSONS.filter((lesson) => (lesson.questions?.length ?? 0) === 0).map((lesson) => lesson.id);
    expect(without).toEqual([]);
    for (const lesson of LESSONS) expect(lesson.questions!.length, lesson.id).toBeLessThanOrEqual(3);
  });

  for (const lesson of LESSONS) {
    test(`${lesson.id}: valid, in both languages, explained, every source produced by its spec, scorable`, () => {
      const parsed = questionListSchema.safeParse(lesson.questions);
      expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
      const made = produced(lesson.spec as Record<string, unknown>);
      for (const question of lesson.questions ?? []) {
        const at = `${lesson.id}/${question.id}`;
        const texts = [question.text, question.why!, ...(question.kind === 'choice' ? question.choices.map((c) => c.text) : [])];
        expect(question.why, `${at}: why`).toBeDefined();
        for (const text of texts) {
          expect(text.en.trim().length, at).toBeGreaterThan(0);
          expect(text.zh.trim().length, at).toBeGreaterThan(0);
        }
        expect(question.text.zh, at).toMatch(/[\u4e00-\u9fff]/);
        expect(question.why!.zh, at).toMatch(/[\u4e00-\u9fff]/);

        expect(question.answerFrom, `${at}: answerFrom`).toBeDefined();
        for (const measure of sourceMeasures(question.answerFrom!)) {
          const exists = (m: Measure): boolean =>
            'record' in m ? made.records.has(m.record) : 'shared' in m ? made.shared.has(m.shared) : 'claim' in m ? made.claims.has(m.claim) : made.metric(m.metric);
          expect(exists(measure), `${at}: ${JSON.stringify(measure)} is not produced by the lesson's spec`).toBe(true);
        }

        if (question.kind === 'number') {
          expect(question.tolerance, `${at}: a number question says how close is right`).toBeDefined();
        } else {
          const byText = question.choices.filter((c) => c.is !== undefined).length;
          const byCondition = question.choices.filter((c) => c.when !== undefined).length;
          // Either every choice is a recorded text, or the conditions leave no number without a right choice.
          expect(byText === question.choices.length || byCondition === question.choices.length, `${at}: choices mix texts and conditions or lack both`).toBe(true);
          if (byCondition === question.choices.length) {
            for (const value of probes(question)) {
              expect(question.choices.some((c) => meetsCondition(value, c.when!)), `${at}: no choice is right for ${value}`).toBe(true);
            }
          }
        }
      }
    });
  }
});
