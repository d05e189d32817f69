/**
 * The self-contained JSON run log: a run and its trace batches in one file that any Concurrency Lab can
 * import. Parsing only decompresses, decodes JSON and validates; nothing in a file is executed or evaluated,
 * and every size is bounded before or while it is read.
 *
 * Layout: { format: 'conlab-run-log', version: 1, exportedAt, app: { name, version }, run, events }.
 */
import { getHeapStatistics } from 'node:v8';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { inflateCheckedJson, isGzip, parseCheckedJson, parseJsonText } from '../engine/untrusted/bounded-json';
import { formatJsonPath } from '../engine/untrusted/json-path';
import type { JsonShapeLimits } from '../engine/untrusted/json-shape';
import { UntrustedInputError } from '../engine/untrusted/untrusted-error';
import {
  ACTOR_KINDS,
  RUN_STATUSES,
  RUNTIME_NAMES,
  type ActorExitReason,
  type ClaimStatus,
  type RunRecord,
} from '../model/run-model';
import type { EventBatch } from '../model/trace-event';
import { MAX_EVIDENCE_COMPARISONS } from '../model/claim-evidence';
import { QUESTION_LIMITS, questionIdSchema } from '../model/questions';

export const RUN_LOG_FORMAT = 'conlab-run-log';
export const RUN_LOG_VERSION = 1;
export const APP_NAME = 'Concurrency Lab';
/**
 * Default cap on a log's size, compressed and decompressed; below V8's longest string (~536.9M chars), so it
 * always decodes. Real logs are far smaller: a trial at the default event limit (5M events) exports ~250 MB.
 */
export const DEFAULT_MAX_RUN_LOG_BYTES = 512_000_000;

export interface RunLog {
  readonly format: typeof RUN_LOG_FORMAT;
  readonly version: typeof RUN_LOG_VERSION;
  readonly exportedAt: string;
  readonly app: { readonly name: string; readonly version: string };
  readonly run: RunRecord;
  readonly events: readonly EventBatch[];
}

/** One schema problem: where (e.g. "run.trials[0].wallMs"), what was expected, and what the file holds. */
export interface RunLogIssue {
  readonly path: string;
  readonly message: string;
  readonly received: string;
}

/** A file that cannot be imported; `issues` lists every problem found, the message names the first few. */
export class RunLogError extends Error {
  override readonly name = 'RunLogError';
  constructor(
    message: string,
    readonly issues: readonly RunLogIssue[] = [],
  ) {
    super(message);
  }
}

export interface ParseRunLogOptions {
  /** Refuse logs larger than this many bytes, compressed or decompressed. Default runLogByteLimit(). */
  readonly maxBytes?: number;
}

/**
 * The largest run log this process can parse: DEFAULT_MAX_RUN_LOG_BYTES, or less when V8's heap is small
 * (a --max-old-space-size run, a constrained host). Parsing holds the text (twice its bytes when it is not
 * Latin-1), the strings parsed out of it, and values up to their own budget; a fifth of what remains of the
 * heap is a size that always fits, so a log is refused by its size instead of aborting the process.
 */
export function runLogByteLimit(heapLimit: number = getHeapStatistics().heap_size_limit): number {
  return Math.min(DEFAULT_MAX_RUN_LOG_BYTES, Math.max(1024 * 1024, Math.floor((heapLimit - LIMITS.documentParsedBytes) / 5)));
}

// ---- Limits. Generous for real runs; they exist so a hostile file cannot make the importer allocate freely.

