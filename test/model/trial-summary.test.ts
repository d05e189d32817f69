import { describe, expect, test } from 'vitest';
import type { TrialRecord } from '../../src-main/model/run-model';
import { mergeTrialSummaries, summarizeTrial, TRIAL_SUMMARY_MAX_RECORDS, TRIAL_SUMMARY_VALUE_MAX, type TrialSummary } from '../../src-main/model/trial-summary';
import { trialSummarySchema } from '../../src-main/contract/messages';

const trial = (over: Partial<TrialRecord> = {}): TrialRecord => ({
  index: 2,
  warmup: false,
  status: 'ok',
  startedAt: '2026-01-01T00:00:00.000Z',
  wallMs: 123.5,
  metrics: {},
  actors: [],
  records: {},
  finalShared: {},
  deadlock: null,
  error: null,
  eventCount: 456,
  eventsLost: 0,
  eventsDropped: 0,
  ...over,
});
const summary = (index: number, status: TrialSummary['status'] = 'ok'): TrialSummary => summarizeTrial(trial({ index, status }));

describe('summarizeTrial: a finished trial as the trial bar draws it', () => {
  test('keeps status, wall time, events, each record name with its count and last value, and the claims given', () => {
    const made = summarizeTrial(trial({ records: { total: [180, 187], seen: [{ a: 1 }] } }), [{ id: 'lost-updates', status: 'holds' }]);
    expect(made).toEqual({
      index: 2,
      warmup: false,
      status: 'ok',
      wallMs: 123.5,
      eventCount: 456,
      deadlock: false,
      error: null,
      records: [
        { name: 'total', count: 2, last: '187' },
        { name: 'seen', count: 1, last: '{"a":1}' },
      ],
      claims: [{ id: 'lost-updates', status: 'holds' }],
    });
    expect(trialSummarySchema.parse(made)).toEqual(made);
  });

  test('is bounded whatever the trial held: record names, values and the error are cut', () => {
    const records = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`r${i}`, [Array.from({ length: 1_000 }, () => 'x').join('')]]));
    const made = summarizeTrial(trial({ records, error: 'e'.repeat(10_000), status: 'failed', deadlock: { actors: ['a'], edges: [], detectedAtNs: 1 } as unknown as TrialRecord['deadlock'] }));
    expect(made.records).toHaveLength(TRIAL_SUMMARY_MAX_RECORDS);
    expect(made.records.every((record) => record.last.length <= TRIAL_SUMMARY_VALUE_MAX)).toBe(true);
    expect(made.error!.length).toBeLessThanOrEqual(200);
    expect(made.deadlock).toBe(true);
    expect(JSON.stringify(made).length).toBeLessThan(4_000);
  });
});

describe('mergeTrialSummaries', () => {
  test('merges by index in index order, a later summary replacing an earlier one', () => {
    const merged = mergeTrialSummaries([summary(0), summary(2)], [summary(1), summary(2, 'failed')]);
    expect(merged.map((s) => [s.index, s.status])).toEqual([
      [0, 'ok'],
      [1, 'ok'],
      [2, 'failed'],
    ]);
  });

  test('keeps at most `max`, the latest trials', () => {
    const merged = mergeTrialSummaries([], Array.from({ length: 10 }, (_, i) => summary(i)), 4);
    expect(merged.map((s) => s.index)).toEqual([6, 7, 8, 9]);
  });
});
