/**
 * The wire: how requests, responses and live run events travel between a front end and LabService,
 * over Electron IPC (the app) or a loopback WebSocket (browser mode). Every message is a tagged union
 * member with a `type`; requests carry an id that their response repeats; errors are plain data.
 *
 * Pure: zod and the pure model only.
 */
import { z } from 'zod';
import { RUN_STATUSES, type RunStatus } from '../model/run-model';
import { TRIAL_SUMMARIES_KEPT, TRIAL_SUMMARY_MAX_CLAIMS, TRIAL_SUMMARY_MAX_RECORDS } from '../model/trial-summary';
import type { EventBatch, RunProgress, SpecIssue, TrialSummary } from './dto';

export const PROTOCOL_VERSION = 1;

export { CHANNEL_PREFIX, IPC_CHANNELS } from './channels';

/** Browser mode: the WebSocket endpoint, reached as `ws://127.0.0.1:<port>/ws?token=<token>`. */
export const WS_PATH = '/ws';
export const TOKEN_PARAM = 'token';

/**
 * Live events are batched and throttled per run: at most one `run-live` message per
 * LIVE_FLUSH_INTERVAL_MS (10 per second), plus one `run-ended`. A view redraws at most that often
 * whatever the run's event rate, and 100,000 events arrive as a few hundred messages.
 */
export const LIVE_FLUSH_INTERVAL_MS = 100;
export const LIVE_MAX_MESSAGES_PER_SECOND = 1000 / LIVE_FLUSH_INTERVAL_MS;

export const ERROR_CODES = ['bad-request', 'bad-input', 'not-found', 'conflict', 'unavailable', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error as it crosses the wire: a name and a message a person can act on, never a live object. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code: ErrorCode;
  /** For bad specs: every problem with its JSON path. */
  readonly issues?: readonly SpecIssue[];
}

export interface RequestMessage {
  readonly type: 'request';
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

export type ResponseMessage =
  | { readonly type: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'response'; readonly id: number; readonly ok: false; readonly error: WireError };

export type LiveEvent =
  | {
      readonly type: 'run-live';
      readonly runId: string;
      /** Counts this run's run-live messages from 1, so a gap is visible. */
      readonly seq: number;
      /** The latest progress since the last message, if any. */
      readonly progress: RunProgress | null;
      /** Every event batch since the last message, in arrival order. */
      readonly batches: readonly EventBatch[];
      /**
       * Set on the marker sent to a connection that fell behind: how many of the run's events it was not sent
       * live (they are in the stored trace); the marker carries no batches and the seq of the last message skipped.
       */
      readonly skippedEvents?: number;
      /** On that marker: of those, the lock steps' events (acquire, release; summarised ones included), for the counters. */
      readonly skippedOps?: { readonly acquire: number; readonly release: number };
      /** The trials that finished since the last message (on a marker: those of the messages skipped), in order. */
      readonly trials?: readonly TrialSummary[];
    }
  | {
      /**
       * What a page that subscribes to a running run gets first (runs.subscribe): the run so far, as the
       * run-live messages up to `seq` carried it, in one or more parts (each at most about
       * LIVE_MESSAGE_MAX_BYTES of batches, `last` on the final one). The next run-live message it gets is
       * `seq + 1`: nothing between is missing and nothing is sent twice.
       */
      readonly type: 'run-catchup';
      readonly runId: string;
      /** The seq of the last run-live message these batches were sent in (0 when none was sent yet). */
      readonly seq: number;
      /** The latest progress sent so far (which trial of how many), if any. */
      readonly progress: RunProgress | null;
      /** The current trial's events from its first one on, in the order they were sent live. */
      readonly batches: readonly EventBatch[];
      /** On the last part: events sent before `seq` that are not in the catch-up (earlier trials, past the cap); they are stored. */
      readonly skippedEvents: number;
      /** On the last part: of those, the lock steps' events (acquire, release; summarised ones included), for the counters. */
      readonly skippedOps?: { readonly acquire: number; readonly release: number };
      /** On the first part: every trial finished so far (the latest TRIAL_SUMMARIES_KEPT), for the trial bar. */
      readonly trials?: readonly TrialSummary[];
      /** Parts count from 1. */
      readonly part: number;
      readonly last: boolean;
    }
  | { readonly type: 'run-ended'; readonly runId: string; readonly status: RunStatus | null; readonly error: WireError | null };

export interface EventMessage {
  readonly type: 'event';
  readonly event: LiveEvent;
}

export interface HelloMessage {
  readonly type: 'hello';
  readonly protocol: number;
  readonly version: string;
}

/**
 * Sent by a browser after it has taken in a `run-live` message (handed it to the page): the server sends a
 * connection that acknowledges at most LIVE_WINDOW_MESSAGES run-live messages per run ahead of its acknowledgements;
 * past that the run's messages are skipped for it (then one marker), as for a connection that does not read.
 */
export interface LiveAckMessage {
  readonly type: 'live-ack';
  readonly runId: string;
  readonly seq: number;
}

export type ClientMessage = RequestMessage | LiveAckMessage;
export type ServerMessage = ResponseMessage | EventMessage | HelloMessage;

// ------------------------------------------------------------------ runtime schemas (both ends)

const MAX_ID = Number.MAX_SAFE_INTEGER;

export const requestMessageSchema = z.strictObject({
  type: z.literal('request'),
  id: z.number().int().min(0).max(MAX_ID),
  method: z.string().min(1).max(64),
  params: z.unknown(),
});
export const liveAckMessageSchema = z.strictObject({
  type: z.literal('live-ack'),
  runId: z.string().min(1).max(64),
  seq: z.number().int().min(0).max(MAX_ID),
});
export const clientMessageSchema = z.discriminatedUnion('type', [requestMessageSchema, liveAckMessageSchema]);

const specIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
  received: z.string().optional(),
  expected: z.string().optional(),
  zh: z.object({ message: z.string(), expected: z.string().optional(), received: z.string().optional() }).optional(),
});

