import { describe, expect, test } from 'vitest';
import type { Distribution, SweepResult, TrialRecord } from '../../src-main/contract/dto';
import {
  conditionFromText,
  defaultQuantity,
  histogramBars,
  quantityChoices,
  quantityFromKey,
  quantityKey,
  sweepIdOf,
  sweepShareCurves,
} from '../../src-renderer/components/analysis/distribution-view';
import { record } from './fixtures';

const trial = (index: number, warmup: boolean, records: Record<string, unknown[]>): TrialRecord =>
  ({ index, warmup, metrics: { wallMs: 12, cpuUserMs: 3, label: 'x' }, records, finalShared: { counter: 4, name: 'n' } }) as unknown as TrialRecord;

describe('the distribution page, without Vue', () => {
  test("offers the counted trials' numeric quantities, records in the order they were recorded", () => {
    const run = record('r1', { trials: [trial(0, true, { warm: [1] }), trial(1, false, { unlockedFinal: [3], lockedFinal: [0], note: ['text'], lockedMs: [12.5] })] });
    const choices = quantityChoices(run);
    expect(choices).toEqual({ metrics: ['cpuUserMs', 'wallMs'], records: ['unlockedFinal', 'lockedFinal', 'lockedMs'], shared: ['counter'] });
    expect(defaultQuantity(choices)).toEqual({ record: 'unlockedFinal' });
    expect(defaultQuantity({ metrics: ['cpuUserMs', 'wallMs'], records: [], shared: [] })).toEqual({ metric: 'wallMs' });
    expect(quantityChoices(record('r2'))).toEqual({ metrics: [], records: [], shared: [] });
  });

  test('a quantity travels as kind:name and back; anything else is refused', () => {
    for (const q of [{ metric: 'wallMs' }, { record: 'a:b' }, { shared: 'counter' }]) expect(quantityFromKey(quantityKey(q))).toEqual(q);
    expect(quantityFromKey('events:x')).toBeNull();
    expect(quantityFromKey('record:')).toBeNull();
  });

  test('a condition is an operator and a number', () => {
    expect(conditionFromText('>0')).toEqual({ op: '>', value: 0 });
    expect(conditionFromText(' <= 2.5 ')).toEqual({ op: '<=', value: 2.5 });
    expect(conditionFromText('!=-1')).toEqual({ op: '!=', value: -1 });
    expect(conditionFromText('lost')).toBeNull();
    expect(conditionFromText('> 0 or 1')).toBeNull();
    expect(conditionFromText('')).toBeNull();
  });

  test("the histogram's bars are the service's bins: one per outcome, or one per range, and their counts add up to n", () => {
    const listed: Distribution = {
      n: 10,
      listed: true,
      bins: [
        { from: 0, to: 0, count: 3, of: 10, share: 0.3, ci95: [0.07, 0.65] },
        { from: 2, to: 2, count: 7, of: 10, share: 0.7, ci95: [0.35, 0.93] },
      ],
      mean: 1.4,
      p5: 0,
      median: 2,
      p95: 2,
    };
    const bars = histogramBars(listed, String);
    expect(bars.map((b) => b.label)).toEqual(['0', '2']);
    expect(bars.reduce((sum, b) => sum + b.count, 0)).toBe(listed.n);
    const binned = histogramBars({ ...listed, listed: false, bins: [{ ...listed.bins[0]!, from: 0, to: 1.5 }, { ...listed.bins[1]!, from: 1.5, to: 3 }] }, String);
    expect(binned.map((b) => b.label)).toEqual(['0 – 1.5', '1.5 – 3']);
  });

  test("a sweep's share per value of its parameter, this run marked; a run outside a sweep has none", () => {
    const point = (runId: string, windowMs: number, count: number) => ({ runId, point: { windowMs }, meeting: count < 0 ? null : { count, of: 20, share: count / 20, ci95: [0, 1] as const } });
    const result = {
      params: ['windowMs'],
      series: [{ runtime: 'node', fixed: {}, points: [point('a', 0, 2), point('b', 5, 15), point('c', 10, -1), point('d', 20, 20)] }],
    } as unknown as SweepResult;
    const [curve] = sweepShareCurves(result, 'b');
    expect(curve!.name).toBe('Node');
    expect(curve!.points.map((p) => [p.x, p.share, p.current])).toEqual([
      ['0', 0.1, false],
      ['5', 0.75, true],
      ['20', 1, false],
    ]);
    expect(sweepIdOf(['pair:x', 'sweep:ab12cd34', 'sweep-axes:ab12cd34:windowMs'])).toBe('ab12cd34');
    expect(sweepIdOf(['sweep-axes:ab12cd34:windowMs'])).toBeNull();
  });
});
