// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { nextTick } from 'vue';
import { RemoteError } from '../../src-main/contract/messages';
import type { BuiltPack } from '../../src-main/contract/lab-pack';
import { addLesson, setParamMode } from '../../src-renderer/components/packs/pack-builder';
import { PACK_DRAFT_KEY, PACK_DRAFT_MAX_CHARS, readPackDraft, usePackBuilderStore } from '../../src-renderer/stores/pack-builder';
import { FakeLab, flush } from './fake-client';
import { chapters, raceLesson } from './fixtures';

/** The builder's store: the draft kept across reloads, the service's check after the last edit, the hand-off to the Packs page. */

const builtFor = (id: string): BuiltPack => ({ file: { fileName: `${id}.conlabpack`, mimeType: 'application/gzip', dataBase64: 'H4sI' }, id, hash: 'a'.repeat(64), lessons: 1 });
let lab: FakeLab;

function fillPack(store: ReturnType<typeof usePackBuilderStore>): void {
  store.draft.id = 'my-lab';
  store.draft.title = { zh: '实验', en: 'Lab' };
  store.draft.instructions = { zh: '做', en: 'Do' };
  addLesson(store.draft, { kind: 'lesson', lessonId: 'race-counter' }, raceLesson.spec, 'race-counter');
}

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
  lab = new FakeLab()
    .on('packs.build', ({ packJson }) => builtFor((JSON.parse(packJson) as { id: string }).id))
    .install();
});
afterEach(() => vi.useRealTimers());

describe('pack builder store', () => {
  test('the draft is kept after edits stop and comes back in a new page; start over forgets it', async () => {
    vi.useFakeTimers();
    const store = usePackBuilderStore();
    fillPack(store);
    await nextTick();
    expect(localStorage.getItem(PACK_DRAFT_KEY)).toBeNull();
    vi.advanceTimersByTime(500);
    expect(readPackDraft()?.lessons.map((l) => l.id)).toEqual(['race-counter']);

    setActivePinia(createPinia());
    const reopened = usePackBuilderStore();
    reopened.restore();
    expect([reopened.restored, reopened.draft.id, reopened.draft.lessons.length]).toEqual([true, 'my-lab', 1]);
    reopened.startOver();
    expect([reopened.restored, reopened.draft.lessons.length, localStorage.getItem(PACK_DRAFT_KEY)]).toEqual([false, 0, null]);
  });

  test('a stored value that is not a draft, or too large, is not restored', () => {
    for (const bad of ['not json', '[]', 'null', JSON.stringify({ id: 'x' }), 'x'.repeat(PACK_DRAFT_MAX_CHARS + 1)]) {
      localStorage.setItem(PACK_DRAFT_KEY, bad);
      expect(readPackDraft(), bad.slice(0, 20)).toBeNull();
      const store = usePackBuilderStore();
      store.restore();
      expect(store.restored).toBe(false);
      setActivePinia(createPinia());
    }
  });

  test('the service checks the pack a moment after the last edit, only when the schema has nothing to say', async () => {
    vi.useFakeTimers();
    const store = usePackBuilderStore();
    store.draft.title.en = 'Lab';
    await nextTick();
    vi.advanceTimersByTime(800);
    expect(lab.callsTo('packs.build')).toHaveLength(0);
    expect(store.checked.problems.length).toBeGreaterThan(0);

    fillPack(store);
    await nextTick();
    await vi.advanceTimersByTimeAsync(800);
    expect(lab.callsTo('packs.build')).toHaveLength(1);
    expect([store.serviceCheck, store.built?.id]).toEqual(['done', 'my-lab']);
    expect(JSON.parse((lab.callsTo('packs.build')[0] as { packJson: string }).packJson)).toMatchObject({ id: 'my-lab', lessons: [{ id: 'race-counter', lesson: 'race-counter' }] });

    lab.on('packs.build', () => {
      throw new RemoteError({ name: 'LabError', message: 'lab pack is refused at lessons[0].fixed.threads: above the maximum', code: 'bad-input' });
    });
    setParamMode(store.draft.lessons[0]!, 'threads', 'fixed', '3');
    await nextTick();
    expect(store.built).toBeNull();
    await vi.advanceTimersByTimeAsync(800);
    expect([store.serviceCheck, store.serviceProblem]).toEqual(['error', 'lab pack is refused at lessons[0].fixed.threads: above the maximum']);
  });

  test('an answer for an older draft is dropped', async () => {
    const store = usePackBuilderStore();
    fillPack(store);
    let answer: (built: BuiltPack) => void = () => undefined;
    lab.on('packs.build', () => new Promise<BuiltPack>((resolve) => (answer = resolve)));
    const first = store.build();
    await flush();
    store.draft.id = 'renamed';
    await nextTick();
    answer(builtFor('my-lab'));
    expect(await first).toBeNull();
    expect(store.built).toBeNull();
  });

  test('open as student hands the built file to the Packs page once', async () => {
    const store = usePackBuilderStore();
    fillPack(store);
    expect(await store.handToStudent()).toEqual({ fileName: 'my-lab.conlabpack', dataBase64: 'H4sI' });
    expect(store.takeHandoff()?.fileName).toBe('my-lab.conlabpack');
    expect(store.takeHandoff()).toBeNull();
  });

  test('edit a copy reads the pack through the service and takes parameters from the catalog', async () => {
    lab.on('lessons.list', () => [{ id: raceLesson.id, chapter: raceLesson.chapter, title: raceLesson.title, chapterTitle: chapters[1]!.title }])
      .on('lessons.chapters', () => chapters)
      .on('lessons.get', () => raceLesson)
      .on('packs.source', () => ({
        format: 'conlab-lab-pack' as const,
        version: 1 as const,
        id: 'copied',
        title: { zh: '复制', en: 'Copied' },
        instructions: { zh: '做', en: 'Do' },
        lessons: [{ id: 'race', lesson: 'race-counter', fixed: { threads: 4 } }],
      }));
    const store = usePackBuilderStore();
    await store.editCopy('H4sI');
    expect(store.draft.id).toBe('copied');
    const threads = store.draft.lessons[0]!.params.find((p) => p.name === 'threads');
    expect(threads).toMatchObject({ mode: 'fixed', value: '4' });
    expect(store.checked.pack?.lessons[0]?.fixed).toEqual({ threads: 4 });
  });
});
