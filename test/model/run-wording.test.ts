// The engine's own sentences in both languages: every coded claim detail, run error and warning has an
// English and a Chinese text with the same values; a recorded English text is read back to its code;
// an actor's own message stays as it was, inside a translated sentence; claims with comparisons are
// worded in both languages from their evidence.
import { describe, expect, test } from 'vitest';
import { combineVerdicts, evaluateClaimOnTrial, type ClaimContext } from '../../src-main/engine/claims/evaluate';
import { describeCycle } from '../../src-main/engine/runner/deadlock';
import { limitExceeded } from '../../src-main/engine/spec/limits';
import { warmupWarning } from '../../src-main/engine/metrics/stats';
import { CLAIM_DETAILS, RUN_MESSAGES, claimDetailText, readCoded, runMessage, wordClaimResult, wordComparison, wordLabel, wordRunText, wordVerdict } from '../../src-main/model/run-wording';
import type { RunEnvironment, TrialRecord } from '../../src-main/model/run-model';
import type { ClaimSpec } from '../../src-main/model/spec-schema';

const environment: RunEnvironment = { os: 'linux 6.1.0 x64', cpuModel: 'test', cpuCount: 2, totalMemoryMb: 4096, node: 'v22', electron: null, appVersion: '0.0.0', hasProcfs: true };

function trial(index: number, records: Record<string, unknown[]>, status: TrialRecord['status'] = 'ok', error: string | null = null): TrialRecord {
  return { index, warmup: false, status, startedAt: '2026-01-01T00:00:00.000Z', wallMs: 10, metrics: {}, actors: [], records, finalShared: {}, deadlock: null, error, eventCount: 0, eventsLost: 0, eventsDropped: 0 };
}

function context(record: TrialRecord): ClaimContext {
  return { trial: record, environment, runnerPid: 1, runnerThreadId: 0, events: { records: () => [], matching: () => ({ count: 0, firstT: null, lastT: null }) } };
}

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
const LATIN_WORD = /\b(the|trial|claim|failed|exceeded|limit|cannot|judged|was|not|record|held|waits|deadlock|actor|events?)\b/i;

describe('every code has both texts', () => {
  for (const [table, entries] of [['claim detail', CLAIM_DETAILS], ['run message', RUN_MESSAGES]] as const) {
    for (const [code, wording] of Object.entries(entries)) {
      test(`${table} ${code}`, () => {
        expect(wording.en.trim().length).toBeGreaterThan(0);
        expect(wording.zh.trim().length).toBeGreaterThan(0);
        expect(wording.zh).toMatch(/[\u4e00-\u9fff]/);
        // The same values in both languages, and no English sentence words left in the Chinese one.
        expect(placeholders(wording.zh)).toEqual(placeholders(wording.en));
        expect(wording.zh.replace(/\{\w+\}/g, '').replace(/limits\.\w*|--warmup|JIT|GIL|CPU|CPython|\/proc/g, '')).not.toMatch(LATIN_WORD);
      });
    }
  }
});

