import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * Two recorded race-counter runs (3 and 4 threads) on one timeline in the browser: chosen from the history,
 * both runs' lanes drawn paired by actor (A above B), the differing parameter listed beside, aligned at a
 * mark both have, and the Perfetto export giving one trace with the runs as two processes whose marks
 * coincide.
 */

let session: BrowserSession;
const runIds: string[] = [];

describe.skipIf(!existsSync(CHROMIUM))('two runs on one timeline (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession({
      prepare: (_dir, dbPath) => {
        for (const threads of ['3', '4']) {
          // Exit 1 is a claim that did not hold (a timing claim on a busy machine): the run is recorded all the same.
          const ran = spawnSync(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', dbPath, 'run', 'race-counter', '--set', `threads=${threads}`, '--set', 'windowMs=20', '--json'], {
            encoding: 'utf8',
            timeout: 120_000,
          });
          if (ran.status !== 0 && ran.status !== 1) throw new Error(`conlab run exited with ${ran.status}: ${ran.stderr}`);
          runIds.push((JSON.parse(ran.stdout) as { runId: string }).runId);
        }
      },
    });
  }, 240_000);

  afterAll(async () => {
    await session?.close();
  });

  test('from the history: lanes paired by actor, the differences beside, aligned at a mark, exported as two processes', { timeout: 150_000 }, async () => {
    const { page } = session;
    await session.go('/history');
    for (const runId of runIds) await page.locator(`tr[data-run="${runId}"] input[type="checkbox"]`).check();
    await page.getByTestId('pair-timeline-selected').click();
    await page.waitForURL(/#\/compare\/timeline\?/);
    const pair = page.getByTestId('pair-timeline');
    await pair.waitFor({ timeout: 30_000 });

    // Lanes paired by actor: every actor of both runs, A's lane then B's; the 4th racer only B has.
    const lanes = (await pair.getAttribute('data-lanes'))!.split(',');
    expect(lanes).toContain('A:main');
    expect(lanes.indexOf('B:main')).toBe(lanes.indexOf('A:main') + 1);
    for (const actor of ['unlocked-0', 'unlocked-2', 'locked-1']) expect(lanes.indexOf(`B:${actor}`), actor).toBe(lanes.indexOf(`A:${actor}`) + 1);
    expect(lanes).toContain('B:unlocked-3');
    expect(lanes).not.toContain('A:unlocked-3');
    // Both runs' lanes are drawn (the canvas's lane window, labelled A · / B ·).
    const box = pair.getByTestId('timeline-box');
    await expect.poll(async () => (await box.getAttribute('data-visible-lanes'))!.split(',')).toEqual(expect.arrayContaining(['A · main', 'B · main', 'A · unlocked-0', 'B · unlocked-0']));

    // The text alternative covers both runs: a table a side, titled, each with its own run's lanes.
    const summaries = pair.getByTestId('timeline-summary');
    await expect.poll(() => summaries.count()).toBe(2);
    expect(await summaries.locator('caption').allTextContents()).toEqual([expect.stringMatching(/^A · /), expect.stringMatching(/^B · /)]);
    expect(await summaries.nth(0).locator('tr[data-actor="unlocked-3"]').count()).toBe(0);
    expect(await summaries.nth(1).locator('tr[data-actor="unlocked-3"]').count()).toBe(1);
    expect(await summaries.nth(0).locator('tr[data-actor="main"]').count()).toBe(1);

    // The differences: threads differs (3 against 4); the claims of both runs are listed.
    const differences = page.getByTestId('pair-differences');
    expect(await differences.locator('[data-param="threads"] td').allTextContents()).toEqual(['threads', '3', '4']);
    expect(await differences.locator('[data-param="windowMs"]').count()).toBe(0);
    expect(await differences.locator('[data-testid="pair-claims"] tr[data-claim]').count()).toBeGreaterThan(0);

    // Aligned at a mark both runs have.
    const options = await page.locator('[data-testid="pair-align"] option').evaluateAll((nodes) => nodes.map((node) => (node as unknown as { value: string }).value));
    expect(options).toEqual(expect.arrayContaining(['start', 'mark:unlocked', 'mark:locked', 'mark:serial']));
    await page.getByTestId('pair-align').selectOption('mark:locked');
    await expect.poll(() => pair.getAttribute('data-aligned')).toBe('mark:locked');
    await session.shot('pair-timeline');
    // The page passes axe (WCAG 2 A and AA), evaluated through the debugging protocol (the CSP refuses inline scripts).
    await page.evaluate(readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
    const violations = (await page.evaluate(`(async () => {
      const result = await window.axe.run(document.querySelector('.pair-timeline'), { runOnly: ['wcag2a', 'wcag2aa'] });
      return result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
    })()`)) as string[];
    expect(violations).toEqual([]);

    // The export: one trace, the runs as two processes, their "locked" marks at the same instant.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('pair-export-trace').click()]);
    expect(download.suggestedFilename()).toMatch(/^conlab-pair-[0-9a-f]{8}-[0-9a-f]{8}\.trace\.json$/);
    const saved = join(session.dir, download.suggestedFilename());
    await download.saveAs(saved);
    const trace = JSON.parse(readFileSync(saved, 'utf8')) as { traceEvents: { ph: string; name: string; pid: number; ts: number; args?: Record<string, unknown> }[]; metadata: { alignedAt: string; runs: { runId: string }[] } };
    expect(trace.metadata.alignedAt).toBe('mark locked');
    expect(trace.metadata.runs.map((run) => run.runId)).toEqual(runIds);
    const processes = trace.traceEvents.filter((event) => event.ph === 'M' && event.name === 'process_name');
    expect(processes.map((event) => event.pid).sort()).toEqual([1, 2]);
    expect(processes.map((event) => String(event.args?.['name']).slice(0, 3)).sort()).toEqual(['A: ', 'B: ']);
    const lockedAt = [1, 2].map((pid) => Math.min(...trace.traceEvents.filter((event) => event.pid === pid && event.ph === 'i' && JSON.stringify(event).includes('"locked"')).map((event) => event.ts)));
    expect(lockedAt.every(Number.isFinite)).toBe(true);
    expect(Math.abs(lockedAt[0]! - lockedAt[1]!)).toBeLessThan(0.01);
  });
});
