import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSubmission, serializeSubmission } from '../../src-main/export/submission';
import { checkLabPack, serializeLabPack } from '../../src-main/service/packs';
import { makePack, makeSubmission } from '../packs/submission-fixture';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

const AXE_SOURCE = readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is (evaluated through the protocol: the CSP allows no injected script). */
async function axeViolations(): Promise<unknown[]> {
  const { page } = session;
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target) })))`)) as unknown[];
}

/**
 * Lab packs in browser mode: a student opens a pack, runs its two lessons (the progress bar follows), exports a
 * submission; the instructor opens the class pack and reads 40 generated submissions into the overview.
 */

const quickPack = {
  format: 'conlab-lab-pack',
  version: 1,
  id: 'quick-lab',
  title: { zh: '快速实验', en: 'Quick lab' },
  instructions: { zh: '按顺序做。', en: 'Do them in order.' },
  lessons: [
    {
      id: 'count',
      title: { zh: '数数', en: 'Counting' },
      spec: { version: 1, params: { n: { type: 'integer', default: 3, min: 1, max: 10 } }, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'record', name: 'n', value: { param: 'n' } }] }] },
      open: ['n'],
      questions: [{ id: 'guess', kind: 'number', text: { zh: '会记下几？', en: 'What gets recorded?' }, answerFrom: { record: 'n' } }],
    },
    { id: 'start', lesson: 'thread-start' },
  ],
};

let session: BrowserSession;

describe.skipIf(!existsSync(CHROMIUM))('lab packs in the browser', () => {
  beforeAll(async () => {
    session = await openSession();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test('open a pack, run two lessons, export a submission; import 40 submissions into the class overview', async () => {
    const { page, dir } = session;
    const quick = join(dir, 'quick.conlabpack');
    writeFileSync(quick, serializeLabPack(checkLabPack(quickPack).pack));

    await session.go('/packs');
    await page.getByTestId('pack-file').setInputFiles(quick);
    await page.getByTestId('pack-session').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.getByTestId('pack-progress').textContent()).toContain('0 of 2 lessons done');
    expect(await page.locator('[data-pack-lesson]').evaluateAll((items) => items.map((item) => item.getAttribute('data-pack-lesson')))).toEqual(['count', 'start']);

    // The learner predicts before the run, and sees the prediction beside what the run measured.
    await page.getByTestId('pack-param-count-n').fill('4');
    await page.locator('[data-question="count/guess"] input[type=number]').fill('4');
    await page.getByTestId('pack-run-count').click();
    await expect.poll(() => page.getByTestId('pack-progress').textContent(), { timeout: 60_000 }).toContain('1 of 2 lessons done');
    await expect.poll(() => page.locator('[data-question="count/guess"] .verdict').textContent(), { timeout: 30_000 }).toMatch(/You said 4; the run measured 4\.\s*Right\./);
    await expect.poll(() => page.getByTestId('pack-run-start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.getByTestId('pack-run-start').click();
    await expect.poll(() => page.getByTestId('pack-progress').textContent(), { timeout: 60_000 }).toContain('2 of 2 lessons done');
    expect(await page.locator('[role=progressbar]').getAttribute('aria-valuenow')).toBe('2');

    await page.getByTestId('pack-student').fill('Zhang Wei');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('pack-submit').click()]);
    const saved = join(dir, 'zhang.conlabsub');
    await download.saveAs(saved);
    const submission = await parseSubmission(readFileSync(saved));
    expect(submission.student.name).toBe('Zhang Wei');
    expect(submission.answers).toEqual([expect.objectContaining({ lesson: 'count', question: 'guess', value: 4 })]);
    expect(submission.runs.map((r) => r.run.tags.find((tag) => tag.startsWith('pack-lesson:'))).sort()).toEqual(['pack-lesson:quick-lab/count', 'pack-lesson:quick-lab/start']);
    await session.shot('packs-session');
    expect(await axeViolations()).toEqual([]);

    // The instructor: the class pack open, 40 submissions at once (and one that is not a submission).
    const read = checkLabPack(makePack(10));
    const classPack = join(dir, 'class.conlabpack');
    writeFileSync(classPack, serializeLabPack(read.pack));
    const files: string[] = [];
    for (let s = 0; s < 40; s++) {
      const file = join(dir, `student-${s}.conlabsub`);
      writeFileSync(file, serializeSubmission(makeSubmission(read.pack, read.hash, s, { events: 20 })));
      files.push(file);
    }
    const bad = join(dir, 'bad.conlabsub');
    writeFileSync(bad, '{"format":"conlab-submission","version":1,"student":{"name":7}}');
    await page.getByTestId('pack-file').setInputFiles(classPack);
    await expect.poll(() => page.getByTestId('pack-progress').textContent(), { timeout: 30_000 }).toContain('0 of 10 lessons done');
    await page.getByTestId('class-files').setInputFiles([...files, bad]);
    await page.getByTestId('class-import').click();
    await page.getByTestId('class-overview').waitFor({ state: 'visible', timeout: 60_000 });
    expect(await page.getByTestId('class-row').count()).toBe(40);
    const text = await page.getByTestId('class-overview').innerText();
    expect(text).toContain('40 submissions');
    expect(text).toMatch(/学生 7\s+\d\s+✓ 1\/2 2\/2p/);
    expect(text).toMatch(/Refused bad\.conlabsub: submission is refused at /);
    // Per lesson, the results across machines: l1's unlockedFinal by runtime and core count, all 40 runs.
    const rows = await page.locator('[data-results="l1"] tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
    expect(rows.length).toBe(6);
    expect(rows.reduce((n, row) => n + Number(row[3]), 0)).toBe(40);
    expect(new Set(rows.map((row) => row[1]))).toEqual(new Set(['node', 'cpython']));
    const [report] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('class-export-html').click()]);
    const reportPath = join(dir, 'class.html');
    await report.saveAs(reportPath);
    const html = readFileSync(reportPath, 'utf8');
    expect(html).toContain('学生 39');
    expect(html).toContain('record unlockedFinal');
    await session.shot('packs-class-overview');
    expect(await axeViolations()).toEqual([]);
  }, 240_000);
});
