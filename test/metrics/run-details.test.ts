// What compare and history show of runs besides metrics: differing parameters (first, flagged),
// claims per run, numeric records per run with the ratio to the first, non-default parameters.
import { describe, expect, test } from 'vitest';
import { claimsAcrossRuns, nonDefaultParams, paramDifferences, recordsAcrossRuns } from '../../src-main/model/run-details';
import type { TrialRecord } from '../../src-main/model/run-model';

const trial = (records: Record<string, unknown[]>, warmup = false): TrialRecord => ({ index: 0, warmup, status: 'ok', startedAt: '', wallMs: 1, metrics: {}, actors: [], records, finalShared: {}, deadlock: null, error: null, eventCount: 0, eventsLost: 0, eventsDropped: 0 });

describe('run details', () => {
  test('parameters that differ come first and are flagged', () => {
    const rows = paramDifferences([{ params: { threads: 4, windowMs: 10 } }, { params: { threads: 8, windowMs: 10 } }]);
    expect(rows).toEqual([
      { name: 'threads', values: [4, 8], differs: true },
      { name: 'windowMs', values: [10, 10], differs: false },
    ]);
  });

  test('claims per run, records per run with ratios to the first (warm-ups left out)', () => {
    const text = { en: 'lost', zh: '丢失' };
    expect(claimsAcrossRuns([{ claims: [{ id: 'a', text, status: 'holds', detail: 'x' }] }, { claims: [{ id: 'a', text, status: 'fails', detail: 'y' }] }])).toEqual([
      { id: 'a', text, statuses: ['holds', 'fails'], details: ['x', 'y'] },
    ]);
    const rows = recordsAcrossRuns([{ trials: [trial({ lost: [99] }, true), trial({ lost: [10], word: ['w'] })] }, { trials: [trial({ lost: [15] })] }]);
    expect(rows).toEqual([{ name: 'lost', values: [10, 15], ratios: [1, 1.5] }]);
  });

  test('non-default parameters as name=value', () => {
    const spec = { params: { threads: { type: 'integer', default: 20 }, mode: { type: 'choice', default: 'a' } } };
    expect(nonDefaultParams({ params: { threads: 4, mode: 'a' }, spec })).toEqual(['threads=4']);
    expect(nonDefaultParams({ params: { threads: 20, mode: 'b' }, spec })).toEqual(['mode=b']);
    expect(nonDefaultParams({ params: { n: 1 }, spec: null })).toEqual(['n=1']);
  });
});
