import { z } from 'zod';
import { RUNTIME_NAMES, type LocalizedText, type RunStatus, type RuntimeName } from './run-model';
import { questionSchema, type Question } from './questions';

/**
 * A lab pack: what an instructor hands out. A title and instructions in Chinese and English, then lessons in
 * order, each a built-in lesson (by id) or a composed spec, with parameters fixed by the instructor or left
 * open to the learner, and up to three questions asked before the run. Pure data: the schema here bounds
 * every field; that a lesson id exists and that a spec is valid is checked where lessons and the spec
 * validator live (service/packs.ts). Nothing in a pack is ever executed on import.
 *
 * Layout: { format: 'conlab-lab-pack', version: 1, id, title, instructions, author?, lessons: [...] }.
 */

export const LAB_PACK_FORMAT = 'conlab-lab-pack';
export const LAB_PACK_VERSION = 1;
export const LAB_PACK_EXTENSION = '.conlabpack';

export const LAB_PACK_LIMITS = {
  lessons: 50,
  questions: 3,
  choices: 8,
  params: 64,
  textChars: 20_000,
  titleChars: 300,
  reportQuantities: 8,
} as const;

/** A short name: lowercase letters, digits and dashes (pack ids, lesson entry ids, question ids). */
export const packSlugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected 1 to 64 lowercase letters, digits and dashes, starting with a letter or digit');
/** A parameter, record, metric or shared-variable name as specs declare them. */
const slug = packSlugSchema;
const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'expected a name: a letter or _, then up to 63 letters, digits, _ or -');

const localized = (max: number) =>
  z.strictObject({
    zh: z.string().trim().min(1, 'expected Chinese text').max(max),
    en: z.string().trim().min(1, 'expected English text').max(max),
  });

export const paramValueSchema = z.union([z.string().max(1_000), z.number().finite(), z.boolean()]);
export type PackParamValue = z.infer<typeof paramValueSchema>;

/** Where a question's answer, or a reported result, is read from a run: a metric's median, a record's or shared variable's final value (median over trials). */
export const packQuantitySchema = z.union([
  z.strictObject({ metric: name }),
  z.strictObject({ record: name }),
  z.strictObject({ shared: name }),
]);
export type PackQuantity = z.infer<typeof packQuantitySchema>;

/** A pack lesson's questions are the lessons' own kind (model/questions.ts): the same schema, scorer and checks. */
export const packQuestionSchema = questionSchema;
export type PackQuestion = Question;
export { conditionSchema as packConditionSchema } from './questions';

/** Names are checked as own keys: a record cannot smuggle "__proto__" (JSON.parse makes it an own key). */
function boundedParams<V extends z.ZodType>(value: V) {
  return z
    .unknown()
    .superRefine((input, ctx) => {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) return;
      if (Object.keys(input).length > LAB_PACK_LIMITS.params) ctx.addIssue({ code: 'custom', message: `at most ${LAB_PACK_LIMITS.params} parameters`, input });
    })
    .pipe(z.record(name, value));
}

export const packLessonSchema = z
  .strictObject({
    /** Unique within the pack; runs of this lesson are tagged with it. */
    id: slug,
    /** A built-in lesson's id, or */
    lesson: z.string().min(1).max(200).optional(),
    /** a composed spec (checked by the spec validator when the pack is read). */
    spec: z.unknown().optional(),
    /** Required for a composed spec; a built-in lesson has its own. */
    title: localized(LAB_PACK_LIMITS.titleChars).optional(),
    instructions: localized(LAB_PACK_LIMITS.textChars).optional(),
    /** Parameters the instructor fixes: the learner runs with these values. */
    fixed: boundedParams(paramValueSchema).optional(),
    /** Parameters left to the learner (every other declared parameter keeps its default). */
    open: z.array(name).max(LAB_PACK_LIMITS.params).optional(),
    runtime: z.enum(RUNTIME_NAMES).optional(),
    questions: z.array(packQuestionSchema).max(LAB_PACK_LIMITS.questions).optional(),
    /** The results the class overview shows for this lesson across machines (default: the run's metrics). */
    report: z.array(packQuantitySchema).max(LAB_PACK_LIMITS.reportQuantities).optional(),
  })
  .superRefine((entry, ctx) => {
    const hasLesson = entry.lesson !== undefined;
    const hasSpec = entry.spec !== undefined;
    if (hasLesson === hasSpec) {
      ctx.addIssue({ code: 'custom', message: 'give either "lesson" (a built-in lesson id) or "spec" (a composed spec), not both and not neither', path: hasLesson ? ['spec'] : ['lesson'] });
    }
    if (hasSpec && entry.title === undefined) ctx.addIssue({ code: 'custom', message: 'a composed spec needs a title in zh and en', path: ['title'] });
    const questionIds = new Set<string>();
    (entry.questions ?? []).forEach((question, index) => {
      if (questionIds.has(question.id)) ctx.addIssue({ code: 'custom', message: `question id "${question.id}" appears twice in this lesson`, path: ['questions', index, 'id'] });
      questionIds.add(question.id);
      if (question.kind === 'choice') {
        const choiceIds = new Set<string>();
        question.choices.forEach((choice, c) => {
          if (choiceIds.has(choice.id)) ctx.addIssue({ code: 'custom', message: `choice id "${choice.id}" appears twice`, path: ['questions', index, 'choices', c, 'id'] });
          choiceIds.add(choice.id);
        });
      } else if (question.min !== undefined && question.max !== undefined && question.min > question.max) {
        ctx.addIssue({ code: 'custom', message: 'min is greater than max', path: ['questions', index, 'min'] });
      }
    });
    const fixed = entry.fixed ?? {};
    (entry.open ?? []).forEach((param, index) => {
      if (Object.hasOwn(fixed, param)) ctx.addIssue({ code: 'custom', message: `parameter "${param}" is both fixed and open`, path: ['open', index] });
    });
  });