describe('run errors and warnings', () => {
  test('the engine writes them from the table, and they read back to their code and values', () => {
    const written = [
      runMessage('wall-time', { ms: 5000 }),
      limitExceeded('w', 'maxQueueBytes', 4 * 1024 * 1024, 'on queue jobs'),
      describeCycle([
        { actor: 'a', waitsFor: 'L2', heldBy: 'b' },
        { actor: 'b', waitsFor: 'L1', heldBy: 'a' },
      ]),
      warmupWarning([100, 10, 11, 10]),
      runMessage('cancelled'),
    ];
    expect(written[0]).toBe('the trial exceeded its wall-time limit of 5000 ms');
    expect(written[1]).toBe('actor w exceeded limits.maxQueueBytes (4 MB) on queue jobs');
    expect(written[2]).toBe('deadlock: a waits for L2 held by b; b waits for L1 held by a');
    expect(readCoded(written[0]!)).toEqual({ code: 'wall-time', params: { ms: '5000' } });
    expect(readCoded(written[1]!)).toEqual({ code: 'byte-limit', params: { actor: 'w', limit: 'maxQueueBytes', value: '4 MB', where: 'on queue jobs' } });
    expect(readCoded(written[3]!)?.code).toBe('warmup-slow');
    expect(wordRunText(written[0]!, 'zh')).toBe('试验超过了墙钟时间上限 5000 毫秒');
    expect(wordRunText(written[2]!, 'zh')).toBe('死锁：a 在等待 b 持有的 L2；b 在等待 a 持有的 L1');
    expect(wordRunText(written[4]!, 'zh')).toBe('已被用户取消');
    for (const text of written) expect(wordRunText(text!, 'en')).toBe(text);
  });

  test("an actor's own message is quoted as it is inside the translated sentence; a nested coded one is worded too", () => {
    const own = runMessage('actor-failed', { actor: 'worker-1', error: "TypeError: Cannot read properties of undefined (reading 'x')" });
    expect(wordRunText(own, 'zh')).toBe("worker-1 出错：TypeError: Cannot read properties of undefined (reading 'x')");
    const early = runMessage('actor-failed', { actor: 'p', error: runMessage('exited-early', { actor: 'p', code: '1', signal: 'null' }) });
    expect(wordRunText(early, 'zh')).toBe('p 出错：p 在程序跑完之前就退出了（退出码 1，信号 null）');
    // The most specific sentence wins: a callback's failure is not read as "<actor> failed: …".
    expect(readCoded(runMessage('callback-failed', { callback: 'done', id: 't1', error: 'boom' }))?.code).toBe('callback-failed');
    expect(wordRunText('something the table does not know', 'zh')).toBe('something the table does not know');
    const silent = runMessage('cpython-silent-stderr', { ms: 30000, waitingFor: runMessage('waiting-line'), stderr: 'Fatal Python error: Aborted' });
    expect(silent).toBe('CPython stopped responding: no output for 30000 ms while waiting for a line of the running trial; it was killed (stderr: Fatal Python error: Aborted)');
    expect(wordRunText(silent, 'zh')).toBe('CPython 没有响应：在等待正在运行的试验的下一行输出时 30000 毫秒没有任何输出，已将它结束（stderr：Fatal Python error: Aborted）');
    // A byte limit: where it happened is worded too, however nested.
    const queue = limitExceeded('w', 'maxQueueBytes', 4 * 1024 * 1024, runMessage('where-queue', { queue: 'jobs' }));
    expect(wordRunText(queue, 'zh')).toBe('参与者 w 超出了 limits.maxQueueBytes（4 MB）：发生在队列 jobs 上');
    const oneValue = limitExceeded('w', 'maxQueueBytes', 1024, runMessage('where-one-value', { where: runMessage('where-pool-submit', { pool: 'p' }) }));
    expect(oneValue).toBe('actor w exceeded limits.maxQueueBytes (1 KB) submitting to pool p with one value larger than that');
    expect(wordRunText(oneValue, 'zh')).toBe('参与者 w 超出了 limits.maxQueueBytes（1 KB）：发生在向池 p 提交任务时，单个值就超过了这个上限');
    const batch = limitExceeded('w', 'maxEventBytes', 2 * 1024 * 1024, runMessage('where-event-batch', { size: '1.5 MB', held: '1 MB' }));
    expect(wordRunText(batch, 'zh')).toBe('参与者 w 超出了 limits.maxEventBytes（2 MB）：一批事件 1.5 MB，而这次试验此前已有 1 MB 的事件');
  });
});

