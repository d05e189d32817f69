import type { LocalizedText } from '../model/run-model';
import type { ChapterId, Lesson, LessonText } from '../contract/dto';

/**
 * A lesson: a runnable experiment with its explanation in Chinese and English. The spec is an
 * authored spec (parameters unresolved); its claims are what the lesson says will happen. The shapes
 * are the contract's (contract/dto.ts), so the renderer shows lessons exactly as the engine keeps them.
 */
export type { ChapterId, Lesson, LessonText };

export const CHAPTERS = ['processes', 'threads', 'coroutines', 'sockets'] as const satisfies readonly ChapterId[];

export const CHAPTER_TITLES: Readonly<Record<ChapterId, LocalizedText>> = {
  processes: { en: 'Processes', zh: '进程' },
  threads: { en: 'Threads and locks', zh: '线程与锁' },
  coroutines: { en: 'Coroutines', zh: '协程' },
  sockets: { en: 'Sockets and IO multiplexing', zh: '套接字与 IO 多路复用' },
};

export type Lang = 'en' | 'zh';

export function pick(text: LocalizedText, lang: Lang): string {
  return text[lang];
}
