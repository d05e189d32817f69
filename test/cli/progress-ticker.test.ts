import { describe, expect, test } from 'vitest';
import { ProgressTicker, progressText, type TickerClock } from '../../src-main/cli/progress';
import type { RunProgress } from '../../src-main/model/run-model';

class FakeClock implements TickerClock {
  t = 1_000;
  private fn: (() => void) | null = null;
  intervals: number[] = [];
  now(): number {
    return this.t;
  }
  setInterval(fn: () => void, ms: number): unknown {
    this.fn = fn;
    this.intervals.push(ms);
    return 1;
  }
  clearInterval(): void {
    this.fn = null;
  }
  tick(ms: number): void {
    this.t += ms;
    this.fn?.();
  }
  get running(): boolean {
    return this.fn !== null;
  }
}

const report = (change: Partial<RunProgress> = {}): RunProgress => ({ runId: 'r1', trial: 1, trials: 3, warmup: false, phase: 'started', elapsedMs: 0, events: 0, ...change });
const batch = (count: number) => ({ trial: 0, actor: 'a', firstSeq: 0, count, tFirst: 0, tLast: 0, payload: '[]' });

describe('the CLI progress line', () => {
  test('progressText: trial, seconds with one decimal, events with separators', () => {
    expect(progressText({ trial: 2, trials: 5, warmup: false, elapsedMs: 3_449, events: 12_345 })).toBe('trial 2/5 · 3.4 s · 12,345 events');
    expect(progressText({ trial: 1, trials: 2, warmup: true, elapsedMs: 0, events: 0 })).toBe('warm-up 1/2 · 0.0 s · 0 events');
  });

  test('redraws on its timer (every 200 ms) as time passes and events come, only when the text changes, and clears at the end', () => {
    const clock = new FakeClock();
    const lines: (string | null)[] = [];
    const ticker = new ProgressTicker((text) => lines.push(text), clock);
    ticker.progress(report());
    expect(clock.intervals).toEqual([200]);
    ticker.batch(batch(500));
    clock.tick(200);
    clock.tick(10); // same tenth of a second, same events: not redrawn
    ticker.batch(batch(1_000));
    clock.tick(200);
    ticker.progress(report({ phase: 'trial-done', elapsedMs: 450, events: 1_500 }));
    ticker.stop();
    expect(clock.running).toBe(false);
    expect(lines).toEqual(['trial 1/3 · 0.0 s · 0 events', 'trial 1/3 · 0.2 s · 500 events', 'trial 1/3 · 0.4 s · 1,500 events', null]);
    clock.tick(200);
    expect(lines.at(-1)).toBeNull();
  });

  test('a second run (a pair) starts its own clock and count', () => {
    const clock = new FakeClock();
    const lines: (string | null)[] = [];
    const ticker = new ProgressTicker((text) => lines.push(text), clock);
    ticker.progress(report());
    ticker.batch(batch(7));
    clock.tick(2_000);
    ticker.progress(report({ runId: 'r2', trials: 1 }));
    expect(lines.at(-1)).toBe('trial 1/1 · 0.0 s · 0 events');
    ticker.stop();
  });

  test('stop before any progress writes nothing', () => {
    const lines: (string | null)[] = [];
    new ProgressTicker((text) => lines.push(text), new FakeClock()).stop();
    expect(lines).toEqual([]);
  });
});
