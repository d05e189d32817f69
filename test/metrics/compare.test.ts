import { describe, expect, it } from 'vitest';
import { compareRuns, ratioInterval } from '../../src-main/engine/metrics/compare';
import { summarize, summarizeTrials } from '../../src-main/engine/metrics/stats';
import type { MetricStats, RunRecord } from '../../src-main/model/run-model';
import { makeRun, makeTrial, trialsFromWallMs } from '../export/run-fixture';

function runWithWallMs(id: string, values: readonly number[], extra: Record<string, number[]> = {}): RunRecord {
  const trials = trialsFromWallMs(values, 1).map((trial, index) =>
    trial.warmup
      ? trial
      : makeTrial({
          ...trial,
          metrics: Object.fromEntries(Object.entries(extra).map(([name, series]) => [name, series[index - 1]!])),
        }),
  );
  return makeRun({ id, trials, stats: summarizeTrials(trials) });
}

function stats(mean: number, stddev: number, n: number): MetricStats {
  return { name: 'wallMs', unit: 'ms', n, median: mean, mean, stddev, min: mean, max: mean, ci95: [mean, mean], outliers: [] };
}

describe('ratioInterval (delta method on the log ratio, Welch–Satterthwaite df)', () => {
  it('equal relative spreads: means 100 and 50, sd 10 and 5, n 3 each', () => {
    // Terms: 10²/(3·100²) = 1/300 and 5²/(3·50²) = 1/300; se = √(2/300) = 0.0816497.
    // df = (2/300)² / ((1/300)²/2 + (1/300)²/2) = 4; t(0.975, 4) = 2.776445.
    // Interval = 0.5 · exp(±2.776445 · 0.0816497) = [0.398582, 0.627224].
    const result = ratioInterval(stats(100, 10, 3), stats(50, 5, 3));
    expect(result.ratio).toBe(0.5);
    expect(result.df).toBeCloseTo(4, 12);
    expect(result.interval![0]).toBeCloseTo(0.398582, 6);
    expect(result.interval![1]).toBeCloseTo(0.627224, 6);
    expect(result.reason).toBeNull();
  });

  it('unequal spreads and sizes: means 10 (sd 2, n 3) and 14 (sd √10, n 5)', () => {
    // Terms: 4/(3·100) = 0.0133333 and 10/(5·196) = 0.0102041; df = 0.0235374² / (0.0133333²/2 + 0.0102041²/4)
    // = 4.8208; t(0.975, 4.8208) = 2.59958; interval = 1.4 · exp(±2.59958 · √0.0235374) = [0.939551, 2.086103].
    const result = ratioInterval(stats(10, 2, 3), stats(14, Math.sqrt(10), 5));
    expect(result.ratio).toBeCloseTo(1.4, 12);
    expect(result.df).toBeCloseTo(4.820843, 5);
    expect(result.interval![0]).toBeCloseTo(0.939551, 5);
    expect(result.interval![1]).toBeCloseTo(2.086103, 5);
  });

  it('has no interval, and says why, when a run has fewer than 2 trials or a mean is not positive', () => {
    const few = ratioInterval(stats(100, 10, 3), stats(80, 0, 1), 'run-a', 'run-b');
    expect(few).toMatchObject({ ratio: 0.8, interval: null, df: null });
    expect(few.reason).toMatch(/at least 2 counted trials.*run-b has n = 1/);
    expect([few.reasonCode, few.reasonParams?.['other'], few.reasonParams?.['otherN']]).toEqual(['too-few-trials', 'run-b', 1]);
    const zero = ratioInterval(stats(0, 0, 3), stats(5, 1, 3));
    expect(zero).toMatchObject({ ratio: null, interval: null });
    expect(zero.reason).toMatch(/positive means/);
    const bothZero = ratioInterval(stats(0, 0, 3), stats(0, 0, 3));
    expect(bothZero).toMatchObject({ ratio: null, interval: null });
    expect(bothZero.reason).toMatch(/both runs measured 0/);
  });

  it('is exact when neither run varies', () => {
    expect(ratioInterval(stats(10, 0, 3), stats(20, 0, 3))).toEqual({ ratio: 2, interval: [2, 2], df: null, reason: null });
  });
});

