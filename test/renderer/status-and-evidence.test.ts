// @vitest-environment happy-dom
// The status badge carries the claims (an ok run with a failed claim is never the green "ok"), and a
// claim over several trials opens every trial's evidence.
import { describe, expect, test } from 'vitest';
import CommonStatusBadge from '../../src-renderer/components/common/CommonStatusBadge.vue';
import ResultsClaimList from '../../src-renderer/components/results/ResultsClaimList.vue';
import { flushPromises } from '@vue/test-utils';
import LiveRunPage from '../../src-renderer/pages/LiveRunPage.vue';
import { FakeLab } from './fake-client';
import { record } from './fixtures';
import { mountWithApp } from './mount-app';

describe('CommonStatusBadge with claims', () => {
  test('ok with failed claims reads "ok · n claims failed" in the failure tone; plain ok stays ok', async () => {
    new FakeLab().install();
    const failed = await mountWithApp(CommonStatusBadge, { props: { status: 'ok', claimsFailed: 2, claimsInconclusive: 1 } });
    expect(failed.wrapper.text()).toBe('ok · 2 claims failed');
    expect(failed.wrapper.classes()).toEqual(expect.arrayContaining(['status-ok', 'claims-failed']));
    const undecided = await mountWithApp(CommonStatusBadge, { props: { status: 'ok', claimsFailed: 0, claimsInconclusive: 1 } });
    expect(undecided.wrapper.text()).toBe('ok · 1 claim undecided');
    expect(undecided.wrapper.classes()).toContain('claims-undecided');
    const plain = await mountWithApp(CommonStatusBadge, { props: { status: 'ok', claimsFailed: 0, claimsInconclusive: 0 } });
    expect(plain.wrapper.text()).toBe('ok');
    expect(plain.wrapper.classes()).toContain('status-ok');
    expect(plain.wrapper.classes()).not.toContain('claims-failed');
    expect(plain.wrapper.classes()).not.toContain('claims-undecided');
  });
});

describe('ResultsClaimList evidence', () => {
  test('every trial of a claim is listed with its own verdict and values', async () => {
    new FakeLab().install();
    const trials = [1, 2, 3].map((n) => ({ trial: n, status: n === 2 ? ('fails' as const) : ('holds' as const), detail: n === 2 ? 'lost 0 is not > 0' : `lost ${n * 10} > 0`, comparisons: [] }));
    const { wrapper } = await mountWithApp(ResultsClaimList, {
      props: { claims: [{ id: 'lost', text: 'updates are lost', status: 'fails', detail: 'trial 2: lost 0 is not > 0', trials }] },
    });
    const rows = wrapper.findAll('[data-testid="claim-trial"]').map((row) => row.text().replace(/\s+/g, ' '));
    expect(rows).toEqual(['✓trial 1: lost 10 > 0', '✗trial 2: lost 0 is not > 0', '✓trial 3: lost 30 > 0']);
  });
});

describe('LiveRunPage end', () => {
  test('a run that ended ok with a failed claim says so in its badge and its end message', async () => {
    const runId = '11111111-2222-3333-4444-555555555555';
    const lab = new FakeLab().install();
    const claims = [{ id: 'updates-lost', text: { en: 'Without a lock, updates are lost', zh: '不加锁会丢失更新' }, status: 'fails' as const, detail: 'unlockedFinal 0 is not > 0' }];
    lab.on('runs.subscribe', () => ({ active: true })).on('history.get', () => record(runId, { status: 'ok', claims }));
    const { wrapper } = await mountWithApp(LiveRunPage, { props: { runId }, route: `/runs/${runId}/live` });
    await flushPromises();
    lab.emit({ type: 'run-ended', runId, status: 'ok', error: null });
    await flushPromises();
    expect(wrapper.find('[data-testid="run-ended"]').text()).toContain('The run ended: ok.');
    expect(wrapper.find('[data-testid="live-claims-failed"]').text()).toBe('1 claim failed');
    const badge = wrapper.find('[data-testid="status-badge"]');
    expect(badge.text()).toBe('ok · 1 claim failed');
    expect(badge.classes()).toContain('claims-failed');
  });
});
