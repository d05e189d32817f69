import type { ChapterId } from '../model/lesson';
import type { LocalizedText } from '../model/run-model';

/**
 * The chapters lessons are grouped in. A lesson's shape (model/lesson.ts) types its spec as an authored
 * spec, so every lesson in <chapter>/<lesson>.ts is checked by the compiler against the spec language.
 */

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
