/**
 * Scaling laws fitted to a sweep's speed-ups: Amdahl's law (one serial fraction) and the Universal
 * Scalability Law (contention σ and coherency κ). Both are fitted by Levenberg–Marquardt
 * (ml-levenberg-marquardt) with analytic Jacobians, to speed-ups relative to the sweep's first point,
 * so a sweep that starts at 2 threads is fitted as well as one that starts at 1.
 *
 * Pure computation, no Node imports.
 */
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import type { ScalingFit, ScalingPoint } from '../../model/sweep';

/** Capacity of N under the USL, up to the constant throughput of one: N / (1 + σ(N−1) + κN(N−1)). */
export function uslCapacity(n: number, sigma: number, kappa: number): number {
  return n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

/** Amdahl's law is the USL without coherency: N / (1 + s(N−1)). */
export function amdahlCapacity(n: number, serial: number): number {
  return uslCapacity(n, serial, 0);
}

/** The concurrency at which the USL's capacity peaks: √((1−σ)/κ); Infinity without coherency cost. */
export function uslPeak(sigma: number, kappa: number): number {
  return kappa > 0 && sigma < 1 ? Math.sqrt((1 - sigma) / kappa) : Infinity;
}

/** R² of predictions against observations (1 is a perfect fit; may be negative for a fit worse than the mean). */
function rSquared(observed: readonly number[], predicted: readonly number[]): number {
  const mean = observed.reduce((a, b) => a + b, 0) / observed.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < observed.length; i++) {
    residual += (observed[i]! - predicted[i]!) ** 2;
    total += (observed[i]! - mean) ** 2;
  }
  return total === 0 ? (residual === 0 ? 1 : 0) : 1 - residual / total;
}

/**
 * Fits one law to the points: speed-up = λ · capacity(N), with the scale λ fitted too (the first point is
 * a measurement like the others, not a fixed anchor). `capacity` gives the law's capacity for its
 * parameters and N, `gradient` its partial derivatives by those parameters.
 */
function fitLaw(
  points: readonly ScalingPoint[],
  initial: number[],
  bounds: { min: number[]; max: number[] },
  capacity: (p: number[], n: number) => number,
  gradient: (p: number[], n: number) => number[],
): { params: number[]; scale: number; predicted: number[] } {
  const n0 = points[0]!.concurrency;
  const y0 = points[0]!.speedup;
  const model = (q: number[]) => (n: number) => q[0]! * capacity(q.slice(1), n);
  const jacobian = (q: number[]) => (n: number) => {
    const p = q.slice(1);
    return [capacity(p, n), ...gradient(p, n).map((g) => q[0]! * g)];
  };
  // Several starts: the surface is flat near σ = κ = 0, and one start can stop on a shoulder.
  let best: { params: number[]; error: number } | null = null;
  for (const start of [initial, initial.map((v) => v * 10 + 0.01), initial.map(() => 0.001)]) {
    const clamped = start.map((v, i) => Math.min(bounds.max[i]!, Math.max(bounds.min[i]!, v)));
    const result = levenbergMarquardt({ x: points.map((p) => p.concurrency), y: points.map((p) => p.speedup) }, model, {
      initialValues: [y0 / capacity(clamped, n0), ...clamped],
      minValues: [1e-9, ...bounds.min],
      maxValues: [1e9, ...bounds.max],
      jacobianFunction: jacobian,
      maxIterations: 1000,
      errorTolerance: 1e-14,
      damping: 1e-3,
    });
    if (!result.parameterValues.every(Number.isFinite)) continue;
    if (!best || result.parameterError < best.error) best = { params: result.parameterValues, error: result.parameterError };
  }
  const q = best?.params ?? [y0 / capacity(initial, n0), ...initial];
  return { params: q.slice(1), scale: q[0]!, predicted: points.map((p) => model(q)(p.concurrency)) };
}