const LIMITS = {
  idChars: 200,
  nameChars: 1_000,
  textChars: 100_000,
  batches: 1_000_000,
  payloadChars: 64 * 1024 * 1024,
  // The trace buffer flushes every 1,000 events; a hundred times that leaves room and bounds one payload's parse.
  eventsPerBatch: 100_000,
  trials: 100_000,
  actorsPerTrial: 100_000,
  listItems: 100_000,
  recordKeys: 100_000,
  recordValues: 1_000_000,
  jsonDepth: 64,
  jsonStringChars: 1_000_000,
  jsonArrayItems: 1_000_000,
  jsonObjectKeys: 100_000,
  /**
   * Memory the document's values may take once parsed, payload text aside (JSON.parse keeps it as strings):
   * room for ~8 million recorded numbers, or ~2 million objects; a 256 MB heap still holds it.
   */
  documentParsedBytes: 128 * 1024 * 1024,
  /** The same for one batch payload, parsed on its own to check its rows: ~400,000 rows of 5 fields. */
  payloadParsedBytes: 64 * 1024 * 1024,
} as const;

/** Shape limits checked on the raw text before it is parsed; the schema below then checks each field. */
function documentLimits(maxBytes: number): JsonShapeLimits {
  return {
    maxBytes,
    // The envelope, then records and specs nested jsonDepth deep (run.trials[i].records.k[j] is level 6).
    maxDepth: LIMITS.jsonDepth + 16,
    maxParsedBytes: LIMITS.documentParsedBytes,
    maxArrayItems: Math.max(LIMITS.batches, LIMITS.jsonArrayItems),
    maxObjectKeys: LIMITS.jsonObjectKeys,
    // A payload is JSON inside a string, its quotes escaped: room for twice its length as written.
    maxStringBytes: LIMITS.payloadChars * 2,
    maxKeyBytes: 8 * 1024,
    maxNumberChars: 100,
    rejectDuplicateKeys: true,
  };
}

const PAYLOAD_LIMITS: JsonShapeLimits = {
  maxBytes: LIMITS.payloadChars * 4,
  maxDepth: LIMITS.jsonDepth + 3,
  maxParsedBytes: LIMITS.payloadParsedBytes,
  maxArrayItems: LIMITS.eventsPerBatch,
  maxObjectKeys: LIMITS.jsonObjectKeys,
  maxStringBytes: LIMITS.jsonStringChars * 6,
  maxKeyBytes: 8 * 1024,
  maxNumberChars: 100,
};

/** Compile-time check that `values` lists every member of the union T (the model declares some unions only as types). */
function everyMemberOf<T extends string>() {
  return <const V extends readonly [T, ...T[]]>(
    values: V & ([Exclude<T, V[number]>] extends [never] ? unknown : { missingMembers: Exclude<T, V[number]> }),
  ): V => values;
}

const ACTOR_EXIT_REASONS = everyMemberOf<ActorExitReason>()([
  'completed',
  'failed',
  'terminated',
  'daemon-stopped',
  'cancelled',
  'timed-out',
  'deadlocked',
  'never-started',
]);
const CLAIM_STATUSES = everyMemberOf<ClaimStatus>()(['holds', 'fails', 'inconclusive']);
const TRACE_PHASES = ['B', 'E', 'I'] as const;

// ---- Building blocks.

const id = z.string().min(1).max(LIMITS.idChars);
/** As the contract's runIdSchema: every run must be reachable by id from every front end. */
const runId = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z-]{3,63}$/, 'expected a run id: 4 to 64 letters, digits and dashes');
const name = z.string().max(LIMITS.nameChars);
const text = z.string().max(LIMITS.textChars);
const isoTime = z.iso.datetime({ offset: true });
const count = z.int().nonnegative();
const nonNegative = z.number().nonnegative();
/** Any JSON value (arbitrary user data: specs, parameters, recorded values), bounded in depth and size. */
const jsonValue = z.unknown().superRefine((value, ctx) => {
  const problem = jsonValueProblem(value, 0);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path, input: problem.input });
});

/**
 * A string-keyed record with at most `maxKeys` keys. The raw object is checked first because z.record
 * silently drops an own "__proto__" key (which JSON.parse creates), and a strict import should say so instead.
 */
