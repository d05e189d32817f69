import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { z } from 'zod';
import { inflateCheckedJson, isGzip, parseCheckedJson, parseJsonText } from '../engine/untrusted/bounded-json';
import { readRegularFile, readRegularFileAsync } from '../engine/untrusted/bounded-file';
import { formatJsonPath } from '../engine/untrusted/json-path';
import type { JsonShapeLimits } from '../engine/untrusted/json-shape';
import { UntrustedInputError } from '../engine/untrusted/untrusted-error';
import { SpecError, validateSpec } from '../engine/spec/validate';
import { findLesson } from '../lessons/catalog';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { currentEnvironment } from '../engine/runner/environment';
import { appVersion } from '../engine/entry-paths';
import { buildRunLog, runLogByteLimit, type RunLog } from '../export/run-log';
import type { LoadedSubmission } from '../export/class-report';
import { checkPredictions, type PredictionInput } from '../model/questions';
import { checkPredictionInputs } from './predictions';
import { buildSubmission, parseSubmission, SubmissionError, SUBMISSION_EXTENSION, SUBMISSION_LIMITS, type Submission, type SubmissionAnswer } from '../export/submission';
import {
  LAB_PACK_EXTENSION,
  LAB_PACK_FORMAT,
  LAB_PACK_VERSION,
  labPackSchema,
  packLessonTag,
  packTag,
  parsePredictionNote,
  type LabPack,
  type PackQuestion,
  type PackLesson,
  type PackPrediction,
  type PackSession,
  type PackSessionLesson,
} from '../model/lab-pack';
import type { LocalizedText, RunRecord, RunStatus } from '../model/run-model';
import { LabError, type LabService, type StartRunRequest } from './lab-service';

/**
 * Lab packs read from files other people wrote: bounded bytes, a streaming shape check before JSON.parse
 * (gzip checked while it inflates), the strict schema, then every lesson id looked up and every composed spec
 * run through the spec validator with the pack's fixed parameters. The first problem refuses the pack with
 * its JSON path. Nothing in a pack runs when it is read.
 */

export class PackError extends Error {
  override readonly name = 'PackError';
  constructor(
    message: string,
    /** JSON path of the first problem ('' for the file as a whole). */
    readonly path: string = '',
  ) {
    super(message);
  }
}

export const LAB_PACK_MAX_BYTES = 8 * 1024 * 1024;

const PACK_SHAPE_LIMITS: JsonShapeLimits = {
  maxBytes: LAB_PACK_MAX_BYTES,
  // The pack's own levels (lessons[i].spec) and then a spec, whose own JSON the validator bounds at 256.
  maxDepth: 264,
  maxParsedBytes: 64 * 1024 * 1024,
  maxArrayItems: 100_000,
  maxObjectKeys: 10_000,
  maxStringBytes: 256 * 1024,
  maxKeyBytes: 4096,
  maxNumberChars: 100,
  rejectDuplicateKeys: true,
};

/** A pack as read: validated, with the hash submissions name it by. */
export interface ReadPack {
  readonly pack: LabPack;
  /** sha256 (hex) of the pack's validated JSON. */
  readonly hash: string;
}

/** Bytes (JSON or gzip) → JSON value, within the shape limits; UntrustedInputError names the path. */
export async function decodeUntrustedJson(bytes: Buffer, limits: JsonShapeLimits): Promise<unknown> {
  if (bytes.length > limits.maxBytes) throw new UntrustedInputError(`is larger than ${limits.maxBytes} bytes; refusing to read it`);
  const body = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  return isGzip(body) ? parseJsonText(await inflateCheckedJson(body, limits)) : parseCheckedJson(body, limits);
}

/** The first zod issue as "at <path>: <message>" with the path inside the document. */
export function firstZodProblem(error: z.ZodError, prefix: readonly (string | number)[] = []): { path: string; message: string } {
  const issue = error.issues[0]!;
  const path = formatJsonPath([...prefix, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))]);
  return { path, message: issue.message };
}

