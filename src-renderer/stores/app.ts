import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppInfo, LanguageSetting, SettingsInfo, ThemeSetting } from '@contract/dto';
import { errorMessage, useLabClient } from '../transport/lab-client';

export type AppRuntime = 'desktop' | 'browser';
export type AsyncState = 'idle' | 'loading' | 'done' | 'error';

/** Where the UI runs, whether it can reach the lab, and the settings every page depends on. */
export const useAppStore = defineStore('app', () => {
  const client = useLabClient();
  const runtime = ref<AppRuntime>(client.runtime);
  const info = ref<AppInfo | null>(null);
  const connection = ref(client.connection());
  client.onConnectionChange((state) => (connection.value = state));

  const settings = ref<SettingsInfo | null>(null);
  const settingsState = ref<AsyncState>('idle');
  const settingsError = ref<string | null>(null);
  const theme = computed<ThemeSetting>(() => settings.value?.theme ?? 'system');
  const language = computed<LanguageSetting>(() => settings.value?.language ?? 'system');

  async function load(): Promise<void> {
    if (settingsState.value === 'loading') return;
    settingsState.value = 'loading';
    try {
      const [appInfo, current] = await Promise.all([client.call('app.info', {}), client.call('settings.get', {})]);
      info.value = appInfo;
      settings.value = current;
      settingsState.value = 'done';
    } catch (error) {
      settingsError.value = errorMessage(error);
      settingsState.value = 'error';
    }
  }

  async function updateSettings(patch: { limits?: Partial<SettingsInfo['limits']>; language?: LanguageSetting; theme?: ThemeSetting; pythonPath?: string }): Promise<void> {
    settings.value = await client.call('settings.update', patch);
  }

  return { runtime, info, connection, settings, settingsState, settingsError, theme, language, load, updateSettings };
});
