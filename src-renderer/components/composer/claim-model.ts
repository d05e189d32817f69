/**
 * The claim editor's model, without Vue: the kinds of checks and of quantities a claim compares
 * (as spec-schema.ts's claim section defines them), and what a check or a quantity starts as when its
 * kind is switched, taking names the spec declares.
 */

import type { DeclaredNames, Json, JsonObject } from './spec-builder';

export const CHECK_KINDS = ['compare', 'before', 'all', 'any', 'not'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];
export const COMPARISONS = ['<', '<=', '==', '!=', '>=', '>'] as const;
export const QUANTITY_KINDS = ['const', 'metric', 'record', 'shared', 'status', 'actor', 'actors', 'event', 'runner'] as const;
export type QuantityKind = (typeof QUANTITY_KINDS)[number];
export const RECORD_AGGS = ['first', 'last', 'min', 'max', 'sum', 'count', 'distinct', 'all'] as const;
export const ACTOR_FIELDS = ['pid', 'ppid', 'threadId', 'exit', 'startedMs', 'endedMs', 'spawnLatencyMs'] as const;
export const GROUP_FIELDS = ['pid', 'ppid', 'threadId', 'exit'] as const;
export const EVENT_PICKS = ['first', 'last', 'count'] as const;
export const EVENT_PHASES = ['B', 'E', 'I'] as const;
export const RUNNER_FACTS = ['pid', 'threadId', 'cpuCount'] as const;
/** Metrics every run has (more come from sections, servers and pools: section.<name>.max, server.<name>.…). */
export const COMMON_METRICS = ['wallMs', 'cpuUserMs', 'cpuSystemMs', 'events', 'actorsStarted', 'runnerPeakRssMb', 'processPeakRssMb'] as const;

const isObject = (value: Json | undefined): value is JsonObject => value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);

/** The kind of a check, or null when it is none of them (shown as JSON). */
export function checkKind(check: Json | undefined): CheckKind | null {
  if (!isObject(check)) return null;
  if (Array.isArray(check['compare']) && check['compare'].length === 3) return 'compare';
  if (Array.isArray(check['before']) && check['before'].length === 2) return 'before';
  if (Array.isArray(check['all'])) return 'all';
  if (Array.isArray(check['any'])) return 'any';
  if (isObject(check['not'])) return 'not';
  return null;
}

/** The kind of a quantity, or null (shown as JSON). */
export function quantityKind(quantity: Json | undefined): QuantityKind | null {
  if (!isObject(quantity)) return null;
  for (const kind of QUANTITY_KINDS) if (kind in quantity) return kind;
  return null;
}

export function newQuantity(kind: QuantityKind, names: DeclaredNames): JsonObject {
  switch (kind) {
    case 'const':
      return { const: 0 };
    case 'metric':
      return { metric: 'wallMs' };
    case 'record':
      return { record: names.records[0] ?? 'result', agg: 'last' };
    case 'shared':
      return { shared: names.vars[0] ?? '' };
    case 'status':
      return { status: true };
    case 'actor':
      return { actor: names.actors[0] ?? '', field: 'exit' };
    case 'actors':
      return { actors: names.actors[0] ?? '', field: 'exit', agg: 'max' };
    case 'event':
      return { event: { op: 'acquire' }, pick: 'count' };
    case 'runner':
      return { runner: 'cpuCount' };
  }
}

/** A check of `kind`, keeping what the old one had that fits (a compare's sides become a before's). */
export function newCheck(kind: CheckKind, from: Json | undefined, names: DeclaredNames): JsonObject {
  const old = checkKind(from);
  const sides = old === 'compare' ? [(from as { compare: Json[] }).compare[0]!, (from as { compare: Json[] }).compare[2]!] : old === 'before' ? (from as { before: Json[] }).before : null;
  const first = sides?.[0] ?? newQuantity('shared', names);
  const second = sides?.[1] ?? { const: 0 };
  switch (kind) {
    case 'compare':
      return { compare: [first, '==', second] };
    case 'before':
      return { before: [first, second] };
    case 'all':
    case 'any':
      return { [kind]: [old ? (from as JsonObject) : { compare: [first, '==', second] }] };
    case 'not':
      return { not: old ? (from as JsonObject) : { compare: [first, '==', second] } };
  }
}
