import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LESSONS } from '../../src-main/lessons/catalog';
import { cpythonIssues } from '../../src-main/engine/runtimes/cpython-support';
import { discoverPython } from '../../src-main/engine/runtimes/python-discovery';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * Browser mode end to end: `conlab serve` with the real engine on a temporary database, driven in
 * Chromium. The tests share one session and build on each other (runs made early are found,
 * compared and exported later), so they run in order. Each page is saved to test/e2e/screenshots.
 */

const customSpec = (title: string, kind = 'thread') => ({
  version: 1,
  title,
  params: { n: { type: 'integer', default: 3, min: 1, max: 10 } },
  shared: { total: { scope: 'shared', initial: 0 } },
  actors: [{ name: 'adder', kind, count: { param: 'n' }, program: [{ op: 'add', var: 'total', delta: 1 }] }],
  claims: [{ id: 'all-added', text: 'every thread added one', check: { compare: [{ shared: 'total' }, '==', { const: { param: 'n' } }] } }],
});

const PYTHON = discoverPython().found;

let session: BrowserSession;
const runIds: Record<string, string> = {};

function runIdFromUrl(url: string): string {
  const match = /#\/runs\/([0-9a-f-]{36})/.exec(url);
  if (!match) throw new Error(`not a run page: ${url}`);
  return match[1]!;
}

