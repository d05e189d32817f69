import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * Replay of a recorded race-counter run in the browser: stepping through one unlocked racer's events
 * shows its read of the counter (the value it read, shared value and program line agreeing), then its
 * write of one less; another racer read the same value, so two decrements left one: the lost update,
 * told by the events. The run is recorded by the CLI into the session's history before the server starts.
 */

let session: BrowserSession;
let runId = '';

describe.skipIf(!existsSync(CHROMIUM))('replay of a recorded run (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession({
      prepare: (_dir, dbPath) => {
        // Exit 1 is a claim that did not hold (a timing claim on a busy machine): the run is recorded all the same.
        const ran = spawnSync(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', dbPath, 'run', 'race-counter', '--set', 'threads=3', '--set', 'windowMs=40', '--json'], {
          encoding: 'utf8',
          timeout: 120_000,
        });
        if (ran.status !== 0 && ran.status !== 1) throw new Error(`conlab run exited with ${ran.status}: ${ran.stderr}`);
        runId = (JSON.parse(ran.stdout) as { runId: string }).runId;
      },
    });
  }, 180_000);

  afterAll(async () => {
    await session?.close();
  });

  test('step through a racer: its read, the program line highlighted, then its write of one less; another racer read the same value', { timeout: 120_000 }, async () => {
    const { page } = session;
    await session.go(`/runs/${runId}`);
    await page.getByRole('button', { name: 'Show the timeline' }).click();
    const replay = page.locator('[data-testid="replay"]');
    await replay.locator('[data-testid="replay-position"]').waitFor();
    expect(await replay.locator('[data-testid="replay-position"]').textContent()).toMatch(/^0 \/ \d+$/);
    const eventText = async (): Promise<string> => (await replay.locator('[data-testid="replay-event"]').textContent()) ?? '';
    const racers = (await replay.locator('[data-testid="replay-actor"] option').allTextContents()).filter((name) => name.startsWith('unlocked'));
    expect(racers).toHaveLength(3);

    /** Moves the chosen actor to its next event of `op` (by the button, or by the ↓ key), and returns that event's text. */
    async function nextOf(op: string, byKey: boolean): Promise<string> {
      for (let i = 0; i < 12; i++) {
        const before = await eventText();
        if (byKey) {
          await replay.focus();
          await page.keyboard.press('ArrowDown');
        } else await replay.locator('[data-testid="replay-actor-next"]').click();
        await expect.poll(eventText).not.toBe(before);
        const text = await eventText();
        if (text.includes(` · ${op} `)) return text;
      }
      throw new Error(`no ${op} event found`);
    }

    const readValues: number[] = [];
    for (const [n, racer] of racers.entries()) {
      await replay.locator('[data-testid="replay-actor"]').selectOption(racer);
      await replay.focus();
      await page.keyboard.press('Home');
      await expect.poll(eventText).toBe('Before the first event');
      const read = await nextOf('read', n === 0);
      const match = new RegExp(`${racer} · read I \\{"var":"counter","value":(\\d+)\\}`).exec(read);
      expect(match, read).not.toBeNull();
      const value = Number(match![1]);
      readValues.push(value);
      // The shared value shown is what it read, and its program line (the read) is the current one.
      expect(await replay.locator('[data-testid="replay-shared"] [data-var="counter"] .value').textContent()).toBe(String(value));
      const current = replay.locator('[data-group="unlocked"] li.current');
      expect(await current.textContent()).toContain('read counter → seen');
      if (n === 0) {
        await replay.locator('[data-testid="program-mode-python"]').click();
        expect(await current.textContent()).toContain('seen = counter');
        await replay.locator('[data-testid="program-mode-steps"]').click();
        await session.shot('replay-read');
      }
      const write = await nextOf('write', false);
      expect(write).toContain(`${racer} · write I {"var":"counter","value":${value - 1}}`);
      expect(await current.textContent()).toContain('write counter ← seen - 1');
      expect(await replay.locator('[data-testid="replay-shared"] [data-var="counter"] .value').textContent()).toBe(String(value - 1));
    }
    // A lost update: two racers read the same value and each wrote one less.
    expect(new Set(readValues).size, `values read: ${readValues.join(', ')}`).toBeLessThan(readValues.length);
    // The scrubber reaches the end, where the trial's final values show.
    const length = Number((await replay.locator('[data-testid="replay-position"]').textContent())!.split('/')[1]);
    await replay.locator('[data-testid="replay-scrubber"]').fill(String(length));
    await expect.poll(() => replay.locator('[data-testid="replay-shared"] [data-var="counter"]').textContent()).toContain('final value');
  });

  test('a live run lists each actor\'s program beside its lanes, with the steps actors are at, as steps or Python', { timeout: 150_000 }, async () => {
    const { page } = session;
    await session.go('/lessons');
    await page.click('[data-lesson="race-counter"] .lesson-link');
    await page.locator('[data-testid="run-lesson"]').waitFor();
    await page.fill('#param-threads', '3');
    await page.click('[data-testid="run-lesson"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    const column = page.locator('[data-testid="program-column"]');
    await column.waitFor({ timeout: 60_000 });
    // Each racer's row lists its program once its lane shows; some row has a current step (main's, at least).
    const racerRow = column.locator('.lane-program[data-actor^="unlocked-"]').first();
    await racerRow.waitFor({ timeout: 60_000 });
    expect(await racerRow.locator('.line').allTextContents()).toEqual(['read counter → seen', 'block 10 ms', 'write counter ← seen - 1']);
    await expect.poll(() => column.locator('.line.current').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await column.locator('[data-testid="column-mode-python"]').click();
    expect(await column.locator('.lane-program[data-actor^="unlocked-"]').first().locator('.line').first().textContent()).toContain('seen = counter');
    await page.locator('[data-testid="view-results"]').waitFor({ timeout: 120_000 });
  });
});