function boundedRecord<V extends z.ZodType>(value: V, maxKeys: number) {
  return z
    .unknown()
    .superRefine((input, ctx) => {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) return; // z.record reports it
      if (Object.keys(input).length > maxKeys) {
        ctx.addIssue({ code: 'custom', message: `at most ${maxKeys} keys are allowed`, input });
      }
      if (Object.hasOwn(input, '__proto__')) {
        ctx.addIssue({ code: 'custom', message: 'the key "__proto__" is not allowed', path: ['__proto__'], input });
      }
    })
    .pipe(z.record(z.string().max(LIMITS.nameChars), value));
}

// ---- The run record, field by field (mirrors model/run-model.ts).

const environmentSchema = z.strictObject({
  os: name,
  cpuModel: name,
  cpuCount: count,
  totalMemoryMb: nonNegative,
  node: name,
  electron: name.nullable(),
  appVersion: name,
  hasProcfs: z.boolean(),
  runtime: z
    .strictObject({
      name: z.enum(RUNTIME_NAMES),
      version: name,
      path: text,
      gil: z.boolean(),
      startMethod: name,
      clockOffsetNs: z.number().finite().optional(),
      modules: z.strictObject({ greenlet: name.nullable(), gevent: name.nullable() }).optional(),
    })
    .optional(),
});

const substitutionSchema = z.strictObject({
  kind: z.enum(ACTOR_KINDS),
  ranAs: name,
  reason: text,
});

const actorSchema = z.strictObject({
  name: id,
  group: id,
  kind: z.enum(ACTOR_KINDS),
  daemon: z.boolean(),
  pid: count.nullable(),
  threadId: count.nullable(),
  ppid: count.nullable(),
  requestedNs: z.number().nullable(),
  startedNs: z.number().nullable(),
  endedNs: z.number().nullable(),
  spawnLatencyMs: z.number().nullable(),
  exit: z.enum(ACTOR_EXIT_REASONS),
  error: text.nullable(),
  eventsEmitted: count,
  eventsReceived: count,
  eventsDropped: count,
});

const deadlockSchema = z.strictObject({
  detectedAtMs: nonNegative,
  cycle: z
    .array(z.strictObject({ actor: id, waitsFor: id, heldBy: id }))
    .max(LIMITS.actorsPerTrial),
  description: text,
});

const trialSchema = z.strictObject({
  index: count,
  warmup: z.boolean(),
  status: z.enum(RUN_STATUSES),
  startedAt: isoTime,
  wallMs: nonNegative,
  metrics: boundedRecord(z.number(), LIMITS.recordKeys),
  actors: z.array(actorSchema).max(LIMITS.actorsPerTrial),
  records: boundedRecord(z.array(jsonValue).max(LIMITS.recordValues), LIMITS.recordKeys),
  finalShared: boundedRecord(jsonValue, LIMITS.recordKeys),
  deadlock: deadlockSchema.nullable(),
  error: text.nullable(),
  eventCount: count,
  eventsLost: count,
  eventsDropped: count,
});

const metricStatsSchema = z.strictObject({
  name,
  unit: z.string().max(32),
  n: count,
  median: z.number(),
  mean: z.number(),
  stddev: nonNegative,
  min: z.number(),
  max: z.number(),
  ci95: z.tuple([z.number(), z.number()]),
  outliers: z.array(count).max(LIMITS.trials),
});

const evidenceTermSchema = z.strictObject({
  label: text,
  value: z.union([z.number(), text, z.boolean(), z.null()]),
  constant: z.boolean().optional(),
});

const evidenceComparisonSchema = z.strictObject({
  left: evidenceTermSchema,
  op: z.enum(['==', '!=', '<', '<=', '>', '>=', 'before']),
  right: evidenceTermSchema,
  factor: z.number().optional(),
  plus: z.number().optional(),
  product: z.number().optional(),
  holds: z.boolean(),
});

const claimTrialSchema = z.strictObject({
  trial: count,
  status: z.enum(CLAIM_STATUSES),
  detail: text,
  comparisons: z.array(evidenceComparisonSchema).max(MAX_EVIDENCE_COMPARISONS),
  // Why it could not be judged, as a code with its values (logs written before codes were kept have none).
  detailCode: z.string().regex(/^[a-z][a-z-]{0,63}$/).optional(),
  detailParams: z.record(z.string().max(64), z.union([z.string().max(4_000), z.number()])).refine((params) => Object.keys(params).length <= 32, 'at most 32 values').optional(),
});

