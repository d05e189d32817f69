import type { LocalizedText } from './run-model';
import type { AuthoredSpec } from './spec-schema';
import type { LessonResults } from './lesson-results';
import type { Question } from './questions';

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

/**
 * A ready-made set of parameter values for one of the lesson's "try next" suggestions: one click (or
 * `conlab run <lesson> --preset <id>`) fills the parameters the suggestion names. Every value must
 * validate against the lesson's own parameters (a test checks this).
 */
export interface LessonPreset {
  readonly id: string;
  readonly label: LocalizedText;
  readonly params: Readonly<Record<string, string | number | boolean>>;
}

export interface Lesson {
  readonly id: string;
  readonly chapter: ChapterId;
  readonly title: LocalizedText;
  readonly text: LessonText;
  readonly spec: AuthoredSpec;
  /** The lesson's key numbers and how to show them (checked by lessonResultsSchema); absent: a generic table of its records. */
  readonly results?: LessonResults;
  /** The "try next" suggestions as parameter values, in the order the text gives them. */
  readonly presets?: readonly LessonPreset[];
  /**
   * Asked before a run ("predict first"), one to three, each answered from what the run records and
   * explained (`why`) after it (model/questions.ts; test/lessons/questions.test.ts checks every source).
   */
  readonly questions?: readonly Question[];
}

/**
 * The seed map: the tutorials the lab's lessons were written from, section by section (by the
 * tutorials' own headings, described in our words), with the lessons that teach each section and
 * notes where a tutorial is out of date.
 */
export interface SeedSection {
  /** The tutorial's own heading, as it reads there. */
  readonly heading: string;
  /** What the section covers, in our words. */
  readonly about: LocalizedText;
  /** Ids of the lessons that teach it. */
  readonly lessons: readonly string[];
}

export interface SeedNote {
  /** The heading of the section the note concerns. */
  readonly heading: string;
  readonly note: LocalizedText;
}

export interface SeedTutorial {
  readonly id: string;
  /** The tutorial's own title. */
  readonly title: string;
  readonly about: LocalizedText;
  readonly sections: readonly SeedSection[];
  readonly outdated: readonly SeedNote[];
}
