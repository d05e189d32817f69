import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { RunStatus, RunSummary, RuntimeName } from '@contract/dto';
import { errorMessage, useLabClient } from '../transport/lab-client';
import type { AsyncState } from './app';

export interface HistoryFilter {
  lessonId: string;
  status: RunStatus | '';
  tag: string;
  since: string;
  until: string;
  search: string;
  runtime: RuntimeName | '';
}

const emptyFilter = (): HistoryFilter => ({ lessonId: '', status: '', tag: '', since: '', until: '', search: '', runtime: '' });

/** Recorded runs: filters, search, selection for comparing, and the edits (tags, notes, delete). */
export const useHistoryStore = defineStore('history', () => {
  const client = useLabClient();
  const runs = ref<RunSummary[]>([]);
  const state = ref<AsyncState>('idle');
  const error = ref<string | null>(null);
  const filter = reactive<HistoryFilter>(emptyFilter());
  const selected = ref<string[]>([]);
  let generation = 0;

  async function load(): Promise<void> {
    const mine = ++generation;
    state.value = 'loading';
    try {
      const list = await client.call('history.list', {
        filter: {
          ...(filter.lessonId ? { lessonId: filter.lessonId } : {}),
          ...(filter.status ? { status: filter.status } : {}),
          ...(filter.tag.trim() ? { tag: filter.tag.trim() } : {}),
          ...(filter.since ? { since: filter.since } : {}),
          // "until" is inclusive in the form; the store's bound is exclusive.
          ...(filter.until ? { until: nextDay(filter.until) } : {}),
          ...(filter.search.trim() ? { search: filter.search.trim() } : {}),
          ...(filter.runtime ? { runtime: filter.runtime } : {}),
          limit: 500,
        },
      });
      if (mine !== generation) return; // a newer filter answered first
      runs.value = [...list];
      selected.value = selected.value.filter((id) => list.some((run) => run.id === id));
      state.value = 'done';
    } catch (caught) {
      if (mine !== generation) return;
      error.value = errorMessage(caught);
      state.value = 'error';
    }
  }

  function resetFilter(): void {
    Object.assign(filter, emptyFilter());
  }

  function toggle(runId: string): void {
    selected.value = selected.value.includes(runId) ? selected.value.filter((id) => id !== runId) : [...selected.value, runId];
  }

  const canCompare = computed(() => selected.value.length >= 2);

  function replace(runId: string, change: Partial<RunSummary>): void {
    runs.value = runs.value.map((run) => (run.id === runId ? { ...run, ...change } : run));
  }

  async function addTag(runId: string, tag: string): Promise<void> {
    const { tags } = await client.call('history.tag', { runId, tag });
    replace(runId, { tags });
  }

  async function removeTag(runId: string, tag: string): Promise<void> {
    const { tags } = await client.call('history.untag', { runId, tag });
    replace(runId, { tags });
  }

  async function addNote(runId: string, text: string): Promise<void> {
    await client.call('history.note', { runId, text });
  }

  async function remove(runId: string): Promise<void> {
    await client.call('history.delete', { runId });
    runs.value = runs.value.filter((run) => run.id !== runId);
    selected.value = selected.value.filter((id) => id !== runId);
  }

  return { runs, state, error, filter, selected, canCompare, load, resetFilter, toggle, addTag, removeTag, addNote, remove };
});

function nextDay(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return date;
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}
