// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, test } from 'vitest';
import { defineComponent, h } from 'vue';
import type { DeadlockReport } from '../../src-main/contract/dto';
import { useLocalized } from '../../src-renderer/i18n/localize';
import type { Locale } from '../../src-renderer/i18n';
import { FakeLab } from './fake-client';
import { chapters, raceLesson } from './fixtures';
import { mountWithApp } from './mount-app';

/** Texts the engine records in English, worded by the renderer in the UI's language from codes and values. */

const deadlock: DeadlockReport = {
  detectedAtMs: 12,
  cycle: [
    { actor: 'w-0', waitsFor: 'B', heldBy: 'w-1' },
    { actor: 'w-1', waitsFor: 'A', heldBy: 'w-0' },
  ],
  description: 'deadlock: w-0 waits for B held by w-1; w-1 waits for A held by w-0',
};

async function localized(locale: Locale): Promise<ReturnType<typeof useLocalized>> {
  let api: ReturnType<typeof useLocalized> | undefined;
  const Probe = defineComponent({
    setup() {
      api = useLocalized();
      return () => h('span');
    },
  });
  await mountWithApp(Probe, { locale });
  await flushPromises();
  return api!;
}

beforeEach(() => {
  new FakeLab()
    .on('lessons.list', () => [{ id: raceLesson.id, chapter: raceLesson.chapter, chapterTitle: chapters[0]!.title, title: raceLesson.title }])
    .on('lessons.chapters', () => chapters)
    .on('lessons.get', () => raceLesson)
    .install();
});

describe('engine texts in the UI language', () => {
  test('a lesson run shows the lesson title in Chinese; a run titled by someone keeps its title', async () => {
    const { runTitle } = await localized('zh-CN');
    expect(runTitle({ title: raceLesson.title.en, lessonId: 'race-counter' })).toBe('丢失更新的竞争');
    expect(runTitle({ title: 'my own title', lessonId: 'race-counter' })).toBe('my own title');
    expect(runTitle({ title: 'custom spec', lessonId: null })).toBe('custom spec');
  });

  test('the deadlock sentence is built from the cycle, in either language', async () => {
    expect((await localized('zh-CN')).deadlockText(deadlock)).toBe('死锁：w-0 在等待 w-1 持有的 B；w-1 在等待 w-0 持有的 A。');
    expect((await localized('en')).deadlockText(deadlock)).toBe('Deadlock: w-0 waits for B, held by w-1; w-1 waits for A, held by w-0.');
  });

  test('comparison notes are worded from their code and values; without a known code the English reason stays', async () => {
    const { reasonText } = await localized('zh-CN');
    expect(reasonText({ reason: 'x', reasonCode: 'too-few-trials', reasonParams: { baseline: 'aaaa', baselineN: 3, other: 'bbbb', otherN: 1 } })).toBe(
      '要算区间，每次运行至少需要 2 次计入的试验（aaaa：n = 3，bbbb：n = 1）',
    );
    expect(reasonText({ reason: 'x', reasonCode: 'only-baseline-has-metric', reasonParams: { run: 'r1', metric: 'peakRssMb' } })).toBe('只有基准运行 r1 有指标“peakRssMb”');
    expect(reasonText({ reason: 'an older log said so' })).toBe('an older log said so');
    expect(reasonText({ reason: 'from a newer engine', reasonCode: 'not-known-here' })).toBe('from a newer engine');
  });

  test('CPython without the GIL is said in the UI language', async () => {
    const run = { environment: { node: 'v22.1.0', runtime: { version: '3.13.0t', gil: false } } };
    expect((await localized('zh-CN')).runtimeText(run)).toBe('CPython 3.13.0t（无 GIL）');
    expect((await localized('en')).runtimeText(run)).toBe('CPython 3.13.0t (no GIL)');
    expect((await localized('zh-CN')).runtimeText({ environment: { node: 'v22.1.0' } })).toBe('Node v22.1.0');
  });
});
