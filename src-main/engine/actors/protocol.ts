import { runMessage } from '../../model/run-wording';
import type { ActorKind } from '../../model/run-model';
import type { ByteLimit, EffectiveLimits } from '../spec/limits';
import type { Spec } from '../../model/spec-schema';
import type { EventBatch } from '../../model/trace-event';
import type { RingBatch } from '../trace/event-columns';

/**
 * Messages between the runner and its actors. Every message is tagged; requests carry ids; errors
 * cross as plain data. Both ends switch exhaustively and fail loudly on an unknown type.
 */

export interface ActorIdentity {
  /** Dense index over all instances of the trial: the actor's row in the shared wait table. */
  readonly id: number;
  readonly name: string;
  readonly group: string;
  readonly index: number;
  readonly kind: ActorKind;
  readonly daemon: boolean;
}

export interface ActorInit {
  readonly runId: string;
  readonly trial: number;
  /** The run's clock origin, process.hrtime.bigint() as decimal text (JSON cannot carry a bigint). */
  readonly runStartNs: string;
  readonly spec: Spec;
  readonly actor: ActorIdentity;
  readonly actorCount: number;
  /** Threads get the run's shared memory itself. */
  readonly memory?: SharedArrayBuffer;
  /** A thread's word in that memory counting its batches out (ACTOR_BATCHES_OUT), for its host to count down. */
  readonly batchesOutWord?: number;
  /** Set for a thread whose program traces many events in loops: it warms its trace before it starts (see trace/trace-warmup.ts). */
  readonly warmTrace?: boolean;
  /** Processes get a private copy of the shared variables' words, taken when they were spawned. */
  readonly privateWords?: readonly number[];
  readonly workDir: string;
  readonly eventBudget: number;
  /** The trial's byte limits: the actor refuses to send one value they could never hold. */
  readonly byteLimits: Pick<EffectiveLimits, ByteLimit>;
  readonly runnerPid: number;
  /**
   * Set when the host answers this actor's event batches (a forked actor, on its credit pipe, fd 4): the actor
   * waits before a batch that would bring its unanswered batches past this many payload bytes.
   */
  readonly traceWindowBytes?: number;
  /** A thread's ring of columns (see trace/event-columns.ts), made by its host: its events are kept and sent there. */
  readonly traceRing?: SharedArrayBuffer;
  /** Set for a pool worker: it serves the pool's tasks instead of running a program. */
  readonly pool?: string;
  /** Where the trial's servers listen. */
  readonly servers?: Readonly<Record<string, { readonly host: '127.0.0.1' | '::1'; readonly port: number; readonly protocol: 'tcp' | 'udp' | 'http' }>>;
}

/** A task handed to a pool worker. */
export interface PoolTask {
  readonly task: number;
  readonly function: string;
  readonly arg: unknown;
}

