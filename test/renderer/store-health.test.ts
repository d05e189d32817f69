// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, test } from 'vitest';
import type { StoreHealthInfo } from '../../src-main/contract/dto';
import App from '../../src-renderer/App.vue';
import StoreHealthBanner from '../../src-renderer/components/common/StoreHealthBanner.vue';
import LessonPage from '../../src-renderer/pages/LessonPage.vue';
import LiveRunPage from '../../src-renderer/pages/LiveRunPage.vue';
import { useLiveRunsStore } from '../../src-renderer/stores/live-runs';
import { useStoreHealthStore } from '../../src-renderer/stores/store-health';
import { FakeLab } from './fake-client';
import { batch, chapters, deadlockLesson, raceLesson, record } from './fixtures';
import { mountWithApp } from './mount-app';

const file = '/home/a/.local/share/conlab/history.db';
const readOnly: StoreHealthInfo = {
  access: 'read-only',
  problem: `the run history ${file} is read-only (the file is not writable): runs can be read but not recorded`,
  dataLocation: file,
};
const damaged: StoreHealthInfo = { access: 'damaged', problem: `the run history ${file} is damaged (quick_check failed)`, dataLocation: file };
const healthy: StoreHealthInfo = { access: 'read-write', problem: null, dataLocation: file };

let lab: FakeLab;

function withHealth(health: StoreHealthInfo): FakeLab {
  return lab.on('app.storeHealth', () => health);
}

beforeEach(() => {
  lab = new FakeLab()
    .on('lessons.list', () => [raceLesson, deadlockLesson].map(({ id, chapter, title }) => ({ id, chapter, title, chapterTitle: chapters[1]!.title })))
    .on('lessons.chapters', () => chapters)
    .on('lessons.get', ({ id }) => (id === 'deadlock' ? deadlockLesson : raceLesson))
    .on('history.list', () => [])
    .install();
});

describe('the store health banner on every page', () => {
  test('a read-only history: the banner says what is wrong and what to do, with the file and the reason', async () => {
    withHealth(readOnly);
    const { wrapper } = await mountWithApp(App, { props: { reconnect: null }, route: '/lessons' });
    await flushPromises();
    const banner = wrapper.find('[data-testid="store-health-banner"]');
    expect(banner.exists()).toBe(true);
    expect(banner.attributes('role')).toBe('alert');
    expect(banner.text()).toContain('The run history is read-only: new runs cannot be recorded');
    expect(banner.text()).toContain(`Make ${file} writable`);
    expect(banner.text()).toContain('(the file is not writable)');
    expect(lab.callsTo('app.storeHealth')).toHaveLength(1);
  });

  test('a damaged history, in Chinese', async () => {
    withHealth(damaged);
    // App follows the language setting (the system's here); the banner alone shows the Chinese text.
    const { wrapper } = await mountWithApp(StoreHealthBanner, { locale: 'zh-CN' });
    await useStoreHealthStore().load();
    await flushPromises();
    const banner = wrapper.find('[data-testid="store-health-banner"]');
    expect(banner.text()).toContain('运行历史文件已损坏：无法记录新的运行');
    expect(banner.text()).toContain(file);
  });

  test('a healthy history shows no banner; a lab that cannot say blocks nothing', async () => {
    withHealth(healthy);
    const { wrapper } = await mountWithApp(App, { props: { reconnect: null }, route: '/lessons' });
    await flushPromises();
    expect(wrapper.find('[data-testid="store-health-banner"]').exists()).toBe(false);

    lab = new FakeLab().install(); // no app.storeHealth at all: the call fails
    const store = useStoreHealthStore();
    await store.load();
    expect(store.writable).toBe(true);
  });
});

describe('run buttons while the history cannot be written', () => {
  test('Run is disabled with the reason shown, and a submit starts nothing', async () => {
    withHealth(damaged).on('runs.start', () => ({ runId: 'abcdef12-0000-0000-0000-000000000000' }));
    const { wrapper } = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await useStoreHealthStore().load();
    await flushPromises();
    const run = wrapper.find('[data-testid="run-lesson"]');
    expect(run.attributes('disabled')).toBeDefined();
    expect(run.attributes('aria-describedby')).toBe('run-lesson-blocked');
    expect(wrapper.find('#run-lesson-blocked').text()).toBe('Running is off: the run history cannot be written (see the notice at the top).');
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    // Enter in a field submits the form whatever the button: the page refuses it too.
    expect(lab.callsTo('runs.start')).toEqual([]);
  });

  test('with a writable history Run is enabled and no reason is shown', async () => {
    withHealth(healthy);
    const { wrapper } = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await useStoreHealthStore().load();
    await flushPromises();
    expect(wrapper.find('[data-testid="run-lesson"]').attributes('disabled')).toBeUndefined();
    expect(wrapper.find('[data-testid="run-blocked"]').exists()).toBe(false);
  });
});

describe('live events skipped for a page that fell behind', () => {
  test('the gap marker is counted and shown, and the stored trace is loaded at the end', async () => {
    const runId = '11111111-2222-3333-4444-555555555555';
    lab
      .on('runs.subscribe', () => ({ active: true }))
      .on('history.get', () => record(runId, { status: 'ok', claims: [] }))
      .on('history.events', () => [batch('w-0', [[0, 'actor', 'B'], [1e6, 'actor', 'E']])]);
    const { wrapper } = await mountWithApp(LiveRunPage, { props: { runId }, route: `/runs/${runId}/live` });
    await flushPromises();
    lab.emit({ type: 'run-live', runId, seq: 1, progress: null, batches: [batch('w-0', [[0, 'actor', 'B']])] });
    await flushPromises();
    expect(wrapper.find('[data-testid="live-skipped"]').exists()).toBe(false);
    // Messages 2 to 40 were skipped by the server for this page; the marker carries the last skipped seq.
    lab.emit({ type: 'run-live', runId, seq: 40, progress: null, batches: [], skippedEvents: 12_345 });
    await flushPromises();
    const run = useLiveRunsStore().get(runId)!;
    expect(run.skippedEvents).toBe(12_345);
    expect(run.missed).toBe(true);
    expect(wrapper.find('[data-testid="live-skipped"]').text()).toBe('12345 events not shown live (this page fell behind); the full trace is in the results.');
    lab.emit({ type: 'run-ended', runId, status: 'ok', error: null });
    await flushPromises();
    expect(lab.callsTo('history.events')).toEqual([{ runId }]);
  });
});
