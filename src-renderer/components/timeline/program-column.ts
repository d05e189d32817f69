import type { TraceEvent } from '@contract/dto';

/**
 * What the program column beside the lanes shows for one lane: the step (its id, as events carry it in `s`) that
 * the lane's actor was at when `t` was reached — its latest event at or before `t` that names a step — or, with
 * `t` null (a live run, no cursor), its latest such event. Null before its first such event. Events are a lane's
 * own, in program order (so in time order).
 */
export function stepAt(events: readonly TraceEvent[], t: number | null): number | null {
  let end = events.length;
  if (t !== null) {
    // The first event after t: everything before it happened by then.
    let low = 0;
    let high = events.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (events[mid]!.t <= t) low = mid + 1;
      else high = mid;
    }
    end = low;
  }
  // Walk back to the newest event that names a step; most do, so this stops at once.
  for (let i = end - 1; i >= 0 && i >= end - 10_000; i--) {
    const step = events[i]!.s;
    if (step !== undefined) return step;
  }
  return null;
}

/** The instance's spec actor: its own name, or the name without the instance's "-<index>". */
export function specActorOf(instance: string, names: ReadonlySet<string>): string | null {
  if (names.has(instance)) return instance;
  const base = instance.replace(/-\d+$/, '');
  return names.has(base) ? base : null;
}
