import { describe, expect, it } from 'vitest';
import { amdahlCapacity, fitScaling, uslCapacity, uslPeak } from '../../src-main/engine/metrics/scaling-fit';

const speedups = (ns: number[], capacity: (n: number) => number, noise: (i: number) => number = () => 0) =>
  ns.map((n, i) => ({ concurrency: n, speedup: (capacity(n) / capacity(ns[0]!)) * (1 + noise(i)) }));

describe('scaling fits', () => {
  it('recovers σ and κ of synthetic USL data within 5%, and the peak', () => {
    const sigma = 0.06;
    const kappa = 0.0025;
    const ns = [1, 2, 4, 8, 12, 16, 24, 32];
    const { fits, problem } = fitScaling(speedups(ns, (n) => uslCapacity(n, sigma, kappa)));
    expect(problem).toBeNull();
    const usl = fits.find((f) => f.law === 'usl')!;
    expect(Math.abs(usl.params['sigma']! - sigma) / sigma).toBeLessThan(0.05);
    expect(Math.abs(usl.params['kappa']! - kappa) / kappa).toBeLessThan(0.05);
    expect(usl.rSquared).toBeGreaterThan(0.999);
    expect(Math.abs(usl.peak! - uslPeak(sigma, kappa))).toBeLessThan(0.05 * uslPeak(sigma, kappa));
    expect(usl.reading.en).toMatch(/peaks near 19: beyond 19 adding more makes it slower/);
  });

  it('recovers σ and κ within 5% from a sweep that starts at 2 and carries ±1% noise', () => {
    const sigma = 0.1;
    const kappa = 0.01;
    const ns = [2, 3, 4, 6, 8, 10, 12, 16];
    const noise = (i: number) => (i % 2 === 0 ? 0.004 : -0.004);
    const usl = fitScaling(speedups(ns, (n) => uslCapacity(n, sigma, kappa), noise)).fits.find((f) => f.law === 'usl')!;
    expect(Math.abs(usl.params['sigma']! - sigma) / sigma).toBeLessThan(0.05);
    expect(Math.abs(usl.params['kappa']! - kappa) / kappa).toBeLessThan(0.05);
  });

  it("fits Amdahl's serial fraction and its ceiling; USL finds no coherency cost there", () => {
    const s = 0.2;
    const { fits } = fitScaling(speedups([1, 2, 4, 8, 16], (n) => amdahlCapacity(n, s)));
    const amdahl = fits.find((f) => f.law === 'amdahl')!;
    expect(amdahl.params['serialFraction']).toBeCloseTo(s, 3);
    expect(amdahl.maxSpeedup).toBeCloseTo(5, 1);
    expect(amdahl.reading.zh).toContain('5.0 倍');
    const usl = fits.find((f) => f.law === 'usl')!;
    expect(usl.params['kappa']).toBeLessThan(1e-4);
  });

  it('says why when it cannot fit, and ignores unusable points', () => {
    expect(fitScaling([{ concurrency: 1, speedup: 1 }, { concurrency: 2, speedup: 1.8 }]).problem).toMatch(/at least 3 points.*has 2/);
    expect(fitScaling([{ concurrency: 1, speedup: 1 }, { concurrency: 2, speedup: NaN }, { concurrency: 4, speedup: 3 }, { concurrency: 4, speedup: 3 }]).problem).toMatch(/has 2/);
  });
});
