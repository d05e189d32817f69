import { describe, expect, test } from 'vitest';
import { niceTicks, sweepReport } from '../../src-main/export/sweep-report';
import type { ScalingFit, SweepPointSummary, SweepResult, SweepSeries } from '../../src-main/model/sweep';

function point(runtime: 'node' | 'cpython', threads: number, median: number, speedup: number, lost: number): SweepPointSummary {
  return {
    runId: `${runtime}-${threads}-0000000000`,
    runtime,
    params: { threads },
    status: 'ok',
    point: { threads },
    n: 20,
    median,
    mean: median,
    stddev: 1,
    min: median - 2,
    max: median + 2,
    ci95: [median - 1, median + 1],
    cpuUserMs: null,
    cpuSystemMs: null,
    speedup,
    meeting: { count: lost, of: 20, share: lost / 20, ci95: [Math.max(0, lost / 20 - 0.2), Math.min(1, lost / 20 + 0.2)] },
    claims: { holds: 1, fails: 0, inconclusive: 0 },
  };
}

const amdahl: ScalingFit = {
  law: 'amdahl',
  params: { serialFraction: 0.125 },
  rSquared: 0.987,
  predicted: [1, 2, 4, 8].map((c) => ({ concurrency: c, speedup: 1 / (0.125 + 0.875 / c) })),
  peak: null,
  maxSpeedup: 8,
  reading: { en: 'An eighth of the work is serial.', zh: '八分之一的工作是串行的。' },
};
const usl: ScalingFit = {
  law: 'usl',
  params: { sigma: 0.1, kappa: 0.02 },
  rSquared: 0.95,
  predicted: [1, 2, 4, 8].map((c) => ({ concurrency: c, speedup: c / (1 + 0.1 * (c - 1) + 0.02 * c * (c - 1)) })),
  peak: 6.7,
  maxSpeedup: 3.1,
  reading: { en: 'Throughput peaks near 7 threads.', zh: '吞吐量在约 7 个线程时达到峰值。' },
};

function series(runtime: 'node' | 'cpython', fits: readonly ScalingFit[], fitProblem: string | null = null): SweepSeries {
  return { runtime, fixed: {}, points: [point(runtime, 1, 100, 1, 2), point(runtime, 2, 60, 1.67, 10), point(runtime, 4, 40, 2.5, 19), point(runtime, 8, 35, 2.86, 20)], fits, fitProblem };
}

const result: SweepResult = {
  sweepId: 'ab12cd34',
  lessonId: 'race-counter',
  title: 'Race <script>alert(1)</script>',
  params: ['threads'],
  quantity: { metric: 'wallMs' },
  condition: { op: '>', value: 0 },
  unit: 'ms',
  lowerIsBetter: true,
  scaling: 'strong',
  series: [series('node', [amdahl, usl]), series('cpython', [], 'too few points')],
  planned: 8,
  recorded: 8,
};

const plot = (html: string, id: string): string => {
  const match = new RegExp(`<svg[^>]*data-plot="${id}"[^>]*>([\\s\\S]*?)</svg>`).exec(html);
  expect(match, `plot ${id}`).not.toBeNull();
  return match![1]!;
};

describe('the sweep report', () => {
  const html = sweepReport(result);

  test('is self-contained: no script, nothing loaded, the title escaped', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).toContain('Race &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('plots the quantity of both runtimes on one chart with an interval per point', () => {
    const svg = plot(html, 'quantity');
    expect(svg).toContain('data-curve="Node"');
    expect(svg).toContain('data-curve="CPython"');
    // 4 points per series, each with its median marker and its 95% whisker.
    expect(svg.match(/<circle /g)).toHaveLength(8);
    expect(svg.match(/class="interval"/g)).toHaveLength(8);
    expect(svg).toContain('Node: 2 → 60 (95% interval 59 – 61)');
    // Equal values of the two runtimes are drawn side by side, not one over the other.
    const firstX = (curve: string) => Number(new RegExp(`data-curve="${curve}">[\\s\\S]*?<circle cx="([\\d.]+)"`).exec(svg)![1]);
    expect(firstX('CPython') - firstX('Node')).toBeCloseTo(5, 1);
    expect(html).toContain('Node and CPython on one chart');
  });

  test('plots the share meeting the condition on a 0–100% axis with exact intervals', () => {
    const svg = plot(html, 'share');
    expect(svg).toContain('>100%<');
    expect(svg).toContain('>0%<');
    expect(svg.match(/class="interval"/g)).toHaveLength(8);
    expect(svg).toContain('Node: 1 → 10% (95% interval 0% – 30%)');
    expect(html).toContain('10.0% (2/20; 0.0% – 30.0%)');
  });

  test('draws measured speed-ups with each fitted law and lists their parameters, goodness of fit, peak and reading', () => {
    const svg = plot(html, 'speedup');
    expect(svg).toContain('data-curve="Node Amdahl"');
    expect(svg).toContain('data-curve="Node USL"');
    expect(svg).toContain('stroke-dasharray="7 4"');
    expect(svg).not.toContain('data-curve="CPython Amdahl"');
    expect(html).toContain('<tr data-law="amdahl"><td>Amdahl\'s law</td><td><code>serialFraction = 0.125</code></td><td>0.987</td><td>none (no turn down)</td><td>8.00×</td>');
    expect(html).toContain('<tr data-law="usl"><td>Universal Scalability Law</td><td><code>sigma = 0.100, kappa = 0.0200</code></td><td>0.950</td><td>at threads ≈ 6.7</td><td>3.10×</td>');
    expect(html).toContain('Throughput peaks near 7 threads.');
    expect(html).toContain('吞吐量在约 7 个线程时达到峰值。');
    expect(html).toContain('No fit: too few points');
  });

  test('a sweep without a condition has no share plot; a non-numeric parameter is drawn by category', () => {
    const words: SweepResult = {
      ...result,
      condition: null,
      series: [{ ...series('node', []), points: series('node', []).points.map((p, i) => ({ ...p, point: { threads: ['one', 'two', 'four', 'eight'][i]! } })), fitProblem: 'threads is not a number' }],
    };
    const page = sweepReport(words);
    expect(page).not.toContain('data-plot="share"');
    const svg = plot(page, 'quantity');
    for (const label of ['one', 'two', 'four', 'eight']) expect(svg).toContain(`>${label}</text>`);
  });
});

describe('a sweep with nothing to compare against', () => {
  test('says why there is no speed-up instead of drawing an empty plot', () => {
    const flat: SweepResult = { ...result, series: [{ ...series('node', []), points: series('node', []).points.map((p) => ({ ...p, median: 0, speedup: null })) }] };
    const html = sweepReport(flat);
    expect(html).not.toContain('data-plot="speedup"');
    expect(html).toContain('<p class="muted" data-plot-empty="speedup">No speed-up: no series has a first point with a median above zero');
    expect(html).toContain('data-plot="quantity"');
  });
});

describe('round ticks', () => {
  test('cover the range on 1, 2 or 5 × a power of ten', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 37)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});
