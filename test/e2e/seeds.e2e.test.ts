import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, type BrowserSession } from './browser-session';

/**
 * Browser mode: from the lessons page to the seed map, from a tutorial section to the lesson that
 * teaches it, and a "try next" preset that fills the form and runs with its value.
 */

let session: BrowserSession;

describe.skipIf(!existsSync(CHROMIUM))('seed map and lesson presets in browser mode', () => {
  beforeAll(async () => {
    session = await openSession();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test('the seed map links a section to its lesson, whose preset runs with the preset\'s value', async () => {
    const { page } = session;
    await session.go('/lessons');
    await page.locator('[data-link="seeds"]').click({ timeout: 30_000 });
    const tutorial = page.locator('[data-tutorial="sockets"]');
    await tutorial.waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-tutorial]').count()).toBe(5);
    expect(await page.locator('[data-note-for]').count()).toBeGreaterThanOrEqual(5);
    expect(await tutorial.innerText()).toContain('Python 2');

    await tutorial.locator('[data-lesson="tcp-basics"]').first().click();
    const preset = page.locator('[data-preset="chinese-message"]');
    await preset.waitFor({ timeout: 30_000 });
    await preset.click();
    await expect.poll(() => page.locator('#param-message').inputValue(), { timeout: 10_000 }).toBe('你好, tcp');

    await page.getByTestId('run-lesson').click();
    // The run records the reply to the preset's line: the server upper-cases only the ASCII letters.
    await expect.poll(() => page.locator('main').innerText(), { timeout: 60_000, interval: 250 }).toContain('你好, TCP');
  });
});
