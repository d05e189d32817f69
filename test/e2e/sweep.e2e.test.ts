import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, screenshotDir, type BrowserSession } from './browser-session';

/**
 * Browser mode: a sweep of race-counter's threads started from the lesson page; its page shows the
 * progress, one row per point, both charts, and the Amdahl and USL fits with their parameters.
 */

let session: BrowserSession;

describe.skipIf(!existsSync(CHROMIUM))('parameter sweeps in browser mode', () => {
  beforeAll(async () => {
    session = await openSession();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test('a sweep of threads from the lesson page: a row per value, both charts, and the fitted laws', async () => {
    const { page } = session;
    await session.go('/lessons/race-counter');
    // Short phases: a small race window and no work outside the lock.
    await page.locator('#param-windowMs').fill('1', { timeout: 30_000 });
    await page.locator('#param-outsideMs').fill('0');
    await page.getByTestId('sweep-panel').locator('summary').click();
    await expect.poll(() => page.getByTestId('sweep-param').inputValue()).toBe('threads');
    await page.getByTestId('sweep-values').fill('2,3,4');
    await page.getByTestId('sweep-repeat').fill('2');
    await page.getByTestId('sweep-start').click();

    await page.waitForURL(/#\/sweeps\/[0-9a-f]{8}$/, { timeout: 60_000 });
    await expect.poll(() => page.getByTestId('sweep-point').count(), { timeout: 180_000, interval: 500 }).toBe(3);
    await expect.poll(() => page.getByTestId('sweep-progress').innerText(), { timeout: 60_000 }).toContain('3 of 3 runs recorded');
    const rows = await page.getByTestId('sweep-point').allInnerTexts();
    expect(rows.map((row) => row.split('\t')[0]!.trim())).toEqual(['2', '3', '4']);
    expect(rows[0]).toContain('1.00×');
    expect(await page.locator('canvas[role="img"]').count()).toBeGreaterThanOrEqual(2);
    const fits = page.getByTestId('sweep-fits');
    await expect.poll(() => fits.locator('li').count(), { timeout: 30_000 }).toBe(2);
    expect(await fits.locator('[data-law="amdahl"]').innerText()).toMatch(/serialFraction = [\d.e+-]+ · R² = -?[\d.]+/);
    expect(await fits.locator('[data-law="usl"]').innerText()).toMatch(/sigma = [\d.e+-]+, kappa = [\d.e+-]+ · R² = /);

    // Another quantity: the unlocked phase's final counter, and how often updates were lost.
    await page.getByTestId('sweep-quantity').selectOption('record:unlockedFinal');
    await page.getByTestId('sweep-condition').fill('>0');
    await expect.poll(() => page.getByTestId('sweep-series').first().innerText(), { timeout: 30_000 }).toContain('> 0');
    await page.screenshot({ path: join(screenshotDir, '50-sweep.png'), fullPage: true });
  }, 300_000);
});
