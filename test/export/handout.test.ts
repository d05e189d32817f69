import { describe, expect, it } from 'vitest';
import { checkText, handoutHtml, HANDOUT_PROGRAM_MAX_LINES, pythonSketch, type HandoutOptions } from '../../src-main/export/handout';
import { findLesson } from '../../src-main/lessons/catalog';
import { checkLabPack } from '../../src-main/service/packs';
import { handoutFileName, handoutProgram, lessonHandout, packHandout } from '../../src-main/service/handouts';
import type { PackQuestion } from '../../src-main/model/lab-pack';
import { checkParams } from '../../src-main/contract/methods';
import { createContractHandlers, type CallContext } from '../../src-main/serve/contract-handlers';
import type { RunHub } from '../../src-main/serve/run-hub';
import type { LabService } from '../../src-main/service/lab-service';

const HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">&\'';

/** A composed pack lesson whose every text is hostile markup. */
function hostilePack(): unknown {
  return {
    format: 'conlab-lab-pack',
    version: 1,
    id: 'hostile',
    title: { zh: `标题${HOSTILE}`, en: `Title${HOSTILE}` },
    instructions: { zh: `说明${HOSTILE}`, en: `Instructions${HOSTILE}` },
    author: HOSTILE,
    lessons: [
      {
        id: 'mine',
        title: { zh: `我的${HOSTILE}`, en: `Mine${HOSTILE}` },
        instructions: { zh: `做${HOSTILE}`, en: `Do${HOSTILE}` },
        spec: {
          version: 1,
          description: { zh: `描述${HOSTILE}`, en: `About${HOSTILE}` },
          params: { n: { type: 'integer', default: 3, min: 1, max: 10, description: HOSTILE } },
          actors: [{ name: 'a', kind: 'thread', program: [{ op: 'log', message: HOSTILE }, { op: 'record', name: 'n', value: { param: 'n' } }] }],
          claims: [{ id: 'c1', text: { zh: `论断${HOSTILE}`, en: `Claim${HOSTILE}` }, check: { compare: [{ record: 'n' }, '==', { const: HOSTILE }] } }],
        },
        fixed: { n: 4 },
        questions: [
          { id: 'q1', kind: 'choice', text: { zh: `问${HOSTILE}`, en: `Q${HOSTILE}` }, choices: [{ id: 'a', text: { zh: HOSTILE, en: HOSTILE }, when: '>3' }, { id: 'b', text: { zh: '否', en: 'no' } }], answerFrom: { record: 'n' } },
          { id: 'q2', kind: 'number', text: { zh: '几？', en: 'How many?' }, unit: '<b>ms</b>', min: 0, max: 100, answerFrom: { metric: 'wallMs' }, tolerance: { relative: 0.1, absolute: 2 } },
        ],
      },
    ],
  };
}

/** The markup a handout may contain: the document's own tags, never one from a text. */
function tags(html: string): Set<string> {
  return new Set([...html.matchAll(/<([a-z][a-z0-9]*)/g)].map((m) => m[1]!));
}

