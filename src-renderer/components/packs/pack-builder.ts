/**
 * The pack builder's state, without Vue: a draft of a lab pack as an instructor edits it (texts in zh and en,
 * lessons in order, each parameter kept at its default, fixed or left open, questions), the edits on it, and
 * the pack JSON it becomes, checked against the same schema the service reads pack files with. Every count
 * and length stops at the schema's bounds. The service stays the judge: it checks again, and further (lesson
 * ids, composed specs with their fixed values), before it writes the file.
 *
 * The draft is plain JSON (kept in localStorage across reloads); parameters and answer sources are lists, so a
 * name from a pack or a spec is never looked up as a property of an object.
 */

import { z } from 'zod';
import { LAB_PACK_FORMAT, LAB_PACK_LIMITS, LAB_PACK_VERSION, labPackSchema, questionSourceSchema, type LabPack, type PackQuantity, type QuestionSource } from '@contract/lab-pack';
import { COMMON_METRICS } from '../composer/claim-model';
import { declaredNames, type Json, type JsonObject } from '../composer/spec-builder';

export interface LocalizedDraft {
  zh: string;
  en: string;
}

export const PARAM_TYPES = ['integer', 'number', 'boolean', 'choice'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];
/** default: the learner runs with the lesson's default; fixed: with the instructor's value; open: the learner may change it. */
export const PARAM_MODES = ['default', 'fixed', 'open'] as const;
export type ParamMode = (typeof PARAM_MODES)[number];

/** A parameter the lesson declares, with what the instructor chose for it (the value as typed). */
export interface DraftParam {
  name: string;
  type: ParamType;
  defaultValue: string;
  min: number | null;
  max: number | null;
  choices: string[];
  mode: ParamMode;
  value: string;
}

export type DraftSource = { kind: 'lesson'; lessonId: string } | { kind: 'spec'; spec: Json; from: string };

export interface DraftChoice {
  id: string;
  text: LocalizedDraft;
  /** A condition on the answer's value ("" : none), as ">0". */
  when: string;
}

export const QUESTION_KINDS = ['choice', 'number'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export interface DraftQuestion {
  id: string;
  kind: QuestionKind;
  text: LocalizedDraft;
  /** Used when kind is choice (kept when switching kinds, so nothing typed is lost). */
  choices: DraftChoice[];
  /**
   * Where the run's answer is read: a quantity key ("record:n", "metric:wallMs", "shared:count"), "" for none, or
   * "source:" and the JSON of a source the builder does not edit (an aggregate, a claim, a ratio), kept as it came.
   */
  answerFrom: string;
  /** Parts of a copied question the builder does not edit (its `why`, its choices' `is`), as JSON text carried through. */
  kept: string;
  unit: string;
  min: string;
  max: string;
  toleranceAbsolute: string;
  toleranceRelative: string;
}

export interface DraftLesson {
  id: string;
  source: DraftSource;
  /** Required for a composed spec; for a built-in lesson, left empty to keep the lesson's own. */
  title: LocalizedDraft;
  instructions: LocalizedDraft;
  params: DraftParam[];
  questions: DraftQuestion[];
  /** What the lesson's runs record, as quantity keys: the only answer sources a question may name. */
  answerSources: string[];
  /** Kept as an opened pack has them (the builder does not edit them): the runtime ('' : the learner's choice) and what the class overview reports, as quantity keys. */
  runtime: string;
  report: string[];
}

export interface PackDraft {
  id: string;
  title: LocalizedDraft;
  instructions: LocalizedDraft;
  author: string;
  lessons: DraftLesson[];
}

/** A problem of the draft: the pack JSON path it concerns and what is wrong there. */
export interface DraftProblem {
  readonly path: string;
  /** In English: shown as is when the UI has no wording for the code (or there is no code). */
  readonly message: string;
  /** What is wrong, as a key of the packBuilderMessages block, with the values its wording names. */
  readonly code?: string;
  readonly params?: Readonly<Record<string, string | number>>;
}

/** A problem found by the builder's own checks (a fixed value, an answer source): a code, its values, its English. */
export interface ProblemWording {
  readonly code: string;
  readonly params: Readonly<Record<string, string | number>>;
  readonly message: string;
}

/** Form fields stop at the schema's lengths. */
export const FIELD_LIMITS = {
  title: LAB_PACK_LIMITS.titleChars,
  text: LAB_PACK_LIMITS.textChars,
  slug: 64,
  unit: 32,
  paramValue: 1_000,
  condition: 40,
  number: 40,
} as const;

const emptyText = (): LocalizedDraft => ({ zh: '', en: '' });

export function newDraft(): PackDraft {
  return { id: 'my-lab', title: emptyText(), instructions: emptyText(), author: '', lessons: [] };
}

// ------------------------------------------------------------------ names and ids

const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** A short id from any text: lowercase letters, digits and dashes ("lesson" when nothing is left). */
export function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug === '' ? 'lesson' : slug;
}

