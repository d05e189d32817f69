import { defineStore } from 'pinia';
import { markRaw, reactive, ref, shallowReactive } from 'vue';
import { mergeTrialSummaries, summarizeTrial, type EventBatch, type RunProgress, type RunRecord, type RunStatus, type TrialSummary } from '@contract/dto';
import type { LiveEvent, WireError } from '@contract/messages';
import type { ParamsOf } from '@contract/methods';
import { TimelineModel } from '../components/timeline/timeline-model';
import { errorMessage, useLabClient } from '../transport/lab-client';

export interface LiveRun {
  readonly runId: string;
  phase: 'running' | 'cancelling' | 'ended';
  progress: RunProgress | null;
  /** The finished trials, in index order: sent as each one ends, and all of them in a catch-up. */
  trials: TrialSummary[];
  status: RunStatus | null;
  error: WireError | null;
  /** Not reactive: the timeline redraws on `version`. */
  readonly model: TimelineModel;
  /** Mirrors model.version, so views know when to redraw (at most once per live message). */
  version: number;
  /** Live messages received; a gap in their seq means events were missed and are reloaded at the end. */
  lastSeq: number;
  missed: boolean;
  /** Events the server did not send live to this page (it fell behind); they are in the stored trace. */
  skippedEvents: number;
  /** Events sent before this page joined the run that its catch-up did not hold (earlier trials, past the cap). */
  catchUpSkipped: number;
  /** Events of the run so far that the model does not hold (skipped or not caught up): the counters add them. */
  notHeld: number;
  /** Of those, the lock steps' events (acquire, release), so that the lock counters stay right too. */
  notHeldOps: { acquire: number; release: number };
  record: RunRecord | null;
}

/** Holds events that arrive for a run before `runs.start` has answered with its id. */
const EARLY_LIMIT = 64;

/**
 * Live runs: started from a lesson or the composer, or followed after a reload. Live messages are
 * already batched by the server (≤ 10 per second per run); each one is folded into the run's
 * TimelineModel at once, and views redraw on the next animation frame.
 */
