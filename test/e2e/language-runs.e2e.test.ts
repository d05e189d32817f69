import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openSession, root, type BrowserSession } from './browser-session';

/**
 * The language switch on recorded runs, in Chromium: in Chinese, a run whose claim fails (and one that
 * cannot be judged) and a run that deadlocks show no English made by the engine in the claims, the error
 * or the deadlock areas; switched back to English, the engine's English is there again.
 */

interface CliRun {
  runId: string;
  status: string;
  claims: { id: string; status: string; detail: string }[];
}

function cliRun(dbPath: string, cwd: string, file: string): CliRun {
  const argv = [join(root, 'bin', 'conlab.mjs'), '--db', dbPath, 'run', file, '--json'];
  try {
    return JSON.parse(execFileSync(process.execPath, argv, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })) as CliRun;
  } catch (error) {
    const failed = error as { status: number; stdout: string };
    if (failed.status !== 1) throw error;
    return JSON.parse(failed.stdout) as CliRun;
  }
}

/** English sentences the engine writes into claims, errors and warnings. */
const ENGINE_ENGLISH = ['is not', 'final total', 'trial status', 'was not measured', 'cannot be judged', 'the trial ended', 'waits for', 'held by', 'deadlock:', 'failed:', 'no counted trial', 'this run cannot decide'];

let session: BrowserSession;
const runs: Record<string, CliRun> = {};

async function until(expression: string, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await session.page.evaluate(expression)) === true) return;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function chooseLanguage(value: 'en' | 'zh-CN'): Promise<void> {
  await session.go('/settings');
  const select = session.page.locator('[data-testid="language"]');
  await select.waitFor();
  await select.selectOption(value);
  await until(`document.documentElement.getAttribute('lang') === ${JSON.stringify(value)}`, `<html lang="${value}">`);
}

/** The text of the claims panel and of every error and deadlock area of a run's results. */
async function enginePanels(runId: string): Promise<string> {
  const { page } = session;
  await session.go(`/runs/${runId}`);
  await page.locator('[data-testid="claims"] .claim-detail').first().waitFor({ timeout: 30_000 });
  const texts = await page.locator('[data-testid="claims"], [data-testid="run-error"], [data-testid="deadlock"]').allInnerTexts();
  return texts.join('\n');
}

describe.skipIf(!existsSync(CHROMIUM))('the language switch on the engine wording of recorded runs (conlab serve + Chromium)', () => {
  beforeAll(async () => {
    session = await openSession({
      prepare: (dir, dbPath) => {
        const failing = {
          version: 1,
          title: 'e2e failing claims',
          shared: { total: { scope: 'shared', initial: 0 } },
          actors: [{ name: 'adder', kind: 'thread', count: 2, program: [{ op: 'add', var: 'total', delta: 1 }] }],
          claims: [
            { id: 'impossible', text: { en: 'the total exceeds 100', zh: '总数超过 100' }, check: { compare: [{ shared: 'total' }, '>', { const: 100 }] } },
            { id: 'unmeasured', text: { en: 'an unmeasured metric is small', zh: '没测的指标很小' }, check: { compare: [{ metric: 'noSuchMetric' }, '<', { const: 1 }] } },
          ],
        };
        const deadlocking = {
          version: 1,
          title: 'e2e deadlock',
          primitives: { A: { type: 'mutex' }, B: { type: 'mutex' } },
          actors: [
            { name: 'left', kind: 'thread', program: [{ op: 'acquire', prim: 'A' }, { op: 'sleep', ms: 150 }, { op: 'acquire', prim: 'B' }, { op: 'release', prim: 'B' }, { op: 'release', prim: 'A' }] },
            { name: 'right', kind: 'thread', program: [{ op: 'acquire', prim: 'B' }, { op: 'sleep', ms: 150 }, { op: 'acquire', prim: 'A' }, { op: 'release', prim: 'A' }, { op: 'release', prim: 'B' }] },
          ],
          claims: [{ id: 'finishes', text: { en: 'both threads finish', zh: '两个线程都能完成' }, check: { compare: [{ status: true }, '==', { const: 'ok' }] } }],
        };
        writeFileSync(join(dir, 'failing.json'), JSON.stringify(failing));
        writeFileSync(join(dir, 'deadlock.json'), JSON.stringify(deadlocking));
        runs['failing'] = cliRun(dbPath, dir, join(dir, 'failing.json'));
        runs['deadlock'] = cliRun(dbPath, dir, join(dir, 'deadlock.json'));
      },
    });
  });

  afterAll(async () => {
    await session?.close();
  });

  test('the runs recorded what the test expects (a failed claim, an undecidable one, a deadlock)', () => {
    expect(runs['failing']!.claims.map((c) => c.status)).toEqual(['fails', 'inconclusive']);
    expect(runs['failing']!.claims[1]!.detail).toBe('metric noSuchMetric was not measured');
    expect(runs['deadlock']!.status).toBe('deadlocked');
    expect(runs['deadlock']!.claims[0]!.detail).toContain('the trial ended deadlocked (deadlock: ');
  });

  test('in Chinese: no engine English in the claims, error and deadlock areas; in English it is there', async () => {
    await chooseLanguage('zh-CN');
    const failing = await enginePanels(runs['failing']!.runId);
    for (const phrase of ENGINE_ENGLISH) expect(failing, phrase).not.toContain(phrase);
    expect(failing).toContain('total 的最终值 2 不满足 > 100');
    expect(failing).toContain('没有测到指标 noSuchMetric');
    await session.shot('language-failed-claim-zh');

    const deadlock = await enginePanels(runs['deadlock']!.runId);
    for (const phrase of ENGINE_ENGLISH) expect(deadlock, phrase).not.toContain(phrase);
    expect(deadlock).toContain('试验以“死锁”结束');
    expect(deadlock).toMatch(/(left|right) 在等待 (left|right) 持有的 [AB]/);
    await session.shot('language-deadlock-zh');

    await chooseLanguage('en');
    const english = await enginePanels(runs['failing']!.runId);
    expect(english).toContain('final total 2 is not > 100');
    expect(english).toContain('metric noSuchMetric was not measured');
    const englishDeadlock = await enginePanels(runs['deadlock']!.runId);
    expect(englishDeadlock).toContain('cannot be judged');
  });
});
