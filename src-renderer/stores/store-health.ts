import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { StoreHealthInfo } from '@contract/dto';
import { useLabClient } from '../transport/lab-client';

/**
 * Whether the run history can be written. A read-only or damaged history file still opens for reading;
 * while it cannot be written every page shows a banner and the run buttons are disabled with the reason.
 * Until the answer comes (or when the lab cannot say), the history counts as writable: a run that then
 * fails to be recorded says why itself.
 */
export const useStoreHealthStore = defineStore('storeHealth', () => {
  const client = useLabClient();
  const health = ref<StoreHealthInfo | null>(null);
  const writable = computed(() => health.value === null || health.value.access === 'read-write');

  async function load(): Promise<void> {
    try {
      health.value = await client.call('app.storeHealth', {});
    } catch {
      // An older server or a lost connection: nothing is known, nothing is blocked.
    }
  }

  return { health, writable, load };
});
