import { LiveRunBatcher } from '../contract/live-batcher';
import { toWireError, type LiveEvent } from '../contract/messages';
import type { ValidParamsOf } from '../contract/methods';
import { LabError, type LabService } from '../service/lab-service';

/**
 * RunHub starts runs for front ends and fans their live events out to subscribers: one
 * LiveRunBatcher per run (so the rate bound holds per run, whatever the number of viewers), and
 * one subscriber per connection or window. Shared by browser mode and the Electron main process.
 *
 * A run outlives its subscribers: closing a tab does not cancel it (runs.cancel does, and so does
 * stopping the hub, when the server shuts down).
 */

export interface LiveSubscriber {
  send(event: LiveEvent): void;
}

export class RunHub {
  private readonly subscribers = new Map<string, Set<LiveSubscriber>>();
  private readonly finished = new Set<Promise<unknown>>();
  /** Runs started here and not ended yet. */
  private readonly running = new Set<string>();
  /** Starts not yet answered (the run has no id until its first progress report). */
  private readonly starting = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly service: LabService) {}

  /** Starts a run; `subscriber` receives its live events from the first one on. */
  async start(params: ValidParamsOf<'runs.start'>, subscriber: LiveSubscriber | null): Promise<{ runId: string }> {
    if (this.stopping) throw new LabError('unavailable', 'the lab is stopping: no new run starts');
    let batcher: LiveRunBatcher | null = null;
    const starting = this.service.startRun({
      ...(params.lessonId !== undefined ? { lessonId: params.lessonId } : { spec: params.spec }),
      ...(params.overrides ? { overrides: params.overrides } : {}),
      ...(params.repeat !== undefined ? { repeat: params.repeat } : {}),
      ...(params.warmup !== undefined ? { warmup: params.warmup } : {}),
      ...(params.title !== undefined ? { title: params.title } : {}),
      ...(params.experimentId !== undefined ? { experimentId: params.experimentId } : {}),
      ...(params.runtime !== undefined ? { runtime: params.runtime } : {}),
      onProgress: (progress) => {
        if (batcher === null) {
          // The first progress report names the run; nothing of it was sent before this point.
          const watchers = new Set<LiveSubscriber>(subscriber ? [subscriber] : []);
          this.subscribers.set(progress.runId, watchers);
          batcher = new LiveRunBatcher(progress.runId, (event) => this.publish(event));
        }
        batcher.progress(progress);
      },
      onBatch: (batch) => batcher?.batch(batch),
    });
    this.starting.add(starting);
    let started: Awaited<typeof starting>;
    try {
      started = await starting;
    } finally {
      this.starting.delete(starting);
    }
    const { runId, done } = started;
    this.running.add(runId);
    // Stopping began while this run was being set up: it is cancelled like the others.
    if (this.stopping) this.service.cancel(runId);
    const ended = done.then(
      (run) => batcher?.end(run.status),
      (error: unknown) => batcher?.end(null, toWireError(error)),
    );
    this.finished.add(ended);
    void ended.finally(() => {
      this.finished.delete(ended);
      this.running.delete(runId);
    });
    return { runId };
  }

  /**
   * Stops the hub: refuses new runs, cancels every run started here (and any still starting), and
   * waits until each has ended and been recorded, at most `timeoutMs`. True when all ended in time.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopping = true;
    for (const runId of this.running) this.service.cancel(runId);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      // Starts in flight settle first (and cancel themselves above); then every run's end is awaited.
      const allEnded = (async () => {
        await Promise.allSettled([...this.starting]);
        await this.settled();
        return true as const;
      })();
      return await Promise.race([allEnded, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  subscribe(runId: string, subscriber: LiveSubscriber): boolean {
    const watchers = this.subscribers.get(runId);
    if (!watchers) return false;
    watchers.add(subscriber);
    return true;
  }

  unsubscribe(runId: string, subscriber: LiveSubscriber): boolean {
    return this.subscribers.get(runId)?.delete(subscriber) ?? false;
  }

  /** A connection or window went away. */
  drop(subscriber: LiveSubscriber): void {
    for (const watchers of this.subscribers.values()) watchers.delete(subscriber);
  }

  /** Resolves when every run started here has sent its run-ended message. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.finished]);
  }

  private publish(event: LiveEvent): void {
    const watchers = this.subscribers.get(event.runId);
    if (!watchers) return;
    for (const watcher of watchers) {
      try {
        watcher.send(event);
      } catch {
        // A watcher that cannot take a message (a closed socket) is dropped; the run goes on.
        watchers.delete(watcher);
      }
    }
    if (event.type === 'run-ended') this.subscribers.delete(event.runId);
  }
}