describe('handout', () => {
  it('escapes every text of a pack, in both languages and both copies', () => {
    const read = checkLabPack(hostilePack());
    for (const lang of ['en', 'zh-CN'] as const) {
      for (const answerKey of [false, true]) {
        const html = packHandout(read, { lang, paper: 'a4', answerKey });
        expect(html).not.toContain('<script');
        expect(html).not.toContain('<img');
        expect(html).not.toContain('<b>ms');
        expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        expect([...tags(html)].sort()).toEqual(expect.not.arrayContaining(['script', 'img', 'iframe', 'b']));
        // The pack's texts are there, escaped, in the language asked for.
        expect(html).toContain(lang === 'en' ? 'Title&lt;script&gt;' : '标题&lt;script&gt;');
        expect(html).not.toContain(lang === 'en' ? '标题' : 'Title&lt;');
      }
    }
  });

  it('sets the page size of the paper asked for', () => {
    const a4 = lessonHandout('race-counter', { lang: 'en', paper: 'a4', answerKey: false });
    const letter = lessonHandout('race-counter', { lang: 'en', paper: 'letter', answerKey: false });
    expect(a4).toMatch(/@page\{size:A4;/);
    expect(a4).not.toMatch(/size:Letter/);
    expect(letter).toMatch(/@page\{size:Letter;/);
    expect(letter).not.toMatch(/size:A4/);
    // Code wraps rather than running off the sheet.
    expect(a4).toMatch(/pre\.program\{white-space:pre-wrap;overflow-wrap:anywhere/);
  });

  it("prints the lesson's own texts in the language asked for, with labels in it", () => {
    const lesson = findLesson('race-counter')!;
    const en = lessonHandout('race-counter', { lang: 'en', paper: 'a4', answerKey: false });
    const zh = lessonHandout('race-counter', { lang: 'zh-CN', paper: 'a4', answerKey: false });
    const escaped = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    expect(en).toContain(escaped(lesson.text.teaches.en));
    expect(en).not.toContain(escaped(lesson.text.teaches.zh));
    expect(zh).toContain(escaped(lesson.text.teaches.zh));
    expect(zh).not.toContain(escaped(lesson.text.teaches.en));
    expect(en).toContain('<html lang="en">');
    expect(zh).toContain('<html lang="zh-CN">');
    expect(en).toContain('Claims to check');
    expect(zh).toContain('要核对的论断');
    // The student's copy has room to write and no answers.
    expect(zh).toContain('姓名');
    expect(en).not.toContain('Instructor&#39;s copy');
    expect(en).not.toContain('class="key"');
  });

  it("prints the lesson's whole Python program, runnable as it is, with the parameters as constants", () => {
    const html = lessonHandout('race-counter', { lang: 'en', paper: 'a4', answerKey: false });
    const program = /<pre class="program"[^>]*><code>([\s\S]*?)<\/code><\/pre>/.exec(html)?.[1] ?? '';
    expect(program).toMatch(/^#!\/usr\/bin\/env python3$/m);
    expect(program).toMatch(/^THREADS = \d+$/m);
    // The racers' read, wait and write, on the shared namespace the program passes to every actor.
    expect(program).toMatch(/^ {4}seen = lab\.counter$/m);
    expect(program).toMatch(/^ {4}lab\.counter = seen - 1$/m);
    expect(program).toContain('if __name__ == &quot;__main__&quot;:');
    expect(html).not.toContain('not a complete program to run');
  });

  it('a spec that cannot be resolved prints the step-by-step sketch instead, labelled as one', () => {
    const sketch = handoutProgram({ version: 1, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'sleep', ms: { param: 'missing' } }] }] });
    expect(sketch.programIsSketch).toBe(true);
    expect(handoutProgram(findLesson('race-counter')!.spec, { threads: 3 }, 'race-counter')).toMatchObject({ programIsSketch: false, program: expect.stringMatching(/^THREADS = 3$/m) });
  });

  it('adds the answers only to the answer key, marked as the instructor\'s copy', () => {
    const read = checkLabPack(hostilePack());
    const student = packHandout(read, { lang: 'en', paper: 'a4', answerKey: false });
    const key = packHandout(read, { lang: 'en', paper: 'a4', answerKey: true });
    expect(student).not.toContain('Instructor&#39;s copy');
    expect(student).not.toContain('Scored from the run');
    expect(student).not.toContain('class="key"');
    expect(student).toContain('class="answer-box"');
    expect(key).toContain('Instructor&#39;s copy: answer key. Do not hand out.');
    expect(key).toContain('Scored from the run: record n (median over the counted trials).');
    expect(key).toContain('The right choice is the first whose condition (beside each choice) holds');
    expect(key).toContain('&gt;3'); // the first choice's condition
    expect(key).toContain('Accepted within ± 2 &lt;b&gt;ms&lt;/b&gt; / ± 10% of the measured value.');
    // The claim with what it checks.
    expect(key).toContain('<code>last(record n) == &quot;&lt;script&gt;');
    // The fixed value is printed as the instructor fixed it.
    expect(key).toMatch(/<code>n<\/code><\/td><td><code>4<\/code> <span class="muted">fixed by the instructor/);
    const zhKey = packHandout(read, { lang: 'zh-CN', paper: 'letter', answerKey: true });
    expect(zhKey).toContain('教师用卷');
    expect(zhKey).toContain('<strong>检查内容（每次计数试验）：</strong>'); // Chinese labels take the full-width colon
  });

  it("prints a question's reasoning in the key when the question gives one", () => {
    const lesson = findLesson('race-counter')!;
    const question = { id: 'why', kind: 'number', text: { zh: '问', en: 'Q' }, why: { zh: '因为<锁>', en: 'Because <locks>' } } as unknown as PackQuestion;
    const options: HandoutOptions = { lang: 'en', paper: 'a4', answerKey: true, lessons: [{ lesson, questions: [question], program: 'print(1)' }] };
    const key = handoutHtml(options);
    expect(key).toContain('Expected reasoning:</strong> Because &lt;locks&gt;');
    expect(key).toContain('Not scored from the run');
    expect(handoutHtml({ ...options, answerKey: false })).not.toContain('Because');
  });

  it('starts each lesson of a pack on a new page', () => {
    const pack = hostilePack() as { lessons: unknown[] };
    pack.lessons.push({ id: 'race', lesson: 'race-counter' }, { id: 'again', lesson: 'race-counter', title: { zh: '再来一次', en: 'Once more' } });
    const html = packHandout(checkLabPack(pack), { lang: 'en', paper: 'letter', answerKey: false });
    expect(html.match(/<section class="lesson"/g)).toHaveLength(3);
    expect(html).toContain('<h2>3. Once more</h2>'); // the pack's own title for a built-in lesson
    // Each lesson of a pack has its numbered title; a lone lesson's title is the page's heading only.
    expect(html).toContain('<h2>2. A race that loses updates, and the lock that fixes it</h2>');
    expect(lessonHandout('race-counter', { lang: 'en', paper: 'a4', answerKey: false })).not.toContain('<h2>');
    expect(html).toContain('.lesson + .lesson{break-before:page');
  });

  it('caps a long program and describes checks', () => {
    const actors = [{ name: 'a', kind: 'thread', program: Array.from({ length: HANDOUT_PROGRAM_MAX_LINES + 500 }, () => ({ op: 'sleep', ms: 1 })) }];
    const sketch = pythonSketch({ version: 1, actors });
    const lesson = { id: 'long', title: { en: 'Long', zh: '长' }, spec: { actors } };
    const html = handoutHtml({ lang: 'en', paper: 'a4', answerKey: false, lessons: [{ lesson, questions: [], program: sketch }] });
    expect(html).toMatch(/… \d+ more lines not printed/);
    expect(html.match(/time\.sleep/g)!.length).toBeLessThanOrEqual(HANDOUT_PROGRAM_MAX_LINES);
    expect(checkText({ all: [{ compare: [{ metric: 'a' }, '>', { metric: 'b' }], factor: 1.5 }, { not: { before: [{ event: { op: 'compute', ph: 'E' }, pick: 'first' }, { event: { op: 'compute', ph: 'B' }, pick: 'last' }] } }] })).toBe(
      '(metric a > 1.5 × metric b) and (not (time of first compute E event happens before time of last compute B event))',
    );
  });

  it('names the file after the lesson, the copy, the paper and the language', () => {
    expect(handoutFileName('race-counter', { lang: 'zh-CN', paper: 'letter', answerKey: true })).toBe('race-counter-answer-key-letter-zh-CN.html');
    expect(handoutFileName('../../etc', { lang: 'en', paper: 'a4', answerKey: false })).toBe('-etc-handout-a4-en.html');
  });
});

