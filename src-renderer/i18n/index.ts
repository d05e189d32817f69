import { createI18n } from 'vue-i18n';
import { en, type Messages } from './en';
import { zhCN } from './zh-CN';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

/** The locale for a language setting: 'system' follows the browser's languages. */
export function resolveLocale(setting: 'system' | Locale, languages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages): Locale {
  if (setting !== 'system') return setting;
  return languages.some((language) => /^zh\b/i.test(language)) ? 'zh-CN' : 'en';
}

export function createLabI18n(locale: Locale = 'en') {
  return createI18n<[Messages], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en: en as unknown as Messages, 'zh-CN': zhCN },
    // Run ids, paths and spec text are never HTML; nothing here needs the HTML warning.
    warnHtmlMessage: false,
  });
}

/** Chinese lesson text is `zh`, the UI locale `zh-CN`. */
export function textLang(locale: string): 'en' | 'zh' {
  return locale.startsWith('zh') ? 'zh' : 'en';
}