function refuse(what: string, path: string, message: string): PackError {
  return new PackError(`${what} is refused at ${path || '(top)'}: ${message}`, path);
}

/** Parses and validates pack bytes (JSON or gzip); throws PackError naming the JSON path of the first problem. */
export async function parseLabPack(bytes: Buffer | string): Promise<ReadPack> {
  let document: unknown;
  try {
    document = await decodeUntrustedJson(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes, PACK_SHAPE_LIMITS);
  } catch (error) {
    if (error instanceof UntrustedInputError) throw new PackError(`lab pack ${error.message}`, error.path);
    throw error;
  }
  return checkLabPack(document);
}

/** Validates a pack already parsed (the app's builder sends an object): schema, lesson ids, specs. */
export function checkLabPack(document: unknown): ReadPack {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new PackError('not a lab pack: expected a JSON object');
  }
  const { format, version } = document as { format?: unknown; version?: unknown };
  if (format !== LAB_PACK_FORMAT) throw refuse('lab pack', 'format', `expected "${LAB_PACK_FORMAT}" (is this a lab pack?)`);
  if (typeof version === 'number' && Number.isInteger(version) && version > LAB_PACK_VERSION) {
    throw refuse('lab pack', 'version', `version ${version} is newer than this Concurrency Lab understands (${LAB_PACK_VERSION}); update the app`);
  }
  const result = labPackSchema.safeParse(document);
  if (!result.success) {
    const { path, message } = firstZodProblem(result.error);
    throw refuse('lab pack', path, message);
  }
  const pack = result.data;
  pack.lessons.forEach((entry, index) => checkEntry(entry, index));
  const hash = createHash('sha256').update(JSON.stringify(pack)).digest('hex');
  return { pack, hash };
}

/** The spec a pack lesson runs: a built-in lesson's, or its own. */
export function entrySpec(entry: PackLesson): unknown {
  return entry.lesson !== undefined ? findLesson(entry.lesson)?.spec : entry.spec;
}

export function entryTitle(entry: PackLesson): LocalizedText {
  if (entry.title) return entry.title;
  const lesson = entry.lesson !== undefined ? findLesson(entry.lesson) : undefined;
  return lesson ? lesson.title : { en: entry.id, zh: entry.id };
}

function checkEntry(entry: PackLesson, index: number): void {
  const at = (...rest: (string | number)[]): string => formatJsonPath(['lessons', index, ...rest]);
  if (entry.lesson !== undefined && findLesson(entry.lesson) === undefined) {
    throw refuse('lab pack', at('lesson'), `no built-in lesson ${JSON.stringify(entry.lesson.slice(0, 80))} (conlab lessons lists them)`);
  }
  const spec = entrySpec(entry);
  const fixed = entry.fixed ?? {};
  try {
    // The pack's fixed values go through the same checks as --set: declared, of the right type, within bounds.
    validateSpec(spec, { overrides: fixed });
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    const issue = error.issues[0]!;
    const override = /^--set (.*)$/.exec(issue.path);
    const path = override ? at('fixed', override[1]!) : entry.spec !== undefined ? `${at('spec')}${issue.path ? (issue.path.startsWith('[') ? '' : '.') + issue.path : ''}` : at('lesson');
    const detail = [issue.message, issue.expected !== undefined ? `expected ${issue.expected}` : '', issue.received !== undefined ? `got ${issue.received}` : ''].filter(Boolean).join('; ');
    throw refuse('lab pack', path, override || entry.spec !== undefined ? detail : `the lesson's spec does not validate: ${detail}`);
  }
  const declared = (spec as { params?: Record<string, unknown> }).params ?? {};
  (entry.open ?? []).forEach((param, i) => {
    if (!Object.hasOwn(declared, param)) {
      const names = Object.keys(declared);
      throw refuse('lab pack', at('open', i), `no parameter "${param}" to leave open (${names.length ? `the lesson declares ${names.join(', ')}` : 'the lesson has no parameters'})`);
    }
  });
}

