import { runMessage } from '../../../model/run-wording';
import type { Cond, Value } from '../../../model/spec-schema';
import { applyComparison } from '../../spec/comparison';
import { ownValue } from '../../spec/own-names';
import { assertNever } from '../../../model/assert-never';
import { ByteLimitError, jsonBytes, limitExceeded } from '../../spec/limits';
import { ActorFailure } from './failure';
import type { ActorServices } from './services';

/**
 * Values and conditions compiled once into closures: a step's expression is walked when its program is
 * compiled, and at run time only the closures run (no test of which kind of expression it is).
 * The checks and messages are those of the language's reference: every failure still happens when the
 * step runs, never at compile time.
 */

/** An actor's local names for one scope (the program, or one call of a function). */
export interface Frame {
  readonly locals: Map<string, unknown>;
}

export type Eval = (frame: Frame) => unknown;
export type Test = (frame: Frame) => boolean;

export function asNumber(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new ActorFailure(`${what} must be a number, got ${JSON.stringify(value)}`);
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * limits.maxValueBytes: every value a step builds (a concat, a text, a list, a log message) is measured as it
 * is built, before the string is joined or the list kept, so a value doubled in a loop fails the actor at the
 * cap instead of growing the heap of its thread (for a task or main: the runner's own). `where` names the step.
 */
/** Sizes of the lists steps built (lists are never changed once built): a list of such lists is measured without walking its parts again. */
const builtSizes = new WeakMap<object, number>();

export class ValueGuard {
  constructor(
    private readonly services: ActorServices,
    readonly where: string,
  ) {}

  get limit(): number {
    return this.services.maxValueBytes;
  }

  /** The size limits.maxValueBytes counts for a part of a value, measured no further than the limit. */
  size(value: unknown): number {
    if (typeof value === 'string') return value.length + 2;
    if (value !== null && typeof value === 'object') {
      const known = builtSizes.get(value);
      if (known !== undefined) return known;
    }
    return jsonBytes(value, this.limit);
  }

  /** Fails the actor when `bytes` is over the limit. */
  check(bytes: number, what: string): void {
    if (bytes <= this.limit) return;
    const limit = this.limit;
    throw new ByteLimitError('maxValueBytes', limitExceeded(this.services.self.name, 'maxValueBytes', limit, runMessage('where-building', { what, at: this.where })));
  }

  /** A value as text, refused before it is written out when its text would be over the limit. */
  text(value: unknown, what: string): string {
    if (typeof value === 'string') return value;
    this.check(this.size(value), what);
    return JSON.stringify(value);
  }

  /** Texts joined, refused before joining when the result would be over the limit. */
  join(parts: readonly unknown[], what: string): string {
    let total = 2;
    const texts: string[] = [];
    for (const part of parts) {
      const piece = this.text(part, what);
      total += piece.length;
      this.check(total, what);
      texts.push(piece);
    }
    return texts.join('');
  }

  /** A list built from items, refused when its JSON would be over the limit; its size is kept for lists built from it. */
  list(items: unknown[], what: string): unknown[] {
    let total = 1 + Math.max(1, items.length);
    for (const item of items) {
      total += this.size(item);
      this.check(total, what);
    }
    builtSizes.set(items, total);
    return items;
  }
}

function binary(pair: readonly [Value, Value], what: string, services: ActorServices, op: (a: number, b: number) => number): Eval {
  const left = compileValue(pair[0], services);
  const right = compileValue(pair[1], services);
  return (f) => op(asNumber(left(f), what), asNumber(right(f), what));
}

export function compileValue(value: Value, services: ActorServices, where = 'a step'): Eval {
  return compileGuarded(value, services, new ValueGuard(services, where));
}

function compileGuarded(value: Value, services: ActorServices, guard: ValueGuard): Eval {
  const compileValue = (inner: Value, s: ActorServices): Eval => compileGuarded(inner, s, guard);
  if (value === null || typeof value !== 'object') return () => value;
  if ('ref' in value) {
    const name = value.ref;
    return (f) => {
      const got = f.locals.get(name);
      if (got === undefined && !f.locals.has(name)) throw new ActorFailure(`local ${name} is not set yet (set it with let, or a step's into)`);
      return got;
    };
  }
  if ('self' in value) {
    const key = value.self;
    return () => services.self[key];
  }
  if ('now' in value) return () => services.trace.now() / 1e6;
  if ('add' in value) return binary(value.add, 'add', services, (a, b) => a + b);
  if ('sub' in value) return binary(value.sub, 'sub', services, (a, b) => a - b);
  if ('mul' in value) return binary(value.mul, 'mul', services, (a, b) => a * b);
  if ('div' in value) {
    const left = compileValue(value.div[0], services);
    const right = compileValue(value.div[1], services);
    return (f) => {
      const divisor = asNumber(right(f), 'div');
      if (divisor === 0) throw new ActorFailure('division by zero');
      return asNumber(left(f), 'div') / divisor;
    };
  }
  if ('mod' in value) {
    const left = compileValue(value.mod[0], services);
    const right = compileValue(value.mod[1], services);
    return (f) => {
      const divisor = asNumber(right(f), 'mod');
      if (divisor === 0) throw new ActorFailure('modulo by zero');
      return asNumber(left(f), 'mod') % divisor;
    };
  }
  if ('concat' in value) {
    const parts = value.concat.map((part) => compileValue(part, services));
    return (f) => guard.join(parts.map((part) => part(f)), 'a concat');
  }
  if ('upper' in value) {
    const of = compileValue(value.upper, services);
    return (f) => guard.text(of(f), 'an upper').toUpperCase();
  }
  if ('list' in value) {
    const items = value.list.map((item) => compileValue(item, services));
    return (f) => guard.list(items.map((item) => item(f)), 'a list');
  }
  if ('len' in value) {
    const inner = compileValue(value.len, services);
    return (f) => {
      const of = inner(f);
      if (typeof of === 'string' || Array.isArray(of)) return of.length;
      if (of !== null && typeof of === 'object') return Object.keys(of).length;
      throw new ActorFailure(`len needs a string, list or object, got ${JSON.stringify(of)}`);
    };
  }
  if ('at' in value) {
    const containerOf = compileValue(value.at[0], services);
    const keyOf = compileValue(value.at[1], services);
    return (f) => {
      const container = containerOf(f);
      const key = keyOf(f);
      if (Array.isArray(container) && typeof key === 'number') return container[key] ?? null;
      if (container !== null && typeof container === 'object' && (typeof key === 'string' || typeof key === 'number')) {
        return ownValue(container as Record<string, unknown>, String(key)) ?? null;
      }
      throw new ActorFailure(`cannot take ${JSON.stringify(key)} of ${JSON.stringify(container)}`);
    };
  }
  if ('json' in value) {
    const inner = compileValue(value.json, services);
    return (f) => {
      const source = guard.text(inner(f), 'a json');
      try {
        return JSON.parse(source) as unknown;
      } catch {
        throw new ActorFailure(`not JSON: ${source.slice(0, 60)}`);
      }
    };
  }
  if ('text' in value) {
    const inner = compileValue(value.text, services);
    return (f) => guard.text(inner(f), 'a text');
  }
  if ('floor' in value) {
    const inner = compileValue(value.floor, services);
    return (f) => Math.floor(asNumber(inner(f), 'floor'));
  }
  if ('port' in value) {
    const server = value.port;
    return () => services.net.address(server).port;
  }
  if ('cpu' in value) {
    // CPU time of this actor's whole process (user + system), all its threads together.
    return () => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1_000;
    };
  }
  const unknown: never = value;
  return () => assertNever(unknown, 'value');
}

export function compileCond(cond: Cond, services: ActorServices, where = 'a step'): Test {
  const compileValue = (inner: Value, s: ActorServices): Eval => compileGuarded(inner, s, new ValueGuard(s, where));
  const compileCond = (inner: Cond, s: ActorServices): Test => compileCondAt(inner, s, where);
  if ('compare' in cond) {
    const [leftValue, op, rightValue] = cond.compare;
    const left = compileValue(leftValue, services);
    const right = compileValue(rightValue, services);
    return (f) => applyComparison(left(f), op, right(f));
  }
  if ('not' in cond) {
    const inner = compileCond(cond.not, services);
    return (f) => !inner(f);
  }
  if ('all' in cond) {
    const parts = cond.all.map((c) => compileCond(c, services));
    return (f) => parts.every((part) => part(f));
  }
  if ('any' in cond) {
    const parts = cond.any.map((c) => compileCond(c, services));
    return (f) => parts.some((part) => part(f));
  }
  if ('truthy' in cond) {
    const inner = compileValue(cond.truthy, services);
    return (f) => Boolean(inner(f));
  }
  const unknown: never = cond;
  return () => assertNever(unknown, 'condition');
}

const compileCondAt = compileCond;