describe('claims in both languages', () => {
  test('a claim with comparisons is worded from its evidence', () => {
    const claim: ClaimSpec = { id: 'cpu', text: 'tasks use more CPU', check: { compare: [{ record: 'cpuTaskMs' }, '>=', { record: 'cpuProcessMs' }], factor: 1.5 } };
    const failing = evaluateClaimOnTrial(claim, context(trial(0, { cpuTaskMs: [900], cpuProcessMs: [678.87] })));
    expect(wordVerdict(failing, 'en')).toBe('cpuTaskMs 900 is not ≥ 1.5 × cpuProcessMs 678.9 = 1018.3');
    expect(wordVerdict(failing, 'zh')).toBe('cpuTaskMs 900 不满足 ≥ 1.5 × cpuProcessMs 678.9 = 1018.3');
    expect(wordComparison(failing.comparisons[0]!, 'en')).toBe(failing.detail);
    const before = { left: { label: 'first mark a', value: 1.5 }, op: 'before' as const, right: { label: 'first mark b', value: 12.25 }, holds: false };
    expect(wordComparison(before, 'zh')).toBe('第一次 mark a 于 1.500 ms 并不早于 第一次 mark b 于 12.3 ms');
    const result = combineVerdicts(claim, [0, 1].map((i) => ({ trial: i, verdict: evaluateClaimOnTrial(claim, context(trial(i, { cpuTaskMs: [i === 1 ? 900 : 2000], cpuProcessMs: [678.87] }))) })));
    expect(result.detail).toBe('trial 1: cpuTaskMs 900 is not ≥ 1.5 × cpuProcessMs 678.9 = 1018.3');
    expect(wordClaimResult(result, 'zh')).toBe('试验 1：cpuTaskMs 900 不满足 ≥ 1.5 × cpuProcessMs 678.9 = 1018.3');
  });

  test('a trial that ended failed, a given not met, an undecidable quantity and no trial at all carry codes', () => {
    const claim: ClaimSpec = { id: 'x', text: 'x', check: { compare: [{ record: 'final' }, '<', { const: 100 }] } };
    const error = runMessage('actor-failed', { actor: 'w', error: 'boom' });
    const ended = evaluateClaimOnTrial(claim, context(trial(0, {}, 'failed', error)));
    expect(ended).toMatchObject({ status: 'inconclusive', detail: 'the trial ended failed (w failed: boom), so the claim cannot be judged', detailCode: 'trial-ended-error' });
    expect(wordVerdict(ended, 'zh')).toBe('试验以“失败”结束（w 出错：boom），所以无法判断这条论断');

    const missing = evaluateClaimOnTrial(claim, context(trial(0, {})));
    expect(missing).toMatchObject({ status: 'inconclusive', detail: 'record final has no values', detailCode: 'record-no-values', detailParams: { name: 'final' } });
    expect(wordVerdict(missing, 'zh')).toBe('记录 final 没有任何值');

    const given: ClaimSpec = { ...claim, given: { compare: [{ record: 'n' }, '>', { const: 1 }] } };
    const unmet = evaluateClaimOnTrial(given, context(trial(0, { n: [1], final: [3] })));
    expect(unmet).toMatchObject({ status: 'inconclusive', detail: 'this run cannot decide it: n 1 is not > 1', detailCode: 'given-not-met' });
    expect(wordVerdict(unmet, 'zh')).toBe('这次运行无法判断它：n 1 不满足 > 1');
    const unmetInner = evaluateClaimOnTrial(given, context(trial(0, { final: [3] })));
    expect(wordVerdict(unmetInner, 'zh')).toBe('这次运行无法判断它：记录 n 没有任何值');

    const cores: ClaimSpec = { ...claim, requires: { minCores: 8 } };
    const needs = evaluateClaimOnTrial(cores, context(trial(0, { final: [3] })));
    expect(needs.detail).toBe('needs at least 8 CPU cores; this machine has 2');
    expect(wordVerdict(needs, 'zh')).toBe('需要至少 8 个 CPU 核心，这台机器只有 2 个');

    const none = combineVerdicts(claim, []);
    expect(none.detail).toBe(claimDetailText('no-counted-trial'));
    expect(wordClaimResult(none, 'zh')).toBe('没有一次计入的试验跑完');
  });

  test("quantity names are worded in Chinese; the claim's own names stay as written", () => {
    const cases: [string, string][] = [
      ['trial status', '试验状态'],
      ['final counter', 'counter 的最终值'],
      ['final slots[2]', 'slots[2] 的最终值'],
      ['waits (sum)', 'waits（总和）'],
      ['waitMs (max of worker-1)', 'waitMs（worker-1 的最大值）'],
      ['exit of workers (distinct)', 'workers 的 exit（不同值的个数）'],
      ['pid of main', 'main 的 pid'],
      ['number of lock.acquire.E A of left', 'left 的 lock.acquire.E A 的次数'],
      ['first mark ready', '第一次 mark ready'],
      ['runner pid', '运行器的 pid'],
      ['cpuTaskMs', 'cpuTaskMs'],
    ];
    for (const [label, zh] of cases) {
      expect(wordLabel(label, 'zh'), label).toBe(zh);
      expect(wordLabel(label, 'en')).toBe(label);
    }
    const comparison = { left: { label: 'final counter', value: 137 }, op: '<' as const, right: { label: 'number of add of adder', value: 200 }, factor: 0.9, product: 180, holds: true };
    expect(wordComparison(comparison, 'zh')).toBe('counter 的最终值 137 < 0.9 × adder 的 add 的次数 200 = 180');
  });

  test('old runs without codes: a known English detail is read back, anything else is kept', () => {
    expect(wordVerdict({ detail: 'metric wallMs was not measured' }, 'zh')).toBe('没有测到指标 wallMs');
    expect(wordVerdict({ detail: 'an old sentence' }, 'zh')).toBe('an old sentence');
  });
});
