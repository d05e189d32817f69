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
import { LAB_PACK_FORMAT, LAB_PACK_VERSION, labPackSchema, type LabPack, type PackLesson } from '../model/lab-pack';
import type { LocalizedText } from '../model/run-model';

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