function derivedReading(kind: 'amdahl' | 'usl', params: Readonly<Record<string, number>>, points: readonly ScalingPoint[]): { en: string; zh: string } {
  const last = points[points.length - 1]!.concurrency;
  if (kind === 'amdahl') {
    const s = params['serialFraction']!;
    const limit = s > 0 ? 1 / s : Infinity;
    const pct = (s * 100).toFixed(1);
    if (!Number.isFinite(limit)) return { en: 'No serial part was found: the speed-up grows with every step of the parameter.', zh: '没有找到串行部分：参数每增加一步，加速比都随之增长。' };
    return {
      en: `About ${pct}% of the work is serial: no number of workers makes it more than ${limit.toFixed(1)}× faster.`,
      zh: `大约 ${pct}% 的工作是串行的：无论增加多少并发单元，加速比都不会超过 ${limit.toFixed(1)} 倍。`,
    };
  }
  const peak = uslPeak(params['sigma']!, params['kappa']!);
  if (!Number.isFinite(peak)) {
    return {
      en: 'No coherency cost was found: the speed-up levels off but does not turn down within this law.',
      zh: '没有找到一致性开销：加速比逐渐趋平，但按这个模型不会下降。',
    };
  }
  const at = Math.max(1, Math.round(peak));
  return peak < last
    ? { en: `Throughput peaks near ${at}: beyond ${at} adding more makes it slower.`, zh: `吞吐量在 ${at} 附近达到峰值：超过 ${at} 之后，再增加反而更慢。` }
    : { en: `Throughput is predicted to peak near ${at}, beyond the largest value measured (${last}).`, zh: `预计吞吐量在 ${at} 附近达到峰值，超出了测量到的最大值（${last}）。` };
}

/**
 * Amdahl and USL fits of speed-ups against concurrency. Needs at least three points with distinct,
 * positive concurrency and finite, positive speed-ups; otherwise returns no fits and says why.
 */
export function fitScaling(points: readonly ScalingPoint[]): { fits: ScalingFit[]; problem: string | null } {
  const usable = points.filter((p) => Number.isFinite(p.concurrency) && p.concurrency > 0 && Number.isFinite(p.speedup) && p.speedup > 0);
  const distinct = new Set(usable.map((p) => p.concurrency)).size;
  if (distinct < 3) return { fits: [], problem: `scaling fits need at least 3 points with distinct positive values of the parameter and a positive result; this sweep has ${distinct}` };
  const sorted = [...usable].sort((a, b) => a.concurrency - b.concurrency);
  const observed = sorted.map((p) => p.speedup);

  const amdahl = fitLaw(sorted, [0.05], { min: [0], max: [1] }, (p, n) => amdahlCapacity(n, p[0]!), (p, n) => {
    const d = 1 + p[0]! * (n - 1);
    return [(-n * (n - 1)) / (d * d)];
  });
  const usl = fitLaw(sorted, [0.05, 0.001], { min: [0, 0], max: [1, 1] }, (p, n) => uslCapacity(n, p[0]!, p[1]!), (p, n) => {
    const d = 1 + p[0]! * (n - 1) + p[1]! * n * (n - 1);
    return [(-n * (n - 1)) / (d * d), (-n * n * (n - 1)) / (d * d)];
  });
  const amdahlParams = { serialFraction: amdahl.params[0]! };
  const uslParams = { sigma: usl.params[0]!, kappa: usl.params[1]! };
  const peak = uslPeak(uslParams.sigma, uslParams.kappa);
  const n0 = sorted[0]!.concurrency;
  return {
    problem: null,
    fits: [
      {
        law: 'amdahl',
        params: amdahlParams,
        rSquared: rSquared(observed, amdahl.predicted),
        predicted: sorted.map((p, i) => ({ concurrency: p.concurrency, speedup: amdahl.predicted[i]! })),
        peak: null,
        maxSpeedup: amdahlParams.serialFraction > 0 ? amdahlCapacity(1e12, amdahlParams.serialFraction) / amdahlCapacity(n0, amdahlParams.serialFraction) : null,
        reading: derivedReading('amdahl', amdahlParams, sorted),
      },
      {
        law: 'usl',
        params: uslParams,
        rSquared: rSquared(observed, usl.predicted),
        predicted: sorted.map((p, i) => ({ concurrency: p.concurrency, speedup: usl.predicted[i]! })),
        peak: Number.isFinite(peak) ? peak : null,
        maxSpeedup: Number.isFinite(peak) ? uslCapacity(peak, uslParams.sigma, uslParams.kappa) / uslCapacity(n0, uslParams.sigma, uslParams.kappa) : null,
        reading: derivedReading('usl', uslParams, sorted),
      },
    ],
  };
}
