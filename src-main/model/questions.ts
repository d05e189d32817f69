import { z } from 'zod';
import type { RunRecord } from './run-model';

/**
 * Questions asked before a run ("predict first"): a choice or a number, in Chinese and English, whose answer
 * is read from the run itself — a metric's median, a record or a shared variable (median over the counted
 * trials), a claim's verdict, or the ratio or difference of two of those. After the run the learner's
 * prediction is shown beside what was measured, right or wrong, with the question's `why`.
 *
 * Lessons carry up to three (model/lesson.ts `questions`); lab packs may ask their own (model/lab-pack.ts).
 * Pure data and a pure scorer: no Node, no DOM.
 */

export const QUESTION_LIMITS = {
  perLesson: 3,
  choices: 8,
  textChars: 20_000,
  choiceChars: 300,
  /** A stored prediction: a choice id or a number as text. */
  valueChars: 200,
} as const;

/** A question or choice id: lowercase letters, digits and dashes. */
export const questionIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected 1 to 64 lowercase letters, digits and dashes, starting with a letter or digit');
const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/, 'expected a name: a letter or _, then up to 127 letters, digits, _, . or -');

const localized = (max: number) =>
  z.strictObject({
    zh: z.string().trim().min(1, 'expected Chinese text').max(max),
    en: z.string().trim().min(1, 'expected English text').max(max),
  });

/** How a record's values in one trial make one value: its last (default), first, sum, min, max, mean, count or count of distinct values. */
export const RECORD_AGGREGATES = ['last', 'first', 'sum', 'min', 'max', 'mean', 'count', 'distinct'] as const;
export type RecordAggregate = (typeof RECORD_AGGREGATES)[number];

/** One value read from a run. */
export const measureSchema = z.union([
  z.strictObject({ metric: name }),
  z.strictObject({ record: name, agg: z.enum(RECORD_AGGREGATES).optional() }),
  z.strictObject({ shared: name }),
  /** 1 when the lesson's claim holds, 0 when it fails (an inconclusive claim gives no value). */
  z.strictObject({ claim: questionIdSchema }),
]);
export type Measure = z.infer<typeof measureSchema>;

/** Where a question's answer is read from: one value, or the ratio (first ÷ second) or difference (first − second) of two. */
export const questionSourceSchema = z.union([
  measureSchema,
  z.strictObject({ ratio: z.tuple([measureSchema, measureSchema]) }),
  z.strictObject({ difference: z.tuple([measureSchema, measureSchema]) }),
]);
export type QuestionSource = z.infer<typeof questionSourceSchema>;

/** A condition on a number, as `>0`, `<=10`, `==20`. */
export const conditionSchema = z
  .string()
  .regex(/^\s*(>=|<=|==|!=|>|<)\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/, 'expected an operator (>, >=, <, <=, ==, !=) and a number, like ">0"');

const choiceSchema = z.strictObject({
  id: questionIdSchema,
  text: localized(QUESTION_LIMITS.choiceChars),
  /** Right when the run's value (a number) meets this condition; the first choice that matches is the right one. */
  when: conditionSchema.optional(),
  /** Right when the run's value is this text (a recorded string such as "Z" or "eof"). */
  is: z.string().max(QUESTION_LIMITS.valueChars).optional(),
});
export type QuestionChoice = z.infer<typeof choiceSchema>;

const choiceQuestionSchema = z.strictObject({
  id: questionIdSchema,
  kind: z.literal('choice'),
  text: localized(QUESTION_LIMITS.textChars),
  choices: z.array(choiceSchema).min(2).max(QUESTION_LIMITS.choices),
  /** The value the choices are checked against; without it the question is not scored. */
  answerFrom: questionSourceSchema.optional(),
  /** Shown after the run, beside the prediction: why it came out this way. */
  why: localized(QUESTION_LIMITS.textChars).optional(),
});

const numberQuestionSchema = z.strictObject({
  id: questionIdSchema,
  kind: z.literal('number'),
  text: localized(QUESTION_LIMITS.textChars),
  unit: z.string().max(32).optional(),
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
  answerFrom: questionSourceSchema.optional(),
  /** How far from the run's value a prediction may be and still be right: absolute, or relative (0.1 = 10%); the larger wins. */
  tolerance: z
    .strictObject({ absolute: z.number().finite().nonnegative().optional(), relative: z.number().finite().nonnegative().max(10).optional() })
    .optional(),
  why: localized(QUESTION_LIMITS.textChars).optional(),
});

export const questionSchema = z.discriminatedUnion('kind', [choiceQuestionSchema, numberQuestionSchema]);
export type Question = z.infer<typeof questionSchema>;

