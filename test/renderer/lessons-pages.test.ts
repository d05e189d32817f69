// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import LessonPage from '../../src-renderer/pages/LessonPage.vue';
import LessonsPage from '../../src-renderer/pages/LessonsPage.vue';
import { FakeLab } from './fake-client';
import { chapters, deadlockLesson, raceLesson } from './fixtures';
import { mountWithApp } from './mount-app';

let lab: FakeLab;

beforeEach(() => {
  lab = new FakeLab()
    .on('lessons.list', () => [raceLesson, deadlockLesson].map(({ id, chapter, title }) => ({ id, chapter, title, chapterTitle: chapters[1]!.title })))
    .on('lessons.chapters', () => chapters)
    .on('lessons.get', ({ id }) => (id === 'deadlock' ? deadlockLesson : raceLesson))
    .on('history.list', () => [])
    .install();
});

describe('LessonsPage', () => {
  test('shows chapters and lesson cards with their claims', async () => {
    const { wrapper } = await mountWithApp(LessonsPage);
    await flushPromises();
    expect(wrapper.findAll('[data-chapter] h2').map((h) => h.text())).toEqual(['Processes', 'Threads and locks']);
    expect(wrapper.find('[data-chapter="processes"]').text()).toContain('No lessons in this chapter yet.');
    const card = wrapper.find('[data-lesson="race-counter"]');
    expect(card.find('.lesson-link').attributes('href')).toBe('/lessons/race-counter');
    expect(card.find('[data-claim="updates-lost"]').text()).toContain('Without a lock, updates are lost');
  });

  test('the search box filters cards and "/" focuses it', async () => {
    const { wrapper } = await mountWithApp(LessonsPage, { attachTo: document.body });
    await flushPromises();
    await wrapper.find('#lesson-search').setValue('cycle');
    expect(wrapper.findAll('.lesson-card').map((card) => card.attributes('data-lesson'))).toEqual(['deadlock']);
    await wrapper.find('#lesson-search').setValue('zzz');
    expect(wrapper.text()).toContain('No lesson matches “zzz”.');
    (document.activeElement as HTMLElement | null)?.blur();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '/' }));
    expect(document.activeElement?.id).toBe('lesson-search');
    wrapper.unmount();
  });

  test('renders in Chinese', async () => {
    const { wrapper } = await mountWithApp(LessonsPage, { locale: 'zh-CN' });
    await flushPromises();
    expect(wrapper.find('h1').text()).toBe('课程');
    expect(wrapper.find('[data-chapter="threads"] h2').text()).toBe('线程与锁');
    expect(wrapper.find('[data-lesson="race-counter"] .lesson-link').text()).toBe('丢失更新的竞争');
  });
});

describe('LessonPage', () => {
  test('generates a field per parameter and refuses a value out of bounds', async () => {
    const { wrapper } = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await flushPromises();
    expect(wrapper.find('#param-threads').attributes('type')).toBe('number');
    expect(wrapper.find('#param-useLock').attributes('type')).toBe('checkbox');
    expect(wrapper.find('#param-mode').element.tagName).toBe('SELECT');
    expect(wrapper.text()).toContain('threads in each phase');
    await wrapper.find('#param-threads').setValue('1');
    expect(wrapper.find('#param-threads').attributes('aria-invalid')).toBe('true');
    expect(wrapper.find('#param-threads-help').text()).toBe('at least 2');
    expect(wrapper.find('[data-testid="run-lesson"]').attributes('disabled')).toBeDefined();
    await wrapper.find('#param-threads').setValue('2.5');
    expect(wrapper.find('#param-threads-help').text()).toBe('expected an integer');
  });

  test('Run sends only the changed parameters and opens the live view', async () => {
    lab.on('runs.start', () => ({ runId: 'abcdef12-0000-0000-0000-000000000000' }));
    const { wrapper, router } = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await flushPromises();
    await wrapper.find('#param-threads').setValue('30');
    await wrapper.find('#param-mode').setValue('slow');
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(lab.callsTo('runs.start')).toEqual([{ lessonId: 'race-counter', overrides: { threads: 30, mode: 'slow' }, repeat: 1, warmup: 0 }]);
    // The route's page loads lazily (a module compiled on first use: seconds on a busy machine); the navigation settles once it has.
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/runs/abcdef12-0000-0000-0000-000000000000/live'), { timeout: 20_000, interval: 20 });
  });

  test('the runtime switch offers the CPython found here, or says why it cannot run this lesson; Run sends the chosen runtime', async () => {
    const listing = (refusal: string | null) => [
      { name: 'node' as const, usable: true, version: '20.20.2', path: '/usr/bin/node', gil: null, startMethod: 'fork', note: 'the engine itself', refusal: null },
      { name: 'cpython' as const, usable: true, version: '3.11.2', path: '/usr/bin/python3', gil: true, startMethod: 'fork', note: 'on PATH', refusal },
    ];
    lab.on('runtimes.list', () => listing('the spec is not valid (1 problem):\n  - servers: servers are not supported on cpython yet'));
    const refused = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await flushPromises();
    expect(refused.wrapper.find('[data-testid="runtime-cpython"]').attributes('disabled')).toBeDefined();
    expect(refused.wrapper.find('[data-testid="runtime-switch"]').text()).toContain('servers are not supported on cpython');
    refused.wrapper.unmount();

    lab.on('runtimes.list', () => listing(null));
    lab.on('runs.start', () => ({ runId: 'abcdef12-0000-0000-0000-000000000001' }));
    const { wrapper } = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await flushPromises();
    expect(lab.callsTo('runtimes.list')).toEqual([{ lessonId: 'race-counter' }, { lessonId: 'race-counter' }]);
    expect(wrapper.find('[data-testid="runtime-switch"]').text()).toContain('CPython 3.11.2');
    await wrapper.find('[data-testid="runtime-cpython"]').setValue(true);
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(lab.callsTo('runs.start')).toEqual([{ lessonId: 'race-counter', overrides: {}, repeat: 1, warmup: 0, runtime: 'cpython' }]);
  });

  test("a spec the engine refuses shows the engine's message", async () => {
    lab.on('runs.start', () => Promise.reject(Object.assign(new Error('the spec is not valid: limits.maxActors exceeds the configured cap'), { name: 'LabError' })));
    const { wrapper } = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await flushPromises();
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(wrapper.find('[role="alert"]').text()).toContain('limits.maxActors exceeds the configured cap');
  });

  test('an unknown lesson says so', async () => {
    const { wrapper } = await mountWithApp(LessonPage, { props: { id: 'nope' }, route: '/lessons/nope' });
    await flushPromises();
    expect(wrapper.text()).toContain('No lesson named nope.');
  });
});
