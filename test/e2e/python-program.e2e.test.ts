import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, type BrowserSession } from './browser-session';

/**
 * Browser mode: the "As a Python program" panel of a lesson generates the program when it opens, follows
 * the parameters of the form, and offers Copy and Save; the composer's panel shows the composed spec's.
 */

let session: BrowserSession;

describe.skipIf(!existsSync(CHROMIUM))('the Python program view in browser mode', () => {
  beforeAll(async () => {
    session = await openSession();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test('a lesson\'s program appears when its panel opens and follows a parameter; the composer shows its spec\'s', async () => {
    const { page } = session;
    await session.go('/lessons/race-counter');
    const panel = page.getByTestId('python-program');
    await panel.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('python-code').count(), 'nothing generated while the panel is closed').toBe(0);
    await panel.locator('summary').click();
    const code = page.getByTestId('python-code');
    await expect.poll(() => code.count(), { timeout: 30_000 }).toBe(1);
    const text = await code.innerText();
    expect(text).toContain('def unlocked_actor(lab, index, me):');
    expect(text).toContain('threading.Thread(');
    expect(text).toContain('THREADS = 20');
    expect(await page.getByTestId('python-save').innerText()).toContain('race-counter.py');

    await page.locator('#param-threads').fill('7');
    await expect.poll(() => code.innerText(), { timeout: 30_000 }).toContain('THREADS = 7');

    await session.go('/composer');
    const composerPanel = page.getByTestId('python-program');
    await composerPanel.waitFor({ timeout: 30_000 });
    await composerPanel.locator('summary').click();
    await expect.poll(() => page.getByTestId('python-code').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('python-code').innerText()).toContain('if __name__ == "__main__":');
  });
});
