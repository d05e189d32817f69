import type { LocalizedText } from './run-model';
import type { AuthoredSpec } from './spec-schema';
import type { LessonResults } from './lesson-results';

/**
 * A lesson: a runnable experiment with its explanation in Chinese and English. Its spec is an authored
 * spec (parameters unresolved), checked by the compiler where the lesson is written; its claims are
 * what the lesson says will happen. The renderer shows lessons in these shapes, as the engine keeps them.
 */

export type ChapterId = 'processes' | 'threads' | 'coroutines' | 'sockets';

export interface ChapterInfo {
  readonly id: ChapterId;
  readonly title: LocalizedText;
}

export interface LessonSummary {
  readonly id: string;
  readonly chapter: ChapterId;
  readonly chapterTitle: LocalizedText;
  readonly title: LocalizedText;
}

export interface LessonText {
  readonly teaches: LocalizedText;
  readonly watch: LocalizedText;
  readonly pythonVsNode: LocalizedText;
  readonly tryNext: LocalizedText;
}

export interface Lesson {
  readonly id: string;
  readonly chapter: ChapterId;
  readonly title: LocalizedText;
  readonly text: LessonText;
  readonly spec: AuthoredSpec;
  /** The lesson's key numbers and how to show them (checked by lessonResultsSchema); absent: a generic table of its records. */
  readonly results?: LessonResults;
}
