import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, type BrowserSession } from './browser-session';

/**
 * The renderer loads under its Content-Security-Policy without a single console error or policy
 * violation: nothing it ships tries what the policy forbids (zod's `new Function` probe included,
 * switched off before any schema is built).
 */

let session: BrowserSession;
const errors: string[] = [];

describe.skipIf(!existsSync(CHROMIUM))('a clean console', () => {
  beforeAll(async () => {
    session = await openSession();
    session.page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    // Registered before any of the page's scripts run, in every document the page loads.
    await session.page.addInitScript(`window.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(event.violatedDirective + ' ' + event.blockedURI));`);
  });

  afterAll(async () => {
    await session?.close();
  });

  test('loading the lessons page logs no console error and violates no policy', async () => {
    const { page } = session;
    await session.go('/lessons');
    await page.locator('h1, h2').first().waitFor();
    // Give late work (fonts, lazy chunks, the first live messages) a moment to report, then look.
    await page.waitForLoadState('networkidle');
    const violations = (await page.evaluate('window.__violations')) as string[];
    expect({ errors, violations }).toEqual({ errors: [], violations: [] });
  });
});
