// Claim evidence in plain words: each quantity with its own value, a scaled right side shown as
// factor × quantity = product, the same record with the same value in every claim of a trial, and
// every trial's evidence kept. Judged on trial records built here (no processes: the evaluator reads
// records, metrics and actors only for these claims).
import { describe, expect, test } from 'vitest';
import { combineVerdicts, evaluateClaimOnTrial, type ClaimContext } from '../../src-main/engine/claims/evaluate';
import { phraseComparison } from '../../src-main/model/claim-evidence';
import type { RunEnvironment, TrialRecord } from '../../src-main/model/run-model';
import type { ClaimSpec } from '../../src-main/model/spec-schema';

const environment: RunEnvironment = { os: 'linux 6.1.0 x64', cpuModel: 'test', cpuCount: 2, totalMemoryMb: 4096, node: 'v22', electron: null, appVersion: '0.0.0', hasProcfs: true };

function trial(index: number, records: Record<string, unknown[]>, metrics: Record<string, number> = {}): TrialRecord {
  return { index, warmup: false, status: 'ok', startedAt: '2026-01-01T00:00:00.000Z', wallMs: 10, metrics, actors: [], records, finalShared: {}, deadlock: null, error: null, eventCount: 0, eventsLost: 0, eventsDropped: 0 };
}

function context(record: TrialRecord): ClaimContext {
  return { trial: record, environment, runnerPid: 1, runnerThreadId: 0, events: { records: () => [], matching: () => ({ count: 0, firstT: null, lastT: null }) } };
}

describe('claim evidence', () => {
  test('a scaled comparison shows each quantity with its own value and the product as the product', () => {
    const claim: ClaimSpec = { id: 'cpu', text: 'tasks use more CPU', check: { compare: [{ record: 'cpuTaskMs' }, '>=', { record: 'cpuProcessMs' }], factor: 1.5 } };
    const verdict = evaluateClaimOnTrial(claim, context(trial(0, { cpuTaskMs: [1119.04], cpuProcessMs: [678.87] })));
    expect(verdict.status).toBe('holds');
    expect(verdict.detail).toBe('cpuTaskMs 1119.0 ≥ 1.5 × cpuProcessMs 678.9 = 1018.3');
    expect(verdict.comparisons).toEqual([
      { left: { label: 'cpuTaskMs', value: 1119.04 }, op: '>=', right: { label: 'cpuProcessMs', value: 678.87 }, factor: 1.5, product: 678.87 * 1.5, holds: true },
    ]);
    const failing = evaluateClaimOnTrial(claim, context(trial(0, { cpuTaskMs: [900], cpuProcessMs: [678.87] })));
    expect(failing).toMatchObject({ status: 'fails', detail: 'cpuTaskMs 900 is not ≥ 1.5 × cpuProcessMs 678.9 = 1018.3' });
  });

  test('an offset, a metric and a non-default aggregate are named as such', () => {
    const claim: ClaimSpec = { id: 'x', text: 'x', check: { all: [{ compare: [{ metric: 'wallMs' }, '<', { record: 'waits', agg: 'sum' }], factor: 2, plus: -3 }, { compare: [{ record: 'waits', agg: 'count' }, '==', { const: 3 }] }] } };
    const verdict = evaluateClaimOnTrial(claim, context(trial(0, { waits: [1, 2, 3] }, { wallMs: 8.25 })));
    expect(verdict.status).toBe('holds');
    expect(verdict.detail).toBe('wallMs 8.250 < 2 × waits (sum) 6 − 3 = 9; waits (count) 3 = 3');
  });

  test('server-models-like claims show serialMs with the same value in both (the halved product is the product)', () => {
    const claims: ClaimSpec[] = [
      { id: 'serial-waits', text: 'serial waits for each request', check: { compare: [{ record: 'serialMs' }, '>=', { record: 'sumOfWaitsMs' }], factor: 0.8 } },
      { id: 'others-faster', text: 'the others take less than half', check: { all: [{ compare: [{ record: 'threadMs' }, '<', { record: 'serialMs' }], factor: 0.5 }, { compare: [{ record: 'loopMs' }, '<', { record: 'serialMs' }], factor: 0.5 }] } },
    ];
    const record = trial(0, { serialMs: [664.04], sumOfWaitsMs: [640], threadMs: [170.2], loopMs: [168.9] });
    const verdicts = claims.map((claim) => evaluateClaimOnTrial(claim, context(record)));
    expect(verdicts.map((v) => v.status)).toEqual(['holds', 'holds']);
    expect(verdicts[0]!.detail).toBe('serialMs 664.0 ≥ 0.8 × sumOfWaitsMs 640 = 512');
    expect(verdicts[1]!.detail).toBe('threadMs 170.2 < 0.5 × serialMs 664.0 = 332.0; loopMs 168.9 < 0.5 × serialMs 664.0 = 332.0');
    // Wherever serialMs appears as a quantity, it carries the record's own value.
    const serialTerms = verdicts.flatMap((v) => v.comparisons.flatMap((c) => [c.left, c.right])).filter((t) => t.label === 'serialMs');
    expect(serialTerms).toHaveLength(3);
    expect(new Set(serialTerms.map((t) => t.value))).toEqual(new Set([664.04]));
  });

  test('every trial keeps its evidence; the detail names the deciding trial', () => {
    const claim: ClaimSpec = { id: 'lost', text: 'updates are lost', check: { compare: [{ record: 'final' }, '<', { const: 100 }] } };
    const verdicts = [1, 2, 3].map((index) => ({ trial: index, verdict: evaluateClaimOnTrial(claim, context(trial(index, { final: [index === 2 ? 100 : 90 + index] }))) }));
    const result = combineVerdicts(claim, verdicts);
    expect(result.status).toBe('fails');
    expect(result.detail).toBe('trial 2: final 100 is not < 100');
    expect(result.trials?.map((t) => `${t.trial} ${t.status}: ${t.detail}`)).toEqual(['1 holds: final 91 < 100', '2 fails: final 100 is not < 100', '3 holds: final 93 < 100']);
  });

  test('phrasing of before and of string values', () => {
    expect(phraseComparison({ left: { label: 'first mark a', value: 1.5 }, op: 'before', right: { label: 'first mark b', value: 12.25 }, holds: true })).toBe('first mark a at 1.500 ms comes before first mark b at 12.3 ms');
    expect(phraseComparison({ left: { label: 'trial status', value: 'ok' }, op: '!=', right: { label: 'failed', value: 'failed', constant: true }, holds: true })).toBe('trial status "ok" ≠ "failed"');
  });
});
