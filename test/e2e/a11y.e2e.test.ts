import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * Accessibility of every page, in both themes and both languages, checked by axe-core in Chromium: no
 * violation of serious or critical impact (colour contrast included), and no status badge wrapped. Each page is also saved as a
 * screenshot in each language (test/e2e/screenshots/a11y-<page>-<lang>-<theme>.png).
 *
 * axe is evaluated through the DevTools protocol (page.evaluate), not added as a <script>: the app's CSP
 * blocks inline scripts and stays as it is (the last test checks that it still does).
 */

const AXE_SOURCE = readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const CONLAB = join(root, 'bin', 'conlab.mjs');

interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[]; readonly failureSummary?: string }[];
}

let session: BrowserSession;
const ids = { deadlock: '', node: '', cpython: '', pair: 'none', live: '', batch: '', other: '' };

/** Runs the CLI on the session's database; exit code 1 (a claim failed) still recorded the run. */
function conlab(dbPath: string, args: readonly string[]): string {
  try {
    return execFileSync(process.execPath, [CONLAB, '--db', dbPath, ...args], { encoding: 'utf8', timeout: 150_000, env: { ...process.env, LANG: 'en_US.UTF-8' } });
  } catch (error) {
    const failed = error as { status?: number; stdout?: string };
    if (failed.status === 1 && typeof failed.stdout === 'string') return failed.stdout;
    throw error;
  }
}

/** The routes checked, by a short name; the ids are known once the runs exist. */
const pages = (): readonly (readonly [string, string])[] => [
  ['lessons', '/lessons'],
  ['lesson', '/lessons/race-counter'],
  ['live', `/runs/${ids.live}/live`],
  ['results', `/runs/${ids.deadlock}`],
  ['results-metrics', `/runs/${ids.node}`],
  ['history', '/history'],
  ['compare', `/compare?ids=${ids.node},${ids.cpython || ids.deadlock}`],
  ['composer', '/composer'],
  ['transfer', '/transfer'],
  ['settings', '/settings'],
  ['pair', `/pairs/${ids.pair}`],
  ['pack-builder', '/packs/new'],
  ['distribution', `/runs/${ids.batch}/distribution`],
  ['pair-timeline', `/compare/timeline?ids=${ids.node},${ids.other}`],
];

/** What a page shows once its data is in, where that comes after its heading (axe checks the whole page). */
const READY: Readonly<Record<string, string>> = {
  distribution: '[data-testid="distribution-bin"]',
  'pair-timeline': '[data-testid="pair-timeline"] [data-testid="timeline-box"]',
};

/**
 * The pack builder with a lesson in its draft (parameters and a number question), so its lesson editor is
 * checked too. The draft is kept, so only the first visit adds it.
 */
async function draftLesson(): Promise<void> {
  const { page } = session;
  if ((await page.getByTestId('builder-remove-0').count()) === 0) {
    await page.locator('[data-testid="builder-pick-lesson"]:not([disabled])').waitFor({ timeout: 30_000 });
    await page.getByTestId('builder-pick-lesson').selectOption('race-counter');
    await page.getByTestId('builder-add-lesson').click();
    await page.getByTestId('builder-add-number-question-0').click();
  }
  await page.getByTestId('builder-question-source-0-0').waitFor({ timeout: 30_000 });
}

/**
 * Polls an expression in the page until it is true. Not page.waitForFunction: with a string it builds a
 * function inside the page, which the app's CSP (no 'unsafe-eval') rightly refuses.
 */
async function until(expression: string, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await session.page.evaluate(expression)) === true) return;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function choose(setting: 'language' | 'theme', value: string): Promise<void> {
  const { page } = session;
  await session.go('/settings');
  const select = page.locator(`[data-testid="${setting}"]`);
  await select.waitFor();
  await select.selectOption(value);
  // The choice is saved through the contract and applied to <html> (lang, data-theme).
  const attribute = setting === 'language' ? 'lang' : 'data-theme';
  await until(`document.documentElement.getAttribute(${JSON.stringify(attribute)}) === ${JSON.stringify(value)}`, `<html ${attribute}="${value}">`);
}

/** Waits until the page has its heading and nothing says it is loading. */
async function settle(): Promise<void> {
  const { page } = session;
  await page.locator('main h1').first().waitFor({ timeout: 30_000 });
  await until('!/Loading…|加载中…|Connecting|正在连接/.test(document.body.innerText)', 'the page to finish loading');
  // Fonts (the CJK face) are in before the screenshot and the contrast check.
  await page.evaluate('document.fonts.ready.then(() => true)');
}