/** A pack file as written by `conlab pack build`: the validated pack, gzip-compressed unless asked otherwise. */
export function serializeLabPack(pack: LabPack, opts: { readonly gzip?: boolean } = {}): Buffer {
  const json = Buffer.from(JSON.stringify(pack, null, opts.gzip === false ? 2 : undefined), 'utf8');
  return opts.gzip === false ? json : gzipSync(json);
}

function fileError(path: string, error: unknown): never {
  if (error instanceof UntrustedInputError) throw new PackError(error.message);
  throw error;
}

export async function readLabPackFile(path: string): Promise<ReadPack> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFileAsync(path, LAB_PACK_MAX_BYTES);
  } catch (error) {
    fileError(path, error);
  }
  try {
    return await parseLabPack(bytes);
  } catch (error) {
    if (error instanceof PackError) throw new PackError(`${path}: ${error.message}`, error.path);
    throw error;
  }
}

/** A pack's JSON source as an instructor writes it (plain JSON, same bounds). */
export function readPackSourceFile(path: string): unknown {
  try {
    return parseCheckedJson(readRegularFile(path, LAB_PACK_MAX_BYTES), PACK_SHAPE_LIMITS);
  } catch (error) {
    if (error instanceof UntrustedInputError) throw new PackError(error.message.startsWith('cannot read') ? error.message : `${path} ${error.message}`, error.path);
    throw error;
  }
}

// ------------------------------------------------------------------ a pack as a student's session

export type { PackSession, PackSessionLesson };

const DONE: ReadonlySet<RunStatus> = new Set<RunStatus>(['ok', 'deadlocked']);

/** The questions a pack lesson asks: its own, or, for a built-in lesson that gives none, the lesson's. */
export function entryQuestions(entry: PackLesson): readonly PackQuestion[] {
  if (entry.questions !== undefined) return entry.questions;
  return entry.lesson !== undefined ? (findLesson(entry.lesson)?.questions ?? []) : [];
}

export function packSession(service: LabService, read: ReadPack): PackSession {
  const { pack } = read;
  const lessons = pack.lessons.map((entry, index): PackSessionLesson => {
    const runs = service.listRuns({ tag: packLessonTag(pack.id, entry.id), limit: 1000 });
    const last = runs[0] ?? null;
    return {
      index,
      id: entry.id,
      title: entryTitle(entry),
      lessonId: entry.lesson ?? null,
      fixed: entry.fixed ?? {},
      open: entry.open ?? [],
      questions: entryQuestions(entry),
      runs: runs.length,
      lastRun: last ? { id: last.id, status: last.status } : null,
      predictions: last && last.status !== 'running' ? lastPredictions(service, entry, last.id) : [],
      done: runs.some((r) => DONE.has(r.status)),
    };
  });
  return { id: pack.id, hash: read.hash, title: pack.title, instructions: pack.instructions, lessons, done: lessons.filter((l) => l.done).length, total: lessons.length };
}

/**
 * A run's predictions as stored with it; a run recorded before predictions had a place of their own keeps
 * them as notes ("prediction <question>: <value>"), read for questions the stored ones do not answer.
 */
export function runPredictionValues(run: RunRecord): { question: string; value: string }[] {
  const out: { question: string; value: string }[] = (run.predictions ?? []).map((p) => ({ question: p.question, value: p.value }));
  for (const note of run.notes) {
    const prediction = parsePredictionNote(note.text);
    if (prediction && !out.some((p) => p.question === prediction.question)) out.push(prediction);
  }
  return out;
}

function lastPredictions(service: LabService, entry: PackLesson, runId: string): PackPrediction[] {
  const run = service.getRun(runId);
  return checkPredictions(entryQuestions(entry), runPredictionValues(run), run).map((check) => ({
    question: check.question,
    given: check.given,
    actual: check.measured,
    right: check.right,
  }));
}