export const useLiveRunsStore = defineStore('liveRuns', () => {
  const client = useLabClient();
  const runs = shallowReactive(new Map<string, LiveRun>());
  const early = new Map<string, LiveEvent[]>();
  const startError = ref<string | null>(null);

  function entry(runId: string): LiveRun {
    let run = runs.get(runId);
    if (!run) {
      run = reactive({
        runId,
        phase: 'running',
        progress: null,
        trials: [],
        status: null,
        error: null,
        model: markRaw(new TimelineModel()),
        version: 0,
        lastSeq: 0,
        missed: false,
        skippedEvents: 0,
        catchUpSkipped: 0,
        notHeld: 0,
        notHeldOps: { acquire: 0, release: 0 },
        record: null,
      }) as LiveRun;
      runs.set(runId, run);
      for (const event of early.get(runId) ?? []) apply(run, event);
      early.delete(runId);
    }
    return run;
  }

  function apply(run: LiveRun, event: LiveEvent): void {
    switch (event.type) {
      case 'run-live':
        if (event.seq !== run.lastSeq + 1) run.missed = true;
        run.lastSeq = event.seq;
        if (event.skippedEvents !== undefined && event.skippedEvents > 0) {
          run.skippedEvents += event.skippedEvents;
          run.notHeld += event.skippedEvents;
          if (event.skippedOps) run.notHeldOps = { acquire: run.notHeldOps.acquire + event.skippedOps.acquire, release: run.notHeldOps.release + event.skippedOps.release };
          run.missed = true;
        }
        if (event.progress) run.progress = event.progress;
        if (event.trials) run.trials = mergeTrialSummaries(run.trials, event.trials);
        if (event.batches.length > 0) {
          run.model.ingest(event.batches as EventBatch[]);
          run.version = run.model.version;
        }
        return;
      case 'run-catchup':
        // The run so far, sent once to a page that joins it (a reload, another tab): live messages go on from seq + 1.
        run.lastSeq = event.seq;
        if (event.progress) run.progress = event.progress;
        if (event.trials) run.trials = mergeTrialSummaries(run.trials, event.trials);
        if (event.skippedEvents > 0) {
          run.catchUpSkipped += event.skippedEvents;
          run.notHeld += event.skippedEvents;
          if (event.skippedOps) run.notHeldOps = { acquire: run.notHeldOps.acquire + event.skippedOps.acquire, release: run.notHeldOps.release + event.skippedOps.release };
          run.missed = true;
        }
        if (event.batches.length > 0) {
          run.model.ingest(event.batches as EventBatch[]);
          run.version = run.model.version;
        }
        return;
      case 'run-ended':
        run.status = event.status;
        run.error = event.error;
        run.phase = 'ended';
        void finish(run);
        return;
      default: {
        const unknownEvent: never = event;
        throw new Error(`unknown live event ${JSON.stringify(unknownEvent)}`);
      }
    }
  }

  client.onLiveEvent((event) => {
    const run = runs.get(event.runId);
    if (run) return apply(run, event);
    const pending = early.get(event.runId) ?? [];
    if (pending.length < EARLY_LIMIT) pending.push(event);
    early.set(event.runId, pending);
  });

  /** After the end: the record for the summary, and the stored events when some live ones were missed. */
  async function finish(run: LiveRun): Promise<void> {
    try {
      const record = await client.call('history.get', { runId: run.runId });
      run.record = record;
      // Trials a page did not hear end (it joined after the summaries it keeps): from the record, without claims.
      const known = new Set(run.trials.map((summary) => summary.index));
      const missing = record.trials.filter((trial) => !known.has(trial.index)).map((trial) => summarizeTrial(trial));
      if (missing.length > 0) run.trials = mergeTrialSummaries(run.trials, missing);
      if (run.missed || (run.progress && run.model.eventCount < run.progress.events)) await reload(run);
    } catch {
      // The results page loads the record itself; the live view keeps what it has.
    }
  }

  async function reload(run: LiveRun): Promise<void> {
    const batches = await client.call('history.events', { runId: run.runId });
    const fresh = markRaw(new TimelineModel());
    fresh.ingest(batches);
    (run as { model: TimelineModel }).model = fresh;
    run.notHeld = 0;
    run.notHeldOps = { acquire: 0, release: 0 };
    run.version = fresh.version + 1_000_000;
  }

  async function start(params: ParamsOf<'runs.start'>): Promise<string | null> {
    startError.value = null;
    try {
      const { runId } = await client.call('runs.start', params);
      entry(runId);
      return runId;
    } catch (error) {
      startError.value = errorMessage(error);
      throw error;
    }
  }

  /** Starts a lesson on Node then CPython (runs.startPair); the Node run is followed from here like any start. */
  async function startPair(params: ParamsOf<'runs.startPair'>): Promise<{ runId: string; pairId: string }> {
    startError.value = null;
    try {
      const started = await client.call('runs.startPair', params);
      entry(started.runId);
      return started;
    } catch (error) {
      startError.value = errorMessage(error);
      throw error;
    }
  }

  /** Follows a run after a reload or from another tab; false when it is no longer running. */
  async function follow(runId: string): Promise<boolean> {
    if (runs.has(runId)) return true;
    const { active } = await client.call('runs.subscribe', { runId });
    if (active) entry(runId);
    return active;
  }

  async function cancel(runId: string): Promise<boolean> {
    const run = runs.get(runId);
    if (run && run.phase === 'running') run.phase = 'cancelling';
    const { cancelled } = await client.call('runs.cancel', { runId });
    return cancelled;
  }

  function get(runId: string): LiveRun | undefined {
    return runs.get(runId);
  }

  return { runs, startError, start, startPair, follow, cancel, get };
});