describe.skipIf(!existsSync(CHROMIUM))('browser mode (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession();
  });

  afterAll(async () => {
    await session?.close();
  });

  test('the lessons page lists chapters, lessons and their claims', async () => {
    const { page } = session;
    await session.go('/lessons');
    await page.locator('[data-lesson="race-counter"]').waitFor();
    expect(await page.locator('[data-chapter="threads"] h2').textContent()).toBe('Threads and locks');
    await expect.poll(() => page.locator('[data-lesson="race-counter"] [data-claim="updates-lost"]').count()).toBe(1);
    await page.fill('#lesson-search', 'deadlock');
    await expect.poll(() => page.locator('.lesson-card').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-lesson="race-counter"]').count()).toBe(0);
    await page.fill('#lesson-search', '');
    await session.shot('01-lessons');
  });

  test('race-counter runs live and its results show the lost-update claim holding', async () => {
    const { page } = session;
    await page.click('[data-lesson="race-counter"] .lesson-link');
    await page.locator('[data-testid="run-lesson"]').waitFor();
    await page.fill('#param-threads', '0');
    expect(await page.locator('#param-threads').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[data-testid="run-lesson"]').isDisabled()).toBe(true);
    await page.fill('#param-threads', '12');
    await session.shot('02-lesson');
    await page.click('[data-testid="run-lesson"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    runIds['race'] = runIdFromUrl(page.url());
    await page.locator('[data-testid="timeline-canvas"]').waitFor();
    await expect.poll(async () => Number((await page.locator('[data-testid="event-count"]').textContent())?.replace(/\D/g, '')), { timeout: 30_000 }).toBeGreaterThan(0);
    await session.shot('03-live-run');
    await page.locator('[data-testid="view-results"]').waitFor({ timeout: 90_000 });
    await session.shot('04-live-run-ended');
    await page.click('[data-testid="view-results"]');
    const lostUpdates = page.locator('[data-testid="claims"] [data-claim="updates-lost"]');
    await lostUpdates.waitFor();
    expect(await lostUpdates.getAttribute('class')).toContain('claim-holds');
    expect(await lostUpdates.textContent()).toContain('updates are lost');
    expect(await page.locator('[data-testid="metric-table"]').textContent()).toContain('wallMs');
    await page.click('text=Show the timeline');
    await page.locator('[data-testid="timeline-canvas"]').waitFor();
    await session.shot('05-results');
  });

  test('deadlock ends with the cycle named', async () => {
    const { page } = session;
    await session.go('/lessons/deadlock');
    await page.locator('[data-testid="run-lesson"]').waitFor();
    await page.fill('#param-threads', '4');
    await page.click('[data-testid="run-lesson"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    runIds['deadlock'] = runIdFromUrl(page.url());
    await page.locator('[data-testid="run-ended"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="run-ended"]').textContent()).toContain('deadlocked');
    await session.shot('06-live-deadlock');
    await page.click('[data-testid="view-results"]');
    const deadlock = page.locator('[data-testid="deadlock"]');
    await deadlock.waitFor();
    const text = (await deadlock.textContent()) ?? '';
    expect(text).toMatch(/waits for (A|B), held by worker-\d+/);
    expect(await page.locator('[data-claim="deadlock-detected"]').getAttribute('class')).toContain('claim-holds');
    await session.shot('07-results-deadlock');
  });

  test('a long run is cancelled from the live view', async () => {
    const { page } = session;
    await session.go('/composer');
    await page.click('[data-testid="mode-json"]');
    const editor = page.locator('[data-testid="spec-editor"]');
    await editor.waitFor();
    await editor.fill(JSON.stringify({ version: 1, title: 'e2e long sleep', actors: [{ name: 'sleeper', kind: 'thread', count: 2, program: [{ op: 'sleep', ms: 120_000 }] }] }, null, 2));
    await expect.poll(() => page.locator('[data-testid="validation"]').textContent()).toContain('valid');
    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    runIds['cancelled'] = runIdFromUrl(page.url());
    await expect.poll(() => page.locator('[data-testid="event-count"]').textContent(), { timeout: 30_000 }).not.toBe('0');
    const cancelledAt = Date.now();
    await page.click('[data-testid="cancel-run"]');
    await page.locator('[data-testid="run-ended"]').waitFor({ timeout: 15_000 });
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
    expect(await page.locator('[data-testid="run-ended"]').textContent()).toContain('cancelled');
    await session.shot('08-live-cancelled');
  });

  test('the composer marks errors by path, then saves and runs a custom spec', async () => {
    const { page } = session;
    await session.go('/composer');
    await page.click('[data-testid="mode-json"]');
    const editor = page.locator('[data-testid="spec-editor"]');
    await editor.waitFor();
    const broken = customSpec('e2e custom adders', 'thred');
    await editor.fill(JSON.stringify(broken, null, 2));
    await expect.poll(() => page.locator('[data-testid="spec-issue"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="validation"]').textContent()).toContain('actors[0].kind');
    expect(await page.locator('[data-testid="run-spec"]').isDisabled()).toBe(true);
    // The issue's line link puts the caret on the marked line.
    await page.click('[data-testid="spec-issue"] .link-button');
    const caretLine = await editor.evaluate((element) => {
      const area = element as unknown as { value: string; selectionStart: number };
      return area.value.slice(0, area.selectionStart).split('\n').length;
    });
    expect(caretLine).toBe(JSON.stringify(broken, null, 2).split('\n').findIndex((line) => line.includes('"thred"')) + 1);
    // The gutter draws the lines in view: the issue's line, scrolled to, is marked there.
    await expect.poll(() => page.locator(`.gutter .marked`).textContent()).toContain(String(caretLine));
    await session.shot('09-composer-errors');

    await editor.fill('{ "version": 1, ');
    await expect.poll(() => page.locator('[data-testid="validation"]').textContent()).toContain('Not valid JSON');

    await editor.fill(JSON.stringify(customSpec('e2e custom adders'), null, 2));
    await expect.poll(() => page.locator('[data-testid="validation"]').textContent()).toContain('The spec is valid');
    await page.fill('input[name="experiment-name"]', 'e2e custom adders');
    await page.click('[data-testid="save-experiment"]');
    await expect.poll(() => page.locator('[data-testid="composer-message"]').textContent()).toContain('Saved as');
    await page.fill('input[name="repeat"]', '3');
    await session.shot('10-composer-valid');
    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    runIds['custom1'] = runIdFromUrl(page.url());
    await page.locator('[data-testid="view-results"]').waitFor({ timeout: 60_000 });
    await page.click('[data-testid="view-results"]');
    await page.locator('[data-claim="all-added"]').waitFor();
    expect(await page.locator('[data-claim="all-added"]').getAttribute('class')).toContain('claim-holds');

    // Run it again from its results, for the comparison below.
    await page.click('text=Run again');
    await page.waitForURL((url) => url.hash.endsWith('/live') && !url.hash.includes(runIds['custom1']!));
    runIds['custom2'] = runIdFromUrl(page.url());
    await page.locator('[data-testid="view-results"]').waitFor({ timeout: 60_000 });
  });

  test('the composer builds a spec with forms: primitives, shared state, steps added, reordered and removed', async () => {
    const { page } = session;
    await session.go('/composer');
    // A fresh start (not the saved experiment of the test before), then an empty program to build on.
    await page.selectOption('[data-testid="start-from-lesson"]', 'race-counter');
    await page.fill('input[name="experiment-name"]', 'e2e built with forms');
    await page.click('[data-testid="mode-json"]');
    await page.locator('[data-testid="spec-editor"]').fill(JSON.stringify({ version: 1, title: 'e2e built with forms', actors: [{ name: 'w', kind: 'thread', program: [] }] }, null, 2));
    await page.click('[data-testid="mode-build"]');
    const builder = page.locator('[data-testid="spec-builder"]');
    await builder.waitFor();

    await builder.locator('[data-testid="add-primitive"]').click();
    await builder.locator('[data-section="primitives"] [data-entry="lock"]').waitFor();
    await builder.locator('[data-testid="add-shared"]').click();
    await builder.locator('[data-section="shared"] [data-entry="counter"]').waitFor();

    const program = builder.locator('[data-steps="actors[0].program"]').last();
    const addStep = async (op: string): Promise<void> => {
      const before = await builder.locator('[data-step^="actors[0].program["]').count();
      await program.locator(':scope > .add-step [data-testid="step-op-to-add"]').selectOption(op);
      await program.locator(':scope > .add-step [data-testid="add-step"]').click();
      await expect.poll(() => builder.locator('[data-step^="actors[0].program["]').count()).toBe(before + 1);
    };
    // Names are picked from what the spec declares; other fields are typed.
    const setField = async (path: string, value: string): Promise<void> => {
      const field = builder.locator(`[data-field="${path}"]`);
      if ((await field.evaluate((element) => element.tagName)) === 'SELECT') {
        await field.selectOption(value);
        return;
      }
      await field.fill(value);
      await field.press('Tab');
    };
    await addStep('acquire');
    await setField('actors[0].program[0].prim', 'lock');
    await addStep('add');
    await setField('actors[0].program[1].var', 'counter');
    await addStep('release');
    await setField('actors[0].program[2].prim', 'lock');
    await addStep('mark');
    await addStep('log');
    await setField('actors[0].program[4].message', 'done');
    // A primitive renamed away leaves its steps naming an undeclared one, shown on each step until fixed.
    const lockName = builder.locator('[data-section="primitives"] [data-entry="lock"] .name-input');
    await lockName.fill('gone');
    await lockName.press('Tab');
    await expect.poll(() => builder.locator('[data-step="actors[0].program[2]"] [data-testid="step-issue"]').count()).toBe(1);
    expect(await builder.locator('[data-field="actors[0].program[2].prim"] option:checked').textContent()).toContain('not declared');
    expect(await page.locator('[data-testid="run-spec"]').isDisabled()).toBe(true);
    const goneName = builder.locator('[data-section="primitives"] [data-entry="gone"] .name-input');
    await goneName.fill('lock');
    await goneName.press('Tab');
    await expect.poll(() => builder.locator('[data-testid="step-issue"]').count()).toBe(0);
    // Remove the mark, move the log to the top.
    await builder.locator('[data-step="actors[0].program[3]"] [data-testid="step-remove"]').click();
    await builder.locator('[data-step="actors[0].program[3]"] [data-field="actors[0].program[3].message"]').waitFor();
    for (const from of [3, 2, 1]) {
      await builder.locator(`[data-step="actors[0].program[${from}]"] [data-testid="step-up"]`).click();
      await builder.locator(`[data-field="actors[0].program[${from - 1}].message"]`).waitFor();
    }
    // A parameter for the count, and a claim that every thread added one.
    await builder.locator('[data-testid="add-param"]').click();
    await setField('params.n.default', '4');
    await setField('actors[0].count', '{"param": "n"}');
    await builder.locator('[data-testid="add-claim"]').click();
    await setField('claims[0].id', 'all-added');
    await setField('claims[0].check.compare[0].(kind)', 'shared');
    await setField('claims[0].check.compare[0].shared', 'counter');
    await setField('claims[0].check.compare[1]', '==');
    await builder.locator('[data-value="claims[0].check.compare[2].const"] [data-testid="value-kind"]').selectOption('param');
    await setField('claims[0].check.compare[2].const.param', 'n');
    await expect.poll(() => page.locator('[data-testid="validation"]').textContent()).toContain('The spec is valid');
    await session.shot('21-composer-builder');

    // The JSON side shows what the forms built.
    await page.click('[data-testid="mode-json"]');
    const built = JSON.parse(await page.locator('[data-testid="spec-editor"]').inputValue()) as { actors: { count: unknown; program: { op: string }[] }[]; primitives: object; shared: object };
    expect(built.actors[0]!.program.map((step) => step.op)).toEqual(['log', 'acquire', 'add', 'release']);
    expect(built.actors[0]!.count).toEqual({ param: 'n' });
    expect(built.primitives).toEqual({ lock: { type: 'mutex' } });
    expect(built.shared).toEqual({ counter: { scope: 'shared', initial: 0 } });

    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    await page.locator('[data-testid="view-results"]').waitFor({ timeout: 60_000 });
    await page.click('[data-testid="view-results"]');
    await expect.poll(() => page.locator('[data-testid="final-shared"] [data-var="counter"]').textContent()).toBe('counter = 4');
    expect(await page.locator('[data-claim="all-added"]').getAttribute('class')).toContain('claim-holds');
  });

  test('every lesson opens in the form builder with all its actors and their top-level steps', async () => {
    const { page } = session;
    await session.go('/composer');
    await page.click('[data-testid="mode-build"]');
    const ids = await page.locator('[data-testid="start-from-lesson"] option:not([value=""])').evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value));
    expect([...ids].sort()).toEqual(LESSONS.map((lesson) => lesson.id).sort());
    for (const id of ids) {
      await page.selectOption('[data-testid="start-from-lesson"]', id);
      // The spec as the JSON side holds it, and what the forms show of it.
      await page.click('[data-testid="mode-json"]');
      const spec = JSON.parse(await page.locator('[data-testid="spec-editor"]').inputValue()) as { actors: { program: unknown[] }[] };
      await page.click('[data-testid="mode-build"]');
      await expect.poll(() => page.locator('[data-actor]').count(), { message: id }).toBe(spec.actors.length);
      const topSteps = spec.actors.reduce((sum, actor) => sum + actor.program.length, 0);
      expect(await page.locator('[data-step]:not([data-step*="steps["]):not([data-step*="then["]):not([data-step*="else["])').count(), id).toBe(topSteps);
    }
    await session.shot('22-composer-builder-lesson');
  });

  test('history finds runs by search, status and tag', async () => {
    const { page } = session;
    // Runs so far: race-counter, deadlock, the cancelled one, two custom adders, the one built with forms.
    await session.go('/history');
    const table = page.locator('[data-testid="history-table"]');
    await table.waitFor();
    await expect.poll(() => page.locator('[data-testid="history-table"] tbody tr[data-run]').count()).toBe(6);
    await page.fill('input[name="search"]', 'custom adders');
    await expect.poll(() => page.locator('tbody tr[data-run]').count()).toBe(2);
    await page.fill('input[name="search"]', '');
    await page.selectOption('select[name="status"]', 'deadlocked');
    await expect.poll(() => page.locator('tbody tr[data-run]').count()).toBe(1);
    expect(await page.locator('tbody tr[data-run]').getAttribute('data-run')).toBe(runIds['deadlock']);
    await page.selectOption('select[name="status"]', '');
    await expect.poll(() => page.locator('tbody tr[data-run]').count()).toBe(6);

    const row = page.locator(`tr[data-run="${runIds['race']}"]`);
    await row.locator('.tag-input').fill('classroom');
    await row.locator('.tag-input').press('Enter');
    await expect.poll(() => row.locator('.tag-chip').textContent()).toContain('classroom');
    await page.fill('input[name="tag"]', 'classroom');
    await expect.poll(() => page.locator('tbody tr[data-run]').count()).toBe(1);
    await page.fill('input[name="tag"]', '');
    await expect.poll(() => page.locator('tbody tr[data-run]').count()).toBe(6);
    await session.shot('11-history');
  });

  test('two runs are compared side by side with ratio intervals', async () => {
    const { page } = session;
    await page.locator(`tr[data-run="${runIds['custom1']}"] input[type="checkbox"]`).check();
    await page.locator(`tr[data-run="${runIds['custom2']}"] input[type="checkbox"]`).check();
    await page.click('[data-testid="compare-selected"]');
    await page.waitForURL(/#\/compare\?ids=/);
    const table = page.locator('[data-testid="compare-table"]');
    await table.waitFor();
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('wallMs');
    expect(text).toMatch(/×\d[\d.,]* \[\d[\d.,]*, \d[\d.,]*\]/);
    await page.locator('canvas[role="img"]').waitFor();
    await session.shot('12-compare');
  });

  test('a run log is exported, and imported again after the run is deleted', async () => {
    const { page } = session;
    await session.go('/transfer');
    await page.locator('[data-testid="export-run"]').waitFor();
    await page.selectOption('[data-testid="export-run"]', runIds['race']!);
    await page.check('input[name="format"][value="json"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-download"]')]);
    expect(download.suggestedFilename()).toMatch(/^conlab-race-counter-[0-9a-f]{8}\.runlog\.json$/);
    const saved = join(session.dir, download.suggestedFilename());
    await download.saveAs(saved);
    const log = JSON.parse(readFileSync(saved, 'utf8')) as { run: { id: string } };
    expect(log.run.id).toBe(runIds['race']);
    await session.shot('13-transfer-export');

    await session.go(`/runs/${runIds['race']}`);
    await page.locator('[data-testid="claims"]').waitFor();
    await page.click('button.danger:has-text("Delete")');
    await page.waitForURL(/#\/history$/);
    await expect.poll(() => page.locator(`tr[data-run="${runIds['race']}"]`).count()).toBe(0);

    await session.go('/transfer');
    await page.setInputFiles('[data-testid="import-file"]', saved);
    await page.click('[data-testid="import-button"]');
    await expect.poll(() => page.locator('[data-testid="import-result"]').textContent()).toContain('Imported run');
    await session.shot('14-transfer-import');
    await page.click('[data-testid="import-result"] a');
    await page.locator('[data-claim="updates-lost"]').waitFor();
    expect(await page.locator('[data-claim="updates-lost"]').getAttribute('class')).toContain('claim-holds');
  });

  test('settings switch the language to Chinese and the theme to dark', async () => {
    const { page } = session;
    await session.go('/settings');
    await page.locator('[data-testid="data-location"]').waitFor();
    expect(await page.locator('[data-testid="data-location"]').textContent()).toBe(join(session.dir, 'history.db'));
    await session.shot('15-settings');
    await page.selectOption('[data-testid="language"]', 'zh-CN');
    await expect.poll(() => page.locator('.app-nav').textContent()).toContain('课程');
    expect(await page.locator('h1').textContent()).toBe('设置');
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    await session.shot('16-settings-zh');

    // Kept in the settings file: a fresh page load comes back in Chinese.
    await session.go('/lessons');
    await page.locator('[data-chapter="threads"] h2').waitFor();
    await expect.poll(() => page.locator('[data-chapter="threads"] h2').textContent()).toBe('线程与锁');
    expect(await page.locator('[data-lesson="race-counter"] .lesson-link').textContent()).toBe('丢失更新的竞争，以及修复它的锁');
    await session.shot('17-lessons-zh');

    // The composer words a spec's problems in Chinese: message, what was expected, what was given.
    await session.go('/composer');
    await page.click('[data-testid="mode-json"]');
    const editor = page.locator('[data-testid="spec-editor"]');
    await editor.waitFor();
    await editor.fill(JSON.stringify(customSpec('e2e zh issues', 'thred'), null, 2));
    await expect.poll(() => page.locator('[data-testid="spec-issue"]').first().textContent()).toContain('actors[0].kind');
    const issueText = (await page.locator('[data-testid="spec-issue"]').first().textContent()) ?? '';
    expect(issueText).toContain('不是可接受的值');
    expect(issueText).toContain('以下之一：thread、process');
    expect(issueText).not.toContain('not an accepted value');

    await session.go('/settings');
    await page.selectOption('[data-testid="theme"]', 'dark');
    await expect.poll(() => page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await session.go(`/runs/${runIds['deadlock']}`);
    await page.locator('[data-testid="deadlock"]').waitFor();
    await page.click('text=显示时间线');
    await page.locator('[data-testid="timeline-canvas"]').waitFor();
    await session.shot('18-results-dark-zh');
  });

  test.skipIf(!PYTHON)('a lesson runs on CPython from the runtime switch; its results name the interpreter, history filters by runtime', async () => {
    const { page } = session;
    // A lesson CPython cannot run yet shows why, with CPython not selectable.
    const refused = LESSONS.find((lesson) => cpythonIssues(validateSpec(lesson.spec).spec).length > 0);
    if (refused) {
      await session.go(`/lessons/${refused.id}`);
      await page.locator('[data-testid="runtime-cpython"]').waitFor();
      await expect.poll(() => page.locator('[data-testid="runtime-switch"]').textContent(), { timeout: 20_000 }).toContain('not supported on cpython');
      expect(await page.locator('[data-testid="runtime-cpython"]').isDisabled()).toBe(true);
    }

    await session.go('/lessons/thread-start');
    const cpython = page.locator('[data-testid="runtime-cpython"]');
    await cpython.waitFor();
    await expect.poll(() => page.locator('[data-testid="runtime-switch"]').textContent(), { timeout: 20_000 }).toContain(`CPython ${PYTHON!.version}`);
    expect(await cpython.isDisabled()).toBe(false);
    await cpython.check();
    await page.click('[data-testid="run-lesson"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    const runId = runIdFromUrl(page.url());
    await page.locator('[data-testid="view-results"]').waitFor({ timeout: 90_000 });
    await page.click('[data-testid="view-results"]');
    const runtimeLine = page.locator('[data-testid="run-runtime"]');
    await runtimeLine.waitFor();
    expect(await runtimeLine.textContent()).toContain(`CPython ${PYTHON!.version}`);
    expect(await runtimeLine.textContent()).toContain(PYTHON!.path);
    await session.shot('19-results-cpython');

    await session.go('/history');
    await page.locator('[data-testid="history-table"]').waitFor();
    const all = await page.locator('tbody tr[data-run]').count();
    await page.selectOption('select[name="runtime"]', 'cpython');
    await expect.poll(() => page.locator('tbody tr[data-run]').count()).toBe(1);
    expect(await page.locator('tbody tr[data-run]').getAttribute('data-run')).toBe(runId);
    await page.selectOption('select[name="runtime"]', 'node');
    await expect.poll(() => page.locator('tbody tr[data-run]').count()).toBe(all - 1);
    await page.selectOption('select[name="runtime"]', '');
  });

  test.skipIf(!PYTHON)('a lesson runs as a Node and CPython pair from the lesson page; the pair page shows both side by side', async () => {
    const { page } = session;
    await session.go('/lessons/thread-start');
    const both = page.locator('[data-testid="runtime-both"]');
    await both.waitFor();
    await expect.poll(() => both.isDisabled(), { timeout: 20_000 }).toBe(false);
    await both.check();
    await page.click('[data-testid="run-lesson"]');
    await page.waitForURL(/#\/runs\/.+\/live\?pair=/);
    const nodeRunId = runIdFromUrl(page.url());
    const pairId = /[?&]pair=([0-9A-Za-z-]+)$/.exec(page.url())![1]!;
    await page.locator('[data-testid="live-pair"] [data-testid="pair-link"]').waitFor();
    await session.shot('20-live-pair');
    await page.click('[data-testid="live-pair"] [data-testid="pair-link"]');
    await page.waitForURL(new RegExp(`#/pairs/${pairId}$`));

    // Node first, then CPython: the page asks again until both have ended.
    const nodeColumn = page.locator('[data-testid="pair-node"]');
    const pythonColumn = page.locator('[data-testid="pair-cpython"]');
    await expect.poll(() => pythonColumn.locator('[data-testid="pair-runtime"]').textContent(), { timeout: 120_000 }).toBe(`CPython ${PYTHON!.version}${PYTHON!.gil === false ? ' (no GIL)' : ''}`);
    await expect.poll(() => pythonColumn.locator('[data-testid="status-badge"]').getAttribute('class'), { timeout: 120_000 }).not.toContain('status-running');

    // What the page shows is checked against the runs as the CLI reads them from the history file.
    const showRun = (id: string) =>
      JSON.parse(execFileSync(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', join(session.dir, 'history.db'), 'show-run', id, '--json'], { encoding: 'utf8' })) as {
        id: string;
        status: string;
        wallMs: number;
        tags: string[];
        environment: { node: string; runtime?: { name: string } };
        claims: { id: string; status: string }[];
      };
    const nodeRun = showRun(nodeRunId);
    expect(nodeRun.tags).toContain(`pair:${pairId}`);
    expect(nodeRun.environment.runtime).toBeUndefined();
    expect(await nodeColumn.locator('[data-testid="pair-runtime"]').textContent()).toBe(`Node ${nodeRun.environment.node}`);
    const pythonHref = await pythonColumn.locator(`a[href^="#/runs/"]`).first().getAttribute('href');
    const pythonRun = showRun(pythonHref!.replace('#/runs/', ''));
    expect(pythonRun.environment.runtime?.name).toBe('cpython');
    expect(pythonRun.tags).toContain(`pair:${pairId}`);
    for (const [column, run] of [[nodeColumn, nodeRun], [pythonColumn, pythonRun]] as const) {
      expect(await column.locator('[data-testid="status-badge"]').getAttribute('class')).toContain(`status-${run.status}`);
      // Shown as "812.4 ms" or "12.3 s", rounded: within half of the last digit shown.
      const wall = /^([\d,.]+) (ms|s)$/.exec((await column.locator('[data-testid="pair-wall"]').textContent())!.trim());
      expect(wall).not.toBeNull();
      const shownMs = Number(wall![1]!.replace(/,/g, '')) * (wall![2] === 's' ? 1000 : 1);
      expect(Math.abs(shownMs - run.wallMs)).toBeLessThanOrEqual(wall![2] === 's' ? 50 : 0.5);
      expect(run.claims.length).toBeGreaterThan(0);
      for (const claim of run.claims) expect(await column.locator(`[data-claim="${claim.id}"]`).getAttribute('class')).toContain(`claim-${claim.status}`);
    }
    // The key numbers have a column per runtime; both runs measured their wall time.
    const wallRow = page.locator('[data-testid="pair-key-numbers"] tr[data-key="metric:wallMs"]');
    expect(await wallRow.locator('td[data-runtime="node"]').textContent()).not.toBe('–');
    expect(await wallRow.locator('td[data-runtime="cpython"]').textContent()).not.toBe('–');
    await page.locator('[data-testid="pair-timeline-node"] [data-testid="timeline-canvas"]').waitFor();
    await page.locator('[data-testid="pair-timeline-cpython"] [data-testid="timeline-canvas"]').waitFor();
    await session.shot('21-pair');

    // The Node run's results page links back to the pair.
    await session.go(`/runs/${nodeRunId}`);
    await page.locator('[data-testid="results-pair"] [data-testid="pair-link"]').waitFor();
  });
});
