// The CLI's run summary with --lang zh: claim verdicts, the run's error, a deadlock, warnings and
// substitutions in Chinese (an actor's own message quoted as is); with --lang en, the recorded English.
import { describe, expect, it } from 'vitest';
import { formatPair, formatRun } from '../../src-main/cli/format';
import { describeCycle } from '../../src-main/engine/runner/deadlock';
import { runMessage } from '../../src-main/model/run-wording';
import { makeRun, makeTrial } from '../export/run-fixture';

const cycle = [
  { actor: 'a', waitsFor: 'L2', heldBy: 'b' },
  { actor: 'b', waitsFor: 'L1', heldBy: 'a' },
];

const run = makeRun({
  status: 'failed',
  error: runMessage('actor-failed', { actor: 'w', error: 'ValueError: bad input' }),
  trials: [makeTrial({ index: 0, status: 'deadlocked', deadlock: { detectedAtMs: 5, cycle, description: describeCycle(cycle) } })],
  substitutions: [{ kind: 'utility', ranAs: 'child process (fork)', reason: runMessage('utility-substitution') }],
  warnings: [runMessage('events-dropped-limit', { trial: 0, count: 3 })],
  claims: [
    {
      id: 'c',
      text: { en: 'the total is 2', zh: '总数是 2' },
      status: 'fails',
      detail: 'final total 1 is not = 2',
      trials: [{ trial: 0, status: 'fails', detail: 'final total 1 is not = 2', comparisons: [{ left: { label: 'final total', value: 1 }, op: '==', right: { label: '2', value: 2, constant: true }, holds: false }] }],
    },
  ],
});

describe('CLI run summary language', () => {
  it('in Chinese, the engine sentences are worded', () => {
    const text = formatRun(run, 'zh');
    expect(text).toContain('原因: w 出错：ValueError: bad input');
    expect(text).toContain('死锁：a 在等待 b 持有的 L2；b 在等待 a 持有的 L1');
    expect(text).toContain('total 的最终值 1 不满足 = 2');
    expect(text).toContain('警告: 试验 0：有 3 个跟踪事件没有记录');
    expect(text).toContain('Electron 的 utilityProcess 只在 Electron 应用里才有');
    for (const phrase of ['is not', 'waits for', 'failed:', 'warning:', 'actors ran as', 'trace events not recorded']) expect(text, phrase).not.toContain(phrase);
  });

  it('in English, the recorded text', () => {
    const text = formatRun(run, 'en');
    expect(text).toContain('reason: w failed: ValueError: bad input');
    expect(text).toContain('final total 1 is not = 2');
    expect(text).toContain('warning: trial 0: 3 trace events not recorded');
  });
});

describe('CLI pair table language', () => {
  const other = makeRun({
    id: 'run-0002',
    claims: [
      { id: 'c', text: { en: 'the total is 2', zh: '总数是 2' }, status: 'holds', detail: 'final total 2 = 2' },
      {
        id: 'gil',
        text: { en: 'only CPython', zh: '只有 CPython' },
        status: 'inconclusive',
        detail: 'describes the cpython runtime; this run ran on node',
        trials: [{ trial: 0, status: 'inconclusive', detail: 'describes the cpython runtime; this run ran on node', comparisons: [], detailCode: 'needs-runtime', detailParams: { runtime: 'cpython', ran: 'node' } }],
      },
    ],
  });
  const pair = { pairId: 'abcd1234', sides: [{ runtime: 'node' as const, run: other }, { runtime: 'cpython' as const, run }] };

  it('in Chinese, the claim cells and the failed claim\'s evidence are worded; a claim about the other runtime adds no line', () => {
    const text = formatPair(pair, 'zh');
    expect(text).toMatch(/✓ 成立.*✗ 不成立/);
    expect(text).toContain('cpython ✗ c: total 的最终值 1 不满足 = 2');
    expect(text).not.toContain('is not');
    expect(text).not.toMatch(/node \? gil/);
  });

  it('in English, the recorded evidence', () => {
    const text = formatPair(pair, 'en');
    expect(text).toMatch(/✓ holds.*✗ fails/);
    expect(text).toContain('cpython ✗ c: final total 1 is not = 2');
    expect(text).not.toMatch(/node \? gil/);
  });
});
