import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, type BrowserSession } from './browser-session';

/**
 * The live view with 100,000 events: 20 threads taking one mutex 1,700 times each (acquire B/E and
 * release, three events per round). While the run streams, no task on the page's main thread may
 * block for long; afterwards, zooming and panning the timeline must redraw within a frame or two.
 */

const heavySpec = {
  version: 1,
  title: 'e2e 100k events',
  primitives: { L: { type: 'mutex' } },
  actors: [{ name: 'w', kind: 'thread', count: 20, program: [{ op: 'repeat', times: 1_700, steps: [{ op: 'acquire', prim: 'L' }, { op: 'release', prim: 'L' }] }] }],
};

let session: BrowserSession;

describe.skipIf(!existsSync(CHROMIUM))('timeline under load (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession();
  });

  afterAll(async () => {
    await session?.close();
  });

  test('stays responsive while 100,000 events stream in, and redraws quickly after', async () => {
    const { page } = session;
    await session.go('/composer');
    await page.locator('[data-testid="spec-editor"]').fill(JSON.stringify(heavySpec, null, 2));
    await expect.poll(() => page.locator('[data-testid="validation"]').textContent()).toContain('The spec is valid');
    await page.evaluate(`(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.__longTasks.push(entry.duration); }).observe({ type: 'longtask', buffered: false });
    })()`);
    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    await page.locator('[data-testid="run-ended"]').waitFor({ timeout: 150_000 });
    const events = Number((await page.locator('[data-testid="event-count"]').textContent())?.replace(/\D/g, ''));
    expect(events).toBeGreaterThanOrEqual(100_000);
    const longTasks = (await page.evaluate('window.__longTasks')) as number[];
    await session.shot('19-live-100k-events');

    // Zoom and pan with the keyboard: each key redraws on the next animation frame.
    const frameMs = (await page.evaluate(`(async () => {
      const box = document.querySelector('[role="application"]');
      box.focus();
      const keys = ['+', '+', '+', 'ArrowRight', 'ArrowRight', 'ArrowDown', '-', 'ArrowLeft', '+', '0'];
      const times = [];
      for (const key of keys) {
        const started = performance.now();
        box.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        times.push(performance.now() - started);
      }
      return times;
    })()`)) as number[];
    await session.shot('20-timeline-zoomed');
    console.log(`[timeline-load] ${events} events; long tasks while live: ${longTasks.length} (max ${Math.round(Math.max(0, ...longTasks))} ms); redraw after a key: max ${Math.round(Math.max(...frameMs))} ms`);
    expect(Math.max(0, ...longTasks)).toBeLessThan(250);
    expect(Math.max(...frameMs)).toBeLessThan(100);
  });
});
