/**
 * The value editor's model, without Vue: which kind of value a JSON value is (a constant, a
 * parameter, a local, a fact about the actor, arithmetic on two values, or anything else as JSON), and
 * the value a field takes when its kind is switched.
 */

import type { Json, JsonObject } from './spec-builder';

export const VALUE_KINDS = ['number', 'text', 'bool', 'null', 'param', 'ref', 'self', 'arith', 'json'] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];
export const ARITH_OPS = ['add', 'sub', 'mul', 'div', 'mod'] as const;
export const SELF_FACTS = ['index', 'name', 'group', 'kind', 'pid', 'ppid', 'threadId'] as const;

const isObject = (value: Json): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

export function valueKind(value: Json): ValueKind {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'boolean') return 'bool';
  if (value === null) return 'null';
  if (!isObject(value)) return 'json';
  const keys = Object.keys(value);
  if (keys.length !== 1) return 'json';
  const [key] = keys as [string];
  const inner = value[key]!;
  if (key === 'param' || key === 'ref') return typeof inner === 'string' ? key : 'json';
  if (key === 'self') return typeof inner === 'string' && (SELF_FACTS as readonly string[]).includes(inner) ? 'self' : 'json';
  if ((ARITH_OPS as readonly string[]).includes(key) && Array.isArray(inner) && inner.length === 2) return 'arith';
  return 'json';
}

/** The arithmetic operator of an arithmetic value. */
export function arithOp(value: Json): (typeof ARITH_OPS)[number] {
  const key = isObject(value) ? Object.keys(value)[0] : undefined;
  return (ARITH_OPS as readonly string[]).includes(key ?? '') ? (key as (typeof ARITH_OPS)[number]) : 'add';
}

/** What a field holds once switched to `kind`, keeping what can be kept (a number stays the left side of arithmetic). */
export function valueOfKind(kind: ValueKind, from: Json, params: readonly string[]): Json {
  switch (kind) {
    case 'number':
      return typeof from === 'string' && from.trim() !== '' && Number.isFinite(Number(from)) ? Number(from) : 0;
    case 'text':
      return typeof from === 'number' || typeof from === 'boolean' ? String(from) : '';
    case 'bool':
      return from === true;
    case 'null':
      return null;
    case 'param':
      return { param: params[0] ?? '' };
    case 'ref':
      return { ref: 'x' };
    case 'self':
      return { self: 'index' };
    case 'arith':
      return { add: [valueKind(from) === 'json' ? 0 : from, 1] };
    case 'json':
      return from;
  }
}
