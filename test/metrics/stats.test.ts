import { describe, expect, it } from 'vitest';
import {
  outlierIndices,
  summarize,
  summarizeTrials,
  tCritical95,
  unitOf,
  warmupWarning,
} from '../../src-main/engine/metrics/stats';
import { makeTrial } from '../export/run-fixture';

describe('summarize', () => {
  it('matches hand-computed values and the t interval for n = 5', () => {
    // mean 14, median 14; squared deviations 16+4+0+4+16 = 40, sample variance 40/4 = 10, sd √10.
    // t(0.975, 4) = 2.776445; half width = 2.776445 · √10 / √5 = 2.776445 · √2 = 3.926486.
    const stats = summarize('wallMs', 'ms', [10, 12, 14, 16, 18]);
    expect(stats).toMatchObject({ name: 'wallMs', unit: 'ms', n: 5, median: 14, mean: 14, min: 10, max: 18, outliers: [] });
    expect(stats.stddev).toBeCloseTo(Math.sqrt(10), 12);
    expect(tCritical95(4)).toBeCloseTo(2.776445105, 8);
    expect(stats.ci95[0]).toBeCloseTo(10.073514, 5);
    expect(stats.ci95[1]).toBeCloseTo(17.926486, 5);
  });

  it('uses the median of an even count and collapses the interval for n = 1', () => {
    expect(summarize('x', '', [4, 1, 3, 2]).median).toBe(2.5);
    const single = summarize('x', '', [7]);
    expect(single).toMatchObject({ n: 1, mean: 7, median: 7, stddev: 0, min: 7, max: 7, ci95: [7, 7], outliers: [] });
  });

  it('refuses empty and non-finite input with the metric named', () => {
    expect(() => summarize('wallMs', 'ms', [])).toThrow(/wallMs.*no values/);
    expect(() => summarize('wallMs', 'ms', [1, Number.NaN])).toThrow(/wallMs.*value 1 is NaN/);
  });
});

describe('outliers (modified z-score > 3.5)', () => {
  it('flags a far value: median 12, MAD 1, z(100) = 0.6745 · 88 = 59.4', () => {
    // |x − 12| = 2, 1, 0, 1, 88 → MAD = 1; z(10) = 1.35 stays.
    expect(summarize('x', '', [10, 11, 12, 13, 100]).outliers).toEqual([4]);
  });

  it('falls back to 1.253314 × mean absolute deviation when MAD is 0', () => {
    // median 5, MAD 0; mean |x − 5| = 4/5 = 0.8; z(9) = 4 / (1.253314 · 0.8) = 3.989 > 3.5.
    expect(outlierIndices([5, 5, 5, 5, 9])).toEqual([4]);
    // z(8) = 3 / 1.0027 = 2.99: not flagged.
    expect(outlierIndices([5, 5, 5, 6, 8])).toEqual([]);
    expect(outlierIndices([5, 5, 5, 5, 5])).toEqual([]);
  });
});

describe('warmupWarning (first > 1.5 × median of the others, ≥ 3 trials)', () => {
  it('advises --warmup when the first trial is much slower', () => {
    const message = warmupWarning([30, 10, 11, 12]);
    expect(message).toMatch(/--warmup/);
    expect(message).toMatch(/2\.7× slower/);
    expect(message).toMatch(/30 ms vs 11 ms/);
  });

  it('stays silent at or under the threshold and with fewer than 3 trials', () => {
    expect(warmupWarning([16.5, 10, 11, 12])).toBeNull();
    expect(warmupWarning([12, 10, 11, 12])).toBeNull();
    expect(warmupWarning([100, 10])).toBeNull();
  });
});

describe('summarizeTrials', () => {
  it('summarizes counted trials only, wallMs first, shared metrics by name with units by convention', () => {
    const trials = [
      makeTrial({ index: 0, warmup: true, wallMs: 500, metrics: { cpuUserMs: 400, peakRssMb: 90, opsPerSec: 1, onlySome: 1 } }),
      makeTrial({ index: 1, wallMs: 10, metrics: { cpuUserMs: 8, peakRssMb: 60, opsPerSec: 1000, 'section.critical.max': 3, onlySome: 2 } }),
      makeTrial({ index: 2, wallMs: 12, metrics: { cpuUserMs: 9, peakRssMb: 62, opsPerSec: 900, 'section.critical.max': 5 } }),
      makeTrial({ index: 3, wallMs: 14, metrics: { cpuUserMs: 10, peakRssMb: 64, opsPerSec: 800, 'section.critical.max': 4 } }),
    ];
    const stats = summarizeTrials(trials);
    expect(stats.map((entry) => [entry.name, entry.unit, entry.n])).toEqual([
      ['wallMs', 'ms', 3],
      ['cpuUserMs', 'ms', 3],
      ['opsPerSec', '/s', 3],
      ['peakRssMb', 'MB', 3],
      ['section.critical.max', '', 3],
    ]);
    expect(stats[0]).toMatchObject({ mean: 12, median: 12, stddev: 2, min: 10, max: 14 });
  });

  it('returns nothing without counted trials', () => {
    expect(summarizeTrials([makeTrial({ warmup: true })])).toEqual([]);
  });

  it('names units by suffix', () => {
    expect([unitOf('spawnLatencyMs'), unitOf('peakRssMb'), unitOf('requestsPerSec'), unitOf('lostUpdates')]).toEqual([
      'ms',
      'MB',
      '/s',
      '',
    ]);
    expect([unitOf('spawnLatencyMs.thread'), unitOf('server.web.cpuMs'), unitOf('section.critical.max'), unitOf('pool.p.maxRunning')]).toEqual(['ms', 'ms', '', '']);
  });
});
