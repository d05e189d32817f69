/**
 * The pack builder's problems in the UI's language: every code has its wording in both languages, and a
 * draft's problems (the schema's and the builder's own) read as Chinese sentences in the Chinese UI, with the
 * path kept as it is and the values quoted.
 */
import { describe, expect, test } from 'vitest';
import { labPackSchema } from '@contract/lab-pack';
import { addLesson, addQuestion, checkDraft, issueWording, newDraft, setParamMode, type DraftProblem, type PackDraft } from '../../src-renderer/components/packs/pack-builder';
import { PACK_BUILDER_CODES, wordProblem, wordProblems } from '../../src-renderer/components/packs/pack-builder-messages';
import { createLabI18n, type Locale } from '../../src-renderer/i18n';
import { en } from '../../src-renderer/i18n/en';
import { zhCN } from '../../src-renderer/i18n/zh-CN';

const spec = {
  version: 1,
  params: {
    threads: { type: 'integer', default: 10, min: 1, max: 64 },
    locked: { type: 'boolean', default: true },
    mode: { type: 'choice', default: 'fast', choices: ['fast', 'slow'] },
  },
  actors: [{ name: 'w', kind: 'thread', program: [{ op: 'record', name: 'final', value: 1 }] }],
};

const CJK = /[\u3400-\u9fff]/;
/** Two English words in a row (values are quoted, and removed before looking). */
const ENGLISH_SENTENCE = /[A-Za-z]{2,}[\s,.:;]+[A-Za-z]{2,}/;
const withoutQuoted = (text: string): string => text.replace(/"[^"]*"/g, '""');

function translate(locale: Locale) {
  const { t } = createLabI18n(locale).global;
  return (key: string, params: Record<string, string | number>): string => t(key, params);
}

/** No title in Chinese, no lesson, an id that is no slug. */
function badPackDraft(): PackDraft {
  const draft = newDraft();
  draft.id = 'My Pack!';
  draft.title = { zh: '', en: 'Races' };
  draft.instructions = { zh: '先预测。', en: 'Predict first.' };
  return draft;
}

/** A lesson with a fixed value of the wrong type and out of range, a question reading what the lesson does not record, a bad condition and a bad number. */
function badLessonDraft(): PackDraft {
  const draft = newDraft();
  draft.title = { zh: '竞争', en: 'Races' };
  draft.instructions = { zh: '先预测。', en: 'Predict first.' };
  const lesson = addLesson(draft, { kind: 'lesson', lessonId: 'race-counter' }, spec, 'race')!;
  setParamMode(lesson, 'locked', 'fixed', 'maybe');
  setParamMode(lesson, 'threads', 'fixed', '100');
  setParamMode(lesson, 'mode', 'fixed', 'medium');
  const choice = addQuestion(lesson, 'choice')!;
  choice.text = { zh: '结果？', en: 'Result?' };
  choice.choices[0]!.text = { zh: '多', en: 'More' };
  choice.choices[0]!.when = 'more than 3';
  choice.choices[1]!.text = { zh: '少', en: 'Less' };
  choice.answerFrom = 'record:elsewhere';
  const number = addQuestion(lesson, 'number')!;
  number.text = { zh: '多少？', en: 'How many?' };
  number.min = 'abc';
  return draft;
}

