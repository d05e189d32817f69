import { mergeTrialSummaries, type EventBatch, type RunProgress, type TrialSummary } from '../contract/dto';
import { LIVE_BUFFER_LIMIT_BYTES, LIVE_MESSAGE_MAX_BYTES, LiveRunBatcher, lockOps } from '../contract/live-batcher';
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

/** Payload bytes of a run's current trial kept for pages that join it later; past it they get a gap (counted). */
export const CATCH_UP_MAX_BYTES = LIVE_BUFFER_LIMIT_BYTES;

/**
 * What a running run has sent live so far, kept for pages that subscribe later (a reload, a second tab): the
 * latest progress, the seq of the last run-live message, every finished trial's summary (what the trial bar
 * draws; bounded, TRIAL_SUMMARIES_KEPT) and the current trial's batches up to a byte cap (the events past it, and
 * those of earlier trials, only counted: they are in the stored trace).
 */
export class CatchUpLog {
  private seq = 0;
  private progress: RunProgress | null = null;
  private trials: TrialSummary[] = [];
  private trial = -1;
  private batches: EventBatch[] = [];
  private bytes = 0;
  /** The current trial reached the cap: what follows is counted, not kept (a clean prefix, no holes). */
  private full = false;
  private sentEvents = 0;
  private keptEvents = 0;
  /** Lock steps' events of the batches not kept: read off a batch's text only once it is let go (most never are). */
  private readonly skippedOps = { acquire: 0, release: 0 };

  constructor(
    readonly runId: string,
    private readonly maxBytes = CATCH_UP_MAX_BYTES,
    private readonly partBytes = LIVE_MESSAGE_MAX_BYTES,
  ) {}

  /** Takes in a run-live message as it goes out to the run's watchers. */
  record(event: LiveEvent): void {
    if (event.type !== 'run-live') return;
    this.seq = event.seq;
    if (event.progress) this.progress = event.progress;
    if (event.trials) this.trials = mergeTrialSummaries(this.trials, event.trials);
    for (const batch of event.batches) {
      this.sentEvents += batch.count;
      if (batch.trial > this.trial) {
        // A new trial: the view shows the trial in progress, so the previous one's events are let go.
        for (const dropped of this.batches) this.skip(dropped);
        this.trial = batch.trial;
        this.batches = [];
        this.bytes = 0;
        this.full = false;
        this.keptEvents = 0;
      }
      if (!this.full && batch.trial === this.trial && this.bytes + batch.payload.length > this.maxBytes) this.full = true;
      if (batch.trial < this.trial || this.full) {
        this.skip(batch);
        continue;
      }
      this.batches.push(batch);
      this.bytes += batch.payload.length;
      this.keptEvents += batch.count;
    }
  }

  /** The run so far as run-catchup messages: at least one, each at most about `partBytes` of batches. */
  parts(): LiveEvent[] {
    const groups: EventBatch[][] = [];
    let group: EventBatch[] = [];
    let groupBytes = 0;
    for (const batch of this.batches) {
      if (group.length > 0 && groupBytes + batch.payload.length > this.partBytes) {
        groups.push(group);
        group = [];
        groupBytes = 0;
      }
      group.push(batch);
      groupBytes += batch.payload.length;
    }
    groups.push(group);
    return groups.map((batches, index) => ({
      type: 'run-catchup',
      runId: this.runId,
      seq: this.seq,
      progress: this.progress,
      batches,
      skippedEvents: index === groups.length - 1 ? this.sentEvents - this.keptEvents : 0,
      // The trial bar comes with the first part, so that it shows before the events are taken in.
      ...(index === 0 && this.trials.length > 0 ? { trials: [...this.trials] } : {}),
      ...(index === groups.length - 1 && this.sentEvents > this.keptEvents ? { skippedOps: { ...this.skippedOps } } : {}),
      part: index + 1,
      last: index === groups.length - 1,
    }));
  }

  private skip(batch: EventBatch): void {
    const ops = lockOps(batch);
    this.skippedOps.acquire += ops.acquire;
    this.skippedOps.release += ops.release;
  }

  /** Finished trials' summaries held (diagnostics and tests). */
  get trialCount(): number {
    return this.trials.length;
  }

  /** Bytes of batches held (diagnostics and tests). */
  get heldBytes(): number {
    return this.bytes;
  }
}

export class RunHub {
  private readonly subscribers = new Map<string, Set<LiveSubscriber>>();
  /** Per running run: what it sent so far, for late subscribers. */
  private readonly logs = new Map<string, CatchUpLog>();
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
      ...(params.predictions !== undefined ? { predictions: params.predictions } : {}),
      ...(params.storeEvents === false ? { storeEvents: false } : {}),
      onProgress: (progress) => {
        if (batcher === null) {
          // The first progress report names the run; nothing of it was sent before this point.
          const watchers = new Set<LiveSubscriber>(subscriber ? [subscriber] : []);
          this.subscribers.set(progress.runId, watchers);
          this.logs.set(progress.runId, new CatchUpLog(progress.runId));
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

  /**
   * Adds a watcher of a running run; false when it is not running here. A new watcher first gets the run so far
   * (run-catchup parts, sent now), then every run-live message from the next seq on: no gap, nothing twice.
   */
  subscribe(runId: string, subscriber: LiveSubscriber): boolean {
    const watchers = this.subscribers.get(runId);
    if (!watchers) return false;
    if (watchers.has(subscriber)) return true;
    const log = this.logs.get(runId);
    if (log) {
      try {
        for (const part of log.parts()) subscriber.send(part);
      } catch {
        return false;
      }
    }
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
    this.logs.get(event.runId)?.record(event);
    if (event.type === 'run-ended') this.logs.delete(event.runId);
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
