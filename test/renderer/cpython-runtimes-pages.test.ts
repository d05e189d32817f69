// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, test } from 'vitest';
import type { LimitCaps, RuntimeListing, SettingsInfo } from '../../src-main/contract/dto';
import LessonPage from '../../src-renderer/pages/LessonPage.vue';
import SettingsPage from '../../src-renderer/pages/SettingsPage.vue';
import { FakeLab } from './fake-client';
import { chapters, raceLesson } from './fixtures';
import { mountWithApp } from './mount-app';

/** The runtime switch with CPython without the GIL, and the Python path field of Settings. */

let lab: FakeLab;

beforeEach(() => {
  lab = new FakeLab()
    .on('lessons.list', () => [raceLesson].map(({ id, chapter, title }) => ({ id, chapter, title, chapterTitle: chapters[1]!.title })))
    .on('lessons.chapters', () => chapters)
    .on('lessons.get', () => raceLesson)
    .on('history.list', () => [])
    .install();
});

const node: RuntimeListing = { name: 'node', usable: true, version: '20.20.2', path: '/usr/bin/node', gil: null, startMethod: 'fork', note: 'the engine itself', refusal: null };
const cpython: RuntimeListing = { name: 'cpython', usable: true, version: '3.11.2', path: '/usr/bin/python3', gil: true, startMethod: 'fork', note: 'on PATH', refusal: null };
const nogil = (usable: boolean, path: string): RuntimeListing => ({
  name: 'cpython-nogil',
  usable,
  version: usable ? '3.13.1' : null,
  path,
  gil: usable ? false : null,
  startMethod: usable ? 'fork' : null,
  note: usable ? 'on PATH' : 'on PATH: not found',
  refusal: null,
});

describe('the runtime switch', () => {
  test('shows CPython without the GIL only when a free-threaded build was found, and Run sends cpython-nogil', async () => {
    lab.on('runtimes.list', () => [node, cpython, nogil(false, 'python3.14t'), nogil(false, 'python3.13t')]);
    const absent = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await flushPromises();
    expect(absent.wrapper.find('[data-testid="runtime-cpython"]').exists()).toBe(true);
    expect(absent.wrapper.find('[data-testid="runtime-cpython-nogil"]').exists()).toBe(false);
    absent.wrapper.unmount();

    lab.on('runtimes.list', () => [node, cpython, nogil(false, 'python3.14t'), nogil(true, '/usr/bin/python3.13t')]);
    lab.on('runs.start', () => ({ runId: 'abcdef12-0000-0000-0000-000000000002' }));
    const { wrapper } = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await flushPromises();
    expect(wrapper.find('[data-testid="runtime-switch"]').text()).toContain('CPython without the GIL 3.13.1');
    await wrapper.find('[data-testid="runtime-cpython-nogil"]').setValue(true);
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(lab.callsTo('runs.start')).toEqual([{ lessonId: 'race-counter', overrides: {}, repeat: 1, warmup: 0, runtime: 'cpython-nogil' }]);
  });
});

const limits: LimitCaps = {
  maxActors: 64,
  wallTimeMs: 60_000,
  memoryMbPerActor: 256,
  maxEvents: 1_000_000,
  maxEventBytes: 2 ** 26,
  maxRecordBytes: 2 ** 24,
  maxManagedBytes: 2 ** 24,
  maxQueueBytes: 2 ** 24,
  maxValueBytes: 2 ** 20,
};

/** Settings as the service gives them, with the app's info answered too. */
function serveSettings(change: Partial<SettingsInfo>): SettingsInfo {
  const saved: SettingsInfo = {
    limits: { ...limits },
    language: 'en',
    theme: 'system',
    pythonPath: '',
    dataLocation: '/tmp/history.db',
    settingsFile: '/tmp/history.db.settings.json',
    defaultLimits: { ...limits },
    ...change,
  };
  lab.on('app.info', () => ({ version: '1.0.0', runtime: 'browser' as const, dataLocation: '/tmp/history.db' }));
  return saved;
}

describe('Settings', () => {
  test('the Python path field shows the saved path and saves what is typed through settings.update', async () => {
    let saved = serveSettings({ pythonPath: '/opt/py/bin/python3' });
    lab.on('settings.get', () => saved);
    lab.on('settings.update', (patch) => (saved = { ...saved, ...(patch.pythonPath !== undefined ? { pythonPath: patch.pythonPath } : {}) }));
    const { wrapper } = await mountWithApp(SettingsPage, { route: '/settings' });
    await flushPromises();
    const field = wrapper.find('[data-testid="python-path"]');
    expect((field.element as HTMLInputElement).value).toBe('/opt/py/bin/python3');
    await field.setValue('C:\\Python313\\python.exe');
    await wrapper.find('[data-testid="python-settings"]').trigger('submit');
    await flushPromises();
    expect(lab.callsTo('settings.update')).toEqual([{ pythonPath: 'C:\\Python313\\python.exe' }]);
    expect(wrapper.text()).toContain('Settings saved.');
  });

  test('a limit out of its bounds is named at its field in the UI\'s language, and the limits cannot be saved', async () => {
    const saved = serveSettings({ language: 'zh-CN' });
    lab.on('settings.get', () => saved);
    for (const [locale, low, high] of [
      ['zh-CN', '应为不小于 1000 的数', '应为不大于 100000 的数'],
      ['en', 'expected a number of at least 1000', 'expected a number of at most 100000'],
    ] as const) {
      const { wrapper } = await mountWithApp(SettingsPage, { route: '/settings', locale });
      await flushPromises();
      await wrapper.find('#limit-wallTimeMs').setValue('5');
      await wrapper.find('#limit-maxActors').setValue('200000');
      const text = wrapper.text();
      expect(text, locale).toContain(low);
      expect(text, locale).toContain(high);
      if (locale === 'zh-CN') expect(text).not.toMatch(/Too (small|big)/);
      const save = wrapper.findAll('button[type="submit"]').find((button) => (button.element as HTMLButtonElement).disabled);
      expect(save, locale).toBeDefined();
      wrapper.unmount();
    }
  });
});