export type PackLesson = z.infer<typeof packLessonSchema>;

export const labPackSchema = z
  .strictObject({
    format: z.literal(LAB_PACK_FORMAT),
    version: z.literal(LAB_PACK_VERSION),
    id: slug,
    title: localized(LAB_PACK_LIMITS.titleChars),
    instructions: localized(LAB_PACK_LIMITS.textChars),
    author: z.string().max(LAB_PACK_LIMITS.titleChars).optional(),
    lessons: z.array(packLessonSchema).min(1).max(LAB_PACK_LIMITS.lessons),
  })
  .superRefine((pack, ctx) => {
    const ids = new Set<string>();
    pack.lessons.forEach((entry, index) => {
      if (ids.has(entry.id)) ctx.addIssue({ code: 'custom', message: `lesson id "${entry.id}" appears twice in this pack`, path: ['lessons', index, 'id'] });
      ids.add(entry.id);
    });
  });
export type LabPack = z.infer<typeof labPackSchema>;

/** The tag on every run made for a pack, and on each run of one of its lessons. */
export const packTag = (packId: string): string => `pack:${packId}`;
export const packLessonTag = (packId: string, entryId: string): string => `pack-lesson:${packId}/${entryId}`;

/** How runs recorded before predictions were stored on their own kept them: a note "prediction <question>: <value>" (still read). */
export const predictionNote = (questionId: string, value: string | number): string => `prediction ${questionId}: ${String(value)}`;
export function parsePredictionNote(text: string): { question: string; value: string } | null {
  const match = /^prediction ([a-z0-9][a-z0-9-]{0,63}): (.{1,200})$/.exec(text);
  return match ? { question: match[1]!, value: match[2]! } : null;
}

// ---- What front ends show: a pack as a learner's session, and the class overview.

/** A pack lesson in a student's session: its place, title, and the runs recorded for it. */
export interface PackSessionLesson {
  readonly index: number;
  readonly id: string;
  readonly title: LocalizedText;
  readonly lessonId: string | null;
  readonly fixed: Readonly<Record<string, PackParamValue>>;
  readonly open: readonly string[];
  /** Asked before a run: the learner's predictions. */
  readonly questions: readonly PackQuestion[];
  readonly runs: number;
  readonly lastRun: { readonly id: string; readonly status: RunStatus } | null;
  /** The last run's predictions beside what the run measured (right: null when it cannot be scored). */
  readonly predictions: readonly PackPrediction[];
  /** A run of it ended ok (or in the deadlock it demonstrates). */
  readonly done: boolean;
}

export interface PackPrediction {
  readonly question: string;
  readonly given: string;
  /** What the run measured (a number, or a recorded text); null when it has no such value. */
  readonly actual: number | string | null;
  readonly right: boolean | null;
}

export interface PackSession {
  readonly id: string;
  readonly hash: string;
  readonly title: LocalizedText;
  readonly instructions: LocalizedText;
  readonly lessons: readonly PackSessionLesson[];
  readonly done: number;
  readonly total: number;
}

export interface ClassCell {
  readonly lesson: string;
  readonly done: boolean;
  readonly runId: string | null;
  readonly runtime: RuntimeName | null;
  readonly claimsHeld: number;
  readonly claimsTotal: number;
  /** Predictions that could be scored (the question names where its answer comes from, and the run has it). */
  readonly predictionsRight: number;
  readonly predictionsScored: number;
  readonly predictionsGiven: number;
}

export interface ClassStudent {
  readonly name: string;
  readonly file: string;
  readonly cpuCount: number;
  readonly cpuModel: string;
  /** null without a pack to check against; false when the submission names another pack or version. */
  readonly packMatches: boolean | null;
  readonly cells: readonly ClassCell[];
}

export interface ResultGroup {
  readonly runtime: RuntimeName;
  readonly cpuCount: number;
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface LessonResults {
  readonly lesson: string;
  readonly quantities: readonly { readonly label: string; readonly groups: readonly ResultGroup[] }[];
}

export interface ClassOverview {
  readonly pack: { readonly id: string; readonly title: LocalizedText; readonly hash: string | null };
  readonly lessons: readonly { readonly id: string; readonly title: LocalizedText }[];
  readonly students: readonly ClassStudent[];
  readonly results: readonly LessonResults[];
}