const claimSchema = z.strictObject({
  id,
  text: z.strictObject({ en: text, zh: text }),
  status: z.enum(CLAIM_STATUSES),
  detail: text,
  trials: z.array(claimTrialSchema).max(LIMITS.trials).optional(),
});

const noteSchema = z.strictObject({
  id: z.int(),
  text,
  createdAt: isoTime,
});

/** A learner's answer to one of the lesson's questions (absent in logs of runs without, and in older logs). */
const predictionSchema = z.strictObject({
  question: questionIdSchema,
  value: z.string().min(1).max(QUESTION_LIMITS.valueChars),
  answeredAt: isoTime,
});

const runSchema = z.strictObject({
  id: runId,
  lessonId: id.nullable(),
  experimentId: id.nullable(),
  title: name,
  status: z.enum(RUN_STATUSES),
  startedAt: isoTime,
  endedAt: isoTime.nullable(),
  wallMs: nonNegative.nullable(),
  spec: jsonValue,
  params: boundedRecord(jsonValue, LIMITS.recordKeys),
  repeat: count,
  warmup: count,
  environment: environmentSchema,
  substitutions: z.array(substitutionSchema).max(LIMITS.listItems),
  trials: z.array(trialSchema).max(LIMITS.trials),
  stats: z.array(metricStatsSchema).max(LIMITS.listItems),
  claims: z.array(claimSchema).max(LIMITS.listItems),
  warnings: z.array(text).max(LIMITS.listItems),
  error: text.nullable(),
  tags: z.array(name).max(LIMITS.listItems),
  notes: z.array(noteSchema).max(LIMITS.listItems),
  predictions: z
    .array(predictionSchema)
    .max(QUESTION_LIMITS.perLesson)
    .superRefine((predictions, ctx) => {
      const seen = new Set<string>();
      predictions.forEach((p, index) => {
        if (seen.has(p.question)) ctx.addIssue({ code: 'custom', message: `question "${p.question}" is answered twice`, path: [index, 'question'], input: p.question });
        seen.add(p.question);
      });
    })
    .optional(),
});

// ---- Trace batches. The payload stays a string in the parsed log; it is parsed here only to check it.

const batchSchema = z
  .strictObject({
    trial: count,
    actor: id,
    firstSeq: count,
    count,
    tFirst: z.number(),
    tLast: z.number(),
    payload: z.string().max(LIMITS.payloadChars),
  })
  .superRefine((batch, ctx) => {
    const problem = payloadProblem(batch.payload, batch.count);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path, input: problem.input });
  });

export const runLogSchema = z.strictObject({
  format: z.literal(RUN_LOG_FORMAT),
  version: z.literal(RUN_LOG_VERSION),
  exportedAt: isoTime,
  app: z.strictObject({ name, version: name }),
  run: runSchema,
  // Batches are not cross-checked against run.trials: a crash-interrupted run keeps events of a trial whose
  // record was never written, and its log must still import.
  events: z.array(batchSchema).max(LIMITS.batches),
});

/** JSON Schema (draft 2020-12) of the run log for documentation; payload and JSON-value checks are code only. */
export function runLogJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(runLogSchema, { unrepresentable: 'any' }) as Record<string, unknown>;
}

// ---- Build, serialize, parse.

export function buildRunLog(
  run: RunRecord,
  batches: readonly EventBatch[],
  appVersion: string,
  exportedAt: Date = new Date(),
): RunLog {
  return {
    format: RUN_LOG_FORMAT,
    version: RUN_LOG_VERSION,
    exportedAt: exportedAt.toISOString(),
    app: { name: APP_NAME, version: appVersion },
    run,
    events: [...batches],
  };
}

