import { describe, expect, test } from 'vitest';
import { LAB_PACK_LIMITS, labPackSchema } from '@contract/lab-pack';
import {
  addChoice,
  addLesson,
  addQuestion,
  answerSources,
  checkDraft,
  draftFromPack,
  draftToPack,
  isEmptyDraft,
  moveLesson,
  newDraft,
  problemAt,
  removeChoice,
  removeLesson,
  removeQuestion,
  reviveDraft,
  setParamMode,
  slugify,
  specParams,
  type PackDraft,
} from '../../src-renderer/components/packs/pack-builder';

/** A built-in lesson's spec as lessons.get gives it (the builder reads only params, records and shared). */
const raceSpec = {
  version: 1,
  params: {
    threads: { type: 'integer', default: 10, min: 1, max: 64 },
    windowMs: { type: 'number', default: 1 },
    locked: { type: 'boolean', default: true },
    mode: { type: 'choice', default: 'fast', choices: ['fast', 'slow'] },
  },
  shared: { counter: { scope: 'value', initial: 0 } },
  actors: [{ name: 'w', kind: 'thread', program: [{ op: 'repeat', times: 2, steps: [{ op: 'record', name: 'unlockedFinal', value: 1 }] }] }],
};
const composedSpec = { version: 1, params: { n: { type: 'integer', default: 3, min: 1, max: 10 } }, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'record', name: 'n', value: { param: 'n' } }] }] };

function titled(draft: PackDraft): PackDraft {
  draft.id = 'quick-lab';
  draft.title = { zh: '快速实验', en: 'Quick lab' };
  draft.instructions = { zh: '按顺序做。', en: 'Do them in order.' };
  return draft;
}

