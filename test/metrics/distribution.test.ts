import { describe, expect, it } from 'vitest';
import { distributionOf, parseCondition, shareMeeting, shareOf, MAX_LISTED_OUTCOMES } from '../../src-main/engine/metrics/distribution';

describe('trial distributions', () => {
  it('gives exact (Clopper–Pearson) intervals, the whole interval at the edges included', () => {
    const half = shareOf(5, 10);
    expect(half.share).toBe(0.5);
    expect(half.ci95[0]).toBeCloseTo(0.187, 3);
    expect(half.ci95[1]).toBeCloseTo(0.813, 3);
    expect(shareOf(0, 10).ci95).toEqual([0, expect.closeTo(0.3085, 3)]);
    expect(shareOf(10, 10).ci95).toEqual([expect.closeTo(0.6915, 3), 1]);
    // 97 of 100: the interval a learner reads as "94–99%".
    const most = shareOf(97, 100);
    expect(most.ci95[0]).toBeCloseTo(0.9148, 3);
    expect(most.ci95[1]).toBeCloseTo(0.9938, 3);
    expect(shareOf(0, 0).ci95).toEqual([0, 1]);
    expect(() => shareOf(3, 2)).toThrow(/0 ≤ count ≤ of, got 3 of 2/);
  });

  it('lists few outcomes one by one and bins many, every trial counted once', () => {
    const few = distributionOf([0, 2, 2, 3, 3, 3, NaN]);
    expect(few.n).toBe(6);
    expect(few.listed).toBe(true);
    expect(few.bins.map((b) => [b.from, b.count])).toEqual([
      [0, 1],
      [2, 2],
      [3, 3],
    ]);
    const many = Array.from({ length: 500 }, (_, i) => (i * 37) % 1000);
    const binned = distributionOf(many);
    expect(new Set(many).size).toBeGreaterThan(MAX_LISTED_OUTCOMES);
    expect(binned.listed).toBe(false);
    expect(binned.bins.reduce((sum, b) => sum + b.count, 0)).toBe(500);
    expect(binned.bins[0]!.from).toBe(Math.min(...many));
    expect(binned.bins.at(-1)!.to).toBe(Math.max(...many));
    expect(binned.median).toBeGreaterThan(binned.p5!);
    expect(binned.p95).toBeGreaterThan(binned.median!);
  });

  it('counts the trials meeting a condition, and refuses a condition it cannot read', () => {
    expect(shareMeeting([0, 1, 5, 0, 7], parseCondition('>0')).count).toBe(3);
    expect(shareMeeting([0, 1, 5, 0, 7], parseCondition(' == 0 ')).count).toBe(2);
    expect(shareMeeting([0, 1, 5, 0, 7], parseCondition('<=5')).count).toBe(4);
    expect(() => parseCondition('lost')).toThrow(/an operator .* and a number, like ">0"; got "lost"/);
    expect(() => parseCondition('=>1')).toThrow(/like ">0"/);
  });
});
