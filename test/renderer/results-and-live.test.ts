// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, test } from 'vitest';
import ResultsClaimList from '../../src-renderer/components/results/ResultsClaimList.vue';
import LiveRunPage from '../../src-renderer/pages/LiveRunPage.vue';
import ResultsPage from '../../src-renderer/pages/ResultsPage.vue';
import { useLiveRunsStore } from '../../src-renderer/stores/live-runs';
import { FakeLab } from './fake-client';
import { batch, record } from './fixtures';
import { mountWithApp } from './mount-app';

const runId = '11111111-2222-3333-4444-555555555555';
let lab: FakeLab;

beforeEach(() => {
  lab = new FakeLab().install();
});

describe('ResultsClaimList', () => {
  test('marks claims ✓ holds, ✗ fails, ? inconclusive, with the detail', async () => {
    const { wrapper } = await mountWithApp(ResultsClaimList, {
      props: {
        claims: [
          { id: 'a', text: { en: 'A holds', zh: '甲' }, status: 'holds', detail: 'x > 0' },
          { id: 'b', text: 'B fails', status: 'fails' },
          { id: 'c', text: 'C unknown', status: 'inconclusive', detail: 'one core only' },
        ],
      },
    });
    const marks = wrapper.findAll('.claim-mark').map((mark) => [mark.text(), mark.attributes('aria-label')]);
    expect(marks).toEqual([
      ['✓', 'holds'],
      ['✗', 'fails'],
      ['?', 'inconclusive'],
    ]);
    expect(wrapper.find('[data-claim="c"]').text()).toContain('one core only');
  });
});

describe('ResultsPage', () => {
  test('shows claims, metrics and the deadlock cycle', async () => {
    lab.on('history.get', () =>
      record(runId, {
        status: 'deadlocked',
        error: 'deadlock: w-0 waits for B held by w-1; w-1 waits for A held by w-0',
        stats: [{ name: 'wallMs', unit: 'ms', n: 3, median: 10, mean: 11, stddev: 1, min: 10, max: 12, ci95: [9, 13], outliers: [] }],
        trials: [
          {
            index: 0,
            warmup: false,
            status: 'deadlocked',
            startedAt: 'now',
            wallMs: 10,
            metrics: {},
            actors: [],
            records: { final: [3] },
            finalShared: {},
            deadlock: {
              detectedAtMs: 5,
              description: 'deadlock: w-0 waits for B held by w-1; w-1 waits for A held by w-0',
              cycle: [
                { actor: 'w-0', waitsFor: 'B', heldBy: 'w-1' },
                { actor: 'w-1', waitsFor: 'A', heldBy: 'w-0' },
              ],
            },
            error: null,
            eventCount: 9,
            eventsLost: 0,
            eventsDropped: 0,
          },
        ],
      }),
    );
    const { wrapper } = await mountWithApp(ResultsPage, { props: { runId }, route: `/runs/${runId}` });
    await flushPromises();
    expect(wrapper.find('[data-testid="status-badge"]').text()).toBe('deadlocked');
    expect(wrapper.findAll('[data-testid="deadlock"] li').map((item) => item.text())).toEqual(['w-0 waits for B, held by w-1', 'w-1 waits for A, held by w-0']);
    // The error repeats the engine's English sentence: it is not shown; the sentence is worded in the UI's language.
    expect(wrapper.text()).not.toContain('w-0 waits for B held by w-1');
    expect(wrapper.find('.deadlock-description').text()).toBe('Deadlock: w-0 waits for B, held by w-1; w-1 waits for A, held by w-0.');
    expect(wrapper.find('[data-claim="updates-lost"]').classes()).toContain('claim-holds');
    expect(wrapper.find('[data-testid="metric-table"]').text()).toContain('9 … 13');
  });

  test('exports through the contract and hands the file to the browser', async () => {
    lab.on('history.get', () => record(runId)).on('export.run', () => ({ fileName: 'x.runlog.json', mimeType: 'application/json', dataBase64: btoa('{"a":1}') }));
    const clicked: string[] = [];
    const original = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function click(this: HTMLAnchorElement) {
      clicked.push(this.download);
    };
    try {
      const { wrapper } = await mountWithApp(ResultsPage, { props: { runId }, route: `/runs/${runId}` });
      await flushPromises();
      await wrapper.find('[data-testid="results-export-format"]').setValue('trace');
      await wrapper.find('[data-testid="results-export"]').trigger('click');
      await flushPromises();
      expect(lab.callsTo('export.run')).toEqual([{ runId, format: 'trace', lang: 'en' }]);
      expect(clicked).toEqual(['x.runlog.json']);
    } finally {
      HTMLAnchorElement.prototype.click = original;
    }
  });
});

describe('LiveRunPage', () => {
  test('shows progress and counters as live messages arrive, Cancel, then the end', async () => {
    lab.on('runs.subscribe', () => ({ active: true })).on('runs.cancel', () => ({ cancelled: true })).on('history.get', () => record(runId, { status: 'cancelled', claims: [] }));
    const { wrapper } = await mountWithApp(LiveRunPage, { props: { runId }, route: `/runs/${runId}/live` });
    await flushPromises();
    expect(useLiveRunsStore().get(runId)).toBeDefined();
    lab.emit({
      type: 'run-live',
      runId,
      seq: 1,
      progress: { runId, trial: 1, trials: 2, warmup: false, phase: 'started', elapsedMs: 5, events: 3 },
      batches: [batch('w-0', [[0, 'actor', 'B'], [1e6, 'acquire', 'B', { prim: 'L' }]]), batch('w-1', [[0, 'actor', 'B']])],
    });
    await flushPromises();
    expect(wrapper.find('[role="progressbar"]').attributes('aria-label')).toBe('Trial 1 of 2');
    expect(wrapper.find('[data-testid="event-count"]').text()).toBe('3');
    // The counters count the timeline's derived states, asked again shortly when the timeline derived them first.
    await expect.poll(() => wrapper.find('.counter-blocked dd').text(), { timeout: 5_000 }).toBe('1');
    await wrapper.find('[data-testid="cancel-run"]').trigger('click');
    await flushPromises();
    expect(lab.callsTo('runs.cancel')).toEqual([{ runId }]);
    expect(wrapper.find('[data-testid="cancel-run"]').text()).toBe('Cancelling…');
    lab.emit({ type: 'run-ended', runId, status: 'cancelled', error: null });
    await flushPromises();
    expect(wrapper.find('[data-testid="run-ended"]').text()).toContain('The run ended: cancelled.');
    expect(wrapper.find('[data-testid="view-results"]').attributes('href')).toBe(`/runs/${runId}`);
  });

  test('a run that is no longer running sends the person to its results', async () => {
    lab.on('runs.subscribe', () => ({ active: false })).on('history.get', () => record(runId));
    const { router } = await mountWithApp(LiveRunPage, { props: { runId }, route: `/runs/${runId}/live` });
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(router.currentRoute.value.fullPath).toBe(`/runs/${runId}`);
  });
});
