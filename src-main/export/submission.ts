/**
 * A student's submission for a lab pack (`.conlabsub`): which pack (id and hash), the name or id the student
 * typed, the machine it ran on, the runs made for the pack as whole run logs (events included), and the
 * predictions given before each run. Read as strictly as a run log: bounded bytes, the JSON shape checked
 * before it is parsed (gzip while it inflates), every run log through the run log's own schema and
 * consistency checks, then what the parts must agree on. Nothing in it is executed.
 *
 * Layout: { format: 'conlab-submission', version: 1, submittedAt, app, pack: { id, hash, title }, student: { name },
 *           environment, runs: RunLog[], answers: [{ lesson, question, value, runId }] }.
 */
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { inflateCheckedJson, isGzip, parseCheckedJson, parseJsonText } from '../engine/untrusted/bounded-json';
import { formatJsonPath } from '../engine/untrusted/json-path';
import type { JsonShapeLimits } from '../engine/untrusted/json-shape';
import { UntrustedInputError } from '../engine/untrusted/untrusted-error';
import { packSlugSchema, packTag } from '../model/lab-pack';
import type { LocalizedText, RunEnvironment } from '../model/run-model';
import { APP_NAME, runLogByteLimit, runLogConflicts, runLogSchema, type RunLog } from './run-log';

export const SUBMISSION_FORMAT = 'conlab-submission';
export const SUBMISSION_VERSION = 1;
export const SUBMISSION_EXTENSION = '.conlabsub';

export const SUBMISSION_LIMITS = {
  runs: 500,
  answers: 1_500,
  studentChars: 200,
  answerChars: 200,
} as const;

export interface SubmissionAnswer {
  /** The pack lesson's id. */
  readonly lesson: string;
  readonly question: string;
  readonly value: string | number;
  /** The run the prediction was made for. */
  readonly runId: string;
}

export interface Submission {
  readonly format: typeof SUBMISSION_FORMAT;
  readonly version: typeof SUBMISSION_VERSION;
  readonly submittedAt: string;
  readonly app: { readonly name: string; readonly version: string };
  readonly pack: { readonly id: string; readonly hash: string; readonly title: LocalizedText };
  readonly student: { readonly name: string };
  readonly environment: RunEnvironment;
  readonly runs: readonly RunLog[];
  readonly answers: readonly SubmissionAnswer[];
}

export class SubmissionError extends Error {
  override readonly name = 'SubmissionError';
  constructor(
    message: string,
    readonly path: string = '',
  ) {
    super(message);
  }
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const plainText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL.test(s), 'control or direction characters are not allowed');
const localized = z.strictObject({ zh: z.string().max(300), en: z.string().max(300) });
const runId = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z-]{3,63}$/, 'expected a run id');

export const submissionSchema = z.strictObject({
  format: z.literal(SUBMISSION_FORMAT),
  version: z.literal(SUBMISSION_VERSION),
  submittedAt: z.iso.datetime({ offset: true }),
  app: z.strictObject({ name: z.string().max(1_000), version: z.string().max(1_000) }),
  pack: z.strictObject({ id: packSlugSchema, hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 in hex'), title: localized }),
  student: z.strictObject({ name: plainText(SUBMISSION_LIMITS.studentChars) }),
  environment: runLogSchema.shape.run.shape.environment,
  runs: z.array(runLogSchema).max(SUBMISSION_LIMITS.runs),
  answers: z
    .array(
      z.strictObject({
        lesson: packSlugSchema,
        question: packSlugSchema,
        value: z.union([plainText(SUBMISSION_LIMITS.answerChars), z.number().finite()]),
        runId,
      }),
    )
    .max(SUBMISSION_LIMITS.answers),
});

function shapeLimits(maxBytes: number): JsonShapeLimits {
  return {
    maxBytes,
    // A run log's own levels (up to 80) inside runs[i].
    maxDepth: 90,
    maxParsedBytes: 192 * 1024 * 1024,
    maxArrayItems: 1_000_000,
    maxObjectKeys: 100_000,
    maxStringBytes: 128 * 1024 * 1024,
    maxKeyBytes: 8 * 1024,
    maxNumberChars: 100,
    rejectDuplicateKeys: true,
  };
}

function refuse(path: string, message: string): SubmissionError {
  return new SubmissionError(`submission is refused at ${path || '(top)'}: ${message}`, path);
}

export async function parseSubmission(input: Buffer | string, opts: { readonly maxBytes?: number } = {}): Promise<Submission> {
  const maxBytes = opts.maxBytes ?? runLogByteLimit();
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (bytes.length > maxBytes) throw new SubmissionError(`submission is larger than ${maxBytes} bytes; refusing to read it`);
  let document: unknown;
  try {
    const limits = shapeLimits(maxBytes);
    document = isGzip(bytes) ? parseJsonText(await inflateCheckedJson(bytes, limits)) : parseCheckedJson(bytes, limits);
  } catch (error) {
    if (error instanceof UntrustedInputError) throw new SubmissionError(`submission ${error.message}`, error.path);
    throw error;
  }
  return checkSubmission(document);
}

export function checkSubmission(document: unknown): Submission {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new SubmissionError('not a submission: expected a JSON object');
  const { format, version } = document as { format?: unknown; version?: unknown };
  if (format !== SUBMISSION_FORMAT) throw refuse('format', `expected "${SUBMISSION_FORMAT}" (is this a submission?)`);
  if (typeof version === 'number' && Number.isInteger(version) && version > SUBMISSION_VERSION) {
    throw refuse('version', `version ${version} is newer than this Concurrency Lab understands (${SUBMISSION_VERSION}); update the app`);
  }
  const result = submissionSchema.safeParse(document);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw refuse(formatJsonPath(issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))), issue.message);
  }
  const submission = result.data as Submission;
  const tag = packTag(submission.pack.id);
  const ids = new Map<string, number>();
  submission.runs.forEach((log, index) => {
    const conflicts = runLogConflicts(log);
    if (conflicts.length > 0) throw refuse(`runs[${index}].${conflicts[0]!.path}`, conflicts[0]!.message);
    const earlier = ids.get(log.run.id);
    if (earlier !== undefined) throw refuse(`runs[${index}].run.id`, `run ${log.run.id} appears twice (also runs[${earlier}])`);
    ids.set(log.run.id, index);
    if (!log.run.tags.includes(tag)) throw refuse(`runs[${index}].run.tags`, `the run is not tagged ${tag}: it was not made for this pack`);
  });
  submission.answers.forEach((answer, index) => {
    if (!ids.has(answer.runId)) throw refuse(`answers[${index}].runId`, `no run ${answer.runId} in this submission`);
  });
  return submission;
}

export function buildSubmission(parts: Omit<Submission, 'format' | 'version' | 'submittedAt' | 'app'> & { readonly appVersion: string; readonly submittedAt?: Date }): Submission {
  return {
    format: SUBMISSION_FORMAT,
    version: SUBMISSION_VERSION,
    submittedAt: (parts.submittedAt ?? new Date()).toISOString(),
    app: { name: APP_NAME, version: parts.appVersion },
    pack: parts.pack,
    student: parts.student,
    environment: parts.environment,
    runs: parts.runs,
    answers: parts.answers,
  };
}

/** gzip-compressed JSON by default (parseSubmission reads both). */
export function serializeSubmission(submission: Submission, opts: { readonly gzip?: boolean } = {}): Buffer {
  const json = Buffer.from(JSON.stringify(submission), 'utf8');
  return opts.gzip === false ? json : gzipSync(json);
}
