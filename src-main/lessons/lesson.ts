import type { LocalizedText } from '../engine/run-model';

/**
 * A lesson: a runnable experiment with its explanation in Chinese and English. The spec is an
 * authored spec (parameters unresolved); its claims are what the lesson says will happen.
 */

export const CHAPTERS = ['processes', 'threads', 'coroutines', 'sockets'] as const;
export type ChapterId = (typeof CHAPTERS)[number];

export const CHAPTER_TITLES: Readonly<Record<ChapterId, LocalizedText>> = {
  processes: { en: 'Processes', zh: '进程' },
  threads: { en: 'Threads and locks', zh: '线程与锁' },
  coroutines: { en: 'Coroutines', zh: '协程' },
  sockets: { en: 'Sockets and IO multiplexing', zh: '套接字与 IO 多路复用' },
};

export interface LessonText {
  /** What the lesson teaches. */
  readonly teaches: LocalizedText;
  /** What to look at in the timeline while it runs. */
  readonly watch: LocalizedText;
  /** Where Python (the curriculum's language) and Node differ here. */
  readonly pythonVsNode: LocalizedText;
  /** Things to try next, each with the effect to expect. */
  readonly tryNext: LocalizedText;
}

export interface Lesson {
  readonly id: string;
  readonly chapter: ChapterId;
  readonly title: LocalizedText;
  readonly text: LessonText;
  /** An authored experiment spec (JSON), validated when the lesson runs. */
  readonly spec: Readonly<Record<string, unknown>>;
}

export type Lang = 'en' | 'zh';

export function pick(text: LocalizedText, lang: Lang): string {
  return text[lang];
}
