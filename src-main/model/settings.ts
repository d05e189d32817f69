import type { LimitCaps } from './limit-caps';

export type LanguageSetting = 'system' | 'en' | 'zh-CN';
export type ThemeSetting = 'system' | 'light' | 'dark';

/** What a person may change in Settings; kept next to the run history (a missing or unreadable file means the defaults). */
export interface Settings {
  readonly limits: LimitCaps;
  readonly language: LanguageSetting;
  readonly theme: ThemeSetting;
  /** The CPython interpreter for the `cpython` runtime, looked for after CONLAB_PYTHON ('' : none, look on the PATH). */
  readonly pythonPath: string;
}
