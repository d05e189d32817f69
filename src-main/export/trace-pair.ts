import type { RunRecord } from '../model/run-model';
import { decodeBatch, type EventBatch } from '../model/trace-event';
import { toTraceEvents, type ChromeTraceEvent } from './trace-events';

/**
 * Two runs on one timeline, as one trace for Perfetto / chrome://tracing: each run is a process of its
 * own (its actors its threads), one trial of each, aligned at their starts or at a named mark (the
 * first `mark` event of that name in each trial lands at the same instant).
 */

export type PairAlignment = { readonly at: 'start' } | { readonly at: 'mark'; readonly name: string };

export interface PairSide {
  readonly run: RunRecord;
  readonly batches: readonly EventBatch[];
}

export interface PairTrace {
  readonly traceEvents: ChromeTraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly metadata: {
    readonly source: 'Concurrency Lab';
    /** shiftMs: how far the run's times were moved (its own clock → the shared one). */
    readonly runs: readonly { readonly runId: string; readonly title: string; readonly trial: number; readonly shiftMs: number }[];
    readonly alignedAt: string;
  };
}

export class PairTraceError extends Error {}

/** The first counted trial that has events (else the first counted trial, else trial 0). */
export function defaultTrial(run: RunRecord, batches: readonly EventBatch[]): number {
  const withEvents = new Set(batches.map((b) => b.trial));
  const counted = run.trials.filter((t) => !t.warmup).map((t) => t.index);
  return counted.find((i) => withEvents.has(i)) ?? counted[0] ?? 0;
}

/** The trial's first event (its start on the run's clock), and its first mark named `name` (null: none). */
function landmarks(batches: readonly EventBatch[], name: string | null): { start: number; mark: number | null } {
  let start = Infinity;
  let mark: number | null = null;
  for (const batch of batches) {
    for (const event of decodeBatch(batch)) {
      if (event.t < start) start = event.t;
      if (name !== null && event.op === 'mark' && event.data?.['name'] === name && (mark === null || event.t < mark)) mark = event.t;
    }
  }
  return { start: Number.isFinite(start) ? start : 0, mark };
}

export function pairTrace(sides: readonly [PairSide, PairSide], align: PairAlignment, trials?: readonly [number | undefined, number | undefined]): PairTrace {
  const chosen = sides.map((side, i) => {
    const trial = trials?.[i] ?? defaultTrial(side.run, side.batches);
    if (!side.run.trials.some((t) => t.index === trial) && !side.batches.some((b) => b.trial === trial)) {
      throw new PairTraceError(`run ${side.run.id.slice(0, 8)} has no trial ${trial}`);
    }
    return { side, trial, batches: side.batches.filter((b) => b.trial === trial) };
  });
  // Times are on each run's own clock (from its start, trials one after another): each trial is moved to
  // begin at 0, then, for a mark, the run whose mark comes earlier in its trial moves later by the difference.
  const marks = chosen.map((c) => landmarks(c.batches, align.at === 'mark' ? align.name : null));
  let shiftsNs = marks.map((m) => -m.start);
  if (align.at === 'mark') {
    marks.forEach((m, i) => {
      if (m.mark === null) throw new PairTraceError(`run ${chosen[i]!.side.run.id.slice(0, 8)} has no mark ${JSON.stringify(align.name)} in trial ${chosen[i]!.trial}`);
    });
    const into = marks.map((m) => m.mark! - m.start);
    const latest = Math.max(...into);
    shiftsNs = marks.map((m, i) => latest - into[i]! - m.start);
  }
  const traceEvents: ChromeTraceEvent[] = [];
  chosen.forEach((c, i) => {
    const pid = i + 1;
    const runtime = c.side.run.environment.runtime?.name ?? 'node';
    const one = toTraceEvents({ ...c.side.run, trials: c.side.run.trials.filter((t) => t.index === c.trial) }, c.batches);
    const shiftUs = shiftsNs[i]! / 1000;
    for (const event of one.traceEvents) {
      if (event.ph === 'M' && event.name === 'process_name') {
        traceEvents.push({ ...event, pid, args: { name: `${i === 0 ? 'A' : 'B'}: ${c.side.run.title} (${runtime}, run ${c.side.run.id.slice(0, 8)}, trial ${c.trial})` } });
      } else if (event.ph === 'M' && event.name === 'process_sort_index') {
        traceEvents.push({ ...event, pid, args: { sort_index: i } });
      } else {
        traceEvents.push({ ...event, pid, ts: event.ph === 'M' ? event.ts : event.ts + shiftUs });
      }
    }
  });
  return {
    traceEvents,
    displayTimeUnit: 'ms',
    metadata: {
      source: 'Concurrency Lab',
      runs: chosen.map((c, i) => ({ runId: c.side.run.id, title: c.side.run.title, trial: c.trial, shiftMs: shiftsNs[i]! / 1e6 })),
      alignedAt: align.at === 'start' ? 'start' : `mark ${align.name}`,
    },
  };
}