/** Up to three questions with distinct ids (and distinct choice ids within each): what a lesson or a pack lesson asks. */
export const questionListSchema = z
  .array(questionSchema)
  .max(QUESTION_LIMITS.perLesson)
  .superRefine((questions, ctx) => {
    const ids = new Set<string>();
    questions.forEach((question, index) => {
      if (ids.has(question.id)) ctx.addIssue({ code: 'custom', message: `question id "${question.id}" appears twice`, path: [index, 'id'] });
      ids.add(question.id);
      if (question.kind === 'choice') {
        const choiceIds = new Set<string>();
        question.choices.forEach((choice, c) => {
          if (choiceIds.has(choice.id)) ctx.addIssue({ code: 'custom', message: `choice id "${choice.id}" appears twice`, path: [index, 'choices', c, 'id'] });
          choiceIds.add(choice.id);
          if (choice.when !== undefined && choice.is !== undefined) ctx.addIssue({ code: 'custom', message: 'a choice is right by a condition (when) or by a text (is), not both', path: [index, 'choices', c, 'is'] });
        });
      } else if (question.min !== undefined && question.max !== undefined && question.min > question.max) {
        ctx.addIssue({ code: 'custom', message: 'min is greater than max', path: [index, 'min'] });
      }
    });
  });

// ---- Predictions: what a learner answered, kept with the run.

/** A prediction as stored with a run and exported in its run log. */
export interface RunPrediction {
  readonly question: string;
  /** A choice id, or a number written as text. */
  readonly value: string;
  readonly answeredAt: string;
}

export const predictionInputSchema = z.strictObject({
  question: questionIdSchema,
  value: z.union([z.string().trim().min(1, 'expected an answer').max(QUESTION_LIMITS.valueChars), z.number().finite()]),
});
export type PredictionInput = z.infer<typeof predictionInputSchema>;

/** Why a prediction does not answer a question (unknown choice, not a number, out of range), or null when it does. */
export function predictionProblem(question: Question, value: string | number): string | null {
  if (question.kind === 'choice') {
    const id = String(value);
    return question.choices.some((c) => c.id === id) ? null : `"${id.slice(0, 64)}" is not one of its choices (${question.choices.map((c) => c.id).join(', ')})`;
  }
  const n = typeof value === 'number' ? value : String(value).trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) return `expected a number, got ${JSON.stringify(String(value).slice(0, 64))}`;
  if ((question.min !== undefined && n < question.min) || (question.max !== undefined && n > question.max)) {
    return `${n} is outside ${question.min ?? '-∞'}..${question.max ?? '∞'}`;
  }
  return null;
}

/** A prediction checked against the run: what was measured, and right (true), wrong (false) or not scorable (null). */
export interface PredictionCheck {
  readonly question: string;
  readonly given: string;
  /** The run's value the answer is read from (a number, or a recorded text); null when the run has none. */
  readonly measured: number | string | null;
  /** For a choice question: the choice the run's value makes right (null when none does). */
  readonly rightChoice: string | null;
  readonly right: boolean | null;
}

// ---- Reading values from a run.

type Value = number | string;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A number stays a number, a boolean becomes 1 or 0, a text stays text; anything else has no value. */
function asValue(value: unknown): Value | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return value;
  return null;
}

function aggregate(list: readonly unknown[], agg: RecordAggregate): Value | null {
  if (agg === 'count') return list.length;
  if (agg === 'distinct') return new Set(list.map((v) => JSON.stringify(v))).size;
  if (list.length === 0) return null;
  if (agg === 'last') return asValue(list.at(-1));
  if (agg === 'first') return asValue(list[0]);
  const numbers = list.map(asValue).filter((v): v is number => typeof v === 'number');
  if (numbers.length === 0) return null;
  switch (agg) {
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0);
    case 'min':
      return Math.min(...numbers);
    case 'max':
      return Math.max(...numbers);
    case 'mean':
      return numbers.reduce((a, b) => a + b, 0) / numbers.length;
  }
}

/** Numbers: their median; texts: the one most trials gave (the earliest on a tie). */
function combine(values: readonly Value[]): Value | null {
  if (values.length === 0) return null;
  const numbers = values.filter((v): v is number => typeof v === 'number');
  if (numbers.length === values.length) return median(numbers);
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  let best: string | null = null;
  for (const [text, n] of counts) if (best === null || n > counts.get(best)!) best = text;
  return best;
}

