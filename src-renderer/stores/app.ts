import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

export type AppRuntime = 'desktop' | 'browser';

/** Where the UI is running and what it should say about it; the root store of the renderer. */
export const useAppStore = defineStore('app', () => {
  const runtime = ref<AppRuntime>(window.conlab ? 'desktop' : 'browser');
  const version = ref<string | null>(window.conlab?.version() ?? null);

  const statusLine = computed(() =>
    runtime.value === 'desktop'
      ? `Desktop app${version.value ? ` ${version.value}` : ''}: experiments run on this machine's processes and threads.`
      : 'Browser mode: experiments run on the machine that serves this page.',
  );

  return { runtime, version, statusLine };
});
