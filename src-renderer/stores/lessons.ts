import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ChapterInfo, Lesson } from '@contract/dto';
import { specClaims } from '@contract/spec-view';
import { errorMessage, useLabClient } from '../transport/lab-client';
import type { AsyncState } from './app';

/** The lesson catalog: every lesson in full (the catalog is small), chapters, and search. */
export const useLessonsStore = defineStore('lessons', () => {
  const client = useLabClient();
  const lessons = ref<Lesson[]>([]);
  const chapters = ref<ChapterInfo[]>([]);
  const state = ref<AsyncState>('idle');
  const error = ref<string | null>(null);
  const query = ref('');

  async function load(force = false): Promise<void> {
    if (state.value === 'loading' || (state.value === 'done' && !force)) return;
    state.value = 'loading';
    try {
      const [summaries, chapterList] = await Promise.all([client.call('lessons.list', {}), client.call('lessons.chapters', {})]);
      lessons.value = await Promise.all(summaries.map((summary) => client.call('lessons.get', { id: summary.id })));
      chapters.value = [...chapterList];
      state.value = 'done';
    } catch (caught) {
      error.value = errorMessage(caught);
      state.value = 'error';
    }
  }

  function byId(id: string): Lesson | undefined {
    return lessons.value.find((lesson) => lesson.id === id);
  }

  /** Every word of the query must appear in the lesson's id, titles, texts or claims (either language). */
  const filtered = computed(() => {
    const words = query.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return lessons.value;
    return lessons.value.filter((lesson) => {
      const claims = specClaims(lesson.spec).map((claim) => (typeof claim.text === 'string' ? claim.text : `${claim.text.en} ${claim.text.zh}`));
      const haystack = [lesson.id, lesson.title.en, lesson.title.zh, ...Object.values(lesson.text).flatMap((text) => [text.en, text.zh]), ...claims].join(' ').toLowerCase();
      return words.every((word) => haystack.includes(word));
    });
  });

  const byChapter = computed(() =>
    chapters.value.map((chapter) => ({ chapter, lessons: filtered.value.filter((lesson) => lesson.chapter === chapter.id) })),
  );

  return { lessons, chapters, state, error, query, filtered, byChapter, load, byId };
});
