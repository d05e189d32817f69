import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, root, screenshotDir, type BrowserSession } from './browser-session';

/**
 * Browser mode: "Run 200 times" from race-counter's lesson page (two threads, a 1 ms window, no outside
 * work, events not kept) gives a histogram of the lost updates whose bars count the 200 trials, the
 * stored trials agree with it, and how often updates were lost is said in words with its interval; a
 * cancelled batch keeps the trials that finished; a sweep's page downloads its HTML report with its plots,
 * and a sweep run's distribution shows the share against the swept parameter.
 */

const exec = promisify(execFile);
let session: BrowserSession;

async function setParams(values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) await session.page.locator(`#param-${name}`).fill(value, { timeout: 30_000 });
}

async function binCounts(): Promise<number[]> {
  return (await session.page.getByTestId('bin-count').allInnerTexts()).map((text) => Number(text.trim()));
}

describe.skipIf(!existsSync(CHROMIUM))('distributions over many trials in browser mode', () => {
  beforeAll(async () => {
    session = await openSession();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test('200 trials of race-counter producing a histogram', async () => {
    const { page } = session;
    await session.go('/lessons/race-counter');
    await setParams({ threads: '2', windowMs: '1', outsideMs: '0' });
    const form = page.getByTestId('batch-form');
    expect(await form.getByTestId('batch-trials').inputValue()).toBe('200');
    expect(await form.getByTestId('batch-keep-events').isChecked()).toBe(false);
    await expect.poll(() => form.getByTestId('batch-start').innerText()).toBe('Run 200 times');
    await form.getByTestId('batch-start').click();

    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}\/distribution$/, { timeout: 60_000 });
    const runId = /runs\/([0-9a-f-]{36})\/distribution/.exec(page.url())![1]!;
    // While it runs: progress over the 200 trials and a cancel button.
    await expect.poll(() => page.getByTestId('batch-progress').innerText(), { timeout: 60_000 }).toMatch(/\d+ of 200 trials done/);
    expect(await page.getByTestId('batch-cancel').count()).toBe(1);

    const ended = page.getByTestId('batch-ended');
    await expect.poll(() => ended.count(), { timeout: 400_000, interval: 1000 }).toBe(1);
    expect(await ended.innerText()).toContain('The run ended ok: 200 of 200 trials are counted below.');
    expect(await page.getByTestId('batch-progress').innerText()).toContain('The trials\' events were not kept');
    expect(await page.getByTestId('distribution-quantity').inputValue()).toBe('record:unlockedFinal');

    // The histogram's bars count every trial once, and they are what the trials recorded.
    await expect.poll(async () => (await binCounts()).reduce((a, b) => a + b, 0), { timeout: 30_000 }).toBe(200);
    expect(await page.getByTestId('distribution-histogram').locator('canvas[role="img"]').count()).toBe(1);
    const { stdout } = await exec(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', join(session.dir, 'history.db'), 'distribution', runId, '--record', 'unlockedFinal', '--when', '>0', '--json'], { env: { ...process.env, LANG: 'en_US.UTF-8' } });
    const stored = JSON.parse(stdout) as { trials: number; distribution: { bins: { from: number; count: number }[] }; meeting: { count: number } };
    expect(stored.trials).toBe(200);
    const rows = (await page.getByTestId('distribution-bin').allInnerTexts()).map((row) => row.split('\t').map((cell) => cell.trim()));
    expect(rows.map((row) => [Number(row[0]), Number(row[1])])).toEqual(stored.distribution.bins.map((bin) => [bin.from, bin.count]));

    // How often updates were lost, in words, with its exact interval.
    const meeting = await page.getByTestId('distribution-meeting').innerText();
    expect(meeting).toMatch(/^unlockedFinal > 0 in [\d.]+% of trials \((\d+) of 200\), 95% interval [\d.]+% – [\d.]+%\.$/);
    expect(Number(/\((\d+) of 200\)/.exec(meeting)![1])).toBe(stored.meeting.count);
    const shares = await page.getByTestId('distribution-shares').innerText();
    expect(shares).toMatch(/unlockedFinal = \d+ in \d+ of 200 trials \([\d.]+%; 95% interval [\d.]+% – [\d.]+%\)\./);

    // Another condition is counted again.
    await page.getByTestId('distribution-condition').fill('==0');
    await expect.poll(() => page.getByTestId('distribution-meeting').innerText(), { timeout: 30_000 }).toMatch(/^unlockedFinal == 0 in /);
    await page.screenshot({ path: join(screenshotDir, '60-distribution.png'), fullPage: true });

    // The run's results page leads back here.
    await page.getByTestId('distribution-results-link').click();
    await page.getByTestId('distribution-link').click();
    await page.waitForURL(/\/distribution$/);
    await expect.poll(async () => (await binCounts()).reduce((a, b) => a + b, 0), { timeout: 30_000 }).toBe(200);
  }, 480_000);

  test('a cancelled batch keeps the trials that finished, and the histogram counts them', async () => {
    const { page } = session;
    await session.go('/lessons/race-counter');
    await setParams({ threads: '2', windowMs: '1', outsideMs: '0' });
    await page.getByTestId('batch-trials').fill('1000');
    await page.getByTestId('batch-start').click();
    await page.waitForURL(/\/distribution$/, { timeout: 60_000 });
    await expect
      .poll(async () => Number(/(\d+) of 1000 trials done/.exec(await page.getByTestId('batch-progress').innerText())?.[1] ?? 0), { timeout: 120_000, interval: 250 })
      .toBeGreaterThanOrEqual(3);
    await page.getByTestId('batch-cancel').click();
    const ended = page.getByTestId('batch-ended');
    await expect.poll(() => ended.count(), { timeout: 60_000 }).toBe(1);
    const text = await ended.innerText();
    expect(text).toMatch(/^The run ended cancelled: \d+ of 1000 trials are counted below\.$/);
    const kept = Number(/cancelled: (\d+) of 1000/.exec(text)![1]);
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThan(1000);
    await expect.poll(async () => (await binCounts()).reduce((a, b) => a + b, 0), { timeout: 30_000 }).toBe(kept);
  }, 240_000);

  test("a sweep's HTML report has its plots, and a sweep run's distribution shows the share against the parameter", async () => {
    const { page } = session;
    await session.go('/lessons/race-counter');
    await setParams({ threads: '2', outsideMs: '0' });
    await page.getByTestId('sweep-panel').locator('summary').click();
    await page.getByTestId('sweep-param').selectOption('windowMs');
    await page.getByTestId('sweep-values').fill('0,3');
    await page.getByTestId('sweep-repeat').fill('3');
    await page.getByTestId('sweep-start').click();
    await page.waitForURL(/#\/sweeps\/[0-9a-f]{8}$/, { timeout: 60_000 });
    await expect.poll(() => page.getByTestId('sweep-progress').innerText(), { timeout: 180_000, interval: 500 }).toContain('2 of 2 runs recorded');
    // The report of wall time: the quantity and the speed-up with the fits (or why there is none).
    let reports = 0;
    const report = async (): Promise<string> => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('sweep-report').click()]);
      expect(download.suggestedFilename()).toMatch(/^sweep-[0-9a-f]{8}\.html$/);
      // Saved under its .html name, so that the browser opens it as a page.
      const saved = join(session.dir, `report-${++reports}.html`);
      await download.saveAs(saved);
      return saved;
    };
    await expect.poll(() => page.getByTestId('sweep-point').count(), { timeout: 30_000 }).toBe(2);
    const wallPath = await report();
    const wallHtml = readFileSync(wallPath, 'utf8');
    expect(wallHtml).not.toMatch(/<script/i);
    expect(wallHtml).toContain('data-plot="quantity"');
    expect(wallHtml).toContain('data-plot="speedup"');
    expect(wallHtml).not.toContain('data-plot="share"');

    // How often updates were lost at each windowMs: the report plots the share with its interval bars.
    await expect.poll(() => page.getByTestId('sweep-quantity').locator('option[value="record:unlockedFinal"]').count(), { timeout: 30_000 }).toBe(1);
    await page.getByTestId('sweep-quantity').selectOption('record:unlockedFinal');
    await page.getByTestId('sweep-condition').fill('>0');
    await expect.poll(() => page.getByTestId('sweep-series').first().innerText(), { timeout: 30_000 }).toContain('> 0');
    const lostPath = await report();
    // Opened as a file, it draws its plots with nothing else loaded.
    const opened = await session.context.newPage();
    await opened.goto(`file://${lostPath}`);
    expect(await opened.locator('svg[data-plot="quantity"]').count()).toBe(1);
    expect(await opened.locator('svg[data-plot="share"] g.interval').count()).toBe(2);
    expect(await opened.locator('svg[data-plot="share"] circle').count()).toBe(2);
    await opened.close();

    // A point's run → its results → its distribution: the share of trials that lost updates per windowMs.
    await page.getByTestId('sweep-point').first().locator('a').first().click();
    await page.getByTestId('distribution-link').click();
    await page.waitForURL(/\/distribution$/);
    await page.getByTestId('distribution-quantity').selectOption('record:unlockedFinal');
    const sweep = page.getByTestId('distribution-sweep');
    await expect.poll(() => sweep.getByTestId('sweep-share-point').count(), { timeout: 30_000 }).toBe(2);
    const points = (await sweep.getByTestId('sweep-share-point').allInnerTexts()).map((row) => row.split('\t').map((cell) => cell.trim()));
    expect(points.map((row) => row[0]!.replace(/\s*\(this run\)$/, ''))).toEqual(['0', '3']);
    for (const row of points) expect(row[2]).toMatch(/^\d \/ 3$/);
    expect(points.filter((row) => row[0]!.includes('(this run)'))).toHaveLength(1);
    expect(await sweep.locator('canvas[role="img"]').count()).toBe(1);
    await page.screenshot({ path: join(screenshotDir, '61-distribution-sweep.png'), fullPage: true });
  }, 300_000);
});