describe('compareRuns', () => {
  it('compares every shared metric against the first run with verdicts for time-like ones', () => {
    const baseline = runWithWallMs('base', [90, 100, 110], { cpuUserMs: [9, 10, 11], lostUpdates: [5, 6, 7] });
    const faster = runWithWallMs('fast', [45, 50, 55], { cpuUserMs: [9, 10, 11], lostUpdates: [1, 2, 3] });
    const slower = runWithWallMs('slow', [190, 200, 210]);
    const comparison = compareRuns([baseline, faster, slower]);

    expect(comparison.baselineId).toBe('base');
    expect(comparison.runIds).toEqual(['base', 'fast', 'slow']);
    expect(comparison.metrics.map((metric) => metric.name)).toEqual(['wallMs', 'cpuUserMs', 'lostUpdates']);

    const wall = comparison.metrics[0]!;
    expect(wall).toMatchObject({ unit: 'ms', timeLike: true });
    expect(wall.stats.map((entry) => entry?.mean)).toEqual([100, 50, 200]);
    expect(wall.ratios.map((ratio) => [ratio?.runId, ratio?.ratio, ratio?.verdict])).toEqual([
      ['fast', 0.5, 'faster'],
      ['slow', 2, 'slower'],
    ]);
    expect(wall.ratios[0]!.interval![0]).toBeCloseTo(0.398582, 6);

    const cpu = comparison.metrics[1]!;
    expect(cpu.ratios[0]).toMatchObject({ ratio: 1, verdict: 'same' });
    expect(cpu.ratios[1]).toBeNull();
    expect(cpu.stats[2]).toBeNull();

    const lost = comparison.metrics[2]!;
    expect(lost).toMatchObject({ unit: '', timeLike: false });
    expect(lost.ratios[0]!.verdict).toBeNull();
  });

  it('is uncertain without an interval, honours a metric selection and reports what it skipped', () => {
    const baseline = runWithWallMs('base', [90, 100, 110], { peakRssMb: [60, 61, 62] });
    const single = runWithWallMs('single', [70], { heapMb: [10] });
    const comparison = compareRuns([baseline, single], { metrics: ['wallMs', 'peakRssMb', 'nope'] });
    expect(comparison.metrics.map((metric) => metric.name)).toEqual(['wallMs']);
    expect(comparison.metrics[0]!.ratios[0]).toMatchObject({ ratio: 0.7, interval: null, verdict: 'uncertain' });
    expect(comparison.metrics[0]!.ratios[0]!.reason).toMatch(/single has n = 1/);
    expect(comparison.skipped).toEqual([
      { name: 'peakRssMb', reason: 'only the baseline run base has metric "peakRssMb"', reasonCode: 'only-baseline-has-metric', reasonParams: { run: 'base', metric: 'peakRssMb' } },
      { name: 'nope', reason: 'the baseline run base has no metric "nope"', reasonCode: 'baseline-lacks-metric', reasonParams: { run: 'base', metric: 'nope' } },
    ]);
    expect(compareRuns([baseline, single]).skipped.map((entry) => entry.name)).toEqual(['peakRssMb', 'heapMb']);
  });

  it('recomputes statistics of a run that stored none, and needs two runs', () => {
    const stored = runWithWallMs('a', [10, 12, 14]);
    const bare = makeRun({ id: 'b', trials: trialsFromWallMs([20, 24, 28]), stats: [] });
    expect(compareRuns([stored, bare]).metrics[0]!.ratios[0]!.ratio).toBe(2);
    expect(summarize('wallMs', 'ms', [20, 24, 28]).mean).toBe(24);
    expect(() => compareRuns([stored])).toThrow(/at least 2 runs/);
  });
});