async function axeViolations(): Promise<Violation[]> {
  const { page } = session;
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.slice(0, 5).map((node) => ({ target: node.target, failureSummary: node.failureSummary })),
    })))`)) as Violation[];
}

describe.skipIf(!existsSync(CHROMIUM))('accessibility (axe-core) of every page, both themes and both languages', () => {
  beforeAll(async () => {
    session = await openSession({
      // Recorded runs to show: a deadlock, a small race-counter on Node and CPython (a pair), a second Node run (two runs on
      // one timeline) and a 30-trial batch without events (its distribution), before the server starts.
      prepare: (_dir, dbPath) => {
        ids.deadlock = (JSON.parse(conlab(dbPath, ['run', 'deadlock', '--set', 'threads=2', '--json'])) as { runId: string }).runId;
        const small = ['--set', 'threads=2', '--set', 'windowMs=1', '--set', 'outsideMs=2', '--repeat', '2'];
        try {
          conlab(dbPath, ['run', 'race-counter', '--runtime', 'both', ...small]);
        } catch {
          // No CPython here (exit 2): the Node run alone; the pair page then says the CPython run is missing.
          conlab(dbPath, ['run', 'race-counter', ...small]);
        }
        const history = JSON.parse(conlab(dbPath, ['history', '--json'])) as { id: string; lessonId: string | null; tags: string[]; runtime: string }[];
        const raceRuns = history.filter((run) => run.lessonId === 'race-counter');
        const pairTag = raceRuns.flatMap((run) => run.tags).find((tag) => tag.startsWith('pair:'));
        ids.pair = pairTag ? pairTag.slice(5) : 'none';
        ids.node = raceRuns.find((run) => run.runtime === 'node')?.id ?? '';
        ids.cpython = raceRuns.find((run) => run.runtime === 'cpython')?.id ?? '';
        // A second Node run with one more thread, for two runs on one timeline.
        ids.other = (JSON.parse(conlab(dbPath, ['run', 'race-counter', '--set', 'threads=3', '--set', 'windowMs=1', '--set', 'outsideMs=2', '--json'])) as { runId: string }).runId;
        // A batch kept for its distribution (records and metrics, no events).
        ids.batch = (JSON.parse(conlab(dbPath, ['run', 'race-counter', '--set', 'threads=2', '--set', 'windowMs=1', '--set', 'outsideMs=0', '--repeat', '30', '--no-events', '--json'])) as { runId: string }).runId;
      },
    });
    expect(ids.deadlock).not.toBe('');
    expect(ids.node).not.toBe('');
    expect(ids.other).not.toBe('');
    expect(ids.batch).not.toBe('');

    // A run that stays live while the pages are checked: one thread asleep; cancelled at the end.
    const { page } = session;
    await session.go('/composer');
    await page.click('[data-testid="mode-json"]');
    const editor = page.locator('[data-testid="spec-editor"]');
    await editor.waitFor();
    await editor.fill(JSON.stringify({ version: 1, title: 'a11y live', actors: [{ name: 'sleeper', kind: 'thread', count: 2, program: [{ op: 'sleep', ms: 300_000 }] }] }, null, 2));
    await page.locator('[data-testid="run-spec"]:not([disabled])').waitFor();
    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    ids.live = /#\/runs\/([^/]+)\/live$/.exec(page.url())![1]!;
  });

  afterAll(async () => {
    if (session && ids.live) {
      await session.go(`/runs/${ids.live}/live`).catch(() => undefined);
      await session.page.click('[data-testid="cancel-run"]', { timeout: 15_000 }).catch(() => undefined);
      await session.page.locator('[data-testid="run-ended"]').waitFor({ timeout: 30_000 }).catch(() => undefined);
    }
    await session?.close();
  });

  const combos = [
    ['en', 'light'],
    ['en', 'dark'],
    ['zh-CN', 'light'],
    ['zh-CN', 'dark'],
  ] as const;

  test.each(combos)('every page in %s, %s theme: no serious or critical violation', async (language, theme) => {
    await choose('language', language);
    await choose('theme', theme);
    const found: string[] = [];
    for (const [name, route] of pages()) {
      await session.go(route);
      await settle();
      if (READY[name]) await session.page.locator(READY[name]).first().waitFor({ timeout: 30_000 });
      if (name === 'pack-builder') await draftLesson();
      expect(await session.page.evaluate('document.documentElement.lang')).toBe(language);
      expect(await session.page.evaluate('document.documentElement.dataset.theme')).toBe(theme);
      await session.shot(`a11y-${name}-${language}-${theme}`);
      // Status badges stay on one line: white-space nowrap, and no badge taller than two of its own font sizes.
      const wrapped = (await session.page.evaluate(`[...document.querySelectorAll('.status-badge')]
        .filter((badge) => getComputedStyle(badge).whiteSpace !== 'nowrap' || badge.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(badge).fontSize))
        .map((badge) => badge.textContent)`)) as string[];
      if (wrapped.length > 0) found.push(`${name} (${route}): status badges wrapped: ${wrapped.join(', ')}`);
      for (const violation of await axeViolations()) {
        if (violation.impact !== 'serious' && violation.impact !== 'critical') continue;
        const where = violation.nodes.map((node) => `${JSON.stringify(node.target)} ${node.failureSummary?.split('\n').slice(1, 3).join(' ') ?? ''}`).join(' | ');
        found.push(`${name} (${route}): ${violation.impact} ${violation.id}: ${violation.help}: ${where}`);
      }
    }
    expect(found).toEqual([]);
  });

  test('the live run page was checked while running, and the CSP still blocks inline scripts after axe ran', async () => {
    const { page } = session;
    await session.go(`/runs/${ids.live}/live`);
    await page.locator('[data-testid="cancel-run"]').waitFor();
    expect(await page.evaluate('typeof window.axe')).toBe('object');
    const ran = (await page.evaluate(`new Promise((resolve) => {
      const script = document.createElement('script');
      script.textContent = 'window.__a11yInjected = true;';
      document.body.appendChild(script);
      setTimeout(() => resolve(window.__a11yInjected === true), 200);
    })`)) as boolean;
    expect(ran).toBe(false);
  });
});
