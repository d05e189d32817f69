// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import type { RunDistribution, RunRecord, TrialRecord } from '../../src-main/contract/dto';
import DistributionPage from '../../src-renderer/pages/DistributionPage.vue';
import { FakeLab } from './fake-client';
import { chapters, raceLesson, record } from './fixtures';
import { mountWithApp } from './mount-app';

const runId = 'cccccccc-0000-0000-0000-000000000003';

const trial = (index: number, lost: number, status: TrialRecord['status'] = 'ok'): TrialRecord =>
  ({ index, warmup: false, status, startedAt: 'now', wallMs: 10, eventCount: 0, metrics: { wallMs: 10 }, actors: [], records: { unlockedFinal: [lost] }, finalShared: {}, deadlock: null }) as unknown as TrialRecord;

function distribution(counts: readonly [number, number][], of: number): RunDistribution {
  return {
    runId,
    title: 'race',
    quantity: { record: 'unlockedFinal' },
    trials: of,
    distribution: { n: of, listed: true, bins: counts.map(([value, count]) => ({ from: value, to: value, count, of, share: count / of, ci95: [0.1, 0.9] as const })), mean: 1, p5: 0, median: 1, p95: 2 },
    condition: { op: '>', value: 0 },
    meeting: { count: of - (counts.find(([v]) => v === 0)?.[1] ?? 0), of, share: 0.6, ci95: [0.147, 0.947] },
  };
}

let lab: FakeLab;
beforeEach(() => {
  lab = new FakeLab().install();
});

describe('DistributionPage', () => {
  test("follows a batch's progress, is ended only once the stored run says so, and counts what the service counted", async () => {
    const running: RunRecord = record(runId, { status: 'running', repeat: 5, trials: [trial(0, 0), trial(1, 2)], warnings: [] });
    const ended: RunRecord = record(runId, { status: 'ok', repeat: 5, trials: [0, 2, 1, 1, 0].map((lost, i) => trial(i, lost)), warnings: ['the trace was not kept (12 events): this run stores its records and metrics only, so it has no timeline'] });
    let stored = running;
    lab
      .on('history.get', () => stored)
      .on('runs.subscribe', () => ({ active: true }))
      .on('runs.unsubscribe', () => ({ subscribed: false }))
      .on('runs.cancel', () => ({ cancelled: true }))
      .on('runs.distribution', ({ condition }) => {
        expect(condition).toEqual({ op: '>', value: 0 });
        return stored === running ? distribution([[0, 1], [2, 1]], 2) : distribution([[0, 2], [1, 2], [2, 1]], 5);
      });
    const { wrapper } = await mountWithApp(DistributionPage, { props: { runId }, route: `/runs/${runId}/distribution` });
    await flushPromises();
    expect(lab.callsTo('runs.subscribe')).toEqual([{ runId }]);
    expect((wrapper.find('[data-testid="distribution-quantity"]').element as HTMLSelectElement).value).toBe('record:unlockedFinal');

    lab.emit({ type: 'run-live', runId, seq: 1, progress: { runId, trial: 3, trials: 5, warmup: false, phase: 'trial-done', elapsedMs: 50, events: 0 }, batches: [] } as never);
    await flushPromises();
    expect(wrapper.find('[data-testid="batch-progress"]').text()).toContain('3 of 5 trials done');
    expect(wrapper.find('[data-testid="batch-cancel"]').exists()).toBe(true);

    // The live end comes first; the stored run is still running, so the page is not ended yet.
    lab.emit({ type: 'run-ended', runId, status: 'ok', error: null });
    await flushPromises();
    expect(wrapper.find('[data-testid="batch-ended"]').exists()).toBe(false);
    stored = ended;
    await vi.waitFor(() => expect(wrapper.find('[data-testid="batch-ended"]').exists()).toBe(true), { timeout: 5000, interval: 50 });
    expect(wrapper.find('[data-testid="batch-ended"]').text()).toBe('The run ended ok: 5 of 5 trials are counted below.');
    expect(wrapper.find('[data-testid="batch-progress"]').text()).toContain("The trials' events were not kept");
    const counts = wrapper.findAll('[data-testid="bin-count"]').map((cell) => Number(cell.text()));
    expect(counts).toEqual([2, 2, 1]);
    expect(wrapper.find('[data-testid="distribution-meeting"]').text()).toBe('unlockedFinal > 0 in 60% of trials (3 of 5), 95% interval 14.7% – 94.7%.');
    expect(wrapper.find('[data-testid="distribution-shares"]').text()).toContain('unlockedFinal = 0 in 2 of 5 trials (40%; 95% interval 10% – 90%).');
    wrapper.unmount();
  });

  test('cancel asks once and keeps the page on the run; a trial cut off by the cancel is not counted as finished', async () => {
    const cancelled: RunRecord = record(runId, { status: 'cancelled', repeat: 100, trials: [trial(0, 1), trial(1, 0), trial(2, 0, 'cancelled')] });
    let stored: RunRecord = record(runId, { status: 'running', repeat: 100, trials: [trial(0, 1)] });
    lab
      .on('history.get', () => stored)
      .on('runs.subscribe', () => ({ active: true }))
      .on('runs.unsubscribe', () => ({ subscribed: false }))
      .on('runs.cancel', () => ({ cancelled: true }))
      .on('runs.distribution', () => distribution([[0, 1], [1, 1]], 2));
    const { wrapper } = await mountWithApp(DistributionPage, { props: { runId }, route: `/runs/${runId}/distribution` });
    await flushPromises();
    await wrapper.find('[data-testid="batch-cancel"]').trigger('click');
    await flushPromises();
    expect(lab.callsTo('runs.cancel')).toEqual([{ runId }]);
    expect(wrapper.find('[data-testid="batch-cancel"]').text()).toBe('Cancelling…');
    stored = cancelled;
    lab.emit({ type: 'run-ended', runId, status: 'cancelled', error: null });
    await vi.waitFor(() => expect(wrapper.find('[data-testid="batch-ended"]').exists()).toBe(true), { timeout: 5000, interval: 50 });
    expect(wrapper.find('[data-testid="batch-ended"]').text()).toBe('The run ended cancelled: 2 of 100 trials are counted below.');
    expect(wrapper.find('[data-testid="batch-cancel"]').exists()).toBe(false);
    wrapper.unmount();
  });
});