describe('pack builder state', () => {
  test('lessons are added with unique ids, moved and removed in order', () => {
    const draft = newDraft();
    addLesson(draft, { kind: 'lesson', lessonId: 'race-counter' }, raceSpec, 'race-counter');
    addLesson(draft, { kind: 'lesson', lessonId: 'race-counter' }, raceSpec, 'race-counter');
    addLesson(draft, { kind: 'spec', spec: composedSpec, from: 'My Counting!' }, composedSpec, 'My Counting!');
    expect(draft.lessons.map((l) => l.id)).toEqual(['race-counter', 'race-counter-2', 'my-counting']);
    expect(moveLesson(draft, 2, -2)).toBe(true);
    expect(draft.lessons.map((l) => l.id)).toEqual(['my-counting', 'race-counter', 'race-counter-2']);
    expect(moveLesson(draft, 0, -1)).toBe(false);
    expect(moveLesson(draft, 2, 1)).toBe(false);
    expect(removeLesson(draft, 1)).toBe(true);
    expect(draft.lessons.map((l) => l.id)).toEqual(['my-counting', 'race-counter-2']);
    expect(removeLesson(draft, 5)).toBe(false);
  });

  test('a pack holds at most the schema\'s number of lessons, questions and choices', () => {
    const draft = newDraft();
    for (let i = 0; i < LAB_PACK_LIMITS.lessons; i++) expect(addLesson(draft, { kind: 'lesson', lessonId: 'thread-start' }, {}, 'thread-start')).not.toBeNull();
    expect(addLesson(draft, { kind: 'lesson', lessonId: 'thread-start' }, {}, 'thread-start')).toBeNull();
    expect(draft.lessons).toHaveLength(LAB_PACK_LIMITS.lessons);
    const lesson = draft.lessons[0]!;
    for (let i = 0; i < LAB_PACK_LIMITS.questions; i++) expect(addQuestion(lesson, 'choice')).not.toBeNull();
    expect(addQuestion(lesson, 'number')).toBeNull();
    expect(lesson.questions.map((q) => q.id)).toEqual(['q1', 'q2', 'q3']);
    const question = lesson.questions[0]!;
    while (addChoice(question)) {
      // fills up to the bound
    }
    expect(question.choices.map((c) => c.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(removeChoice(question, 0)).toBe(true);
    expect(addChoice(question)!.id).toBe('a');
    expect(removeQuestion(lesson, 1)).toBe(true);
    expect(addQuestion(lesson, 'number')!.id).toBe('q3-2');
  });

  test('parameters start at their defaults; fixed ones take typed values, open ones are listed', () => {
    const params = specParams(raceSpec);
    expect(params.map((p) => [p.name, p.type, p.defaultValue, p.mode])).toEqual([
      ['threads', 'integer', '10', 'default'],
      ['windowMs', 'number', '1', 'default'],
      ['locked', 'boolean', 'true', 'default'],
      ['mode', 'choice', 'fast', 'default'],
    ]);
    const draft = titled(newDraft());
    const lesson = addLesson(draft, { kind: 'lesson', lessonId: 'race-counter' }, raceSpec, 'race')!;
    setParamMode(lesson, 'threads', 'fixed', '20');
    setParamMode(lesson, 'locked', 'fixed', 'false');
    setParamMode(lesson, 'mode', 'fixed');
    setParamMode(lesson, 'windowMs', 'open');
    expect(setParamMode(lesson, 'nope', 'open')).toBe(false);
    const { pack, problems } = checkDraft(draft);
    expect(problems).toEqual([]);
    expect(pack!.lessons[0]).toEqual({ id: 'race', lesson: 'race-counter', fixed: { threads: 20, locked: false, mode: 'fast' }, open: ['windowMs'] });
  });

  test('a fixed value that is not of its parameter\'s type or range is a problem naming the field', () => {
    const draft = titled(newDraft());
    const lesson = addLesson(draft, { kind: 'lesson', lessonId: 'race-counter' }, raceSpec, 'race')!;
    setParamMode(lesson, 'threads', 'fixed', '100');
    setParamMode(lesson, 'locked', 'fixed', 'yes');
    setParamMode(lesson, 'mode', 'fixed', 'medium');
    const { pack, problems } = checkDraft(draft);
    expect(pack).toBeNull();
    expect(problems.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: 'lessons[0].fixed.threads', message: 'expected at most 64, got 100' },
      { path: 'lessons[0].fixed.locked', message: 'expected true or false, got "yes"' },
      { path: 'lessons[0].fixed.mode', message: 'expected one of fast, slow, got "medium"' },
    ]);
    setParamMode(lesson, 'threads', 'fixed', '2.5');
    expect(problemAt(checkDraft(draft).problems, 'lessons[0].fixed.threads')).toBe('expected a whole number, got "2.5"');
  });

  test('answer sources are what the spec records, its shared variables and the common metrics', () => {
    const sources = answerSources(raceSpec);
    expect(sources.slice(0, 2)).toEqual(['record:unlockedFinal', 'shared:counter']);
    expect(sources).toContain('metric:wallMs');
    expect(answerSources(null)).not.toContain('record:unlockedFinal');
  });

  test('two lessons, one fixed parameter and a question of each kind make a pack the schema accepts', () => {
    const draft = titled(newDraft());
    draft.author = '  Ms Li ';
    const count = addLesson(draft, { kind: 'spec', spec: composedSpec, from: 'Counting' }, composedSpec, 'count')!;
    count.title = { zh: '数数', en: 'Counting' };
    setParamMode(count, 'n', 'fixed', '4');
    const guess = addQuestion(count, 'number')!;
    guess.text = { zh: '会记下几？', en: 'What gets recorded?' };
    guess.answerFrom = 'record:n';
    guess.toleranceAbsolute = '0.5';
    guess.min = '0';
    const start = addLesson(draft, { kind: 'lesson', lessonId: 'thread-start' }, {}, 'thread-start')!;
    const order = addQuestion(start, 'choice')!;
    order.text = { zh: '按顺序吗？', en: 'In order?' };
    order.choices[0]!.text = { zh: '会', en: 'Yes' };
    order.choices[1]!.text = { zh: '不一定', en: 'Not necessarily' };
    order.choices[1]!.when = '>0';
    order.answerFrom = 'metric:wallMs';
    const { pack, problems, json } = checkDraft(draft);
    expect(problems).toEqual([]);
    expect(labPackSchema.safeParse(JSON.parse(JSON.stringify(json))).success).toBe(true);
    expect(pack).toEqual({
      format: 'conlab-lab-pack',
      version: 1,
      id: 'quick-lab',
      title: { zh: '快速实验', en: 'Quick lab' },
      instructions: { zh: '按顺序做。', en: 'Do them in order.' },
      author: 'Ms Li',
      lessons: [
        {
          id: 'count',
          spec: composedSpec,
          title: { zh: '数数', en: 'Counting' },
          fixed: { n: 4 },
          questions: [{ id: 'q1', kind: 'number', text: { zh: '会记下几？', en: 'What gets recorded?' }, min: 0, answerFrom: { record: 'n' }, tolerance: { absolute: 0.5 } }],
        },
        {
          id: 'thread-start',
          lesson: 'thread-start',
          questions: [
            {
              id: 'q1',
              kind: 'choice',
              text: { zh: '按顺序吗？', en: 'In order?' },
              choices: [
                { id: 'a', text: { zh: '会', en: 'Yes' } },
                { id: 'b', text: { zh: '不一定', en: 'Not necessarily' }, when: '>0' },
              ],
              answerFrom: { metric: 'wallMs' },
            },
          ],
        },
      ],
    });
  });

  test('what is missing or malformed is named by its path in the pack', () => {
    const draft = newDraft();
    draft.id = 'Bad Id';
    draft.title.en = 'Only English';
    expect(checkDraft(draft).problems.map((p) => p.path)).toEqual(['id', 'title.zh', 'instructions.zh', 'instructions.en', 'lessons']);
    titled(draft);
    const lesson = addLesson(draft, { kind: 'spec', spec: composedSpec, from: 'x' }, composedSpec, 'x')!;
    lesson.title = { zh: '', en: 'Counting' };
    const question = addQuestion(lesson, 'number')!;
    question.max = 'ten';
    question.answerFrom = 'record:elsewhere';
    const problems = checkDraft(draft).problems;
    expect(problems.map((p) => p.path)).toEqual(['lessons[0].questions[0].answerFrom', 'lessons[0].title.zh', 'lessons[0].questions[0].text.zh', 'lessons[0].questions[0].text.en', 'lessons[0].questions[0].max']);
    expect(problemAt(problems, 'lessons[0].questions[0]')).toBe('the lesson does not record record:elsewhere');
    expect(problemAt(problems, 'lessons[1]')).toBeNull();
  });

  test('an opened pack becomes a draft that gives the same pack back', () => {
    const source = {
      format: 'conlab-lab-pack' as const,
      version: 1 as const,
      id: 'threads-lab',
      title: { zh: '线程', en: 'Threads' },
      instructions: { zh: '做吧', en: 'Go' },
      lessons: [
        {
          id: 'race',
          lesson: 'race-counter',
          fixed: { threads: 20 },
          open: ['windowMs'],
          runtime: 'cpython' as const,
          questions: [
            { id: 'final', kind: 'number' as const, text: { zh: '多少？', en: 'How many?' }, min: 0, max: 20, answerFrom: { record: 'unlockedFinal' }, tolerance: { absolute: 1 } },
            // What the builder does not edit comes back unchanged: a ratio source, a why, a choice's text answer.
            {
              id: 'faster',
              kind: 'choice' as const,
              text: { zh: '哪个快？', en: 'Which is faster?' },
              why: { zh: '因为锁。', en: 'Because of the lock.' },
              choices: [
                { id: 'a', text: { zh: '加锁', en: 'locked' }, is: 'locked' },
                { id: 'b', text: { zh: '串行', en: 'serial' }, when: '>1' },
              ],
              answerFrom: { ratio: [{ record: 'lockedMs', agg: 'sum' as const }, { metric: 'wallMs' }] },
            },
          ],
          report: [{ record: 'unlockedFinal' }, { metric: 'wallMs' }],
        },
      ],
    };
    const pack = labPackSchema.parse(source);
    const draft = draftFromPack(pack, (id) => (id === 'race-counter' ? raceSpec : undefined));
    expect(draft.lessons[0]!.params.map((p) => [p.name, p.mode, p.value])).toEqual([
      ['threads', 'fixed', '20'],
      ['windowMs', 'open', ''],
      ['locked', 'default', ''],
      ['mode', 'default', ''],
    ]);
    const again = checkDraft(draft);
    expect(again.problems).toEqual([]);
    expect(again.pack).toEqual(pack);
  });

  test('a pack whose lesson spec is not at hand keeps what it fixes and leaves open', () => {
    const pack = labPackSchema.parse({
      format: 'conlab-lab-pack',
      version: 1,
      id: 'p',
      title: { zh: '包', en: 'Pack' },
      instructions: { zh: '做', en: 'Do' },
      lessons: [{ id: 'race', lesson: 'race-counter', fixed: { threads: 20, mode: 'slow', locked: false }, open: ['windowMs'] }],
    });
    const draft = draftFromPack(pack, () => undefined);
    expect(draft.lessons[0]!.params.map((p) => [p.name, p.type, p.mode, p.value])).toEqual([
      ['threads', 'number', 'fixed', '20'],
      ['mode', 'choice', 'fixed', 'slow'],
      ['locked', 'boolean', 'fixed', 'false'],
      ['windowMs', 'number', 'open', ''],
    ]);
    expect(checkDraft(draft).pack).toEqual(pack);
  });

  test('a stored draft comes back only when shaped and bounded as one', () => {
    const draft = titled(newDraft());
    addQuestion(addLesson(draft, { kind: 'spec', spec: composedSpec, from: 'Counting' }, composedSpec, 'count')!, 'choice');
    const stored: unknown = JSON.parse(JSON.stringify(draft));
    expect(reviveDraft(stored)).toEqual(draft);
    expect(reviveDraft({ ...draft, title: { zh: 'x'.repeat(LAB_PACK_LIMITS.textChars + 1), en: '' } })).toBeNull();
    expect(reviveDraft({ ...draft, lessons: 'many' })).toBeNull();
    expect(reviveDraft(null)).toBeNull();
    expect(reviveDraft({ ...draft, extra: 1 })).toBeNull();
    expect(isEmptyDraft(newDraft())).toBe(true);
    expect(isEmptyDraft(draft)).toBe(false);
    expect(draftToPack(newDraft())['lessons']).toEqual([]);
  });

  test('ids made from names are short slugs', () => {
    expect(slugify('  Race: 20 Threads! ')).toBe('race-20-threads');
    expect(slugify('线程')).toBe('lesson');
    expect(slugify('a'.repeat(80))).toHaveLength(40);
  });
});
