import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { CHROMIUM, openSession, screenshotDir, type BrowserSession } from './browser-session';

/**
 * "Predict first" in Chromium (conlab serve): on race-counter a learner answers before Run, runs, and sees
 * each prediction beside what the run measured, right or wrong, with its why — at the live page's end and
 * on the results page, checked against the run's own records; a run started after Skip shows no check.
 */

let session: BrowserSession;

describe.skipIf(!existsSync(CHROMIUM))('predict first (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession();
  });

  afterAll(async () => {
    await session?.close();
  });

  test('a learner answers on race-counter, runs it, and sees the prediction checked against the run', async () => {
    const { page } = session;
    await session.go('/lessons/race-counter');
    const panel = page.locator('[data-testid="predict-panel"]');
    await panel.waitFor();
    expect(await panel.locator('fieldset.question').count()).toBe(3);
    // Fewer threads keep the run short; the questions are read from whatever the run records.
    await page.locator('input[name="threads"]').fill('6');
    await page.locator('[data-testid="predict-lost-unlocked"]').fill('4');
    await page.locator('[data-testid="predict-lock-or-serial-lock"]').check();
    expect(await panel.locator('[data-testid="predict-count"]').textContent()).toMatch(/2 of 3|已答 2 \/ 3/);
    await session.shot('predict-panel');

    await page.locator('[data-testid="run-lesson"]').click();
    await page.waitForURL(/\/runs\/[^/]+\/live$/);
    const runId = /\/runs\/([^/]+)\/live$/.exec(page.url())![1]!;
    await page.locator('[data-testid="run-ended"]').waitFor({ timeout: 120_000 });

    const live = page.locator('[data-testid="predict-check"]');
    await live.waitFor({ timeout: 30_000 });
    const rows = live.locator('[data-testid="prediction"]');
    expect(await rows.count()).toBe(2);
    await live.screenshot({ path: join(screenshotDir, 'predict-checked.png') });
    expect(await rows.nth(0).getAttribute('data-question')).toBe('lost-unlocked');
    expect(await rows.nth(1).getAttribute('data-question')).toBe('lock-or-serial');
    for (const index of [0, 1]) {
      expect(['true', 'false']).toContain(await rows.nth(index).locator('[data-testid="prediction-verdict"]').getAttribute('data-right'));
      expect((await rows.nth(index).locator('[data-testid="prediction-why"]').textContent())!.length).toBeGreaterThan(20);
    }

    // The verdict is the run's own: the updates lost (unlockedFinal) within 4 of the 4 predicted.
    await session.go(`/runs/${runId}`);
    const results = page.locator('[data-testid="predict-check"]');
    await results.waitFor({ timeout: 30_000 });
    const first = results.locator('[data-testid="prediction"]').first();
    const measuredText = (await first.locator('[data-testid="prediction-measured"]').textContent())!;
    const measured = Number(/(-?[\d.]+)/.exec(measuredText.replace(/,/g, ''))![1]);
    expect(Number.isFinite(measured)).toBe(true);
    expect(measured).toBeGreaterThanOrEqual(0);
    expect(measured).toBeLessThanOrEqual(6);
    const right = await first.locator('[data-testid="prediction-verdict"]').getAttribute('data-right');
    expect(right).toBe(String(Math.abs(measured - 4) <= 4));
    expect(await first.locator('[data-testid="prediction-given"]').textContent()).toMatch(/4/);
  });

  test('after Skip the run keeps no predictions and shows no check', async () => {
    const { page } = session;
    await session.go('/lessons/race-counter');
    await page.locator('[data-testid="predict-panel"]').waitFor();
    await page.locator('input[name="threads"]').fill('4');
    await page.locator('[data-testid="predict-lost-unlocked"]').fill('2');
    await page.locator('[data-testid="predict-skip"]').click();
    await page.locator('[data-testid="predict-skipped"]').waitFor();

    await page.locator('[data-testid="run-lesson"]').click();
    await page.waitForURL(/\/runs\/[^/]+\/live$/);
    const runId = /\/runs\/([^/]+)\/live$/.exec(page.url())![1]!;
    await page.locator('[data-testid="run-ended"]').waitFor({ timeout: 120_000 });
    await session.go(`/runs/${runId}`);
    await page.locator('[data-testid="claims"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="predict-check"]').count()).toBe(0);
  });
});