describe('pack builder messages', () => {
  test('every code has its wording in English and in Chinese', () => {
    expect(PACK_BUILDER_CODES.length).toBeGreaterThan(20);
    expect(Object.keys(zhCN.packBuilderMessages).sort()).toEqual([...PACK_BUILDER_CODES].sort());
    const zh = zhCN.packBuilderMessages as Record<string, string>;
    const english = en.packBuilderMessages as Record<string, string>;
    for (const code of PACK_BUILDER_CODES) {
      expect(english[code], code).toMatch(/\w/);
      expect(zh[code], code).toMatch(CJK);
      // The same values are named in both languages.
      expect([...zh[code]!.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort(), code).toEqual([...english[code]!.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
    }
  });

  test('a draft with no Chinese title, no lesson and a bad id reads in Chinese, each at its path', () => {
    const { problems } = checkDraft(badPackDraft());
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ['id', 'slug'],
      ['title.zh', 'chineseText'],
      ['lessons', 'noLessons'],
    ]);
    const zh = wordProblems(problems, translate('zh-CN'));
    expect(zh.map((p) => p.path)).toEqual(['id', 'title.zh', 'lessons']);
    expect(zh.map((p) => p.message)).toEqual([zhCN.packBuilderMessages.slug, '请填写中文', '至少要有一节课']);
    for (const p of zh) {
      expect(p.message).toMatch(CJK);
      expect(withoutQuoted(p.message)).not.toMatch(ENGLISH_SENTENCE);
    }
    // In English the schema's own texts read as before.
    const english = wordProblems(problems, translate('en'));
    expect(english.map((p) => p.message)).toEqual([en.packBuilderMessages.slug, 'expected Chinese text', 'expected at least one lesson']);
  });

  test('the builder\'s own checks and the question schema\'s read in Chinese, with their values', () => {
    const { problems } = checkDraft(badLessonDraft());
    const byPath = new Map(problems.map((p) => [p.path, p]));
    expect(byPath.get('lessons[0].fixed.locked')).toMatchObject({ code: 'notBoolean', params: { got: '"maybe"' } });
    expect(byPath.get('lessons[0].fixed.threads')).toMatchObject({ code: 'aboveMax', params: { max: 64, got: 100 } });
    expect(byPath.get('lessons[0].fixed.mode')).toMatchObject({ code: 'notChoice' });
    expect(byPath.get('lessons[0].questions[0].answerFrom')).toMatchObject({ code: 'notRecorded', params: { source: 'record:elsewhere' } });
    expect(byPath.get('lessons[0].questions[0].choices[0].when')).toMatchObject({ code: 'condition' });
    expect(byPath.get('lessons[0].questions[1].min')).toMatchObject({ code: 'expectedNumber' });
    const t = translate('zh-CN');
    for (const problem of problems) {
      expect(PACK_BUILDER_CODES, problem.path).toContain(problem.code);
      const text = wordProblem(problem, t);
      expect(text, problem.path).toMatch(CJK);
      expect(withoutQuoted(text), problem.path).not.toMatch(ENGLISH_SENTENCE);
    }
    expect(wordProblem(byPath.get('lessons[0].fixed.locked')!, t)).toBe('应为 true（是）或 false（否），实际填写的是 "maybe"');
    expect(wordProblem(byPath.get('lessons[0].fixed.threads')!, t)).toBe('应不大于 64，实际是 100');
    expect(wordProblem(byPath.get('lessons[0].questions[0].answerFrom')!, t)).toBe('这一课不记录 "record:elsewhere"');
    // English keeps the builder's own sentences.
    expect(wordProblem(byPath.get('lessons[0].fixed.locked')!, translate('en'))).toBe('expected true or false, got "maybe"');
  });

  test('zod issues map by their kind and fields: unknown keys, too few items, a union, rules across fields', () => {
    const question = { id: 'q1', kind: 'choice', text: { zh: '问', en: 'Q' }, choices: [{ id: 'a', text: { zh: '甲', en: 'A' } }] };
    const pack = {
      format: 'conlab-lab-pack',
      version: 1,
      id: 'p',
      title: { zh: '标题', en: 'Title' },
      instructions: { zh: '说明', en: 'Text' },
      extra: true,
      lessons: [
        { id: 'l', lesson: 'race-counter', open: ['n'], fixed: { n: 1 }, questions: [question] },
        { id: 'l', lesson: 'race-counter', questions: [{ ...question, choices: [...question.choices, { id: 'b', text: { zh: '乙', en: 'B' } }], answerFrom: { nothing: 1 } }] },
      ],
    };
    const result = labPackSchema.safeParse(pack);
    expect(result.success).toBe(false);
    const codes = result.error!.issues.map((issue) => issueWording(issue, pack).code);
    expect(codes).toContain('unknownKeys');
    expect(codes).toContain('tooFewItems');
    expect(codes).toContain('invalidInput');
    const keys = result.error!.issues.map((issue) => issueWording(issue, pack)).find((w) => w.code === 'unknownKeys');
    expect(keys?.params).toEqual({ keys: 'extra' });
    // The rules checked across fields are found by the path they name (with the value there).
    const twice = labPackSchema.safeParse({ ...pack, extra: undefined, lessons: [pack.lessons[0]!, { id: 'l', lesson: 'race-counter', fixed: { n: 1 }, open: ['n'] }] });
    const wordings = twice.error!.issues.map((issue) => issueWording(issue, pack));
    expect(wordings).toContainEqual({ code: 'lessonIdTwice', params: { id: 'l' } });
    expect(wordings).toContainEqual({ code: 'fixedAndOpen', params: { name: 'n' } });
    const zh = wordProblem({ path: 'lessons[1].id', message: 'lesson id "l" appears twice in this pack', code: 'lessonIdTwice', params: { id: 'l' } }, translate('zh-CN'));
    expect(zh).toBe('实验 ID "l" 在这个实验包中出现了两次');
  });

  test('a problem without a code, or with one the UI does not know, keeps its English', () => {
    const t = translate('zh-CN');
    const plain: DraftProblem = { path: 'lessons[0].spec', message: 'something the UI has no wording for' };
    expect(wordProblem(plain, t)).toBe(plain.message);
    expect(wordProblem({ ...plain, code: 'no-such-code', params: {} }, t)).toBe(plain.message);
    expect(wordProblem({ ...plain, code: 'toString', params: {} }, t)).toBe(plain.message);
  });
});

