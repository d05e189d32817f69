import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, type BrowserSession } from './browser-session';

/** The page's Content-Security-Policy at work in Chromium: an injected inline script does not run. */

let session: BrowserSession;

describe.skipIf(!existsSync(CHROMIUM))('Content-Security-Policy in Chromium', () => {
  beforeAll(async () => {
    session = await openSession();
  });

  afterAll(async () => {
    await session?.close();
  });

  test('an inline script injected into the page is blocked and reported as a violation', async () => {
    const { page } = session;
    await session.go('/lessons');
    await page.locator('h1, h2').first().waitFor();
    const outcome = (await page.evaluate(`new Promise((resolve) => {
      const violations = [];
      document.addEventListener('securitypolicyviolation', (event) => violations.push(event.violatedDirective));
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true;';
      document.body.appendChild(script);
      setTimeout(() => resolve({ ran: window.__injected === true, violations }), 200);
    })`)) as { ran: boolean; violations: string[] };
    expect(outcome.ran).toBe(false);
    expect(outcome.violations.some((directive) => directive.startsWith('script-src'))).toBe(true);
  });
});
