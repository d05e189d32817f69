import type { RunProgress } from '../model/run-model';
import type { EventBatch } from '../model/trace-event';

/**
 * The CLI's one-line progress while a run goes on: the trial, the seconds since the run started and the events so
 * far, redrawn on a timer (at most every `intervalMs`, 200 ms: five times a second) rather than only when a trial
 * starts or ends, so a long trial still shows it is moving. Only the caller decides whether it is shown (a terminal,
 * or CONLAB_PROGRESS=1); it writes through `write` and never on its own after `stop()`.
 */

export const PROGRESS_INTERVAL_MS = 200;

export interface ProgressState {
  readonly trial: number;
  readonly trials: number;
  readonly warmup: boolean;
  readonly elapsedMs: number;
  readonly events: number;
}

/** `trial 2/5 · 3.4 s · 12,345 events` (a warm-up trial says so). */
export function progressText(state: ProgressState): string {
  const phase = state.warmup ? 'warm-up' : 'trial';
  const trial = state.trials > 0 ? `${phase} ${state.trial}/${state.trials} · ` : '';
  return `${trial}${(Math.max(0, state.elapsedMs) / 1000).toFixed(1)} s · ${Math.max(0, state.events).toLocaleString('en')} events`;
}

export interface TickerClock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realClock: TickerClock = {
  now: () => performance.now(),
  setInterval: (fn, ms) => {
    const handle = setInterval(fn, ms);
    // The progress line never keeps the process alive.
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

export class ProgressTicker {
  private runId: string | null = null;
  private startedAt = 0;
  private trial = 0;
  private trials = 0;
  private warmup = false;
  /** Events of the current run: from its batches as they pass, or its progress reports when those say more. */
  private events = 0;
  private timer: unknown = null;
  private shown: string | null = null;

  constructor(
    private readonly write: (text: string | null) => void,
    private readonly clock: TickerClock = realClock,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  /** A progress report: a new run (the second of a pair) starts its clock and counts afresh. */
  progress(progress: RunProgress): void {
    if (progress.runId !== this.runId) {
      this.runId = progress.runId;
      this.startedAt = this.clock.now() - Math.max(0, progress.elapsedMs);
      this.events = 0;
    }
    this.trial = progress.trial;
    this.trials = progress.trials;
    this.warmup = progress.warmup;
    this.events = Math.max(this.events, progress.events);
    if (this.timer === null) this.timer = this.clock.setInterval(() => this.draw(), this.intervalMs);
    this.draw();
  }

  batch(batch: EventBatch): void {
    this.events += batch.count;
  }

  /** Stops the timer and clears the line (when one was drawn). */
  stop(): void {
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
    if (this.shown !== null) this.write(null);
    this.shown = null;
  }

  private draw(): void {
    if (this.runId === null) return;
    const text = progressText({ trial: this.trial, trials: this.trials, warmup: this.warmup, elapsedMs: this.clock.now() - this.startedAt, events: this.events });
    if (text === this.shown) return;
    this.shown = text;
    this.write(text);
  }
}

/** A status line on stderr that the next one replaces (our own CR and erase-line, around text made safe by the caller's `safe`). */
export function statusWriter(safe: (text: string) => string): (text: string | null) => void {
  return (text) => {
    process.stderr.write(text === null ? '\r\x1b[2K' : `\r\x1b[2K${safe(text).replace(/\n/g, ' ')}`);
  };
}