export type BrokerRequest =
  | { readonly type: 'queue.put'; readonly queue: string; readonly value: unknown; readonly priority?: unknown; readonly blocking: boolean; readonly timeoutMs?: number | undefined }
  | { readonly type: 'queue.get'; readonly queue: string; readonly blocking: boolean; readonly timeoutMs?: number | undefined }
  | { readonly type: 'queue.task_done'; readonly queue: string }
  | { readonly type: 'queue.join'; readonly queue: string; readonly timeoutMs?: number | undefined }
  | { readonly type: 'actor.spawn'; readonly group: string; readonly index?: number | undefined }
  | { readonly type: 'actor.join'; readonly group: string; readonly index?: number | undefined; readonly timeoutMs?: number | undefined }
  | { readonly type: 'actor.terminate'; readonly group: string; readonly index?: number | undefined }
  | { readonly type: 'actor.is_alive'; readonly group: string; readonly index?: number | undefined }
  | { readonly type: 'actor.list'; readonly group?: string | undefined }
  | { readonly type: 'pool.submit'; readonly pool: string; readonly function: string; readonly arg: unknown; readonly callback?: string | undefined }
  | { readonly type: 'pool.map'; readonly pool: string; readonly function: string; readonly args: readonly unknown[] }
  | { readonly type: 'pool.result'; readonly future: string; readonly timeoutMs?: number | undefined }
  | { readonly type: 'pool.shutdown'; readonly pool: string; readonly wait: boolean }
  | { readonly type: 'pool.next'; readonly pool: string }
  | { readonly type: 'pool.done'; readonly pool: string; readonly task: number; readonly ok: boolean; readonly value: unknown; readonly error: string | null }
  | { readonly type: 'managed.read'; readonly name: string; readonly index?: unknown }
  | { readonly type: 'managed.write'; readonly name: string; readonly index?: unknown; readonly value: unknown }
  | { readonly type: 'managed.add'; readonly name: string; readonly index?: unknown; readonly delta: number }
  | { readonly type: 'prim.acquire'; readonly prim: string; readonly blocking: boolean; readonly timeoutMs?: number | undefined }
  | { readonly type: 'prim.release'; readonly prim: string }
  | { readonly type: 'prim.wait'; readonly prim: string; readonly timeoutMs?: number | undefined }
  | { readonly type: 'prim.set'; readonly prim: string }
  | { readonly type: 'prim.clear'; readonly prim: string }
  | { readonly type: 'prim.notify'; readonly prim: string; readonly count: number };

/** The value a request asks the runner to hold, and which byte limit counts it (null: none). */
export function heldValue(request: BrokerRequest): { readonly limit: ByteLimit; readonly value: unknown; readonly where: string } | null {
  switch (request.type) {
    case 'queue.put':
      return { limit: 'maxQueueBytes', value: request.value, where: runMessage('where-queue', { queue: request.queue }) };
    case 'managed.write':
      return { limit: 'maxManagedBytes', value: request.value, where: runMessage('where-write', { name: request.name }) };
    case 'pool.submit':
      return { limit: 'maxQueueBytes', value: request.arg, where: runMessage('where-pool-submit', { pool: request.pool }) };
    case 'pool.map':
      return { limit: 'maxQueueBytes', value: request.args, where: runMessage('where-pool-map', { pool: request.pool }) };
    case 'pool.done':
      return { limit: 'maxQueueBytes', value: request.value, where: runMessage('where-pool-result', { pool: request.pool }) };
    default:
      return null;
  }
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
}

export type RunnerToActor =
  | { readonly type: 'init'; readonly init: ActorInit }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: SerializedError }
  | { readonly type: 'stop' };

export type ActorToRunner =
  | { readonly type: 'started'; readonly pid: number; readonly ppid: number; readonly threadId: number; readonly t: number }
  /** `answer`: the actor counts this batch in its trace window until the host answers it (traceWindowBytes). */
  | { readonly type: 'events'; readonly batch: EventBatch; readonly recordBytes: number; readonly answer?: true }
  | { readonly type: 'call'; readonly id: number; readonly request: BrokerRequest }
  | {
      readonly type: 'done';
      readonly ok: boolean;
      readonly error: string | null;
      readonly emitted: number;
      readonly dropped: number;
      readonly t: number;
      /** The host process's own usage: meaningful for process actors (a thread shares the runner's process). */
      readonly usage: ActorUsage;
    };

/** What a thread actor posts to its host: a runner's message, or a batch of events in columns that its host encodes. */
export type ThreadToHost = ActorToRunner | { readonly type: 'event-columns'; readonly batch: RingBatch };

export interface ActorUsage {
  readonly userUs: number;
  readonly systemUs: number;
  readonly maxRssKb: number;
}

export function currentUsage(): ActorUsage {
  const usage = process.resourceUsage();
  return { userUs: usage.userCPUTime, systemUs: usage.systemCPUTime, maxRssKb: usage.maxRSS };
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