export interface PackRunRequest {
  /** Values for the lesson's open parameters only. */
  readonly overrides?: Readonly<Record<string, string | number | boolean>>;
  /** Predictions, by question id: a choice id or a number. */
  readonly answers?: Readonly<Record<string, string | number>>;
  readonly repeat?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: StartRunRequest['onProgress'];
}

/** Checks predictions (by question id: a choice id or a number) against the lesson's questions. */
export function packPredictions(entry: PackLesson, answers: Readonly<Record<string, string | number>>): PredictionInput[] {
  const inputs = Object.entries(answers).map(([question, value]) => ({ question, value }));
  checkPredictionInputs(entryQuestions(entry), inputs);
  return inputs;
}

/** A pack lesson made ready to run: the start request, the tags the run gets and the predictions kept with it. */
export interface PreparedPackRun {
  readonly request: Omit<StartRunRequest, 'predictions'> & { readonly overrides: Readonly<Record<string, string | number | boolean>> };
  readonly tags: readonly string[];
  readonly predictions: readonly PredictionInput[];
  readonly questions: readonly PackQuestion[];
}

/**
 * Checks a run of one pack lesson before anything starts: the pack's fixed parameters, the learner's values
 * for the open ones only, predictions against the lesson's questions.
 */
export function preparePackRun(read: ReadPack, entryId: string, request: Pick<PackRunRequest, 'overrides' | 'answers' | 'repeat'> = {}): PreparedPackRun {
  const { pack } = read;
  const entry = pack.lessons.find((l) => l.id === entryId);
  if (!entry) throw new LabError('not-found', `pack ${pack.id} has no lesson "${entryId.slice(0, 64)}" (its lessons: ${pack.lessons.map((l) => l.id).join(', ')})`);
  const open = entry.open ?? [];
  for (const name of Object.keys(request.overrides ?? {})) {
    if (!open.includes(name)) {
      throw new LabError('bad-input', `parameter ${name.slice(0, 64)} is ${Object.hasOwn(entry.fixed ?? {}, name) ? 'fixed by the pack' : 'not left open by the pack'}${open.length ? ` (open: ${open.join(', ')})` : ' (none is open)'}`);
    }
  }
  const predictions = packPredictions(entry, request.answers ?? {});
  return {
    request: {
      ...(entry.lesson !== undefined ? { lessonId: entry.lesson } : { spec: entry.spec }),
      overrides: { ...(entry.fixed ?? {}), ...(request.overrides ?? {}) },
      ...(entry.runtime ? { runtime: entry.runtime } : {}),
      ...(entry.title ? { title: entry.title.en } : {}),
      ...(request.repeat !== undefined ? { repeat: request.repeat } : {}),
    },
    tags: [packTag(pack.id), packLessonTag(pack.id, entry.id)],
    predictions,
    questions: entryQuestions(entry),
  };
}

/** Tags a started or finished pack run and keeps its predictions. */
export async function markPackRun(service: LabService, runId: string, prepared: PreparedPackRun): Promise<void> {
  for (const tag of prepared.tags) await service.tagRun(runId, tag);
  if (prepared.predictions.length > 0) await service.savePredictions(runId, prepared.predictions, prepared.questions);
}

/** Runs one lesson of a pack (see preparePackRun) and tags it with the pack and the lesson. */
export async function runPackLesson(service: LabService, read: ReadPack, entryId: string, request: PackRunRequest = {}): Promise<RunRecord> {
  const prepared = preparePackRun(read, entryId, request);
  const run = await service.run({
    ...prepared.request,
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
  });
  await markPackRun(service, run.id, prepared);
  return service.getRun(run.id);
}

