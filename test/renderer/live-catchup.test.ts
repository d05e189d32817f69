// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, test } from 'vitest';
import LiveRunPage from '../../src-renderer/pages/LiveRunPage.vue';
import { useLiveRunsStore } from '../../src-renderer/stores/live-runs';
import { FakeLab } from './fake-client';
import { batch } from './fixtures';
import { mountWithApp } from './mount-app';

const runId = '11111111-2222-3333-4444-666666666666';
let lab: FakeLab;

beforeEach(() => {
  lab = new FakeLab().install();
});

describe('LiveRunPage after a reload', () => {
  test('shows the run so far from the catch-up (trial bar, events from time 0, summarised acquisitions), then goes on live', async () => {
    lab.on('runs.subscribe', () => {
      // As the server does: the catch-up goes out before the answer.
      lab.emit({
        type: 'run-catchup',
        runId,
        seq: 7,
        progress: { runId, trial: 2, trials: 3, warmup: false, phase: 'started', elapsedMs: 3_000, events: 40 },
        batches: [
          batch('w-0', [
            [0, 'actor', 'B'],
            [1e6, 'repeat', 'B', { times: 100_000, trace: 'summary' }],
            [2e9, 'repeat', 'E', { times: 100_000, muted: { acquire: 200_000, release: 100_000, add: 100_000 } }],
          ], 1),
        ],
        skippedEvents: 0,
        part: 1,
        last: true,
      });
      return { active: true };
    });
    const { wrapper } = await mountWithApp(LiveRunPage, { props: { runId }, route: `/runs/${runId}/live` });
    await flushPromises();
    const run = useLiveRunsStore().get(runId)!;
    expect(run.lastSeq).toBe(7);
    expect(run.missed).toBe(false);
    expect(run.model.tMin).toBe(0);
    expect(wrapper.find('[role="progressbar"]').attributes('aria-label')).toBe('Trial 2 of 3');
    expect(wrapper.find('[data-testid="event-count"]').text()).toBe('3');
    expect(wrapper.find('[data-testid="acquire-count"]').text()).toBe('100,000');
    expect(wrapper.find('[data-testid="release-count"]').text()).toBe('100,000');
    lab.emit({ type: 'run-live', runId, seq: 8, progress: null, batches: [batch('w-0', [[2.1e9, 'actor', 'E', { ok: true }]], 1, 3)] });
    await flushPromises();
    expect(run.missed).toBe(false);
    expect(wrapper.find('[data-testid="event-count"]').text()).toBe('4');
  });

  test('events the catch-up could not hold are counted and shown as skipped', async () => {
    lab.on('runs.subscribe', () => {
      lab.emit({ type: 'run-catchup', runId, seq: 3, progress: null, batches: [], skippedEvents: 1_234, skippedOps: { acquire: 600, release: 300 }, part: 1, last: true });
      return { active: true };
    });
    const { wrapper } = await mountWithApp(LiveRunPage, { props: { runId }, route: `/runs/${runId}/live` });
    await flushPromises();
    expect(useLiveRunsStore().get(runId)!.missed).toBe(true);
    expect(wrapper.find('[data-testid="live-catchup-skipped"]').text()).toContain('1234 events');
    expect(wrapper.find('[data-testid="live-skipped"]').exists()).toBe(false);
    // They happened: the event counter includes them.
    expect(wrapper.find('[data-testid="event-count"]').text()).toBe('1,234');
    expect(wrapper.find('[data-testid="acquire-count"]').text()).toBe('300');
    expect(wrapper.find('[data-testid="release-count"]').text()).toBe('300');
  });

  test("a gap marker's skipped lock steps count in the lock counters", async () => {
    lab.on('runs.subscribe', () => {
      lab.emit({ type: 'run-catchup', runId, seq: 0, progress: null, batches: [], skippedEvents: 0, part: 1, last: true });
      return { active: true };
    });
    const { wrapper } = await mountWithApp(LiveRunPage, { props: { runId }, route: `/runs/${runId}/live` });
    await flushPromises();
    lab.emit({ type: 'run-live', runId, seq: 4, progress: null, batches: [], skippedEvents: 90, skippedOps: { acquire: 60, release: 30 } });
    await flushPromises();
    expect(wrapper.find('[data-testid="live-skipped"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="event-count"]').text()).toBe('90');
    expect(wrapper.find('[data-testid="acquire-count"]').text()).toBe('30');
    expect(wrapper.find('[data-testid="release-count"]').text()).toBe('30');
  });
  test('the finished trials come with the catch-up: the trial bar shows them at once, and a trial ending live joins them', async () => {
    const done = (index: number, wallMs: number) => ({ index, warmup: false, status: 'ok' as const, wallMs, eventCount: 40 + index, deadlock: false, error: null, records: [{ name: 'rounds', count: 2, last: '12' }], claims: [{ id: 'recorded', status: 'holds' as const }] });
    lab.on('runs.subscribe', () => {
      lab.emit({
        type: 'run-catchup',
        runId,
        seq: 9,
        progress: { runId, trial: 3, trials: 5, warmup: false, phase: 'started', elapsedMs: 2_500, events: 80 },
        batches: [batch('w-0', [[0, 'actor', 'B'], [300e6, 'log', 'I']], 2)],
        skippedEvents: 81,
        trials: [done(0, 1_200), done(1, 1_250)],
        part: 1,
        last: true,
      });
      return { active: true };
    });
    const { wrapper } = await mountWithApp(LiveRunPage, { props: { runId }, route: `/runs/${runId}/live` });
    await flushPromises();
    expect(wrapper.find('[data-testid="trial-cell-1"]').attributes('data-status')).toBe('ok');
    expect(wrapper.find('[data-testid="trial-cell-2"]').attributes('data-status')).toBe('ok');
    expect(wrapper.find('[data-testid="trial-cell-3"]').attributes('data-state')).toBe('running');
    expect(wrapper.find('[data-testid="trial-cell-5"]').attributes('data-state')).toBe('pending');
    // Elapsed: the trial's start (from the progress) plus its newest event, not the time the trial started.
    expect(wrapper.find('[data-testid="live-counters"]').text()).toContain('2,800');
    await wrapper.find('[data-testid="trial-cell-2"]').trigger('click');
    const detail = wrapper.find('[data-testid="trial-detail"]').text();
    expect(detail).toContain('Trial 2');
    expect(detail).toContain('41 events');
    expect(detail).toContain('rounds: 2 recorded, last 12');
    expect(detail).toContain('recorded: holds');
    lab.emit({ type: 'run-live', runId, seq: 10, progress: { runId, trial: 3, trials: 5, warmup: false, phase: 'trial-done', elapsedMs: 3_900, events: 130 }, batches: [], trials: [done(2, 1_300)] });
    await flushPromises();
    expect(useLiveRunsStore().get(runId)!.trials.map((trial) => trial.index)).toEqual([0, 1, 2]);
    expect(wrapper.find('[data-testid="trial-cell-3"]').attributes('data-status')).toBe('ok');

    // A trial that ended before the page joined: its timeline is read from the store, the run's counters unchanged.
    lab.on('history.events', (params) => ((params as { trial?: number }).trial === 0 ? [batch('early-0', [[0, 'actor', 'B'], [5e6, 'actor', 'E', { ok: true }]], 0)] : []));
    const eventsBefore = wrapper.find('[data-testid="event-count"]').text();
    await wrapper.find('[data-testid="trial-cell-1"]').trigger('click');
    await flushPromises();
    expect(lab.callsTo('history.events').at(-1)).toEqual({ runId, trial: 0 });
    expect(wrapper.find('[data-testid="past-trial-note"]').text()).toContain('Trial 1 ended before this page joined');
    expect(wrapper.find('[data-testid="timeline-box"]').attributes('data-visible-lanes')).toBe('early-0');
    expect(wrapper.find('[data-testid="event-count"]').text()).toBe(eventsBefore);
    // Back to the trial in progress: the live timeline again.
    await wrapper.find('[data-testid="trial-cell-4"]').trigger('click');
    await wrapper.find('[data-testid="trial-cell-3"]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-testid="past-trial-note"]').exists()).toBe(false);
  });
});
