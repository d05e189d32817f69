import type { CpuTime } from '../cpu-time';
import type { ErrorData } from '../errors';
import type { ResolvedLoadConfig } from './load-config';

/** Why a connection could not take part. */
export const CONNECT_FAILURE_KINDS = ['refused', 'timeout', 'descriptors', 'address', 'prime', 'other'] as const;
export type ConnectFailureKind = (typeof CONNECT_FAILURE_KINDS)[number];

/** Why a sent request counts as an error rather than answered. */
export const REQUEST_ERROR_KINDS = ['timeout', 'reset', 'closed', 'protocol', 'status', 'cancelled'] as const;
export type RequestErrorKind = (typeof REQUEST_ERROR_KINDS)[number];

export type Tally<K extends string> = Record<K, number>;

export function emptyTally<K extends string>(kinds: readonly K[]): Tally<K> {
  return Object.fromEntries(kinds.map((kind) => [kind, 0])) as Tally<K>;
}

export interface LoadWorkerData {
  readonly config: ResolvedLoadConfig;
  /** Global indexes of this thread's connections (they set each one's phase in an open loop). */
  readonly indexes: readonly number[];
  /** Requests per connection, aligned with indexes (a requests plan), or null (a duration plan). */
  readonly quotas: readonly number[] | null;
}

export interface WorkerCounts {
  readonly sent: number;
  readonly answered: number;
  readonly errors: number;
}

export interface WorkerReport extends WorkerCounts {
  readonly opened: number;
  readonly connectFailures: Tally<ConnectFailureKind>;
  /** One connect failure's message per kind: what a person reads to fix it. */
  readonly connectFailureExamples: Partial<Record<ConnectFailureKind, string>>;
  readonly primed: number;
  readonly errorsByKind: Tally<RequestErrorKind>;
  /** Requests a schedule or quota called for that were never sent, because their connection had died. */
  readonly notSent: number;
  readonly bytesOut: number;
  readonly bytesIn: number;
  /** Latency from the scheduled send time in microseconds, hdr-histogram compressed (encodeIntoCompressedBase64). */
  readonly histogram: string;
  /** Latency from the actual send (open loop; null in a closed loop, where it is the same as `histogram`). */
  readonly sendHistogram: string | null;
  /** Per connection: connect call → connected, and connect call → its first answer (µs). */
  readonly connectHistogram: string;
  readonly firstAnswerHistogram: string;
  /** From this thread's first connect call to the last of its connections' first answers, ms (null: none answered). */
  readonly allFirstAnswersMs: number | null;
  /** From 'go' to the last answer or error, ms. */
  readonly activeMs: number;
  /** This thread's CPU over the measured phase, or null where it cannot be read. */
  readonly cpu: CpuTime | null;
}

export type MainToLoadWorker =
  /** Start the measured phase at this wall-clock time (performance.timeOrigin + performance.now()). */
  | { readonly type: 'go'; readonly atEpochMs: number }
  | { readonly type: 'stop' };

export type LoadWorkerToMain =
  | { readonly type: 'connected'; readonly opened: number; readonly failed: number }
  | { readonly type: 'progress'; readonly counts: WorkerCounts }
  | { readonly type: 'done'; readonly report: WorkerReport }
  | { readonly type: 'failed'; readonly error: ErrorData };
