import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * The live view's trial bar after a reload and in a second tab (the finished trials come with the catch-up, before
 * the run ends), and each actor's program beside its lane: the line of the step at the pointer's time or the
 * replay's position highlighted, the rows aligned with the lanes after they scroll.
 */

let session: BrowserSession;
let raceRunId = '';
let dbPath = '';

describe.skipIf(!existsSync(CHROMIUM))('trials after a reload, programs beside the lanes (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession({
      prepare: (_dir, db) => {
        dbPath = db;
        // Exit 1 is a claim that did not hold (a timing claim on a busy machine): the run is recorded all the same.
        const ran = spawnSync(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', db, 'run', 'race-counter', '--set', 'threads=8', '--set', 'windowMs=40', '--json'], {
          encoding: 'utf8',
          timeout: 120_000,
        });
        if (ran.status !== 0 && ran.status !== 1) throw new Error(`conlab run exited with ${ran.status}: ${ran.stderr}`);
        raceRunId = (JSON.parse(ran.stdout) as { runId: string }).runId;
      },
    });
  }, 180_000);

  afterAll(async () => {
    await session?.close();
  });

  /** Each of 5 trials: two threads, 40 rounds of a 60 ms wait and an add (a few seconds), then a record. */
  const spec = {
    version: 1,
    title: 'e2e trials',
    shared: { total: { scope: 'shared', initial: 0 } },
    actors: [
      {
        name: 'worker',
        kind: 'thread',
        count: 2,
        program: [
          { op: 'repeat', times: 40, trace: 'each', steps: [{ op: 'block', ms: 60 }, { op: 'add', var: 'total', delta: 1 }] },
          { op: 'record', name: 'rounds', value: 40 },
        ],
      },
    ],
    claims: [{ id: 'recorded', text: { en: 'rounds were recorded', zh: '记录了轮数' }, check: { compare: [{ record: 'rounds' }, '>', { const: 0 }] } }],
  };

  const cell = (page: Page, n: number): Locator => page.locator(`[data-testid="trial-cell-${n}"]`);
  /** What the trial bar says of the first two trials: their labels (status and wall time) and the second's details. */
  async function firstTwo(page: Page): Promise<string[]> {
    await cell(page, 2).click();
    return [(await cell(page, 1).getAttribute('aria-label')) ?? '', (await cell(page, 2).getAttribute('aria-label')) ?? '', (await page.locator('[data-testid="trial-detail"]').textContent()) ?? ''];
  }

  test('reloaded during the third of five trials, and in a second tab: the first two trials show at once, the same in both', { timeout: 240_000 }, async () => {
    const { page } = session;
    await session.go('/composer');
    await page.click('[data-testid="mode-json"]');
    const editor = page.locator('[data-testid="spec-editor"]');
    await editor.waitFor();
    await editor.fill(JSON.stringify(spec, null, 2));
    await page.locator('input[name="repeat"]').fill('5');
    await expect.poll(() => page.locator('[data-testid="validation"]').textContent()).toContain('valid');
    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    const runId = /#\/runs\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await expect.poll(() => cell(page, 3).getAttribute('data-state'), { timeout: 90_000 }).toBe('running');
    const seen = await firstTwo(page);
    expect(seen[0]).toMatch(/^Trial 1: ok, /);
    expect(seen[2]).toContain('rounds: 2 recorded, last 40');
    expect(seen[2]).toContain('recorded: holds');

    await page.reload();
    await cell(page, 2).waitFor({ timeout: 30_000 });
    expect(await cell(page, 1).getAttribute('data-status')).toBe('ok');
    expect(await cell(page, 2).getAttribute('data-status')).toBe('ok');
    const afterReload = await firstTwo(page);
    const endedAfterReload = (await page.locator('[data-testid="run-ended"]').count()) > 0;
    // The first trial's timeline, chosen in the bar, is read from the stored trace: its two workers' lanes.
    await cell(page, 1).click();
    await page.locator('[data-testid="past-trial-note"]').waitFor({ timeout: 30_000 });
    await expect.poll(async () => ((await page.locator('[data-testid="timeline-box"]').getAttribute('data-visible-lanes')) ?? '').split(',').sort()).toEqual(['worker-0', 'worker-1']);

    const second = await session.context.newPage();
    try {
      await second.goto(`${session.url}#/runs/${runId}/live`);
      await cell(second, 2).waitFor({ timeout: 30_000 });
      expect(await cell(second, 1).getAttribute('data-status')).toBe('ok');
      const inSecondTab = await firstTwo(second);
      const endedInSecond = (await second.locator('[data-testid="run-ended"]').count()) > 0;
      await session.shot('live-trials-after-reload');
      expect(afterReload).toEqual(seen);
      expect(inSecondTab).toEqual(seen);
      // Both checks were made while the run went on: what they showed came from the catch-up, not the end.
      expect(endedAfterReload).toBe(false);
      expect(endedInSecond).toBe(false);

      // At the end both tabs show five finished trials and the stored event count.
      for (const tab of [page, second]) await tab.locator('[data-testid="run-ended"]').waitFor({ timeout: 120_000 });
      const stored = JSON.parse(execFileSync(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', dbPath, 'show-run', runId, '--json'], { encoding: 'utf8' })) as { trials: { eventCount: number }[] };
      const storedEvents = stored.trials.reduce((sum, trial) => sum + trial.eventCount, 0);
      for (const tab of [page, second]) {
        expect(await tab.locator('[data-testid="trial-bar"]').getAttribute('data-done')).toBe('5');
        await expect.poll(async () => Number(((await tab.locator('[data-testid="event-count"]').textContent()) ?? '').replace(/[^\d]/g, '')), { timeout: 15_000 }).toBe(storedEvents);
      }
    } finally {
      await second.close();
    }
  });

  test("a racer's program beside its lane: the step at the replay's position and under the pointer, aligned after the lanes scroll", { timeout: 120_000 }, async () => {
    const { page } = session;
    await session.go(`/runs/${raceRunId}`);
    await page.getByRole('button', { name: 'Show the timeline' }).click();
    const column = page.locator('[data-testid="program-column"]');
    await column.waitFor();
    const box = page.locator('[data-testid="timeline-box"]');
    const racerRow = column.locator('.lane-program[data-actor="unlocked-0"]');
    expect(await racerRow.locator('.line').allTextContents()).toEqual(['read counter → seen', 'block 40 ms', 'write counter ← seen - 1']);

    // The replay moves the racer through its read, its wait and its write: its row follows, line by line.
    const replay = page.locator('[data-testid="replay"]');
    await replay.locator('[data-testid="replay-actor"]').selectOption('unlocked-0');
    const lines: string[] = [];
    for (let i = 0; i < 8 && lines.at(-1) !== 'write counter ← seen - 1'; i++) {
      const before = await replay.locator('[data-testid="replay-event"]').textContent();
      await replay.locator('[data-testid="replay-actor-next"]').click();
      await expect.poll(() => replay.locator('[data-testid="replay-event"]').textContent()).not.toBe(before);
      const event = (await replay.locator('[data-testid="replay-event"]').textContent()) ?? '';
      if (/ · (read|write|block) /.test(event)) {
        await expect.poll(() => racerRow.locator('.line.current').count()).toBe(1);
        lines.push((await racerRow.locator('.line.current').textContent()) ?? '');
      }
    }
    expect(lines[0]).toBe('read counter → seen');
    expect(lines).toContain('block 40 ms');
    expect(lines.at(-1)).toBe('write counter ← seen - 1');

    // The pointer over the lanes, in the middle of the racer's wait: the wait's line; at the far right, its write.
    const events = execFileSync(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', dbPath, 'export', raceRunId, '--format', 'csv-events', '--out', '-'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.startsWith('0,unlocked-0,'))
      .map((line) => line.split(','));
    const blockStart = Number(events.find((row) => row[4] === 'block' && row[5] === 'B')![3]);
    const blockEnd = Number(events.find((row) => row[4] === 'block' && row[5] === 'E')![3]);
    const [viewStart, viewEnd] = ((await box.getAttribute('data-view-ns')) ?? '').split(',').map(Number) as [number, number];
    // The pointer reaches only what is on screen: the lanes are brought into view first.
    await page.locator('[data-testid="timeline-canvas"]').scrollIntoViewIfNeeded();
    await page.locator('[data-testid="timeline-canvas"]').evaluate((element) => element.scrollIntoView({ block: 'center' }));
    const canvasBox = (await page.locator('[data-testid="timeline-canvas"]').boundingBox())!;
    const xOf = (ns: number): number => canvasBox.x + 150 + ((ns - viewStart) / (viewEnd - viewStart)) * (canvasBox.width - 150);
    const rowY = async (actor: string): Promise<number> => {
      const index = ((await box.getAttribute('data-visible-lanes')) ?? '').split(',').indexOf(actor);
      expect(index).toBeGreaterThanOrEqual(0);
      return canvasBox.y + 30 + index * 21 + 8;
    };
    await page.mouse.move(xOf((blockStart + blockEnd) / 2), await rowY('unlocked-0'));
    await expect.poll(() => racerRow.locator('.line.current').textContent()).toBe('block 40 ms');
    await page.mouse.move(canvasBox.x + canvasBox.width - 2, await rowY('unlocked-0'));
    await expect.poll(() => racerRow.locator('.line.current').textContent()).toBe('write counter ← seen - 1');
    await session.shot('program-column');

    // Rows stay beside their lanes as the lanes scroll: same actors in the same order, each at its lane's height.
    async function aligned(): Promise<string[]> {
      const visible = ((await box.getAttribute('data-visible-lanes')) ?? '').split(',');
      const rows = column.locator('.lane-program[data-actor]');
      expect(await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-actor')))).toEqual(visible);
      const top = (await page.locator('[data-testid="timeline-canvas"]').boundingBox())!.y;
      const boxes = await column.locator('.lane-program').evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().top));
      boxes.forEach((y, index) => expect(Math.abs(y - (top + 30 + index * 21))).toBeLessThanOrEqual(1.5));
      return visible;
    }
    const before = await aligned();
    await box.focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(async () => ((await box.getAttribute('data-visible-lanes')) ?? '').split(',')[0]).not.toBe(before[0]);
    const after = await aligned();
    expect(after[0]).not.toBe(before[0]);
  });
});
