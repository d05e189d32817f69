import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * The live timeline tells what the events say (Chromium against `conlab serve` with the real engine):
 * async tasks of one loop drawn in turn, a deadlock's blocked waits reaching its detection with the
 * cycle marked, and the lane window following the running phase. The page's text alternative (a visually
 * hidden table with data attributes) is read, and checked with axe-core.
 */

let session: BrowserSession;

interface SummaryRow {
  actor: string;
  longRunning: [number, number][];
  lastWait: [number, number] | null;
  inCycle: boolean;
}

async function summaryRows(): Promise<SummaryRow[]> {
  return (await session.page.evaluate(`[...document.querySelectorAll('[data-testid="timeline-summary"] tr[data-actor]')].map((row) => ({
    actor: row.dataset.actor,
    longRunning: (row.dataset.longRunning || '').split(',').filter(Boolean).map((pair) => pair.split('-').map(Number)),
    lastWait: row.dataset.lastWaitEndMs === '' ? null : [Number(row.dataset.lastWaitStartMs), Number(row.dataset.lastWaitEndMs)],
    inCycle: row.dataset.inCycle === 'true',
  }))`)) as SummaryRow[];
}

async function runLesson(id: string, params: Record<string, string>): Promise<void> {
  const { page } = session;
  await session.go(`/lessons/${id}`);
  await page.locator('[data-testid="run-lesson"]').waitFor();
  for (const [name, value] of Object.entries(params)) await page.fill(`#param-${name}`, value);
  await page.click('[data-testid="run-lesson"]');
  await page.waitForURL(/#\/runs\/.+\/live$/);
  await page.locator('[data-testid="timeline-canvas"]').waitFor();
}

async function waitForEnd(): Promise<void> {
  await session.page.locator('[data-testid="view-results"]').waitFor({ timeout: 120_000 });
  // The record arrives after the end: the summary then carries the derived states with it.
  await expect.poll(async () => (await summaryRows()).length, { timeout: 20_000 }).toBeGreaterThan(0);
}

describe.skipIf(!existsSync(CHROMIUM))('timeline states (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession();
  });

  afterAll(async () => {
    await session?.close();
  });

  test('cpu-vs-io: the async CPU tasks are drawn computing in turn, never two at once', async () => {
    await runLesson('cpu-vs-io', { cpuIterations: '30000000', ioMs: '100' });
    await waitForEnd();
    const rows = (await summaryRows()).filter((row) => row.actor.startsWith('cpuTask-'));
    expect(rows.length).toBe(4);
    const stretches = rows.flatMap((row) => row.longRunning.map(([from, to]) => ({ actor: row.actor, from, to })));
    // Every task computed (one long running stretch each), and no two stretches of different tasks overlap.
    expect(new Set(stretches.map((s) => s.actor)).size).toBe(4);
    stretches.sort((a, b) => a.from - b.from);
    for (let i = 1; i < stretches.length; i++) {
      if (stretches[i]!.actor !== stretches[i - 1]!.actor) expect(stretches[i]!.from, `${stretches[i - 1]!.actor} then ${stretches[i]!.actor}`).toBeGreaterThanOrEqual(stretches[i - 1]!.to);
    }
    await session.shot('40-timeline-cpu-tasks-in-turn');
  });

  test("deadlock: the cycle's blocked waits reach the detection, the cycle is marked, and the text alternative passes axe", async () => {
    await runLesson('deadlock', { threads: '4' });
    await waitForEnd();
    const detected = Number(await session.page.locator('[data-testid="timeline-summary-deadlock"]').getAttribute('data-detected-ms'));
    expect(detected).toBeGreaterThan(0);
    const cycle = (await summaryRows()).filter((row) => row.inCycle);
    expect(cycle.length).toBeGreaterThanOrEqual(2);
    for (const row of cycle) expect(row.lastWait?.[1], row.actor).toBeCloseTo(detected, 3);
    await session.shot('41-timeline-deadlock-cycle');

    // Click the first cycle lane's blocked span: the inspector shows that it ended with the detection.
    const box = await session.page.locator('[data-testid="timeline-canvas"]').boundingBox();
    const lanes = ((await session.page.locator('[data-testid="timeline-box"]').getAttribute('data-visible-lanes')) ?? '').split(',');
    const row = lanes.indexOf(cycle[0]!.actor);
    expect(row).toBeGreaterThanOrEqual(0);
    // The middle of its last wait, placed with the time window the canvas shows.
    const [viewStart, viewEnd] = ((await session.page.locator('[data-testid="timeline-box"]').getAttribute('data-view-ns')) ?? '').split(',').map(Number) as [number, number];
    const [waitStart, waitEnd] = cycle[0]!.lastWait!;
    const middleNs = ((waitStart + waitEnd) / 2) * 1e6;
    await session.page.mouse.click(box!.x + 150 + ((middleNs - viewStart) / (viewEnd - viewStart)) * (box!.width - 150), box!.y + 30 + row * 21 + 8);
    const inspector = session.page.locator('[data-testid="timeline-inspector"]');
    await inspector.waitFor();
    expect(await inspector.textContent()).toContain('the deadlock being detected');
    await session.shot('42-timeline-inspector');

    // Evaluated through the debugging protocol: the page's CSP (rightly) refuses inline scripts.
    await session.page.evaluate(readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
    const violations = (await session.page.evaluate(`(async () => {
      const result = await window.axe.run(document.querySelector('.timeline'), { runOnly: ['wcag2a', 'wcag2aa'] });
      return result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
    })()`)) as string[];
    expect(violations).toEqual([]);
  });

  test('race-counter: the lane window follows the running phase, finished lanes fold', async () => {
    const { page } = session;
    await session.go('/lessons/race-counter');
    await page.locator('[data-testid="run-lesson"]').waitFor();
    await page.click('[data-testid="run-lesson"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    await page.locator('[data-testid="timeline-box"]').waitFor();
    // Every lane window the page shows while live, recorded as it changes.
    await page.evaluate(`(() => {
      const box = document.querySelector('[data-testid="timeline-box"]');
      window.__laneWindows = [box.dataset.visibleLanes || ''];
      new MutationObserver(() => window.__laneWindows.push(box.dataset.visibleLanes || '')).observe(box, { attributes: true, attributeFilter: ['data-visible-lanes'] });
    })()`);
    await page.locator('[data-testid="view-results"]').waitFor({ timeout: 120_000 });
    const windows = (await page.evaluate('window.__laneWindows')) as string[];
    const has = (window: string, prefix: string) => window.split(',').some((actor) => actor.startsWith(prefix));
    const showing = (prefix: string) => windows.some((window) => window.split(',').filter((actor) => actor.startsWith(prefix)).length >= 10);
    // The locked phase came into view while it ran, its lanes together (not the finished unlocked ones).
    expect(showing('locked-'), windows.slice(-5).join(' | ')).toBe(true);
    expect(windows.some((window) => has(window, 'locked-') && !has(window, 'unlocked-'))).toBe(true);
    // The serial phase runs its threads one after another, each for some 50 ms, while live messages come at most ten
    // times a second: the window moves from one serial lane to a later one, with the earlier phases folded away.
    // A thread may start and end between two messages (when the threads' pace and the messages' beat together, a whole
    // phase of them can): a finished lane stays in view for a quarter second of the run before it folds, so each
    // message shows the serial lanes of the moment before it, and the window moves through most of the 20.
    const serialWindows = windows.filter((window) => !has(window, 'unlocked-') && !has(window, 'locked-') && has(window, 'serial-'));
    const serialShown = [...new Set(serialWindows.flatMap((window) => window.split(',').filter((actor) => actor.startsWith('serial-'))))];
    expect(serialShown.length, windows.slice(-5).join(' | ')).toBeGreaterThanOrEqual(10);
    const firstIndex = (window: string) => Math.min(...window.split(',').filter((actor) => actor.startsWith('serial-')).map((actor) => Number(actor.slice('serial-'.length))));
    expect(firstIndex(serialWindows.at(-1)!)).toBeGreaterThan(firstIndex(serialWindows[0]!));
    await session.shot('43-timeline-race-counter-followed');
  });
});
