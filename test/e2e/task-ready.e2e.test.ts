import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, type BrowserSession } from './browser-session';

/**
 * A task whose lock was released while another task holds the loop is drawn ready (Chromium against
 * `conlab serve` with the real engine): the live counters count it as ready while the other computes,
 * and once the run ended the timeline's text alternative lists its ready stretch from the release with
 * the cause in words.
 */

let session: BrowserSession;

// holder keeps L long enough for waiter to be waiting for it, lets go, then keeps the loop computing for
// a few seconds (its compute B is sent before the compute starts): waiter is ready all that time.
const spec = {
  version: 1,
  title: 'e2e task ready after a release',
  primitives: { L: { type: 'mutex' } },
  actors: [
    { name: 'holder', kind: 'task', program: [{ op: 'acquire', prim: 'L' }, { op: 'sleep', ms: 300 }, { op: 'release', prim: 'L' }, { op: 'compute', iterations: 600_000_000 }] },
    { name: 'waiter', kind: 'task', program: [{ op: 'sleep', ms: 5 }, { op: 'acquire', prim: 'L' }, { op: 'release', prim: 'L' }] },
  ],
};

describe.skipIf(!existsSync(CHROMIUM))('a task ready after a release (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession();
  });

  afterAll(async () => {
    await session?.close();
  });

  test('the live counters count the waiting task as ready while the other computes; the timeline names why', async () => {
    const { page } = session;
    await session.go('/composer');
    await page.click('[data-testid="mode-json"]');
    const editor = page.locator('[data-testid="spec-editor"]');
    await editor.waitFor();
    await editor.fill(JSON.stringify(spec, null, 2));
    await expect.poll(() => page.locator('[data-testid="validation"]').textContent()).toContain('valid');
    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    const count = (state: string) => page.locator(`[data-testid="state-count-${state}"] dd`).textContent();
    await expect.poll(() => count('ready'), { timeout: 60_000 }).toBe('1');
    // Seen while the holder computes: one running (the holder), one ready (the waiter), none blocked.
    expect(await count('running')).toBe('1');
    expect(await count('blocked')).toBe('0');
    await session.shot('43-live-task-ready');

    await page.locator('[data-testid="view-results"]').waitFor({ timeout: 120_000 });
    await expect.poll(() => count('done'), { timeout: 20_000 }).toBe('2');
    const waiter = page.locator('[data-testid="timeline-summary"] tr[data-actor="waiter"]');
    await expect.poll(async () => (await waiter.getAttribute('data-ready-woken')) ?? '', { timeout: 20_000 }).not.toBe('');
    const [from, to] = ((await waiter.getAttribute('data-ready-woken')) ?? '').split(',')[0]!.split('-').map(Number) as [number, number];
    // Ready from the release (after the holder's 300 ms sleep) for the length of the compute.
    expect(from).toBeGreaterThan(290);
    expect(to).toBeGreaterThan(from);
    expect(await waiter.locator('[data-testid="ready-causes"]').textContent()).toMatch(/^ready: lock L released by holder at [\d.,]+ ms, resumed at [\d.,]+ ms$/);
    await session.shot('44-timeline-task-ready');
  });
});