/** `base`, or `base-2`, `base-3`… the first one not in `taken`. */
export function uniqueId(base: string, taken: readonly string[]): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

// ------------------------------------------------------------------ what a spec offers

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const finiteOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** The parameters a spec declares (at most the pack's bound), each kept at its default to start with. */
export function specParams(spec: unknown): DraftParam[] {
  const declared = isObject(spec) && isObject(spec['params']) ? spec['params'] : {};
  const out: DraftParam[] = [];
  for (const [name, def] of Object.entries(declared)) {
    if (out.length >= LAB_PACK_LIMITS.params) break;
    if (!NAME.test(name) || !isObject(def)) continue;
    const type = PARAM_TYPES.find((t) => t === def['type']);
    if (!type) continue;
    const choices = Array.isArray(def['choices']) ? def['choices'].filter((c): c is string => typeof c === 'string').slice(0, 100) : [];
    const fallback = def['default'];
    out.push({
      name,
      type,
      defaultValue: typeof fallback === 'string' || typeof fallback === 'number' || typeof fallback === 'boolean' ? String(fallback) : '',
      min: finiteOrNull(def['min']),
      max: finiteOrNull(def['max']),
      choices,
      mode: 'default',
      value: '',
    });
  }
  return out;
}

export const quantityKey = (quantity: PackQuantity): string =>
  'metric' in quantity ? `metric:${quantity.metric}` : 'record' in quantity ? `record:${quantity.record}` : `shared:${quantity.shared}`;

/** A question's answer source as a draft key: simple ones as quantity keys, any other kept as its JSON. */
export const answerKey = (source: QuestionSource): string =>
  ('metric' in source || 'shared' in source || ('record' in source && source.agg === undefined)) ? quantityKey(source as PackQuantity) : `source:${JSON.stringify(source)}`;

export function answerFromKey(key: string): QuestionSource | null {
  if (!key.startsWith('source:')) return quantityFromKey(key);
  try {
    const parsed = questionSourceSchema.safeParse(JSON.parse(key.slice('source:'.length)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The kept parts of a copied question: `why`, and each choice's `is` by choice id. */
const keptSchema = z.strictObject({
  why: z.strictObject({ zh: z.string().max(2_000), en: z.string().max(2_000) }).optional(),
  is: z.record(z.string().max(64), z.string().max(1_000)).optional(),
});

function keptParts(kept: string): z.infer<typeof keptSchema> {
  if (kept === '') return {};
  try {
    const parsed = keptSchema.safeParse(JSON.parse(kept));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function quantityFromKey(key: string): PackQuantity | null {
  const match = /^(metric|record|shared):(.+)$/.exec(key);
  if (!match || !NAME.test(match[2]!)) return null;
  const name = match[2]!;
  return match[1] === 'metric' ? { metric: name } : match[1] === 'record' ? { record: name } : { shared: name };
}

/**
 * What a run of the spec can answer a question with: its record steps' names, its shared variables (their
 * final values) and the metrics every run has. Names a pack could not carry are left out.
 */
export function answerSources(spec: unknown): string[] {
  const names = isObject(spec) ? declaredNames(spec as JsonObject) : { records: [], vars: [] };
  const keys = [...names.records.map((n) => `record:${n}`), ...names.vars.map((n) => `shared:${n}`), ...COMMON_METRICS.map((n) => `metric:${n}`)];
  return [...new Set(keys)].filter((key) => quantityFromKey(key) !== null).slice(0, 200);
}

// ------------------------------------------------------------------ edits

/**
 * Adds a lesson at the end: a built-in lesson (its spec gives the parameters and answer sources) or a composed
 * spec. Its id is unique in the pack. Null when the pack already has as many lessons as a pack may.
 */
export function addLesson(draft: PackDraft, source: DraftSource, spec: unknown, suggestedId: string): DraftLesson | null {
  if (draft.lessons.length >= LAB_PACK_LIMITS.lessons) return null;
  const lesson: DraftLesson = {
    id: uniqueId(slugify(suggestedId), draft.lessons.map((l) => l.id)),
    source,
    title: emptyText(),
    instructions: emptyText(),
    params: specParams(spec),
    questions: [],
    answerSources: answerSources(spec),
    runtime: '',
    report: [],
  };
  if (source.kind === 'spec') lesson.title = { zh: source.from.slice(0, FIELD_LIMITS.title), en: source.from.slice(0, FIELD_LIMITS.title) };
  draft.lessons.push(lesson);
  return lesson;
}

/** Moves the lesson at `index` by `delta` places; false when it would leave the list. */
export function moveLesson(draft: PackDraft, index: number, delta: number): boolean {
  const to = index + delta;
  if (index < 0 || index >= draft.lessons.length || to < 0 || to >= draft.lessons.length) return false;
  const [lesson] = draft.lessons.splice(index, 1);
  draft.lessons.splice(to, 0, lesson!);
  return true;
}

export function removeLesson(draft: PackDraft, index: number): boolean {
  if (index < 0 || index >= draft.lessons.length) return false;
  draft.lessons.splice(index, 1);
  return true;
}

/** Keeps a parameter at its default, fixes it (to `value`, or its default when none is typed) or leaves it open. */
export function setParamMode(lesson: DraftLesson, name: string, mode: ParamMode, value?: string): boolean {
  const param = lesson.params.find((p) => p.name === name);
  if (!param) return false;
  param.mode = mode;
  if (value !== undefined) param.value = value.slice(0, FIELD_LIMITS.paramValue);
  else if (mode === 'fixed' && param.value === '') param.value = param.defaultValue;
  return true;
}

const newChoice = (id: string): DraftChoice => ({ id, text: emptyText(), when: '' });

/** Adds a question (choice: with two empty choices); null when the lesson already asks as many as it may. */
export function addQuestion(lesson: DraftLesson, kind: QuestionKind): DraftQuestion | null {
  if (lesson.questions.length >= LAB_PACK_LIMITS.questions) return null;
  const question: DraftQuestion = {
    id: uniqueId(`q${lesson.questions.length + 1}`, lesson.questions.map((q) => q.id)),
    kind,
    text: emptyText(),
    choices: [newChoice('a'), newChoice('b')],
    answerFrom: '',
    kept: '',
    unit: '',
    min: '',
    max: '',
    toleranceAbsolute: '',
    toleranceRelative: '',
  };
  lesson.questions.push(question);
  return question;
}

export function removeQuestion(lesson: DraftLesson, index: number): boolean {
  if (index < 0 || index >= lesson.questions.length) return false;
  lesson.questions.splice(index, 1);
  return true;
}

/** Adds a choice (ids a, b, c…); null past the schema's bound. */
export function addChoice(question: DraftQuestion): DraftChoice | null {
  if (question.choices.length >= LAB_PACK_LIMITS.choices) return null;
  const taken = question.choices.map((c) => c.id);
  const id = 'abcdefghijklmnopqrstuvwxyz'.split('').find((letter) => !taken.includes(letter)) ?? uniqueId('choice', taken);
  const choice = newChoice(id);
  question.choices.push(choice);
  return choice;
}

export function removeChoice(question: DraftQuestion, index: number): boolean {
  if (index < 0 || index >= question.choices.length) return false;
  question.choices.splice(index, 1);
  return true;
}

// ------------------------------------------------------------------ draft → pack JSON

const trimmed = (text: LocalizedDraft) => ({ zh: text.zh.trim(), en: text.en.trim() });
const hasText = (text: LocalizedDraft): boolean => text.zh.trim() !== '' || text.en.trim() !== '';

/** A number typed in a field: undefined when empty; the text itself when it is no number, so the schema names the field. */
function typedNumber(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** A fixed value typed for a parameter, as the parameter's type; a problem (code, values, English) when it is not one. */
export function paramValue(param: DraftParam): { value: string | number | boolean; problem: ProblemWording | null } {
  const text = param.value.trim();
  const shown = JSON.stringify(text.slice(0, 40));
  switch (param.type) {
    case 'integer':
    case 'number': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) return { value: text, problem: { code: 'notNumber', params: { got: shown }, message: `expected a number, got ${shown}` } };
      if (param.type === 'integer' && !Number.isInteger(n)) return { value: n, problem: { code: 'notWhole', params: { got: shown }, message: `expected a whole number, got ${shown}` } };
      if (param.min !== null && n < param.min) return { value: n, problem: { code: 'belowMin', params: { min: param.min, got: n }, message: `expected at least ${param.min}, got ${n}` } };
      if (param.max !== null && n > param.max) return { value: n, problem: { code: 'aboveMax', params: { max: param.max, got: n }, message: `expected at most ${param.max}, got ${n}` } };
      return { value: n, problem: null };
    }
    case 'boolean':
      if (text === 'true' || text === 'false') return { value: text === 'true', problem: null };
      return { value: text, problem: { code: 'notBoolean', params: { got: shown }, message: `expected true or false, got ${shown}` } };
    case 'choice': {
      if (param.choices.includes(text)) return { value: text, problem: null };
      const choices = param.choices.slice(0, 20).map((c) => JSON.stringify(c)).join(', ');
      return { value: text, problem: { code: 'notChoice', params: { choices, got: shown }, message: `expected one of ${param.choices.join(', ')}, got ${shown}` } };
    }
  }
}

function questionJson(question: DraftQuestion): JsonObject {
  const answerFrom = answerFromKey(question.answerFrom) as Json | null;
  const kept = keptParts(question.kept);
  const common: JsonObject = { id: question.id, kind: question.kind, text: trimmed(question.text), ...(kept.why ? { why: kept.why } : {}) };
  if (question.kind === 'choice') {
    return {
      ...common,
      choices: question.choices.map((c) => {
        const is = kept.is?.[c.id];
        return { id: c.id, text: trimmed(c.text), ...(c.when.trim() !== '' ? { when: c.when.trim() } : {}), ...(is !== undefined ? { is } : {}) };
      }),
      ...(answerFrom ? { answerFrom } : {}),
    };
  }
  const min = typedNumber(question.min);
  const max = typedNumber(question.max);
  const absolute = typedNumber(question.toleranceAbsolute);
  const relative = typedNumber(question.toleranceRelative);
  return {
    ...common,
    ...(question.unit.trim() !== '' ? { unit: question.unit.trim() } : {}),
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(answerFrom ? { answerFrom } : {}),
    ...(absolute !== undefined || relative !== undefined
      ? { tolerance: { ...(absolute !== undefined ? { absolute } : {}), ...(relative !== undefined ? { relative } : {}) } }
      : {}),
  };
}

function lessonJson(lesson: DraftLesson): JsonObject {
  const fixed: JsonObject = Object.create(null) as JsonObject;
  const open: string[] = [];
  for (const param of lesson.params) {
    if (param.mode === 'fixed') fixed[param.name] = paramValue(param).value;
    else if (param.mode === 'open') open.push(param.name);
  }
  const isSpec = lesson.source.kind === 'spec';
  const report = lesson.report.flatMap((key) => quantityFromKey(key) ?? []);
  return {
    id: lesson.id,
    ...(lesson.source.kind === 'lesson' ? { lesson: lesson.source.lessonId } : { spec: lesson.source.spec }),
    ...(isSpec || hasText(lesson.title) ? { title: trimmed(lesson.title) } : {}),
    ...(hasText(lesson.instructions) ? { instructions: trimmed(lesson.instructions) } : {}),
    ...(Object.keys(fixed).length > 0 ? { fixed: { ...fixed } } : {}),
    ...(open.length > 0 ? { open } : {}),
    ...(lesson.runtime !== '' ? { runtime: lesson.runtime } : {}),
    ...(lesson.questions.length > 0 ? { questions: lesson.questions.map(questionJson) } : {}),
    ...(report.length > 0 ? { report } : {}),
  };
}

/** The pack the draft describes, as JSON (not yet checked: see checkDraft). */
export function draftToPack(draft: PackDraft): JsonObject {
  return {
    format: LAB_PACK_FORMAT,
    version: LAB_PACK_VERSION,
    id: draft.id.trim(),
    title: trimmed(draft.title),
    instructions: trimmed(draft.instructions),
    ...(draft.author.trim() !== '' ? { author: draft.author.trim() } : {}),
    lessons: draft.lessons.map(lessonJson),
  };
}

/** A path in the pack JSON as the service names it: lessons[1].questions[0].text.zh */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${out === '' ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

const MAX_PROBLEMS = 50;

export interface DraftCheck {
  /** The pack when the draft has no problem. */
  readonly pack: LabPack | null;
  readonly json: JsonObject;
  readonly problems: readonly DraftProblem[];
}

/**
 * Checks the draft: what the builder knows (fixed values against their parameters, answer sources the lesson
 * records), then the pack schema. Every problem names its path; the pack is returned when there is none.
 */
export function checkDraft(draft: PackDraft): DraftCheck {
  const problems: DraftProblem[] = [];
  draft.lessons.forEach((lesson, i) => {
    for (const param of lesson.params) {
      if (param.mode !== 'fixed') continue;
      const { problem } = paramValue(param);
      if (problem) problems.push({ path: formatPath(['lessons', i, 'fixed', param.name]), ...problem });
    }
    lesson.questions.forEach((question, q) => {
      if (question.answerFrom.startsWith('source:')) {
        if (answerFromKey(question.answerFrom) === null) problems.push({ path: formatPath(['lessons', i, 'questions', q, 'answerFrom']), message: 'the kept answer source is not valid', code: 'keptSourceInvalid', params: {} });
      } else if (question.answerFrom !== '' && !lesson.answerSources.includes(question.answerFrom)) {
        problems.push({ path: formatPath(['lessons', i, 'questions', q, 'answerFrom']), message: `the lesson does not record ${question.answerFrom}`, code: 'notRecorded', params: { source: question.answerFrom } });
      }
    });
  });
  const json = draftToPack(draft);
  const result = labPackSchema.safeParse(json);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push({ path: formatPath(issue.path), message: issue.message, ...issueWording(issue, json) });
  }
  return { pack: result.success && problems.length === 0 ? result.data : null, json, problems: problems.slice(0, MAX_PROBLEMS) };
}

/** The first problem at `path` or inside it (a field shows its own; a section, the first of its fields). */
export function problemAt(problems: readonly DraftProblem[], path: string): string | null {
  const found = problems.find((p) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`));
  return found ? found.message : null;
}

// ------------------------------------------------------------------ pack → draft (edit a copy)

const localizedOr = (text: { zh: string; en: string } | undefined): LocalizedDraft => (text ? { zh: text.zh, en: text.en } : emptyText());
const numberText = (n: number | undefined): string => (n === undefined ? '' : String(n));

/**
 * A draft from a pack the service has read (so valid): each lesson's parameters from its spec (a built-in
 * lesson's from `lessonSpec`), marked fixed or open as the pack says.
 */
export function draftFromPack(pack: LabPack, lessonSpec: (lessonId: string) => unknown): PackDraft {
  return {
    id: pack.id,
    title: localizedOr(pack.title),
    instructions: localizedOr(pack.instructions),
    author: pack.author ?? '',
    lessons: pack.lessons.map((entry): DraftLesson => {
      const spec = entry.lesson !== undefined ? lessonSpec(entry.lesson) : entry.spec;
      const fixed = entry.fixed ?? {};
      const open = entry.open ?? [];
      const params = specParams(spec).map((param): DraftParam => {
        if (Object.hasOwn(fixed, param.name)) return { ...param, mode: 'fixed', value: String(fixed[param.name]) };
        return open.includes(param.name) ? { ...param, mode: 'open' } : param;
      });
      // Without the lesson's spec (the catalog did not load), what the pack sets is kept as it is, not dropped.
      for (const [name, value] of Object.entries(fixed)) {
        if (params.some((p) => p.name === name) || params.length >= LAB_PACK_LIMITS.params) continue;
        const type: ParamType = typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'number' : 'choice';
        params.push({ name, type, defaultValue: '', min: null, max: null, choices: typeof value === 'string' ? [value] : [], mode: 'fixed', value: String(value) });
      }
      for (const name of open) {
        if (params.some((p) => p.name === name) || params.length >= LAB_PACK_LIMITS.params) continue;
        params.push({ name, type: 'number', defaultValue: '', min: null, max: null, choices: [], mode: 'open', value: '' });
      }
      return {
        id: entry.id,
        source: entry.lesson !== undefined ? { kind: 'lesson', lessonId: entry.lesson } : { kind: 'spec', spec: entry.spec as Json, from: entry.title?.en ?? entry.id },
        title: localizedOr(entry.title),
        instructions: localizedOr(entry.instructions),
        params,
        questions: (entry.questions ?? []).map(
          (question): DraftQuestion => ({
            id: question.id,
            kind: question.kind,
            text: localizedOr(question.text),
            choices: question.kind === 'choice' ? question.choices.map((c) => ({ id: c.id, text: localizedOr(c.text), when: c.when ?? '' })) : [newChoice('a'), newChoice('b')],
            answerFrom: question.answerFrom ? answerKey(question.answerFrom) : '',
            kept: keptText(question),
            unit: question.kind === 'number' ? (question.unit ?? '') : '',
            min: question.kind === 'number' ? numberText(question.min) : '',
            max: question.kind === 'number' ? numberText(question.max) : '',
            toleranceAbsolute: question.kind === 'number' ? numberText(question.tolerance?.absolute) : '',
            toleranceRelative: question.kind === 'number' ? numberText(question.tolerance?.relative) : '',
          }),
        ),
        answerSources: answerSources(spec),
        runtime: entry.runtime ?? '',
        report: (entry.report ?? []).map(quantityKey),
      };
    }),
  };
}

// ------------------------------------------------------------------ the draft kept across reloads

const text = (max: number) => z.string().max(max);
const localizedDraftSchema = z.strictObject({ zh: text(FIELD_LIMITS.text), en: text(FIELD_LIMITS.text) });
const draftJson: z.ZodType<Json> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(draftJson), z.record(z.string(), draftJson)]));

/** The stored draft's shape, bounded as the forms are: a stored value that does not fit is no draft. */
const packDraftSchema = z.strictObject({
  id: text(FIELD_LIMITS.slug),
  title: localizedDraftSchema,
  instructions: localizedDraftSchema,
  author: text(FIELD_LIMITS.title),
  lessons: z
    .array(
      z.strictObject({
        id: text(FIELD_LIMITS.slug),
        source: z.discriminatedUnion('kind', [
          z.strictObject({ kind: z.literal('lesson'), lessonId: text(200) }),
          z.strictObject({ kind: z.literal('spec'), spec: draftJson, from: text(FIELD_LIMITS.title) }),
        ]),
        title: localizedDraftSchema,
        instructions: localizedDraftSchema,
        params: z
          .array(
            z.strictObject({
              name: z.string().regex(NAME),
              type: z.enum(PARAM_TYPES),
              defaultValue: text(FIELD_LIMITS.paramValue),
              min: z.number().nullable(),
              max: z.number().nullable(),
              choices: z.array(text(200)).max(100),
              mode: z.enum(PARAM_MODES),
              value: text(FIELD_LIMITS.paramValue),
            }),
          )
          .max(LAB_PACK_LIMITS.params),
        questions: z
          .array(
            z.strictObject({
              id: text(FIELD_LIMITS.slug),
              kind: z.enum(QUESTION_KINDS),
              text: localizedDraftSchema,
              choices: z.array(z.strictObject({ id: text(FIELD_LIMITS.slug), text: localizedDraftSchema, when: text(FIELD_LIMITS.condition) })).max(LAB_PACK_LIMITS.choices),
              answerFrom: text(2_000),
              kept: text(8_000).default(''),
              unit: text(FIELD_LIMITS.unit),
              min: text(FIELD_LIMITS.number),
              max: text(FIELD_LIMITS.number),
              toleranceAbsolute: text(FIELD_LIMITS.number),
              toleranceRelative: text(FIELD_LIMITS.number),
            }),
          )
          .max(LAB_PACK_LIMITS.questions),
        answerSources: z.array(text(200)).max(200),
        runtime: text(20).default(''),
        report: z.array(text(200)).max(LAB_PACK_LIMITS.reportQuantities).default([]),
      }),
    )
    .max(LAB_PACK_LIMITS.lessons),
});

/** A stored draft read back; null for anything not shaped as one (another version, a hand edit, too large). */
export function reviveDraft(stored: unknown): PackDraft | null {
  const result = packDraftSchema.safeParse(stored);
  return result.success ? (result.data as PackDraft) : null;
}

/** True when the draft holds nothing an instructor typed or chose (not worth keeping or restoring). */
export function isEmptyDraft(draft: PackDraft): boolean {
  const fresh = newDraft();
  return draft.lessons.length === 0 && !hasText(draft.title) && !hasText(draft.instructions) && draft.author.trim() === '' && (draft.id === fresh.id || draft.id.trim() === '');
}

export { SLUG as PACK_SLUG_PATTERN };

/** What a copied question carries that the builder does not edit, as JSON text ('' when nothing). */
function keptText(question: LabPack['lessons'][number]['questions'] extends readonly (infer Q)[] | undefined ? Q : never): string {
  const is: Record<string, string> = {};
  if (question.kind === 'choice') for (const choice of question.choices) if (choice.is !== undefined) is[choice.id] = choice.is;
  const kept = { ...(question.why ? { why: question.why } : {}), ...(Object.keys(is).length > 0 ? { is } : {}) };
  return Object.keys(kept).length > 0 ? JSON.stringify(kept) : '';
}

// ------------------------------------------------------------------ schema issues as codes

/** The value at a path of the pack JSON (for a wording that names it, as a repeated id); undefined when absent. */
function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = json;
  for (const part of path) {
    if (at === null || typeof at !== 'object') return undefined;
    const key = typeof part === 'number' ? part : String(part);
    if (!Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}

const shownValue = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 64) : JSON.stringify(value ?? null).slice(0, 64));
const TYPE_CODES: Readonly<Record<string, string>> = { number: 'expectedNumber', string: 'expectedText', boolean: 'expectedBoolean', object: 'expectedObject', array: 'expectedList' };

/**
 * A pack schema issue as a code and its values, read from the issue's kind and fields (zod 4 shapes), never
 * from its English: the schema's own texts (Chinese/English text required, slugs, names, conditions) by the
 * field they concern or the pattern they test; the rules the schema checks across fields by the path they name.
 * Empty for an issue without a wording (its English is shown).
 */
export function issueWording(issue: z.core.$ZodIssue, json: unknown): { code?: string; params?: Record<string, string | number> } {
  const last = issue.path[issue.path.length - 1];
  const beforeLast = issue.path[issue.path.length - 2];
  const third = issue.path[issue.path.length - 3];
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string') {
        if (Number(issue.minimum) === 1 && last === 'zh') return { code: 'chineseText', params: {} };
        if (Number(issue.minimum) === 1 && last === 'en') return { code: 'englishText', params: {} };
        return { code: 'tooShortText', params: { minimum: Number(issue.minimum) } };
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        if (issue.path.length === 1 && last === 'lessons') return { code: 'noLessons', params: {} };
        return { code: 'tooFewItems', params: { minimum: Number(issue.minimum) } };
      }
      if (issue.origin === 'number' || issue.origin === 'int') return { code: issue.inclusive === false ? 'numberAbove' : 'numberAtLeast', params: { minimum: Number(issue.minimum) } };
      return {};
    case 'too_big':
      if (issue.origin === 'string') return { code: 'tooLongText', params: { maximum: Number(issue.maximum) } };
      if (issue.origin === 'array' || issue.origin === 'set') return { code: 'tooManyItems', params: { maximum: Number(issue.maximum) } };
      if (issue.origin === 'number' || issue.origin === 'int') return { code: issue.inclusive === false ? 'numberBelow' : 'numberAtMost', params: { maximum: Number(issue.maximum) } };
      return {};
    case 'invalid_format': {
      if (issue.format !== 'regex') return {};
      // zod 4 keeps the pattern as the regex's text, slashes included.
      const pattern = (issue.pattern ?? '').replace(/^\//, '');
      if (pattern.startsWith('^[a-z0-9]')) return { code: 'slug', params: {} };
      if (pattern.startsWith('^[A-Za-z_]')) return { code: 'name', params: {} };
      if (last === 'when') return { code: 'condition', params: {} };
      return { code: 'badFormat', params: {} };
    }
    case 'invalid_type': {
      const code = TYPE_CODES[issue.expected];
      return code ? { code, params: {} } : { code: 'invalidInput', params: {} };
    }
    case 'unrecognized_keys':
      return { code: 'unknownKeys', params: { keys: issue.keys.slice(0, 10).join(', ') } };
    case 'invalid_value':
      return { code: 'oneOf', params: { values: issue.values.slice(0, 10).map(shownValue).join(', ') } };
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
      return { code: 'invalidInput', params: {} };
    case 'custom': {
      // The rules the pack and question schemas check across fields, each at its own path.
      if (last === 'id' && typeof beforeLast === 'number' && third === 'choices') return { code: 'choiceIdTwice', params: { id: shownValue(valueAt(json, issue.path)) } };
      if (last === 'id' && typeof beforeLast === 'number' && third === 'questions') return { code: 'questionIdTwice', params: { id: shownValue(valueAt(json, issue.path)) } };
      if (last === 'id' && typeof beforeLast === 'number' && third === 'lessons' && issue.path.length === 3) return { code: 'lessonIdTwice', params: { id: shownValue(valueAt(json, issue.path)) } };
      if (last === 'min' && typeof beforeLast === 'number' && third === 'questions') return { code: 'minAboveMax', params: {} };
      if (last === 'is' && typeof beforeLast === 'number' && third === 'choices') return { code: 'whenOrIs', params: {} };
      if (typeof last === 'number' && beforeLast === 'open') return { code: 'fixedAndOpen', params: { name: shownValue(valueAt(json, issue.path)) } };
      if ((last === 'lesson' || last === 'spec') && typeof beforeLast === 'number' && third === 'lessons') return { code: 'lessonOrSpec', params: {} };
      if (last === 'title' && typeof beforeLast === 'number' && third === 'lessons') return { code: 'specNeedsTitle', params: {} };
      if (last === 'fixed') return { code: 'tooManyParams', params: { maximum: LAB_PACK_LIMITS.params } };
      return {};
    }
    default:
      return {};
  }
}
