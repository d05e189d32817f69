// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, test } from 'vitest';
import type { Lesson, SeedTutorial } from '../../src-main/contract/dto';
import LessonPage from '../../src-renderer/pages/LessonPage.vue';
import LessonsPage from '../../src-renderer/pages/LessonsPage.vue';
import SeedsPage from '../../src-renderer/pages/SeedsPage.vue';
import { FakeLab } from './fake-client';
import { chapters, deadlockLesson, raceLesson } from './fixtures';
import { mountWithApp } from './mount-app';

const seedMap: SeedTutorial[] = [
  {
    id: 'threads-and-locks',
    title: '线程与锁',
    about: { en: 'A tour of threads.', zh: '线程导览。' },
    sections: [
      { heading: '五、GIL', about: { en: 'Losing updates without a lock.', zh: '没有锁时丢失更新。' }, lessons: ['race-counter', 'deadlock'] },
      { heading: '死锁与递归锁', about: { en: 'Two locks in opposite order.', zh: '以相反顺序获取两把锁。' }, lessons: ['deadlock'] },
    ],
    outdated: [{ heading: '五、GIL', note: { en: 'PyPy has a GIL too.', zh: 'PyPy 也有 GIL。' } }],
  },
];

const presetLesson: Lesson = {
  ...raceLesson,
  presets: [
    { id: 'many', label: { en: 'Many threads', zh: '很多线程' }, params: { threads: 50 } },
    { id: 'slow', label: { en: 'Slow mode', zh: '慢速' }, params: { mode: 'slow' } },
  ],
};

let lab: FakeLab;

beforeEach(() => {
  lab = new FakeLab()
    .on('lessons.list', () => [raceLesson, deadlockLesson].map(({ id, chapter, title }) => ({ id, chapter, title, chapterTitle: chapters[1]!.title })))
    .on('lessons.chapters', () => chapters)
    .on('lessons.get', ({ id }) => (id === 'deadlock' ? deadlockLesson : presetLesson))
    .on('lessons.seedMap', () => seedMap)
    .on('history.list', () => [])
    .install();
});

describe('seed map page', () => {
  test('lists each section under its own heading with links to the lessons that teach it, and the notes', async () => {
    const { wrapper } = await mountWithApp(SeedsPage, { route: '/seeds' });
    await flushPromises();
    const tutorial = wrapper.find('[data-tutorial="threads-and-locks"]');
    expect(tutorial.find('h2').text()).toBe('线程与锁');
    const rows = tutorial.findAll('tbody tr');
    expect(rows.map((row) => row.find('th').text())).toEqual(['五、GIL', '死锁与递归锁']);
    expect(rows[0]!.findAll('[data-lesson]').map((a) => a.attributes('href'))).toEqual(['/lessons/race-counter', '/lessons/deadlock']);
    // Lesson links carry the lesson's title, once the lessons are loaded.
    expect(rows[0]!.find('[data-lesson="race-counter"]').text()).toBe(raceLesson.title.en);
    expect(tutorial.find('[data-note-for="五、GIL"]').text()).toContain('PyPy has a GIL too.');
  });

  test('renders in Chinese, and says so when the map cannot be loaded', async () => {
    const { wrapper } = await mountWithApp(SeedsPage, { route: '/seeds', locale: 'zh-CN' });
    await flushPromises();
    expect(wrapper.find('h1').text()).toBe('课程背后的教学文章');
    expect(wrapper.find('[data-note-for="五、GIL"]').text()).toContain('PyPy 也有 GIL。');
    lab.on('lessons.seedMap', () => {
      throw new Error('the lab server is gone');
    });
    const failed = await mountWithApp(SeedsPage, { route: '/seeds' });
    await flushPromises();
    expect(failed.wrapper.find('[role="alert"]').text()).toContain('the lab server is gone');
  });

  test('the lessons page links to it', async () => {
    const { wrapper } = await mountWithApp(LessonsPage);
    await flushPromises();
    expect(wrapper.find('[data-link="seeds"]').attributes('href')).toBe('/seeds');
  });
});

describe('lesson presets', () => {
  test('a preset button fills the form with the defaults and the preset\'s values, and Run sends them', async () => {
    lab.on('runs.start', () => ({ runId: 'abcdef12-0000-0000-0000-000000000000' }));
    const { wrapper } = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await flushPromises();
    const buttons = wrapper.findAll('.presets button');
    expect(buttons.map((b) => b.text())).toEqual(['Many threads', 'Slow mode']);
    await wrapper.find('[data-preset="many"]').trigger('click');
    expect((wrapper.find('#param-threads').element as HTMLInputElement).value).toBe('50');
    // A second preset starts again from the defaults: threads goes back to 20.
    await wrapper.find('[data-preset="slow"]').trigger('click');
    expect((wrapper.find('#param-threads').element as HTMLInputElement).value).toBe('20');
    expect((wrapper.find('#param-mode').element as HTMLSelectElement).value).toBe('slow');
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(lab.callsTo('runs.start')).toEqual([{ lessonId: 'race-counter', overrides: { mode: 'slow' }, repeat: 1, warmup: 0 }]);
  });
});
