import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openSession, root, type BrowserSession } from './browser-session';

/**
 * Reloading the live page during a run shows the whole run so far (the first events near time 0, the trial bar, the
 * counters, a summarised lock loop's 100,000 acquisitions) and then goes on live; once the run ends its event count
 * is the stored one.
 */

let session: BrowserSession;

beforeAll(async () => {
  session = await openSession();
});

afterAll(async () => {
  await session?.close();
});

/** Two threads: a summarised lock loop of 2 × 50,000 acquisitions, then 40 traced waits of 100 ms each (a few seconds). */
const spec = {
  version: 1,
  title: 'e2e reload',
  shared: { total: { scope: 'shared', initial: 0 } },
  primitives: { gate: { type: 'mutex' } },
  actors: [
    {
      name: 'worker',
      kind: 'thread',
      count: 2,
      program: [
        { op: 'repeat', times: 50_000, trace: 'summary', steps: [{ op: 'acquire', prim: 'gate' }, { op: 'add', var: 'total', delta: 1 }, { op: 'release', prim: 'gate' }] },
        { op: 'repeat', times: 40, trace: 'each', steps: [{ op: 'block', ms: 100 }] },
      ],
    },
  ],
};

const count = (text: string | null): number => Number((text ?? '').replace(/[^\d]/g, ''));

describe('the live view after a reload', () => {
  test('shows the run so far, then the rest; at the end its event count is the stored one', async () => {
    const { page } = session;
    await session.go('/composer');
    await page.click('[data-testid="mode-json"]');
    const editor = page.locator('[data-testid="spec-editor"]');
    await editor.waitFor();
    await editor.fill(JSON.stringify(spec, null, 2));
    await expect.poll(() => page.locator('[data-testid="validation"]').textContent()).toContain('valid');
    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    const runId = /#\/runs\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const events = page.locator('[data-testid="event-count"]');
    // Reloaded once the lock loop is over and the waits are well under way (over a second of them), before the end.
    await expect.poll(async () => count(await events.textContent()), { timeout: 60_000 }).toBeGreaterThan(60);
    expect(await page.locator('[data-testid="run-ended"]').count()).toBe(0);
    await page.reload();

    await expect.poll(async () => count(await events.textContent()), { timeout: 30_000 }).toBeGreaterThan(60);
    const endedAlready = (await page.locator('[data-testid="run-ended"]').count()) > 0;
    // The run so far came at once: the trial bar, the summarised acquisitions, the first events near 0 ms.
    expect(await page.locator('[role="progressbar"]').getAttribute('aria-label')).toBe('Trial 1 of 1');
    expect(await page.locator('[data-testid="acquire-count"]').textContent()).toBe('100,000');
    // The log follows its tail: stop that and go to its top, where the earliest event is.
    await page.locator('.event-log .follow input').uncheck();
    await page.locator('[data-testid="event-log"]').evaluate((element) => (element.scrollTop = 0));
    await expect.poll(() => page.locator('[data-testid="event-log"] .log-row').first().getAttribute('style')).toContain('top: 0px');
    const firstTime = Number((await page.locator('[data-testid="event-log"] .log-row').first().locator('.c-time').textContent())?.replace(/,/g, ''));
    expect(firstTime).toBeLessThan(1_000);
    await session.shot('live-after-reload');

    await page.locator('[data-testid="run-ended"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="run-ended"]').textContent()).toContain('ok');
    const stored = JSON.parse(execFileSync(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', join(session.dir, 'history.db'), 'show-run', runId, '--json'], { encoding: 'utf8' })) as {
      trials: { eventCount: number; metrics: Record<string, number> }[];
    };
    const storedEvents = stored.trials.reduce((sum, trial) => sum + trial.eventCount, 0);
    await expect.poll(async () => count(await events.textContent()), { timeout: 15_000 }).toBe(storedEvents);
    expect(stored.trials[0]!.metrics['acquires']).toBe(100_000);
    expect(await page.locator('[data-testid="acquire-count"]').textContent()).toBe('100,000');
    // The reload was mid-run (not after the end), so what was checked above came from the catch-up.
    expect(endedAlready).toBe(false);
  });

  test('after a cancel the counters equal what was stored', async () => {
    const { page } = session;
    const long = {
      version: 1,
      title: 'e2e cancel counters',
      shared: { total: { scope: 'shared', initial: 0 } },
      primitives: { gate: { type: 'mutex' } },
      actors: [
        {
          name: 'worker',
          kind: 'thread',
          count: 2,
          program: [{ op: 'repeat', times: 200_000, trace: 'each', steps: [{ op: 'acquire', prim: 'gate' }, { op: 'add', var: 'total', delta: 1 }, { op: 'release', prim: 'gate' }, { op: 'block', ms: 1 }] }],
        },
      ],
    };
    await session.go('/composer');
    await page.click('[data-testid="mode-json"]');
    const editor = page.locator('[data-testid="spec-editor"]');
    await editor.waitFor();
    await editor.fill(JSON.stringify(long, null, 2));
    await expect.poll(() => page.locator('[data-testid="validation"]').textContent()).toContain('valid');
    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    const runId = /#\/runs\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const events = page.locator('[data-testid="event-count"]');
    await expect.poll(async () => count(await events.textContent()), { timeout: 60_000 }).toBeGreaterThan(500);
    await page.click('[data-testid="cancel-run"]');
    await page.locator('[data-testid="run-ended"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="run-ended"]').textContent()).toContain('cancelled');
    const stored = JSON.parse(execFileSync(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', join(session.dir, 'history.db'), 'show-run', runId, '--json'], { encoding: 'utf8' })) as {
      trials: { eventCount: number; metrics: Record<string, number> }[];
    };
    const storedEvents = stored.trials.reduce((sum, trial) => sum + trial.eventCount, 0);
    expect(storedEvents).toBeGreaterThan(500);
    await expect.poll(async () => count(await events.textContent()), { timeout: 15_000 }).toBe(storedEvents);
    expect(count(await page.locator('[data-testid="acquire-count"]').textContent())).toBe(stored.trials[0]!.metrics['acquires']);
  });
});
