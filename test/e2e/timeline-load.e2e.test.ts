import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, type BrowserSession } from './browser-session';

/**
 * The live view with 100,000 events: 20 threads taking one mutex 1,700 times each (acquire B/E and
 * release, three events per round). The run itself keeps both cores busy, so the page's figures are
 * judged by margins, not by a frame budget: while the run streams, the page's main thread must be
 * free most of the time (a view that re-rendered every event would be blocked nearly throughout);
 * afterwards, zooming and panning must redraw in time that does not grow with the 100,000 events
 * (compared with the same page's idle frame, measured in the same moment). The frame rate itself
 * is a figure of `npm run bench` (renderer group).
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
    await page.click('[data-testid="mode-json"]');
    await page.locator('[data-testid="spec-editor"]').fill(JSON.stringify(heavySpec, null, 2));
    await expect.poll(() => page.locator('[data-testid="validation"]').textContent()).toContain('The spec is valid');
    await page.evaluate(`(() => {
      window.__liveStarted = performance.now();
      window.__longTasks = [];
      new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.__longTasks.push(entry.duration); }).observe({ type: 'longtask', buffered: false });
    })()`);
    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    await page.locator('[data-testid="run-ended"]').waitFor({ timeout: 150_000 });
    const events = Number((await page.locator('[data-testid="event-count"]').textContent())?.replace(/\D/g, ''));
    expect(events).toBeGreaterThanOrEqual(100_000);
    const longTasks = (await page.evaluate('window.__longTasks')) as number[];
    const liveMs = (await page.evaluate('performance.now() - window.__liveStarted')) as number;
    await session.shot('19-live-100k-events');

    // Zoom and pan with the keyboard: each key redraws on the next animation frame.
    const frames = (await page.evaluate(`(async () => {
      const box = document.querySelector('[role="application"]');
      box.focus();
      const keys = ['+', '+', '+', 'ArrowRight', 'ArrowRight', 'ArrowDown', '-', 'ArrowLeft', '+', '0'];
      const twoFrames = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const idle = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await twoFrames();
        idle.push(performance.now() - started);
      }
      const times = [];
      for (const key of keys) {
        const started = performance.now();
        box.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
        await twoFrames();
        times.push(performance.now() - started);
      }
      return { idle, times };
    })()`)) as { idle: number[]; times: number[] };
    await session.shot('20-timeline-zoomed');
    const blockedMs = longTasks.reduce((sum, duration) => sum + duration, 0);
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const idleMs = median(frames.idle);
    const redrawMs = median(frames.times);
    console.log(
      `[timeline-load] ${events} events in ${Math.round(liveMs)} ms; long tasks: ${longTasks.length}, ${Math.round(blockedMs)} ms in all ` +
        `(max ${Math.round(Math.max(0, ...longTasks))} ms); two frames idle ${idleMs.toFixed(1)} ms, after a key ${redrawMs.toFixed(1)} ms ` +
        `(max ${Math.round(Math.max(...frames.times))} ms)`,
    );
    // Free most of the time while the events stream in.
    expect(blockedMs).toBeLessThan(liveMs / 2);
    // A key's redraw costs a few frames at most, whatever the number of events.
    expect(redrawMs).toBeLessThan(Math.max(idleMs, 16) * 4);
  });
});
