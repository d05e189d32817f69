import type { EventBatch, RunRecord, TrialRecord } from '@contract/dto';
import { TimelineModel, type Lane } from '../timeline/timeline-model';

/**
 * Two runs on one timeline: one trial of each, moved onto a shared clock, their lanes interleaved actor by
 * actor (A's lane of an actor, then B's). Aligned at their starts (each trial's first event at 0) or at a
 * mark both have (the first `mark` event of that name in each trial at the same instant; the run whose mark
 * comes earlier in its trial moves later by the difference) — the same rule as the Perfetto pair export
 * (export/trace-pair.ts), so the picture and the exported trace agree.
 *
 * The model keeps side A as trial 0 and side B as trial 1, each with its own record (actors, deadlock), so
 * the states, holds and deadlock of each run are derived from that run's events alone.
 */

export type PairAlign = { readonly at: 'start' } | { readonly at: 'mark'; readonly name: string };

export interface PairSide {
  readonly run: RunRecord;
  readonly trial: number;
  /** The trial's batches (others are ignored). */
  readonly batches: readonly EventBatch[];
}

type Row = unknown[];

function rowsOf(batch: EventBatch): Row[] {
  try {
    const rows: unknown = JSON.parse(batch.payload);
    return Array.isArray(rows) ? rows.filter((row): row is Row => Array.isArray(row) && typeof row[1] === 'number') : [];
  } catch {
    return [];
  }
}

/** The trial's first event time, and each mark's first time (by name), on the run's own clock. */
export function landmarksOf(batches: readonly EventBatch[]): { start: number; marks: Map<string, number> } {
  let start = Infinity;
  const marks = new Map<string, number>();
  for (const batch of batches) {
    for (const row of rowsOf(batch)) {
      const t = row[1] as number;
      if (t < start) start = t;
      const data = row[4];
      if (row[2] === 'mark' && typeof data === 'object' && data !== null && typeof (data as Record<string, unknown>)['name'] === 'string') {
        const name = (data as Record<string, unknown>)['name'] as string;
        const seen = marks.get(name);
        if (seen === undefined || t < seen) marks.set(name, t);
      }
    }
  }
  return { start: Number.isFinite(start) ? start : 0, marks };
}

/** Marks both trials have, in the order they come in A. */
export function commonMarks(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): string[] {
  return [...a].filter(([name]) => b.has(name)).sort((x, y) => x[1] - y[1]).map(([name]) => name);
}

/**
 * How far each side's times move (ns): a side's time t is drawn at t + shift. At start: each trial begins at
 * 0. At a mark: both marks land at the later of the two marks' offsets into their trials. Null when a side
 * lacks the mark.
 */
export function pairShifts(a: { start: number; marks: ReadonlyMap<string, number> }, b: { start: number; marks: ReadonlyMap<string, number> }, align: PairAlign): [number, number] | null {
  if (align.at === 'start') return [-a.start, -b.start];
  const markA = a.marks.get(align.name);
  const markB = b.marks.get(align.name);
  if (markA === undefined || markB === undefined) return null;
  const intoA = markA - a.start;
  const intoB = markB - b.start;
  const latest = Math.max(intoA, intoB);
  return [latest - intoA - a.start, latest - intoB - b.start];
}

/** The batches of one trial, as trial `asTrial`, every event's time moved by `shiftNs`. */
export function shiftBatches(batches: readonly EventBatch[], trial: number, shiftNs: number, asTrial: number): EventBatch[] {
  return batches
    .filter((batch) => batch.trial === trial)
    .map((batch) => {
      const rows = rowsOf(batch).map((row) => {
        const moved = row.slice();
        moved[1] = (row[1] as number) + shiftNs;
        return moved;
      });
      return { ...batch, trial: asTrial, tFirst: batch.tFirst + shiftNs, tLast: batch.tLast + shiftNs, payload: JSON.stringify(rows) };
    });
}