/** UTF-8 JSON, gzip-compressed when asked (parseRunLog recognizes both). */
export function serializeRunLog(log: RunLog, opts: { readonly gzip?: boolean } = {}): Buffer {
  const json = Buffer.from(JSON.stringify(log), 'utf8');
  return opts.gzip === true ? gzipSync(json) : json;
}

/**
 * Parses and validates a run log (gzip detected by its magic bytes); throws RunLogError on any problem.
 * Sizes are checked before anything is materialised: the file's bytes, then the decompressed text's shape
 * (depth, lengths, counts; while it is inflated), then each field, then what the fields must agree on.
 */
export async function parseRunLog(bytes: Buffer | string, opts: ParseRunLogOptions = {}): Promise<RunLog> {
  const maxBytes = opts.maxBytes ?? runLogByteLimit();
  const document = await decodeDocument(bytes, maxBytes);

  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw fileError(`not a Concurrency Lab run log: expected a JSON object, found ${describe(document)}`, '', document);
  }
  const { format, version } = document as { format?: unknown; version?: unknown };
  if (format !== RUN_LOG_FORMAT) {
    throw fileError(
      `not a Concurrency Lab run log: format is ${describe(format)}, expected "${RUN_LOG_FORMAT}"`,
      'format',
      format,
    );
  }
  if (typeof version === 'number' && Number.isInteger(version) && version > RUN_LOG_VERSION) {
    throw fileError(
      `run log version ${version} is newer than this Concurrency Lab understands (${RUN_LOG_VERSION}); update the app`,
      'version',
      version,
    );
  }

  const result = runLogSchema.safeParse(document, { reportInput: true });
  if (!result.success) {
    throw invalid(
      result.error.issues.map(
        (issue): RunLogIssue => ({
          path: formatPath(issue.path),
          message: issue.message,
          received: 'input' in issue ? describe(issue.input) : 'nothing',
        }),
      ),
    );
  }
  const log: RunLog = result.data;
  const conflicts = [...trialIndexConflicts(log.run), ...batchConflicts(log.events)];
  if (conflicts.length > 0) throw invalid(conflicts);
  return log;
}

/** What a log's fields must agree on beyond the schema (trial indexes, batch ranges): for logs inside other files. */
export function runLogConflicts(log: RunLog): RunLogIssue[] {
  return [...trialIndexConflicts(log.run), ...batchConflicts(log.events)];
}

function invalid(issues: readonly RunLogIssue[]): RunLogError {
  const shown = issues.slice(0, 3).map((issue) => `${issue.path || '(top)'}: ${issue.message}`);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return new RunLogError(
    `run log is not valid: ${issues.length} problem${issues.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}`,
    issues,
  );
}

