// The HTML report in Chinese: every heading, label, status and verdict in Chinese, the engine's sentences
// (claim verdicts, a deadlock, an actor's failure, warnings, substitutions) worded from their codes, and
// none of the report's English labels left; in English it reads as before.
import { describe, expect, it } from 'vitest';
import { comparisonReport, runReport } from '../../src-main/export/html-report';
import { REPORT_WORDS } from '../../src-main/export/report-wording';
import { compareRuns } from '../../src-main/engine/metrics/compare';
import { describeCycle } from '../../src-main/engine/runner/deadlock';
import { UTILITY_SUBSTITUTION_REASON } from '../../src-main/engine/actors/hosts';
import { runMessage } from '../../src-main/model/run-wording';
import { makeRun, makeTrial, trialsFromWallMs } from './run-fixture';

/** English labels and engine phrases that must not appear in a Chinese report. */
const ENGLISH = [
  '>Claims<',
  'Recorded values',
  '>Metrics<',
  '>Timeline<',
  'counted trial',
  'warning:',
  'trial 1:',
  'trial 0:',
  'is not',
  'cannot be judged',
  'failed:',
  'waits for',
  'held by',
  'deadlock:',
  'Deadlock',
  'exceeded',
  '<th>metric</th>',
  '<th>median</th>',
  '<th>record</th>',
  'parameters:',
  'started ',
  'This run',
  'Concurrency Lab',
  'lock held',
  'No events',
  'claims failed',
  'claim failed',
  'actors ran as',
  'forks a child process',
  'slower than the median',
  'Key numbers',
  'Median over',
  'Comparison of',
  '(baseline)',
  'Wall time',
];

function failedRun() {
  const cycle = [
    { actor: 'left', waitsFor: 'forkB', heldBy: 'right' },
    { actor: 'right', waitsFor: 'forkA', heldBy: 'left' },
  ];
  const description = describeCycle(cycle);
  return makeRun({
    status: 'deadlocked',
    substitutions: [{ kind: 'utility', ranAs: 'child process (fork)', reason: UTILITY_SUBSTITUTION_REASON }],
    trials: [
      makeTrial({ index: 0, records: { lost: [7] } }),
      makeTrial({ index: 1, status: 'deadlocked', records: { lost: [9] }, deadlock: { detectedAtMs: 40, cycle, description }, error: description }),
    ],
    claims: [
      {
        id: 'c',
        text: { en: 'no update is lost', zh: '没有更新丢失' },
        status: 'fails',
        detail: 'trial 0: lost 7 is not = 0',
        trials: [
          { trial: 0, status: 'fails', detail: 'lost 7 is not = 0', comparisons: [{ left: { label: 'lost', value: 7 }, op: '==', right: { label: '0', value: 0, constant: true }, holds: false }] },
          {
            trial: 1,
            status: 'inconclusive',
            detail: `the trial ended deadlocked (${description}), so the claim cannot be judged`,
            comparisons: [],
            detailCode: 'trial-ended-error',
            detailParams: { status: 'deadlocked', error: description },
          },
        ],
      },
    ],
    warnings: [runMessage('warmup-slow', { factor: '3.2', first: '30 ms', median: '9 ms' }), runMessage('events-dropped-limit', { trial: 1, count: 12 })],
    error: runMessage('actor-failed', { actor: 'left', error: 'RangeError: Maximum call stack size exceeded' }),
  });
}

describe('HTML report language', () => {
  it('in Chinese: no English label of the known list, the engine sentences worded, an actor message quoted as is', () => {
    const html = runReport(failedRun(), [], undefined, 'zh-CN');
    expect(html).toContain('<html lang="zh-CN">');
    // The actor's own message is kept as it was: drop it before looking for English.
    expect(html).toContain('left 出错：RangeError: Maximum call stack size exceeded');
    const rest = html.replace('RangeError: Maximum call stack size exceeded', '');
    for (const phrase of ENGLISH) expect(rest, phrase).not.toContain(phrase);
    expect(html).toContain('<h2>论断</h2>');
    expect(html).toContain('死锁 · 1 条论断不成立');
    expect(html).toContain('✗ 试验 0：lost 7 不满足 = 0');
    expect(html).toContain('试验以“死锁”结束（死锁：left 在等待 right 持有的 forkB；right 在等待 left 持有的 forkA），所以无法判断这条论断');
    expect(html).toContain('警告：第一次计入的试验比其余试验的中位数慢了 3.2 倍');
    expect(html).toContain('没有更新丢失');
    expect(html).not.toContain('no update is lost');
  });

  it('a comparison in Chinese has no English label of the known list', () => {
    // A metric only the baseline has: skipped, with a note the report words from its code.
    const a = makeRun({ id: 'aaaaaaaa-1', trials: trialsFromWallMs([10, 11, 12]).map((t) => ({ ...t, metrics: { ...t.metrics, onlyHereMs: 5 } })) });
    const b = makeRun({ id: 'bbbbbbbb-2', trials: trialsFromWallMs([20, 21, 22]) });
    const comparison = compareRuns([a, b]);
    expect(comparison.skipped.map((m) => m.reasonCode)).toContain('only-baseline-has-metric');
    const html = comparisonReport([a, b], comparison, 'zh-CN');
    expect(html).toContain('跳过了 onlyHereMs：只有基准运行 aaaaaaaa-1 有指标“onlyHereMs”');
    expect(html).not.toContain('has metric');
    for (const phrase of ENGLISH) expect(html, phrase).not.toContain(phrase);
    expect(html).toContain('2 次运行的对比');
  });

  it('in English it keeps its English wording', () => {
    const html = runReport(failedRun(), [], undefined, 'en');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<h2>Claims</h2>');
    expect(html).toContain('left failed: RangeError: Maximum call stack size exceeded');
    expect(html).toContain('deadlocked · 1 claim failed');
  });

  it('every report word has an English and a Chinese text with the same values', () => {
    for (const [key, words] of Object.entries(REPORT_WORDS)) {
      expect(words.en.length, key).toBeGreaterThan(0);
      expect(words.zh, key).toMatch(/[\u4e00-\u9fff]|^\s*\+|^\d|^[（(]/);
      const names = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
      expect(names(words.zh), key).toEqual(names(words.en));
    }
  });
});