describe('DistributionPage in Chinese', () => {
  test('says how often the condition held in words, with its interval', async () => {
    const done: RunRecord = record(runId, { status: 'ok', repeat: 5, trials: [0, 2, 1, 1, 0].map((lost, i) => trial(i, lost)) });
    lab.on('history.get', () => done).on('runs.distribution', () => distribution([[0, 2], [1, 2], [2, 1]], 5));
    const { wrapper } = await mountWithApp(DistributionPage, { props: { runId }, route: `/runs/${runId}/distribution`, locale: 'zh-CN' });
    await flushPromises();
    expect(wrapper.find('[data-testid="distribution-meeting"]').text()).toBe('unlockedFinal > 0 的试验占 60%（5 次中 3 次），95% 置信区间 14.7% – 94.7%。');
    expect(wrapper.find('[data-testid="batch-ended"]').text()).toContain('运行已结束');
    wrapper.unmount();
  });

  test("a lesson run is named by its lesson's title in the UI's language", async () => {
    const ended: RunRecord = record(runId, { status: 'ok', title: raceLesson.title.en, repeat: 2, trials: [trial(0, 0), trial(1, 2)], warnings: [] });
    lab
      .on('lessons.list', () => [raceLesson].map(({ id, chapter, title }) => ({ id, chapter, title, chapterTitle: chapters[1]!.title })))
      .on('lessons.chapters', () => chapters)
      .on('lessons.get', () => raceLesson)
      .on('history.get', () => ended)
      .on('runs.subscribe', () => ({ active: false }))
      .on('runs.unsubscribe', () => ({ subscribed: false }))
      .on('runs.distribution', () => distribution([[0, 1], [2, 1]], 2));
    for (const [locale, title] of [['zh-CN', raceLesson.title.zh], ['en', raceLesson.title.en]] as const) {
      const { wrapper } = await mountWithApp(DistributionPage, { props: { runId }, route: `/runs/${runId}/distribution`, locale });
      await flushPromises();
      expect(wrapper.text(), locale).toContain(title);
      if (locale === 'zh-CN') expect(wrapper.text()).not.toContain(raceLesson.title.en);
      wrapper.unmount();
    }
  });
});