async function decodeDocument(input: Buffer | string, maxBytes: number): Promise<unknown> {
  let bytes: Buffer;
  if (typeof input === 'string') {
    // UTF-8 never needs fewer bytes than UTF-16 code units, so a string this long encodes past the cap too.
    if (input.length > maxBytes) throw tooLarge(maxBytes);
    if (LONE_SURROGATE.test(input)) throw new RunLogError('run log text holds a lone UTF-16 surrogate: it is not valid Unicode text');
    bytes = Buffer.from(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input, 'utf8');
  } else {
    bytes = input;
  }
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  const limits = documentLimits(maxBytes);
  try {
    return isGzip(bytes) ? parseJsonText(await inflateCheckedJson(bytes, limits)) : parseCheckedJson(bytes, limits);
  } catch (error) {
    if (!(error instanceof UntrustedInputError)) throw error;
    const message = `run log ${error.message}`;
    throw new RunLogError(message, [{ path: error.path, message: error.problem, received: 'the file as it is' }]);
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function tooLarge(maxBytes: number): RunLogError {
  const why = maxBytes < DEFAULT_MAX_RUN_LOG_BYTES && maxBytes === runLogByteLimit() ? `, the most this process's memory can parse` : '';
  return new RunLogError(`run log is larger than ${maxBytes} bytes${why}; refusing to read it`);
}

function fileError(message: string, path: string, received: unknown): RunLogError {
  return new RunLogError(message, [{ path, message, received: describe(received) }]);
}

// ---- Checks the schema delegates to code.

interface ValueProblem {
  readonly path: (string | number)[];
  readonly message: string;
  readonly input: unknown;
}

/** First problem of a JSON value, with the path inside it; null when it is a bounded JSON value. */
function jsonValueProblem(value: unknown, depth: number): ValueProblem | null {
  if (depth > LIMITS.jsonDepth) return { path: [], message: `nested deeper than ${LIMITS.jsonDepth} levels`, input: value };
  switch (typeof value) {
    case 'string':
      return value.length > LIMITS.jsonStringChars
        ? { path: [], message: `string longer than ${LIMITS.jsonStringChars} characters`, input: value }
        : null;
    case 'number':
      return Number.isFinite(value) ? null : { path: [], message: 'expected a finite number', input: value };
    case 'boolean':
      return null;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        if (value.length > LIMITS.jsonArrayItems) {
          return { path: [], message: `array longer than ${LIMITS.jsonArrayItems} items`, input: value };
        }
        for (let index = 0; index < value.length; index++) {
          const inner = jsonValueProblem(value[index], depth + 1);
          if (inner !== null) return { ...inner, path: [index, ...inner.path] };
        }
        return null;
      }
      const keys = Object.keys(value);
      if (keys.length > LIMITS.jsonObjectKeys) {
        return { path: [], message: `object with more than ${LIMITS.jsonObjectKeys} keys`, input: value };
      }
      for (const key of keys) {
        const inner = jsonValueProblem((value as Record<string, unknown>)[key], depth + 1);
        if (inner !== null) return { ...inner, path: [key, ...inner.path] };
      }
      return null;
    }
    default:
      return { path: [], message: 'expected a JSON value', input: value };
  }
}

/** First problem of a batch payload: JSON text of [seq, t, op, ph, data?][] with `expectedCount` rows. */
function payloadProblem(payload: string, expectedCount: number): ValueProblem | null {
  if (payload.length > LIMITS.payloadChars) return null; // the schema reports it
  let rows: unknown;
  try {
    rows = parseCheckedJson(payload, PAYLOAD_LIMITS);
  } catch (error) {
    if (!(error instanceof UntrustedInputError)) throw error;
    return {
      path: ['payload', ...error.segments],
      message: `payload ${/^not valid JSON/.test(error.problem) ? 'is ' : 'holds '}${error.problem}`,
      input: payload,
    };
  }
  if (!Array.isArray(rows)) {
    return { path: ['payload'], message: 'payload must be a JSON array of [seq, t, op, ph, data?] rows', input: rows };
  }
  if (rows.length > LIMITS.eventsPerBatch) {
    return { path: ['payload'], message: `payload holds more than ${LIMITS.eventsPerBatch} events`, input: rows };
  }
  for (let index = 0; index < rows.length; index++) {
    const problem = eventRowProblem(rows[index]);
    if (problem !== null) return { ...problem, path: ['payload', index, ...problem.path] };
  }
  if (rows.length !== expectedCount) {
    return { path: ['count'], message: `count is ${expectedCount} but the payload holds ${rows.length} events`, input: expectedCount };
  }
  return null;
}

