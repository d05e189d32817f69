import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSubmission, serializeSubmission } from '../../src-main/export/submission';
import { parseLabPack } from '../../src-main/service/packs';
import { openDatabase } from '../../src-main/store/database';
import { RunStore } from '../../src-main/store/run-store';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * The pack builder in browser mode: an instructor builds a two-lesson pack in the app (a built-in lesson and a
 * saved experiment, one fixed parameter, one question), sees a wrong value named by its field, finds the draft again after a reload, saves the
 * .conlabpack and opens it as a student; the student runs both lessons and hands in a submission; the
 * instructor reads 40 submissions made from it into the class overview, then edits a copy of the pack.
 */

const AXE_SOURCE = readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
let session: BrowserSession;

/** A composed experiment saved in the composer: one thread records the parameter n. */
const countingSpec = { version: 1, params: { n: { type: 'integer', default: 3, min: 1, max: 10 } }, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'record', name: 'n', value: { param: 'n' } }] }] };

async function axeViolations(): Promise<unknown[]> {
  const { page } = session;
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target) })))`)) as unknown[];
}

const lessonOrder = (): Promise<(string | null)[]> => session.page.locator('[data-builder-lesson]').evaluateAll((items) => items.map((item) => item.getAttribute('data-builder-lesson')));

describe.skipIf(!existsSync(CHROMIUM))('the pack builder in the browser', () => {
  beforeAll(async () => {
    session = await openSession({
      prepare: (_dir, dbPath) => {
        const store = new RunStore(openDatabase(dbPath));
        store.saveExperiment({ name: 'Counting', spec: countingSpec });
        store.close();
      },
    });
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test('in the Chinese UI the builder names what is missing in Chinese, at the field\'s path', async () => {
    const { page } = session;
    const language = async (value: string): Promise<void> => {
      await session.go('/settings');
      await page.getByTestId('language').selectOption(value);
      await expect.poll(() => page.evaluate('document.documentElement.lang'), { timeout: 30_000 }).toBe(value);
    };
    await language('zh-CN');
    try {
      await session.go('/packs/new');
      await page.getByTestId('builder-id').waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => page.getByTestId('builder-problems').innerText()).toContain('title.zh: 请填写中文');
      expect(await page.getByTestId('builder-problems').innerText()).toContain('lessons: 至少要有一节课');
    } finally {
      await language('en');
    }
  });

  test('an instructor builds a pack, a student opens it, runs two lessons and exports a submission; 40 submissions make the overview', async () => {
    const { page, dir } = session;
    await session.go('/packs');
    await page.getByTestId('pack-build-link').click();
    await page.getByTestId('builder-id').waitFor({ state: 'visible', timeout: 30_000 });

    // Nothing written yet: the check names what is missing, and nothing can be saved.
    await expect.poll(() => page.getByTestId('builder-problems').innerText()).toContain('title.zh:');
    expect(await page.getByTestId('builder-save').isDisabled()).toBe(true);

    await page.getByTestId('builder-id').fill('race-lab');
    await page.getByTestId('builder-title-zh').fill('竞争与锁');
    await page.getByTestId('builder-title-en').fill('Races and locks');
    await page.getByTestId('builder-instructions-zh').fill('先预测，再运行。');
    await page.getByTestId('builder-instructions-en').fill('Predict first, then run.');

    // Two built-in lessons and a saved experiment; reordered and one removed: the race, then the experiment.
    await expect.poll(() => page.getByTestId('builder-pick-lesson').isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.getByTestId('builder-pick-lesson').selectOption('thread-start');
    await page.getByTestId('builder-add-lesson').click();
    await page.getByTestId('builder-pick-lesson').selectOption('race-counter');
    await page.getByTestId('builder-add-lesson').click();
    await expect.poll(() => page.getByTestId('builder-pick-experiment').isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.getByTestId('builder-pick-experiment').selectOption({ label: 'Counting' });
    await page.getByTestId('builder-add-experiment').click();
    expect(await lessonOrder()).toEqual(['thread-start', 'race-counter', 'counting']);
    await page.getByTestId('builder-down-0').click();
    expect(await lessonOrder()).toEqual(['race-counter', 'thread-start', 'counting']);
    await page.getByTestId('builder-remove-1').click();
    expect(await lessonOrder()).toEqual(['race-counter', 'counting']);
    await page.getByTestId('builder-lesson-id-0').fill('race');
    expect(await page.getByTestId('builder-lesson-title-1-en').inputValue()).toBe('Counting');

    // One fixed parameter: a value below the lesson's minimum is named by its field, then corrected.
    await page.getByTestId('builder-param-mode-0-threads').selectOption('fixed');
    await page.getByTestId('builder-param-value-0-threads').fill('1');
    await expect.poll(() => page.getByTestId('builder-problems').innerText()).toContain('lessons[0].fixed.threads: expected at least 2, got 1');
    expect(await page.getByTestId('builder-save').isDisabled()).toBe(true);
    await page.getByTestId('builder-param-value-0-threads').fill('4');
    await page.getByTestId('builder-param-mode-0-windowMs').selectOption('open');

    // One question, its answer read from what the lesson records.
    await page.getByTestId('builder-add-number-question-0').click();
    const sources = await page.getByTestId('builder-question-source-0-0').locator('option').evaluateAll((options) => options.map((o) => o.getAttribute('value')));
    expect(sources).toEqual(expect.arrayContaining(['', 'record:unlockedFinal', 'record:lockedFinal', 'metric:wallMs']));
    await page.getByTestId('builder-question-text-0-0-zh').fill('不加锁时，计数器最后是多少？');
    await page.getByTestId('builder-question-text-0-0-en').fill('Without the lock, what does the counter end at?');
    await page.getByTestId('builder-question-source-0-0').selectOption('record:unlockedFinal');
    await page.getByTestId('builder-question-toleranceAbsolute-0-0').fill('4');

    // The service accepts it; the draft is still there after a reload.
    await page.getByTestId('builder-ok').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.getByTestId('builder-ok').innerText()).toContain('2 lessons');
    await session.shot('pack-builder');
    expect(await axeViolations()).toEqual([]);
    await page.reload();
    await page.getByTestId('builder-restored').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.getByTestId('builder-id').inputValue()).toBe('race-lab');
    expect(await lessonOrder()).toEqual(['race', 'counting']);
    expect(await page.getByTestId('builder-param-value-0-threads').inputValue()).toBe('4');
    await page.getByTestId('builder-ok').waitFor({ state: 'visible', timeout: 30_000 });

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('builder-save').click()]);
    expect(download.suggestedFilename()).toBe('race-lab.conlabpack');
    const packPath = join(dir, 'race-lab.conlabpack');
    await download.saveAs(packPath);
    const read = await parseLabPack(readFileSync(packPath));
    expect(read.pack).toEqual({
      format: 'conlab-lab-pack',
      version: 1,
      id: 'race-lab',
      title: { zh: '竞争与锁', en: 'Races and locks' },
      instructions: { zh: '先预测，再运行。', en: 'Predict first, then run.' },
      lessons: [
        {
          id: 'race',
          lesson: 'race-counter',
          fixed: { threads: 4 },
          open: ['windowMs'],
          questions: [
            {
              id: 'q1',
              kind: 'number',
              text: { zh: '不加锁时，计数器最后是多少？', en: 'Without the lock, what does the counter end at?' },
              answerFrom: { record: 'unlockedFinal' },
              tolerance: { absolute: 4 },
            },
          ],
        },
        { id: 'counting', spec: countingSpec, title: { zh: 'Counting', en: 'Counting' } },
      ],
    });

    // The student's side, at once.
    await page.getByTestId('builder-open-student').click();
    await page.getByTestId('pack-session').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.getByTestId('pack-progress').textContent()).toContain('0 of 2 lessons done');
    expect(await page.locator('[data-pack-lesson="race"]').innerText()).toContain('threads = 4');
    await page.locator('[data-question="race/q1"] input[type=number]').fill('2');
    await page.getByTestId('pack-run-race').click();
    await expect.poll(() => page.getByTestId('pack-progress').textContent(), { timeout: 90_000 }).toContain('1 of 2 lessons done');
    await expect.poll(() => page.locator('[data-question="race/q1"] .verdict').textContent(), { timeout: 30_000 }).toMatch(/You said 2; the run measured \d+/);
    await expect.poll(() => page.getByTestId('pack-run-counting').isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.getByTestId('pack-run-counting').click();
    await expect.poll(() => page.getByTestId('pack-progress').textContent(), { timeout: 90_000 }).toContain('2 of 2 lessons done');

    await page.getByTestId('pack-student').fill('Li Na');
    const [handedIn] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('pack-submit').click()]);
    const submissionPath = join(dir, 'li-na.conlabsub');
    await handedIn.saveAs(submissionPath);
    const submission = await parseSubmission(readFileSync(submissionPath));
    expect(submission.pack).toMatchObject({ id: 'race-lab', hash: read.hash });
    expect(submission.runs.map((r) => r.run.tags.find((tag) => tag.startsWith('pack-lesson:'))).sort()).toEqual(['pack-lesson:race-lab/counting', 'pack-lesson:race-lab/race']);
    expect(submission.answers).toEqual([expect.objectContaining({ lesson: 'race', question: 'q1', value: 2 })]);

    // The instructor: 40 submissions made from the real one, each under another name, as files.
    const files: string[] = [];
    for (let s = 0; s < 40; s++) {
      const file = join(dir, `student-${String(s + 1).padStart(2, '0')}.conlabsub`);
      writeFileSync(file, serializeSubmission({ ...submission, student: { name: `学生 ${s + 1}` } }));
      files.push(file);
    }
    await page.getByTestId('class-files').setInputFiles(files);
    await page.getByTestId('class-import').click();
    await page.getByTestId('class-overview').waitFor({ state: 'visible', timeout: 60_000 });
    expect(await page.getByTestId('class-row').count()).toBe(40);
    const overview = await page.getByTestId('class-overview').innerText();
    expect(overview).toContain('Races and locks');
    expect(overview).toContain('40 submissions');
    const names = await page.getByTestId('class-row').evaluateAll((rows) => rows.map((row) => row.querySelector('th')?.textContent?.trim()));
    expect(new Set(names).size).toBe(40);
    expect(names).toContain('学生 40');
    await session.shot('pack-builder-class-overview');

    // Back in the builder with a copy of the opened pack: its lessons, fixed value and question as saved.
    await page.getByTestId('pack-edit-copy').click();
    await page.getByTestId('builder-id').waitFor({ state: 'visible', timeout: 30_000 });
    // The draft restored after the reload was replaced by the copy (which is not a restored draft).
    expect(await page.getByTestId('builder-restored').count()).toBe(0);
    expect(await page.getByTestId('builder-id').inputValue()).toBe('race-lab');
    expect(await lessonOrder()).toEqual(['race', 'counting']);
    expect(await page.getByTestId('builder-param-value-0-threads').inputValue()).toBe('4');
    expect(await page.getByTestId('builder-question-source-0-0').inputValue()).toBe('record:unlockedFinal');
  }, 300_000);
});
