import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * The wait-for graph of a deadlock lesson run in the browser (conlab serve + Chromium, the real engine):
 * on the live page the cycle is highlighted — two workers and the locks A and B, each worker holding one and
 * waiting for the other — and confirmed once the run's record names the same cycle; clicking a worker in
 * the graph selects its lane in the timeline. In the replay of the recorded run the graph starts empty and
 * shows the same cycle at the last event.
 */

let session: BrowserSession;

describe.skipIf(!existsSync(CHROMIUM))('wait-for graph (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession();
  });

  afterAll(async () => {
    await session?.close();
  });

  test('deadlock: the cycle of two workers and two locks is highlighted, and a click selects the lane', { timeout: 170_000 }, async () => {
    const { page } = session;
    await session.go('/lessons/deadlock');
    await page.locator('[data-testid="run-lesson"]').waitFor();
    await page.fill('#param-threads', '4');
    await page.click('[data-testid="run-lesson"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    const graph = page.getByTestId('wait-graph');
    await graph.waitFor({ timeout: 60_000 });
    // The cycle, as the events tell it: two workers, the locks A and B.
    await expect.poll(async () => (await graph.getAttribute('data-cycle-targets')) ?? '', { timeout: 60_000 }).toBe('A,B');
    const cycle = (await graph.getAttribute('data-cycle-actors'))!.split(',');
    expect(cycle).toHaveLength(2);
    for (const actor of cycle) {
      expect(actor).toMatch(/^worker-\d+$/);
      expect(await graph.locator(`[data-node="actor:${actor}"]`).getAttribute('data-in-cycle')).toBe('true');
    }
    for (const lock of ['A', 'B']) expect(await graph.locator(`[data-node="target:${lock}"]`).getAttribute('data-in-cycle')).toBe('true');
    // Each cycle worker holds one lock and waits for the other, all four edges drawn in the cycle's colour.
    const cycleEdges = await graph.locator('[data-edge][data-in-cycle="true"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-edge')));
    expect(cycleEdges).toHaveLength(4);
    for (const actor of cycle) {
      const held = cycleEdges.find((edge) => edge!.startsWith(`holds:${actor}:`))!.split(':')[2];
      expect(cycleEdges).toContain(`waits:${actor}:${held === 'A' ? 'B' : 'A'}`);
    }

    // The run ends deadlocked; its report names the same cycle: confirmed.
    await page.locator('[data-testid="view-results"]').waitFor({ timeout: 120_000 });
    await expect.poll(async () => (await graph.getByTestId('wait-graph-cycle').textContent()) ?? '', { timeout: 20_000 }).toContain('confirmed');
    await session.shot('wait-graph-live');

    // The graph passes axe (WCAG 2 A and AA); axe is evaluated through the debugging protocol, as the page's CSP refuses inline scripts.
    await page.evaluate(readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
    const violations = (await page.evaluate(`(async () => {
      const result = await window.axe.run(document.querySelector('[data-testid="wait-graph"]'), { runOnly: ['wcag2a', 'wcag2aa'] });
      return result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
    })()`)) as string[];
    expect(violations).toEqual([]);

    // Clicking a worker of the cycle selects its lane (and brings it into view).
    const box = page.locator('[data-testid="timeline-box"]');
    await graph.locator(`[data-node="actor:${cycle[1]}"]`).click();
    await expect.poll(() => box.getAttribute('data-selected-lane')).toBe(cycle[1]);
    expect((await box.getAttribute('data-visible-lanes'))!.split(',')).toContain(cycle[1]);
    await graph.locator(`[data-node="actor:${cycle[0]}"]`).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => box.getAttribute('data-selected-lane')).toBe(cycle[0]);

    // The replay of the recorded run: nothing held before the first event, the same cycle after the last.
    await page.locator('[data-testid="view-results"]').click();
    await page.getByRole('button', { name: 'Show the timeline' }).click();
    const replay = page.locator('[data-testid="replay"]');
    await replay.locator('[data-testid="replay-position"]').waitFor();
    const replayGraph = replay.getByTestId('wait-graph');
    await replayGraph.getByTestId('wait-graph-empty').waitFor();
    await replay.focus();
    await page.keyboard.press('End');
    await expect.poll(async () => (await replayGraph.getAttribute('data-cycle-actors')) ?? '').toBe(cycle.join(','));
    expect(await replayGraph.getAttribute('data-cycle-targets')).toBe('A,B');
    await session.shot('wait-graph-replay');
    await replayGraph.locator(`[data-node="actor:${cycle[0]}"]`).click();
    await expect.poll(() => page.locator('[data-testid="timeline-box"]').getAttribute('data-selected-lane')).toBe(cycle[0]);
    expect(await replay.locator('[data-testid="replay-actor"]').inputValue()).toBe(cycle[0]);
  });
});