function eventRowProblem(row: unknown): ValueProblem | null {
  if (!Array.isArray(row) || row.length < 4 || row.length > 6) {
    return { path: [], message: 'expected an event row [seq, t, op, ph], [seq, t, op, ph, data] or [seq, t, op, ph, data, step]', input: row };
  }
  const [seq, t, op, ph] = row as unknown[];
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) {
    return { path: [0], message: 'seq: expected a non-negative integer', input: seq };
  }
  if (typeof t !== 'number' || !Number.isFinite(t)) return { path: [1], message: 't: expected a finite number', input: t };
  if (typeof op !== 'string' || op.length === 0 || op.length > LIMITS.idChars) {
    return { path: [2], message: `op: expected a string of 1 to ${LIMITS.idChars} characters`, input: op };
  }
  if (!TRACE_PHASES.includes(ph as (typeof TRACE_PHASES)[number])) {
    return { path: [3], message: 'ph: expected "B", "E" or "I"', input: ph };
  }
  if (row.length === 6 && (!Number.isSafeInteger(row[5]) || (row[5] as number) < 0)) {
    return { path: [5], message: 'step: expected a non-negative integer', input: row[5] };
  }
  if (row.length >= 5) {
    const data: unknown = row[4];
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      return { path: [4], message: 'data: expected an object', input: data };
    }
    const inner = jsonValueProblem(data, 1);
    if (inner !== null) return { ...inner, path: [4, ...inner.path] };
  }
  return null;
}

// ---- What fields must agree on. A store keyed by them would otherwise keep one of two and drop the other.

/** Two trials with one index: the second would replace the first. */
function trialIndexConflicts(run: RunLog['run']): RunLogIssue[] {
  const issues: RunLogIssue[] = [];
  const firstAt = new Map<number, number>();
  run.trials.forEach((trial, position) => {
    const earlier = firstAt.get(trial.index);
    if (earlier === undefined) firstAt.set(trial.index, position);
    else {
      issues.push({
        path: `run.trials[${position}].index`,
        message: `trial index ${trial.index} appears twice (also run.trials[${earlier}]); each trial must have its own index`,
        received: String(trial.index),
      });
    }
  });
  return issues;
}

/**
 * Batches of one actor in one trial that cover the same sequence numbers (the same first sequence number, or
 * overlapping ranges): the store would keep one of them and the run's event count would be wrong.
 */
function batchConflicts(batches: readonly EventBatch[]): RunLogIssue[] {
  const byActor = new Map<string, number[]>();
  batches.forEach((batch, position) => {
    const key = JSON.stringify([batch.trial, batch.actor]);
    const positions = byActor.get(key);
    if (positions) positions.push(position);
    else byActor.set(key, [position]);
  });
  const end = (batch: EventBatch): number => batch.firstSeq + batch.count;
  const range = (batch: EventBatch): string => `events ${batch.firstSeq}-${end(batch) - 1}`;
  const issues: RunLogIssue[] = [];
  for (const positions of byActor.values()) {
    positions.sort((a, b) => batches[a]!.firstSeq - batches[b]!.firstSeq || a - b);
    // Sorted by first sequence number, each batch must start past the furthest end so far, and never where
    // the previous one starts (which an empty batch would otherwise allow).
    let furthest = positions[0]!;
    for (let k = 1; k < positions.length; k++) {
      const position = positions[k]!;
      const batch = batches[position]!;
      const previous = positions[k - 1]!;
      const other = batch.firstSeq === batches[previous]!.firstSeq ? previous : batch.firstSeq < end(batches[furthest]!) ? furthest : null;
      if (other !== null) {
        const what = other === previous && batch.firstSeq === batches[previous]!.firstSeq ? 'starts at the same sequence number as' : 'overlaps the sequence numbers of';
        issues.push({
          path: `events[${position}].firstSeq`,
          message: `trial ${batch.trial}, actor ${JSON.stringify(batch.actor)}: this batch (${range(batch)}) ${what} events[${other}] (${range(batches[other]!)})`,
          received: String(batch.firstSeq),
        });
        if (issues.length >= 100) return issues;
      }
      if (end(batch) > end(batches[furthest]!)) furthest = position;
    }
  }
  return issues;
}

// ---- Presenting problems to a person.

/** "run.trials[0].wallMs" from ['run', 'trials', 0, 'wallMs']. */
export const formatPath = formatJsonPath;

/** A short, safe description of a value found in a file (never the whole value). */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value.length > 60 ? `${JSON.stringify(value.slice(0, 60))}… (string)` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 5).join(', ');
    return keys.length === 0 ? 'an empty object' : `an object with keys ${shown}${keys.length > 5 ? ', …' : ''}`;
  }
  return typeof value;
}