describe('handouts through the contract', () => {
  const handlers = createContractHandlers({} as LabService, {} as RunHub, 'browser');
  const context = { subscriber: {} as CallContext['subscriber'] };

  it("answers a lesson's handout as an HTML file, and a pack's; refuses a bad pack as bad input", async () => {
    const lesson = await handlers['lessons.handout']({ id: 'race-counter', lang: 'zh-CN', paper: 'letter', answerKey: true }, context);
    expect(lesson.fileName).toBe('race-counter-answer-key-letter-zh-CN.html');
    expect(lesson.mimeType).toBe('text/html');
    expect(Buffer.from(lesson.dataBase64, 'base64').toString('utf8')).toContain('教师用卷');

    const packBase64 = Buffer.from(JSON.stringify(hostilePack())).toString('base64');
    const pack = await handlers['packs.handout']({ packBase64, lang: 'en', paper: 'a4', answerKey: false }, context);
    expect(pack.fileName).toBe('hostile-handout-a4-en.html');
    expect(Buffer.from(pack.dataBase64, 'base64').toString('utf8')).not.toContain('<script');

    const bad = Buffer.from(JSON.stringify({ ...(hostilePack() as object), format: 'other' })).toString('base64');
    await expect(handlers['packs.handout']({ packBase64: bad, lang: 'en', paper: 'a4', answerKey: false }, context)).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/refused at format/) });
    expect(() => handlers['lessons.handout']({ id: 'no-such-lesson', lang: 'en', paper: 'a4', answerKey: false }, context)).toThrow(/no lesson named no-such-lesson/);
  });

  it('checks the language, paper and copy before anything is drawn', () => {
    expect(checkParams('lessons.handout', { id: 'race-counter', lang: 'en', paper: 'a4', answerKey: false }).ok).toBe(true);
    expect(checkParams('lessons.handout', { id: 'race-counter', lang: 'fr', paper: 'a4', answerKey: false })).toMatchObject({ ok: false, problems: [{ path: 'lang' }] });
    expect(checkParams('lessons.handout', { id: 'race-counter', lang: 'en', paper: 'a3', answerKey: false })).toMatchObject({ ok: false, problems: [{ path: 'paper' }] });
    expect(checkParams('packs.handout', { packBase64: 'e30=', lang: 'en', paper: 'a4' })).toMatchObject({ ok: false, problems: [{ path: 'answerKey' }] });
  });
});
