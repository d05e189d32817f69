import { describe, expect, test } from 'vitest';
import type { RunRecord, TrialRecord } from '../../src-main/model/run-model';
import { trialValues } from '../../src-main/service/distributions';
import { record } from '../renderer/fixtures';

const trial = (index: number, status: TrialRecord['status'], lost: number | undefined, warmup = false): TrialRecord =>
  ({ index, warmup, status, metrics: { wallMs: 10 + index }, records: lost === undefined ? {} : { lost: [0, lost] }, finalShared: { counter: lost ?? 0 } }) as unknown as TrialRecord;

describe("a quantity's value in each counted trial", () => {
  test('leaves out warm-ups, takes the last value recorded, and gives a cancelled trial none (its records stop mid-way)', () => {
    const run: RunRecord = record('r1', { trials: [trial(0, 'ok', 9, true), trial(1, 'ok', 2), trial(2, 'failed', 3), trial(3, 'ok', undefined), trial(4, 'cancelled', 1)] });
    expect(trialValues(run, { record: 'lost' })).toEqual([2, 3, NaN, NaN]);
    expect(trialValues(run, { metric: 'wallMs' })).toEqual([11, 12, 13, NaN]);
    expect(trialValues(run, { shared: 'counter' })).toEqual([2, 3, 0, NaN]);
  });
});
