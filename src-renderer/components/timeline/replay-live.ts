import type { TraceEvent } from '@contract/dto';

/**
 * The step each actor is at during a live run: its latest event that names a step (`s`), found by walking
 * the time-ordered events back from the newest, at most `limit` of them (an actor silent for longer than
 * that shows no current step rather than costing a walk of the whole run on every redraw).
 */
export interface LiveStep {
  readonly step: number;
  readonly ended: boolean;
}

export function latestSteps(events: readonly TraceEvent[], limit = 20_000): Map<string, LiveStep> {
  const found = new Map<string, LiveStep>();
  const ended = new Set<string>();
  const stop = Math.max(0, events.length - limit);
  for (let i = events.length - 1; i >= stop; i--) {
    const event = events[i]!;
    if (found.has(event.actor)) continue;
    if (event.op === 'actor' && event.ph === 'E') ended.add(event.actor);
    if (event.s !== undefined) found.set(event.actor, { step: event.s, ended: ended.has(event.actor) });
  }
  return found;
}

/** The spec actor an instance belongs to: its own name, or the name without the instance's "-<index>". */
export function groupOf(instance: string, groups: ReadonlySet<string>): string | null {
  if (groups.has(instance)) return instance;
  const base = instance.replace(/-\d+$/, '');
  return groups.has(base) ? base : null;
}

/** Per spec actor, per step id, the instances at that step (ended ones left out). */
export function stepsByGroup(steps: ReadonlyMap<string, LiveStep>, groups: ReadonlySet<string>): Map<string, Record<number, string[]>> {
  const byGroup = new Map<string, Record<number, string[]>>();
  for (const [actor, at] of steps) {
    if (at.ended) continue;
    const group = groupOf(actor, groups);
    if (group === null) continue;
    let table = byGroup.get(group);
    if (!table) byGroup.set(group, (table = {}));
    (table[at.step] ??= []).push(actor);
  }
  return byGroup;
}
