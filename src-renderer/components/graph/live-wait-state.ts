import { Replay, type ReplayState } from '@contract/dto';
import type { TimelineModel } from '../timeline/timeline-model';

/**
 * The replay state at the newest event of a live trial, for the wait-for graph: a Replay (model/replay.ts)
 * fed each lane's new events as they arrive. Each lane's events are in its actor's program order, and what
 * the state says of an actor (what it holds, what it waits for) depends only on that actor's own events, so
 * feeding lane after lane gives the same holders and waiters as a fold in time order. Incremental: each
 * call appends only what came since the last one.
 */
export class LiveWaitState {
  private replay: Replay | null = null;
  private trial = -1;
  private model: TimelineModel | null = null;
  /** Per lane (by actor), how many of its events were appended. */
  private readonly taken = new Map<string, number>();

  constructor(private readonly primitives: Readonly<Record<string, string>> = {}) {}

  /** Appends what the trial's lanes gained since the last call (cheap enough to do on every live message). */
  feed(model: TimelineModel, trial: number): Replay {
    if (this.replay === null || trial !== this.trial || model !== this.model) {
      // Only the newest state is asked for, always further on: the cursor moves forward and no checkpoint is
      // needed (a checkpoint every 512 events would clone the whole state thousands of times in a long run).
      this.replay = new Replay({ actors: [], primitives: this.primitives, checkpointEvery: 2 ** 30 });
      this.trial = trial;
      this.model = model;
      this.taken.clear();
    }
    for (const lane of model.lanes) {
      if (lane.trial !== trial) continue;
      const from = this.taken.get(lane.actor) ?? 0;
      if (from >= lane.eventList.length) continue;
      this.replay.append(lane.eventList.slice(from));
      this.taken.set(lane.actor, lane.eventList.length);
    }
    return this.replay;
  }

  /** The state at the newest event of the trial. */
  update(model: TimelineModel, trial: number): ReplayState {
    return this.feed(model, trial).latest();
  }
}
