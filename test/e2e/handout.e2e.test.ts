import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { checkLabPack, serializeLabPack } from '../../src-main/service/packs';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * Handouts end to end: the lesson page's "Handout" button and the pack page's "Answer key" save an HTML file;
 * opened in Chromium under print media, the program is in the printed text, its block wraps rather than
 * clipping, and page.pdf prints it (a pack's two lessons on separate pages).
 */

/** A composed lesson whose program has one very long line: it must wrap on the sheet, not run off it. */
const LONG_MESSAGE = `${'all-work-and-no-play-'.repeat(30)}end`;
const pack = {
  format: 'conlab-lab-pack',
  version: 1,
  id: 'print-lab',
  title: { zh: '打印实验', en: 'Print lab' },
  instructions: { zh: '先预测，再运行。', en: 'Predict, then run.' },
  lessons: [
    {
      id: 'long',
      title: { zh: '很长的一行', en: 'A long line' },
      spec: { version: 1, actors: [{ name: 'writer', kind: 'thread', program: [{ op: 'log', message: LONG_MESSAGE }, { op: 'record', name: 'n', value: 1 }] }] },
      questions: [{ id: 'guess', kind: 'number', text: { zh: '会记下几？', en: 'What gets recorded?' }, answerFrom: { record: 'n' }, tolerance: { absolute: 0 } }],
    },
    { id: 'race', lesson: 'race-counter' },
  ],
};

let session: BrowserSession;

const AXE_SOURCE = readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** axe-core's serious and critical violations inside the handout controls (evaluated through the protocol: the CSP allows no injected script). */
async function handoutViolations(page: Page): Promise<string[]> {
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(`window.axe.run(document.querySelector('[data-testid="handout"]'), { resultTypes: ['violations'] })
    .then((result) => result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ': ' + v.help))`)) as string[];
}

/** Pages of a PDF as Chromium writes it (one page object each, uncompressed dictionaries). */
function pdfPages(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
}

/** The saved handout opened on its own, as a person would open the file, under print media. */
async function openPrinted(file: string): Promise<Page> {
  const printed = await session.context.newPage();
  await printed.goto(pathToFileURL(file).href);
  await printed.emulateMedia({ media: 'print' });
  return printed;
}

interface ProgramBlock {
  readonly text: string;
  readonly visible: boolean;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly whiteSpace: string;
}

/** Every program block: visible, with its text, and whether any of it is clipped sideways (scrollWidth beyond clientWidth). */
async function programBlocks(page: Page): Promise<ProgramBlock[]> {
  return (await page.evaluate(`[...document.querySelectorAll('pre.program')].map((block) => {
    const box = block.getBoundingClientRect();
    const style = getComputedStyle(block);
    return { text: block.innerText, visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none', scrollWidth: block.scrollWidth, clientWidth: block.clientWidth, whiteSpace: style.whiteSpace };
  })`)) as ProgramBlock[];
}

/** The page's text as it prints. */
async function printedText(page: Page): Promise<string> {
  return (await page.evaluate('document.body.innerText')) as string;
}

describe.skipIf(!existsSync(CHROMIUM))('handouts printed from the browser', () => {
  beforeAll(async () => {
    session = await openSession();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test("a lesson's handout prints to PDF with its Python program in it", async () => {
    const { page, dir } = session;
    await session.go('/lessons/race-counter');
    await page.getByTestId('handout').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await handoutViolations(page)).toEqual([]);
    await page.getByTestId('handout-lang').selectOption('en');
    await page.getByTestId('handout-paper').selectOption('a4');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('handout-student').click()]);
    expect(download.suggestedFilename()).toBe('race-counter-handout-a4-en.html');
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    expect(await page.getByTestId('handout-saved').textContent()).toContain('race-counter-handout-a4-en.html');
    await session.shot('handout-lesson-page');
    expect(readFileSync(file, 'utf8')).not.toMatch(/<script/i);

    const printed = await openPrinted(file);
    try {
      expect(await printed.evaluate("matchMedia('print').matches")).toBe(true);
      const text = await printedText(printed);
      expect(text).toContain('THREADS = 20');
      expect(text).toContain('def unlocked_actor(lab, index, me):');
      expect(text).toContain('Claims to check');
      const [block] = await programBlocks(printed);
      expect(block!.visible).toBe(true);
      expect(block!.text).toContain('seen = lab.counter');
      expect(block!.scrollWidth).toBeLessThanOrEqual(block!.clientWidth);

      const pdf = await printed.pdf({ format: 'A4', printBackground: true });
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(pdfPages(pdf)).toBeGreaterThanOrEqual(1);
    } finally {
      await printed.close();
    }
  });

  test("a pack's answer key: each lesson on its own page, a long program line wrapped, not clipped", async () => {
    const { page, dir } = session;
    const packFile = join(dir, 'print.conlabpack');
    writeFileSync(packFile, serializeLabPack(checkLabPack(pack).pack));
    await session.go('/packs');
    await page.getByTestId('pack-file').setInputFiles(packFile);
    await page.getByTestId('pack-session').waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByTestId('handout-lang').selectOption('zh-CN');
    await page.getByTestId('handout-paper').selectOption('letter');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('handout-answers').click()]);
    expect(download.suggestedFilename()).toBe('print-lab-answer-key-letter-zh-CN.html');
    await session.shot('handout-pack-page');
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);

    const printed = await openPrinted(file);
    try {
      const text = await printedText(printed);
      expect(text).toContain('教师用卷');
      expect(text).toContain('由运行结果评分：record n');
      const blocks = await programBlocks(printed);
      expect(blocks).toHaveLength(2);
      for (const block of blocks) {
        expect(block.visible).toBe(true);
        expect(block.whiteSpace).toBe('pre-wrap');
        expect(block.scrollWidth).toBeLessThanOrEqual(block.clientWidth);
      }
      // The long line is printed whole, wrapped over several lines of the block.
      expect(blocks[0]!.text.replace(/\s+/g, '')).toContain(LONG_MESSAGE);
      expect(await printed.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);

      const pdf = await printed.pdf({ format: 'Letter', preferCSSPageSize: true });
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      // The second lesson starts a new page.
      expect(pdfPages(pdf)).toBeGreaterThanOrEqual(2);
    } finally {
      await printed.close();
    }
  });
});
