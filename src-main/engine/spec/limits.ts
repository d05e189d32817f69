import type { Spec } from './spec-schema';
import type { SpecIssue } from './validate';

/**
 * Run limits: caps configured by the person (settings, CLI flags) and the values a spec asks for.
 * A spec may ask for less than a cap, never more; exceeding a cap is a validation error, not a clamp.
 */

export interface LimitCaps {
  /** Actor instances in one trial, all groups together. */
  readonly maxActors: number;
  readonly wallTimeMs: number;
  /** Heap cap of each thread and process actor, in MB. */
  readonly memoryMbPerActor: number;
  /** Trace events kept per trial; beyond it, actors count events instead of recording them. */
  readonly maxEvents: number;
}

export type EffectiveLimits = LimitCaps;

export const DEFAULT_LIMIT_CAPS: LimitCaps = Object.freeze({
  maxActors: 1_000,
  wallTimeMs: 10 * 60_000,
  memoryMbPerActor: 512,
  maxEvents: 5_000_000,
});

const FLAG: Record<keyof LimitCaps, string> = {
  maxActors: '--max-actors',
  wallTimeMs: '--max-wall-ms',
  memoryMbPerActor: '--max-memory-mb',
  maxEvents: '--max-events',
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
    });
  }
  return { limits, issues };
}
