import { runMessage } from '../../model/run-wording';
import type { LimitCaps } from '../../model/limit-caps';
import type { Spec } from '../../model/spec-schema';
import type { SpecIssue } from '../../model/spec-issue';

/**
 * Run limits: caps configured by the person (settings, CLI flags) and the values a spec asks for.
 * A spec may ask for less than a cap, never more; exceeding a cap is a validation error, not a clamp.
 */

export type EffectiveLimits = LimitCaps;

const MB = 1024 * 1024;

/** Byte limits are named by their key; messages print them in MB, KB or B. */
export const BYTE_LIMITS = ['maxEventBytes', 'maxRecordBytes', 'maxManagedBytes', 'maxQueueBytes', 'maxValueBytes'] as const;
export type ByteLimit = (typeof BYTE_LIMITS)[number];

/** "64 MB", "512 KB", "100 B": a byte count as a person reads it (1 MB = 1024 KB). */
export function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${Number((bytes / MB).toFixed(bytes % MB === 0 ? 0 : 1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1))} KB`;
  return `${bytes} B`;
}

/** "actor w exceeded limits.maxQueueBytes (4 MB) on queue jobs": the one wording of every byte-limit failure. */
export function limitExceeded(actor: string, limit: ByteLimit, value: number, detail: string): string {
  return runMessage('byte-limit', { actor, limit, value: formatBytes(value), where: detail });
}

/**
 * A value the trial's byte limits cannot hold. Not an ActorFailure on purpose: nothing in a program
 * (a pool task's error handling, say) may catch it; the actor that met it fails.
 */
export class ByteLimitError extends Error {
  constructor(
    readonly limit: ByteLimit,
    message: string,
  ) {
    super(message);
    this.name = 'ByteLimitError';
  }
}

/** Unwinds a measure or a preview once it has gone past its bound. */
const PAST_BOUND = Symbol('past bound');

/**
 * The size the byte limits count for a value: about its JSON length (strings count their length and quotes,
 * escapes aside), measured without encoding it and no further than `bound`: a result above `bound` means
 * "more than that". A value whose parts are shared (a list holding the same list twice, nested again and
 * again) has a JSON far larger than its memory; it is measured as JSON all the same, and the walk stops at
 * the bound, so measuring never costs more than the limit it is checked against.
 */
export function jsonBytes(value: unknown, bound = Number.MAX_SAFE_INTEGER): number {
  let total = 0;
  const walk = (item: unknown): void => {
    if (total > bound) throw PAST_BOUND;
    switch (typeof item) {
      case 'string':
        total += item.length + 2;
        return;
      case 'number':
        total += Number.isFinite(item) ? String(item).length : 4;
        return;
      case 'boolean':
        total += item ? 4 : 5;
        return;
      case 'object': {
        if (item === null) {
          total += 4;
          return;
        }
        if (Array.isArray(item)) {
          total += 1 + Math.max(1, item.length);
          for (const element of item as unknown[]) walk(element);
          return;
        }
        total += 1;
        let entries = 0;
        for (const key of Object.keys(item)) {
          const member = (item as Record<string, unknown>)[key];
          if (member === undefined) continue;
          total += key.length + 4;
          entries++;
          walk(member);
        }
        if (entries === 0) total += 1;
        return;
      }
      default:
        // undefined (and what JSON cannot hold): null in a list, left out of an object (counted there)
        total += 4;
    }
  };
  try {
    walk(value);
  } catch (error) {
    if (error !== PAST_BOUND) throw error;
  }
  return total;
}

/** The start of a value's JSON, at most about `chars` long, however large the value: for previews. */
export function jsonPrefix(value: unknown, chars: number): string {
  let text = '';
  const write = (part: string): void => {
    text += part;
    if (text.length > chars) throw PAST_BOUND;
  };
  const walk = (item: unknown): void => {
    if (typeof item === 'string') return write(JSON.stringify(item.length > chars ? item.slice(0, chars) : item));
    if (item === null || typeof item !== 'object') return write(JSON.stringify(item) ?? 'null');
    if (Array.isArray(item)) {
      write('[');
      (item as unknown[]).forEach((element, index) => {
        if (index > 0) write(',');
        walk(element);
      });
      return write(']');
    }
    write('{');
    let first = true;
    for (const key of Object.keys(item)) {
      const member = (item as Record<string, unknown>)[key];
      if (member === undefined) continue;
      write(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      walk(member);
    }
    write('}');
  };
  try {
    walk(value);
  } catch (error) {
    if (error !== PAST_BOUND) throw error;
  }
  return text.length > chars ? text.slice(0, chars) : text;
}

/**
 * What holding one more item costs beyond its JSON (its object, its place in a list): counted for each
 * queue item, pool task and result, so a flood of tiny items meets its limit as a flood of large ones does.
 */
export const ITEM_OVERHEAD_BYTES = 64;
/** The same for each event batch the runner keeps (its object and fields besides the payload). */
export const BATCH_OVERHEAD_BYTES = 256;

const FLAG: Record<keyof LimitCaps, string> = {
  maxActors: '--max-actors',
  wallTimeMs: '--max-wall-ms',
  memoryMbPerActor: '--max-memory-mb',
  maxEvents: '--max-events',
  maxEventBytes: '--max-event-bytes',
  maxRecordBytes: '--max-record-bytes',
  maxManagedBytes: '--max-managed-bytes',
  maxQueueBytes: '--max-queue-bytes',
  maxValueBytes: '--max-value-bytes',
};

/** A pool's worker count: its size, else the platform's default for that kind of pool. */
export function poolSize(pool: NonNullable<Spec['pools']>[string], cpuCount: number): number {
  return pool.size ?? (pool.kind === 'process' ? cpuCount : Math.min(32, cpuCount + 4));
}

/** Every actor instance of a trial: the actors' counts, each pool's workers and its callback lane. */
export function totalActorInstances(spec: Spec, cpuCount = defaultCpuCount()): number {
  const actors = spec.actors.reduce((sum, actor) => sum + (actor.count ?? 1), 0);
  return actors + Object.values(spec.pools ?? {}).reduce((sum, pool) => sum + poolSize(pool, cpuCount) + 1, 0);
}

/** Where the caller does not say (a browser, say), the CPU count the platform reports, else 1. */
export function defaultCpuCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

export function resolveLimits(spec: Spec, caps: LimitCaps, cpuCount = defaultCpuCount()): { limits: EffectiveLimits; issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  const asked = spec.limits ?? {};
  const limits = { ...caps };
  for (const key of Object.keys(caps) as (keyof LimitCaps)[]) {
    const value = asked[key];
    if (value === undefined) continue;
    if (value > caps[key]) {
      issues.push({
        path: `limits.${key}`,
        message: `exceeds the configured cap (raise the cap in settings or with ${FLAG[key]})`,
        received: String(value),
        expected: `at most ${caps[key]}`,
        zh: { message: `超过了设定的上限（在设置里或用 ${FLAG[key]} 提高上限）`, expected: `至多 ${caps[key]}` },
      });
    } else {
      limits[key] = value;
    }
  }
  const total = totalActorInstances(spec, cpuCount);
  if (total > limits.maxActors) {
    issues.push({
      path: 'actors',
      message: `${total} actor instances in all (the counts and pool sizes added up) exceed the limit`,
      received: String(total),
      expected: `at most ${limits.maxActors} (limits.maxActors, or ${FLAG.maxActors})`,
      zh: { message: `参与者实例一共 ${total} 个（各数量与池大小相加），超过了上限`, expected: `至多 ${limits.maxActors}（limits.maxActors，或 ${FLAG.maxActors}）` },
    });
  }
  return { limits, issues };
}
