import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * Browser mode on a run history that cannot be written: `conlab serve` (as the unprivileged user "nobody", since
 * root may write any file) on a read-only database file. Every page shows the banner, and Run is disabled with
 * the reason shown.
 */

const NOBODY = 65534;
const cannotSwitchUser =
  typeof process.getuid !== 'function' || process.getuid() !== 0
    ? 'only root can start the server as another user'
    : spawnSync(process.execPath, ['-e', ''], { uid: NOBODY, gid: NOBODY }).status === 0
      ? null
      : 'the user nobody (65534) cannot run node here';

let session: BrowserSession;

describe.skipIf(!existsSync(CHROMIUM) || cannotSwitchUser !== null)('browser mode on a read-only run history', () => {
  beforeAll(async () => {
    session = await openSession({
      uid: NOBODY,
      prepare: (dir, dbPath) => {
        chmodSync(dir, 0o777);
        // A history made (and closed) by its owner, then left readable only.
        execFileSync(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', dbPath, 'history'], { cwd: dir, stdio: 'ignore' });
        chmodSync(dbPath, 0o444);
      },
    });
  }, 60_000);

  afterAll(async () => {
    await session?.close();
  });

  test('the banner says what is wrong on every page, and Run is disabled with the reason', async () => {
    const { page } = session;
    await session.go('/lessons');
    const banner = page.getByTestId('store-health-banner');
    await banner.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await banner.textContent()).toContain('The run history is read-only: new runs cannot be recorded');
    expect(await banner.textContent()).toContain('history.db');

    // The catalog first, then the lesson through its link, as a person goes (one page, one load of the catalog).
    await page.locator('[data-lesson="race-counter"]').waitFor({ timeout: 30_000 });
    await page.click('[data-lesson="race-counter"] .lesson-link');
    const run = page.getByTestId('run-lesson');
    // Should the button not come, the message says what the page showed instead.
    await run.waitFor({ state: 'visible', timeout: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}\npage: ${(await page.locator('main').innerText().catch(() => '(no main)')).slice(0, 600)}`);
    });
    await expect.poll(() => run.isDisabled(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByTestId('run-blocked').textContent()).toContain('Running is off: the run history cannot be written');
    await banner.waitFor({ state: 'visible' });

    await session.go('/composer');
    await page.getByTestId('run-spec').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.getByTestId('run-spec').isDisabled()).toBe(true);
    expect(await page.getByTestId('run-blocked').textContent()).toContain('Running is off');
    await banner.waitFor({ state: 'visible' });
    await session.shot('store-health-read-only');
  }, 120_000);
});