/** One measure's value in a run, over its counted trials (a run recorded without them: none). */
export function measureValue(run: RunRecord, measure: Measure): Value | null {
  if ('claim' in measure) {
    const claim = run.claims.find((c) => c.id === measure.claim);
    return claim === undefined || claim.status === 'inconclusive' ? null : claim.status === 'holds' ? 1 : 0;
  }
  const counted = run.trials.filter((t) => !t.warmup);
  const values: Value[] = [];
  if ('metric' in measure) {
    const stats = run.stats.find((s) => s.name === measure.metric);
    if (stats && Number.isFinite(stats.median)) return stats.median;
    for (const t of counted) {
      const v = measure.metric === 'wallMs' ? t.wallMs : Object.hasOwn(t.metrics, measure.metric) ? t.metrics[measure.metric] : undefined;
      if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
    }
  } else if ('record' in measure) {
    for (const t of counted) {
      const list = Object.hasOwn(t.records, measure.record) ? t.records[measure.record] : undefined;
      if (!Array.isArray(list)) continue;
      const v = aggregate(list, measure.agg ?? 'last');
      if (v !== null) values.push(v);
    }
  } else {
    for (const t of counted) {
      const v = asValue(Object.hasOwn(t.finalShared, measure.shared) ? t.finalShared[measure.shared] : undefined);
      if (v !== null) values.push(v);
    }
  }
  return combine(values);
}

/** A question's source read from a run: a value, or a ratio or difference of two numbers; null when the run lacks it. */
export function sourceValue(run: RunRecord, source: QuestionSource): Value | null {
  if ('ratio' in source || 'difference' in source) {
    const [first, second] = 'ratio' in source ? source.ratio : source.difference;
    const a = measureValue(run, first);
    const b = measureValue(run, second);
    if (typeof a !== 'number' || typeof b !== 'number') return null;
    if ('difference' in source) return a - b;
    return b === 0 ? null : a / b;
  }
  return measureValue(run, source);
}

const CONDITION = /^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*$/;

/** Whether a number meets a condition written as conditionSchema allows (a malformed one is never met). */
export function meetsCondition(value: number, condition: string): boolean {
  const match = CONDITION.exec(condition);
  if (!match) return false;
  const bound = Number(match[2]);
  switch (match[1]) {
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '==':
      return value === bound;
    default:
      return value !== bound;
  }
}

/** The choice a measured value makes right: the first whose condition it meets or whose text it is. */
export function rightChoiceFor(question: Extract<Question, { kind: 'choice' }>, measured: Value): QuestionChoice | null {
  return (
    question.choices.find((c) =>
      typeof measured === 'number' ? c.when !== undefined && meetsCondition(measured, c.when) : (c.is !== undefined && c.is === measured),
    ) ?? null
  );
}

/**
 * Checks a prediction against the run it was made for: right when a number is within the tolerance of the
 * measured value (exact without one) or a choice is the one the measured value makes right; not scorable
 * (right: null) when the question names no source, the run lacks the value, or no choice matches it.
 */
export function scorePrediction(question: Question, given: string | number, run: RunRecord): PredictionCheck {
  const base = { question: question.id, given: String(given) };
  const measured = question.answerFrom ? sourceValue(run, question.answerFrom) : null;
  if (measured === null) return { ...base, measured: null, rightChoice: null, right: null };
  if (question.kind === 'number') {
    const predicted = typeof given === 'number' ? given : String(given).trim() === '' ? Number.NaN : Number(given);
    if (typeof measured !== 'number') return { ...base, measured, rightChoice: null, right: null };
    if (!Number.isFinite(predicted)) return { ...base, measured, rightChoice: null, right: false };
    const allowed = Math.max(question.tolerance?.absolute ?? 0, (question.tolerance?.relative ?? 0) * Math.abs(measured));
    return { ...base, measured, rightChoice: null, right: Math.abs(predicted - measured) <= allowed + 1e-9 };
  }
  const choice = rightChoiceFor(question, measured);
  return { ...base, measured, rightChoice: choice?.id ?? null, right: choice === null ? null : choice.id === String(given) };
}

/** Each stored prediction that answers one of the questions, checked against the run (in the questions' order). */
export function checkPredictions(questions: readonly Question[], predictions: readonly { readonly question: string; readonly value: string }[], run: RunRecord): PredictionCheck[] {
  const out: PredictionCheck[] = [];
  for (const question of questions) {
    const prediction = predictions.find((p) => p.question === question.id);
    if (prediction) out.push(scorePrediction(question, prediction.value, run));
  }
  return out;
}

/** Every value a question's source reads (for checking that a lesson's spec produces them). */
export function sourceMeasures(source: QuestionSource): Measure[] {
  if ('ratio' in source) return [...source.ratio];
  if ('difference' in source) return [...source.difference];
  return [source];
}
