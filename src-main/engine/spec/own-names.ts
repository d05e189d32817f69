/**
 * Names that come from specs are looked up in own properties only. A plain object answers
 * `record["constructor"]` or `record["toString"]` from Object.prototype, so a spec naming an
 * undeclared `constructor` would otherwise reach a function and read, say, word 0 of shared memory.
 * These helpers hold whatever crosses a postMessage or JSON round trip (null-prototype objects do not
 * survive either), so they check `Object.hasOwn` at each lookup instead. Pure: no Node imports.
 */

/**
 * Names every JavaScript object carries through Object.prototype. A spec may not declare a variable,
 * primitive, queue, function, server, pool or parameter with one of these names: too much code (zod's
 * records, spreads, `in`) treats them specially. `__proto__` is refused as any key of a spec.
 */
export const BUILT_IN_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'constructor',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  'toString',
  'valueOf',
]);

export function isBuiltInName(name: string): boolean {
  return BUILT_IN_NAMES.has(name);
}

/** The value of `record`'s own property `name`, or undefined (never an inherited one). */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined | null, name: string): T | undefined {
  return record != null && Object.hasOwn(record, name) ? record[name] : undefined;
}

export function hasOwnName(record: object | undefined | null, name: string): boolean {
  return record != null && Object.hasOwn(record, name);
}

/** Sets an own, enumerable property: unlike `record[key] = value`, a key such as `__proto__` stays a plain key. */
export function setOwnValue<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}
