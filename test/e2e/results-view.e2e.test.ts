import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * The results views in Chromium, on runs recorded through the CLI before `conlab serve` starts: a run
 * that ended ok but whose claim cannot hold is never shown as the green "ok" (results and history),
 * race-counter's results show the updates lost in each phase, and comparing two race-counter runs
 * highlights the parameter that differs.
 */

interface CliRun {
  runId: string;
  status: string;
  claims: { id: string; status: string }[];
  trials: { warmup: boolean; records: Record<string, unknown[]> }[];
}

/** `conlab run ... --json` on the session's database; a run whose claim fails exits 1 and still prints its JSON. */
function cliRun(dbPath: string, cwd: string, args: string[]): CliRun {
  const argv = [join(root, 'bin', 'conlab.mjs'), '--db', dbPath, 'run', ...args, '--json'];
  try {
    return JSON.parse(execFileSync(process.execPath, argv, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })) as CliRun;
  } catch (error) {
    const failed = error as { status: number; stdout: string };
    if (failed.status !== 1) throw error;
    return JSON.parse(failed.stdout) as CliRun;
  }
}

// The badge's colour must not be the "ok" green of either theme.
const OK_GREENS = ['rgb(31, 138, 76)', 'rgb(76, 195, 138)'];
/** Runs in the page: the element's computed text colour (the page's getComputedStyle, typed here without the DOM lib). */
const COLOUR_OF = (element: unknown): string => (globalThis as unknown as { getComputedStyle(target: unknown): { color: string } }).getComputedStyle(element).color;

let session: BrowserSession;
const runs: Record<string, CliRun> = {};

describe.skipIf(!existsSync(CHROMIUM))('results, history and compare views (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession({
      prepare: (dir, dbPath) => {
        const spec = {
          version: 1,
          title: 'e2e impossible claim',
          shared: { total: { scope: 'shared', initial: 0 } },
          actors: [{ name: 'adder', kind: 'thread', count: 2, program: [{ op: 'add', var: 'total', delta: 1 }] }],
          claims: [{ id: 'impossible', text: 'the total exceeds 100', check: { compare: [{ shared: 'total' }, '>', { const: 100 }] } }],
        };
        const file = join(dir, 'impossible.json');
        writeFileSync(file, JSON.stringify(spec));
        runs['failing'] = cliRun(dbPath, dir, [file]);
        runs['race4'] = cliRun(dbPath, dir, ['race-counter', '--set', 'threads=4']);
        runs['race6'] = cliRun(dbPath, dir, ['race-counter', '--set', 'threads=6']);
      },
    });
  });

  afterAll(async () => {
    await session?.close();
  });

  test('the run ended ok with a failed claim: its badge says so and is not green, in results and in history', async () => {
    const failing = runs['failing']!;
    expect(failing.status).toBe('ok');
    expect(failing.claims.map((c) => c.status)).toEqual(['fails']);
    const { page } = session;

    await session.go(`/runs/${failing.runId}`);
    const badge = page.locator('.head [data-testid="status-badge"]');
    await badge.waitFor();
    expect(await badge.textContent()).toBe('ok · 1 claim failed');
    expect(await badge.getAttribute('class')).toContain('claims-failed');
    const colour = String(await badge.evaluate(COLOUR_OF));
    expect(colour).toMatch(/^rgba?\(/);
    expect(OK_GREENS).not.toContain(colour);
    await session.shot('results-failed-claim');

    await session.go('/history');
    const row = page.locator(`tr[data-run="${failing.runId}"]`);
    await row.waitFor();
    const listed = row.locator('[data-testid="status-badge"]');
    expect(await listed.textContent()).toBe('ok · 1 claim failed');
    const listedColour = String(await listed.evaluate(COLOUR_OF));
    expect(listedColour).toMatch(/^rgba?\(/);
    expect(OK_GREENS).not.toContain(listedColour);
    // History shows each run's non-default parameters.
    expect(await page.locator(`tr[data-run="${runs['race4']!.runId}"] [data-testid="run-params"]`).textContent()).toBe('threads=4');
    await session.shot('history-claims-and-params');
  });

  test("race-counter's results show the updates lost in each phase, as recorded", async () => {
    const race = runs['race4']!;
    const trial = race.trials.filter((t) => !t.warmup).at(-1)!;
    const { page } = session;
    await session.go(`/runs/${race.runId}`);
    const table = page.locator('[data-testid="key-numbers-table"]');
    await table.waitFor();
    const firstCell = async (row: string): Promise<string> => ((await table.locator(`tr[data-row="${row}"] td`).first().textContent()) ?? '').trim();
    expect(await firstCell('no lock')).toBe(String(trial.records['unlockedFinal']![0]));
    expect(await firstCell('with a lock')).toBe(String(trial.records['lockedFinal']![0]));
    expect(await firstCell('one thread at a time')).toBe(String(trial.records['serialFinal']![0]));
    expect(await page.locator('[data-testid="key-numbers"] canvas').count()).toBe(1);
    await session.shot('results-key-numbers');
  });

  test('compare highlights the parameter that differs and compares claims and records', async () => {
    const { page } = session;
    await session.go(`/compare?ids=${runs['race4']!.runId},${runs['race6']!.runId}`);
    const params = page.locator('[data-testid="compare-params"]');
    await params.waitFor();
    const threads = params.locator('tr[data-param="threads"]');
    expect(await threads.getAttribute('data-differs')).toBe('true');
    expect(await threads.getAttribute('class')).toContain('differs');
    expect((await threads.locator('td').allTextContents()).map((text) => text.trim())).toEqual(['threads', '4', '6']);
    expect(await params.locator('tr[data-param="windowMs"]').getAttribute('data-differs')).toBe('false');
    expect(await page.locator('[data-testid="compare-claims"] tr[data-claim="updates-lost"] td').count()).toBe(3);
    expect(await page.locator('[data-testid="compare-records"] tr[data-record="unlockedFinal"]').count()).toBe(1);
    await session.shot('compare-params');
  });
});
