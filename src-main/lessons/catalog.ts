import { CHAPTERS, type Lesson } from './lesson';
import { deadlock } from './threads/deadlock';
import { raceCounter } from './threads/race-counter';
import { semaphore } from './threads/semaphore';

/** The lesson catalog, in the order a learner meets the lessons. Add a lesson: write its module, list it here. */
export const LESSONS: readonly Lesson[] = [raceCounter, deadlock, semaphore].sort(
  (a, b) => CHAPTERS.indexOf(a.chapter) - CHAPTERS.indexOf(b.chapter),
);

export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((lesson) => lesson.id === id);
}