function shiftTrial(trial: TrialRecord, shiftNs: number, asIndex: number): TrialRecord {
  const move = (ns: number | null): number | null => (ns === null ? null : ns + shiftNs);
  return {
    ...trial,
    index: asIndex,
    actors: trial.actors.map((actor) => ({ ...actor, requestedNs: move(actor.requestedNs), startedNs: move(actor.startedNs), endedNs: move(actor.endedNs) })),
    deadlock: trial.deadlock ? { ...trial.deadlock, detectedAtMs: trial.deadlock.detectedAtMs + shiftNs / 1e6 } : null,
  };
}

export interface PairLaneKey {
  readonly side: 0 | 1;
  readonly actor: string;
}

/**
 * Lanes paired by actor name: each name once, ordered by the earliest start of either side's lane (ties by
 * name), A's lane then B's. An actor only one run has gets its one lane in its place.
 */
export function pairLaneOrder(lanes: readonly { readonly side: 0 | 1; readonly actor: string; readonly start: number | null }[]): PairLaneKey[] {
  const first = new Map<string, number>();
  for (const lane of lanes) first.set(lane.actor, Math.min(first.get(lane.actor) ?? Infinity, lane.start ?? Infinity));
  return [...lanes]
    .sort((x, y) => {
      const byStart = (first.get(x.actor) ?? Infinity) - (first.get(y.actor) ?? Infinity);
      if (byStart !== 0 && !Number.isNaN(byStart)) return byStart;
      if (x.actor !== y.actor) return x.actor < y.actor ? -1 : 1;
      return x.side - y.side;
    })
    .map((lane) => ({ side: lane.side, actor: lane.actor }));
}

export interface PairTimeline {
  readonly model: TimelineModel;
  /** Side A as trial 0 and side B as trial 1, times shifted: what the canvas gets as its record. */
  readonly record: RunRecord;
  readonly shifts: readonly [number, number];
  /** What it is aligned at: the mark asked for, or the starts when a side lacks it. */
  readonly alignedAt: PairAlign;
  readonly commonMarks: readonly string[];
  readonly order: readonly PairLaneKey[];
  /** The canvas's lane order and labels. */
  readonly compare: (a: Lane, b: Lane) => number;
  readonly label: (lane: Lane) => string;
}

export const SIDE_NAMES = ['A', 'B'] as const;

export function buildPairTimeline(a: PairSide, b: PairSide, align: PairAlign): PairTimeline {
  const marks = [landmarksOf(a.batches.filter((batch) => batch.trial === a.trial)), landmarksOf(b.batches.filter((batch) => batch.trial === b.trial))] as const;
  const common = commonMarks(marks[0].marks, marks[1].marks);
  let alignedAt: PairAlign = align;
  let shifts = pairShifts(marks[0], marks[1], align);
  if (shifts === null) {
    alignedAt = { at: 'start' };
    shifts = pairShifts(marks[0], marks[1], alignedAt)!;
  }
  const model = new TimelineModel();
  model.ingest([...shiftBatches(a.batches, a.trial, shifts[0], 0), ...shiftBatches(b.batches, b.trial, shifts[1], 1)]);
  const trialA = a.run.trials.find((trial) => trial.index === a.trial);
  const trialB = b.run.trials.find((trial) => trial.index === b.trial);
  const record: RunRecord = { ...a.run, trials: [...(trialA ? [shiftTrial(trialA, shifts[0], 0)] : []), ...(trialB ? [shiftTrial(trialB, shifts[1], 1)] : [])] };
  const order = pairLaneOrder(model.lanes.map((lane) => ({ side: lane.trial === 0 ? 0 : 1, actor: lane.actor, start: lane.start })));
  const rank = new Map(order.map((key, index) => [`${key.side}\u0000${key.actor}`, index]));
  const rankOf = (lane: Lane): number => rank.get(`${lane.trial}\u0000${lane.actor}`) ?? Infinity;
  return {
    model,
    record,
    shifts,
    alignedAt,
    commonMarks: common,
    order,
    compare: (x, y) => rankOf(x) - rankOf(y),
    label: (lane) => `${SIDE_NAMES[lane.trial === 0 ? 0 : 1]} · ${lane.actor}`,
  };
}

/** The trial a pair shows of a run by default: its first counted trial (else its first). */
export function firstCountedTrial(run: RunRecord): number {
  return run.trials.find((trial) => !trial.warmup)?.index ?? run.trials[0]?.index ?? 0;
}