/** The learner's submission: every run tagged with the pack (events included), predictions from their notes. */
export function buildPackSubmission(service: LabService, read: ReadPack, studentName: string): Submission {
  const name = studentName.trim();
  if (name === '' || name.length > SUBMISSION_LIMITS.studentChars || CONTROL_CHARS.test(name)) {
    throw new LabError('bad-input', `--name: expected your name or student id, 1 to ${SUBMISSION_LIMITS.studentChars} characters without control characters`);
  }
  const { pack } = read;
  const runs: RunLog[] = [];
  const answers: SubmissionAnswer[] = [];
  const summaries = service.listRuns({ tag: packTag(pack.id), limit: SUBMISSION_LIMITS.runs });
  for (const summary of summaries.slice().reverse()) {
    const run = service.getRun(summary.id);
    if (run.status === 'running') continue;
    const entry = pack.lessons.find((l) => run.tags.includes(packLessonTag(pack.id, l.id)));
    runs.push(buildRunLog(run, service.runEvents(run.id), appVersion()));
    if (!entry) continue;
    for (const prediction of runPredictionValues(run)) {
      const question = entryQuestions(entry).find((q) => q.id === prediction.question);
      if (!question) continue;
      const value = question.kind === 'number' ? Number(prediction.value) : prediction.value;
      answers.push({ lesson: entry.id, question: question.id, value, runId: run.id });
    }
  }
  return buildSubmission({
    pack: { id: pack.id, hash: read.hash, title: pack.title },
    student: { name },
    environment: currentEnvironment(),
    runs,
    answers,
    appVersion: appVersion(),
  });
}

const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

// ------------------------------------------------------------------ the instructor's side

export const CLASS_MAX_FILES = 2_000;

export interface ClassImport {
  readonly loaded: readonly LoadedSubmission[];
  readonly refused: readonly { readonly file: string; readonly message: string }[];
  /** A pack found among the files given (a .conlabpack in the folder), or the one given with --pack. */
  readonly pack: ReadPack | null;
}

/**
 * Reads submissions from files and folders (a folder: its *.conlabsub files, and a *.conlabpack if there is
 * exactly one; not recursive). Each file is read and validated on its own: a bad file is listed as refused,
 * with its reason, and the others are kept.
 */
export async function importSubmissions(targets: readonly string[], opts: { readonly pack?: ReadPack | null } = {}): Promise<ClassImport> {
  const files: string[] = [];
  const packFiles: string[] = [];
  for (const target of targets) {
    let stat;
    try {
      stat = await lstat(target);
    } catch (error) {
      throw new LabError('bad-input', `cannot read ${target}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message}`);
    }
    if (stat.isDirectory()) {
      const names = (await readdir(target)).sort();
      for (const name of names) {
        if (name.endsWith(SUBMISSION_EXTENSION)) files.push(join(target, name));
        else if (name.endsWith(LAB_PACK_EXTENSION)) packFiles.push(join(target, name));
      }
    } else if (target.endsWith(LAB_PACK_EXTENSION)) packFiles.push(target);
    else files.push(target);
    if (files.length > CLASS_MAX_FILES) throw new LabError('bad-input', `more than ${CLASS_MAX_FILES} submission files; import them in parts`);
  }
  let pack = opts.pack ?? null;
  if (pack === null && packFiles.length === 1) pack = await readLabPackFile(packFiles[0]!);
  const limit = runLogByteLimit();
  return importSubmissionFiles(
    files.map((file) => ({ name: file, read: () => readRegularFileAsync(file, limit) })),
    pack,
  );
}

/** Submissions given as bytes (uploaded in the app), each checked on its own. */
export async function importSubmissionFiles(files: readonly { readonly name: string; readonly read: () => Promise<Buffer> | Buffer }[], pack: ReadPack | null): Promise<ClassImport> {
  const loaded: LoadedSubmission[] = [];
  const refused: { file: string; message: string }[] = [];
  const limit = runLogByteLimit();
  for (const file of files) {
    try {
      const submission = await parseSubmission(await file.read(), { maxBytes: limit });
      // Checked whole; the overview reads records, not events, so a class of large submissions is not held twice over.
      loaded.push({ file: file.name, submission: { ...submission, runs: submission.runs.map((log) => ({ ...log, events: [] })) } });
    } catch (error) {
      if (error instanceof SubmissionError || error instanceof UntrustedInputError) refused.push({ file: file.name, message: error.message });
      else throw error;
    }
  }
  return { loaded, refused, pack };
}
