import type { ExportedFile } from '../contract/dto';
import type { PackQuestion } from '../model/lab-pack';
import type { Lesson } from '../model/lesson';
import { findLesson } from '../lessons/catalog';
import { handoutHtml, pythonSketch, type HandoutLang, type HandoutLesson, type HandoutPaper } from '../export/handout';
import { entrySpec, entryTitle, type ReadPack } from './packs';
import { LabError } from './lab-service';
import { pythonProgramFile } from './python-export';

/**
 * Handouts of a built-in lesson or of a lab pack (export/handout.ts draws them): the lessons looked up,
 * their questions and Python programs gathered, the file named. Shared by the CLI and the contract.
 */

export interface HandoutRequest {
  readonly lang: HandoutLang;
  readonly paper: HandoutPaper;
  readonly answerKey: boolean;
}

/**
 * The Python program a handout prints for a spec (with the values a pack fixes): the lesson's standalone
 * CPython program (model/python-program.ts, as `conlab show ID --python` prints it). A spec that cannot be
 * resolved (a pack's composed spec with a bad fixed value) falls back to the step-by-step sketch of each
 * actor, labelled as such on the page.
 */
export function handoutProgram(spec: unknown, fixed: Readonly<Record<string, unknown>> = {}, lessonId?: string): { readonly program: string; readonly programIsSketch: boolean } {
  const overrides = Object.fromEntries(Object.entries(fixed).filter((entry): entry is [string, string | number | boolean] => ['string', 'number', 'boolean'].includes(typeof entry[1])));
  try {
    const file = pythonProgramFile(lessonId !== undefined ? { lessonId, overrides } : { spec, overrides });
    return { program: file.text, programIsSketch: false };
  } catch (error) {
    // Only a spec the validator refuses falls back; anything else is a fault to see, not to paper over.
    if (!(error instanceof LabError)) throw error;
    return { program: pythonSketch(spec, fixed), programIsSketch: true };
  }
}

/** A lesson's own questions. */
function lessonQuestions(lesson: Lesson): readonly PackQuestion[] {
  return lesson.questions ?? [];
}

export function lessonHandout(lessonId: string, request: HandoutRequest): string {
  const lesson = findLesson(lessonId);
  if (!lesson) throw new LabError('not-found', `no lesson named ${lessonId} (conlab list shows them all)`);
  return handoutHtml({ ...request, lessons: [{ lesson, questions: lessonQuestions(lesson), ...handoutProgram(lesson.spec, {}, lesson.id) }] });
}

export function packHandout(read: ReadPack, request: HandoutRequest): string {
  const lessons = read.pack.lessons.map((entry): HandoutLesson => {
    const builtIn = entry.lesson !== undefined ? findLesson(entry.lesson) : undefined;
    const spec = entrySpec(entry);
    // A pack may retitle a built-in lesson (entryTitle: its own title, else the lesson's).
    const source = builtIn ? { ...builtIn, title: entryTitle(entry) } : { id: entry.id, title: entryTitle(entry), spec };
    return {
      lesson: source,
      // A pack entry's own questions, else those its lesson brings.
      questions: entry.questions ?? (builtIn ? lessonQuestions(builtIn) : []),
      ...handoutProgram(spec, entry.fixed ?? {}, entry.lesson),
      entry,
    };
  });
  return handoutHtml({ ...request, pack: read.pack, lessons });
}

/** The file's name: the lesson or pack, the copy, the paper and the language (e.g. race-counter-answer-key-a4-en.html). */
export function handoutFileName(base: string, request: HandoutRequest): string {
  const safe = base.replace(/[^a-z0-9-]+/gi, '-').slice(0, 64) || 'handout';
  return `${safe}-${request.answerKey ? 'answer-key' : 'handout'}-${request.paper}-${request.lang}.html`;
}

export function handoutFile(base: string, html: string, request: HandoutRequest): ExportedFile {
  return { fileName: handoutFileName(base, request), mimeType: 'text/html', dataBase64: Buffer.from(html, 'utf8').toString('base64') };
}
