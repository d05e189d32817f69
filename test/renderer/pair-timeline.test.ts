// Two runs on one timeline: lanes paired by actor name (A then B), times moved so that the starts or a
// common mark coincide (the rule of the Perfetto pair export), and each side's record moved with it.
import { describe, expect, test } from 'vitest';
import type { TrialRecord } from '../../src-main/contract/dto';
import { buildPairTimeline, commonMarks, landmarksOf, pairLaneOrder, pairShifts } from '../../src-renderer/components/compare/pair-timeline';
import { batch, record } from './fixtures';

const trial = (index: number, warmup: boolean, change: Partial<TrialRecord> = {}): TrialRecord => ({
  index,
  warmup,
  status: 'ok',
  startedAt: '2025-01-02T03:04:05.000Z',
  wallMs: 1,
  metrics: {},
  actors: [],
  records: {},
  finalShared: {},
  deadlock: null,
  error: null,
  eventCount: 0,
  eventsLost: 0,
  eventsDropped: 0,
  ...change,
});

// A: its counted trial 1 starts at 1000 ns, marks phase2 500 ns in. B: trial 0 starts at 5000 ns, marks phase2 200 ns in, and has a worker A has not.
const batchesA = [
  batch('main', [[900, 'actor', 'B'], [950, 'actor', 'E']], 0),
  batch('main', [[1000, 'actor', 'B'], [1500, 'mark', 'I', { name: 'phase2' }], [1600, 'mark', 'I', { name: 'only-a' }], [2000, 'actor', 'E']], 1),
  batch('worker-0', [[1100, 'actor', 'B'], [1200, 'acquire', 'B', { prim: 'L' }], [1300, 'acquire', 'E', { prim: 'L', ok: true }], [1900, 'actor', 'E']], 1),
];
const batchesB = [
  batch('main', [[5000, 'actor', 'B'], [5200, 'mark', 'I', { name: 'phase2' }], [6000, 'actor', 'E']], 0),
  batch('worker-0', [[5050, 'actor', 'B'], [5900, 'actor', 'E']], 0),
  batch('worker-1', [[5100, 'actor', 'B'], [5150, 'acquire', 'B', { prim: 'L' }]], 0),
];
const runA = record('aaaaaaaa-1', { trials: [trial(0, true), trial(1, false)] });
const runB = record('bbbbbbbb-2', {
  params: { threads: 30 },
  trials: [trial(0, false, { deadlock: { detectedAtMs: 0.0058, cycle: [{ actor: 'worker-1', waitsFor: 'L', heldBy: 'worker-1' }], description: 'x' } })],
});

describe('pair timeline', () => {
  test('marks both trials have; shifts at the start and at a mark', () => {
    const a = landmarksOf(batchesA.filter((b) => b.trial === 1));
    const b = landmarksOf(batchesB);
    expect(a.start).toBe(1000);
    expect(commonMarks(a.marks, b.marks)).toEqual(['phase2']);
    expect(pairShifts(a, b, { at: 'start' })).toEqual([-1000, -5000]);
    // The marks are 500 and 200 ns into their trials: B moves 300 ns later, both marks land at 500.
    const shifts = pairShifts(a, b, { at: 'mark', name: 'phase2' })!;
    expect(shifts).toEqual([-1000, -4700]);
    expect(1500 + shifts[0]).toBe(5200 + shifts[1]);
    expect(pairShifts(a, b, { at: 'mark', name: 'only-a' })).toBeNull();
  });

  test('lanes paired by actor name, A above B, in order of first start; an actor of one run alone in its place', () => {
    expect(
      pairLaneOrder([
        { side: 1, actor: 'worker-1', start: 100 },
        { side: 0, actor: 'worker-0', start: 100 },
        { side: 1, actor: 'main', start: 0 },
        { side: 0, actor: 'main', start: 0 },
        { side: 1, actor: 'worker-0', start: 50 },
      ]),
    ).toEqual([
      { side: 0, actor: 'main' },
      { side: 1, actor: 'main' },
      { side: 0, actor: 'worker-0' },
      { side: 1, actor: 'worker-0' },
      { side: 1, actor: 'worker-1' },
    ]);
  });

  test('the model: A as trial 0 and B as trial 1, shifted, ordered and labelled', () => {
    const pair = buildPairTimeline({ run: runA, trial: 1, batches: batchesA }, { run: runB, trial: 0, batches: batchesB }, { at: 'mark', name: 'phase2' });
    expect(pair.alignedAt).toEqual({ at: 'mark', name: 'phase2' });
    const lanes = [...pair.model.lanes].sort(pair.compare);
    expect(lanes.map(pair.label)).toEqual(['A · main', 'B · main', 'A · worker-0', 'B · worker-0', 'B · worker-1']);
    expect(lanes.map((lane) => lane.start)).toEqual([0, 300, 100, 350, 400]);
    // Only A's chosen trial is drawn (its warm-up's events are left out).
    expect(pair.model.lanes.filter((lane) => lane.trial === 0).every((lane) => (lane.start ?? 0) >= 0)).toBe(true);
    // Each mark lands at 500 on the shared clock.
    const marks = pair.model.lanes.flatMap((lane) => lane.eventList.filter((event) => event.op === 'mark' && event.data?.['name'] === 'phase2').map((event) => event.t));
    expect(marks).toEqual([500, 500]);
    // B's record moved with its events: the deadlock's detection 5800 ns → 1100 ns.
    expect(pair.record.trials.map((t) => t.index)).toEqual([0, 1]);
    expect(pair.record.trials[1]!.deadlock!.detectedAtMs * 1e6).toBeCloseTo(1100, 6);
  });

  test('a mark one run lacks: aligned at the starts instead', () => {
    const pair = buildPairTimeline({ run: runA, trial: 1, batches: batchesA }, { run: runB, trial: 0, batches: batchesB }, { at: 'mark', name: 'only-a' });
    expect(pair.alignedAt).toEqual({ at: 'start' });
    expect(pair.shifts).toEqual([-1000, -5000]);
    expect(pair.commonMarks).toEqual(['phase2']);
  });
});