export const wireErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  code: z.enum(ERROR_CODES),
  issues: z.array(specIssueSchema).optional(),
});

export const eventBatchSchema = z.object({
  trial: z.number().int().min(0),
  actor: z.string(),
  firstSeq: z.number().int(),
  count: z.number().int().min(0),
  tFirst: z.number(),
  tLast: z.number(),
  payload: z.string(),
});

const CLAIM_STATUSES = ['holds', 'fails', 'inconclusive'] as const;

export const trialSummarySchema = z.object({
  index: z.number().int().min(0),
  warmup: z.boolean(),
  status: z.enum(RUN_STATUSES),
  wallMs: z.number(),
  eventCount: z.number().int().min(0),
  deadlock: z.boolean(),
  error: z.string().nullable(),
  records: z.array(z.object({ name: z.string(), count: z.number().int().min(0), last: z.string() })).max(TRIAL_SUMMARY_MAX_RECORDS),
  claims: z.array(z.object({ id: z.string(), status: z.enum(CLAIM_STATUSES) })).max(TRIAL_SUMMARY_MAX_CLAIMS),
});
const trialSummariesSchema = z.array(trialSummarySchema).max(TRIAL_SUMMARIES_KEPT);

export const runProgressSchema = z.object({
  runId: z.string(),
  trial: z.number().int(),
  trials: z.number().int(),
  warmup: z.boolean(),
  phase: z.enum(['started', 'trial-done', 'finished']),
  elapsedMs: z.number(),
  events: z.number(),
  status: z.enum(RUN_STATUSES).optional(),
  finished: trialSummarySchema.optional(),
});

export const liveEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run-live'),
    runId: z.string(),
    seq: z.number().int().min(1),
    progress: runProgressSchema.nullable(),
    batches: z.array(eventBatchSchema),
    skippedEvents: z.number().int().min(0).optional(),
    skippedOps: z.object({ acquire: z.number().int().min(0), release: z.number().int().min(0) }).optional(),
    trials: trialSummariesSchema.optional(),
  }),
  z.object({
    type: z.literal('run-catchup'),
    runId: z.string(),
    seq: z.number().int().min(0),
    progress: runProgressSchema.nullable(),
    batches: z.array(eventBatchSchema),
    skippedEvents: z.number().int().min(0),
    skippedOps: z.object({ acquire: z.number().int().min(0), release: z.number().int().min(0) }).optional(),
    trials: trialSummariesSchema.optional(),
    part: z.number().int().min(1),
    last: z.boolean(),
  }),
  z.object({ type: z.literal('run-ended'), runId: z.string(), status: z.enum(RUN_STATUSES).nullable(), error: wireErrorSchema.nullable() }),
]);

// A plain union: two members share type 'response' (told apart by `ok`).
export const serverMessageSchema = z.union([
  z.object({ type: z.literal('response'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ type: z.literal('response'), id: z.number().int(), ok: z.literal(false), error: wireErrorSchema }),
  z.object({ type: z.literal('event'), event: liveEventSchema }),
  z.object({ type: z.literal('hello'), protocol: z.number().int(), version: z.string() }),
]);

/** Turns anything thrown into a WireError; `code` comes from the error when it has a known one. */
export function toWireError(error: unknown, fallback: ErrorCode = 'internal'): WireError {
  if (error !== null && typeof error === 'object') {
    const candidate = error as { name?: unknown; message?: unknown; code?: unknown; issues?: unknown };
    const code = (ERROR_CODES as readonly unknown[]).includes(candidate.code) ? (candidate.code as ErrorCode) : fallback;
    const issues = Array.isArray(candidate.issues) && candidate.issues.length > 0 ? (candidate.issues as SpecIssue[]).map((issue) => ({ ...issue })) : undefined;
    return {
      name: typeof candidate.name === 'string' ? candidate.name : 'Error',
      message: typeof candidate.message === 'string' ? candidate.message : String(error),
      code,
      ...(issues ? { issues } : {}),
    };
  }
  return { name: 'Error', message: String(error), code: fallback };
}

/** A WireError turned back into something throwable on the receiving side. */
export class RemoteError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly SpecIssue[];
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.code = wire.code;
    this.issues = wire.issues ?? [];
  }
}
