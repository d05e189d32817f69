import type { AuthoredCheck, AuthoredQuantity, AuthoredStep, AuthoredValue } from '../model/spec-schema';

/** Pieces of specs several lessons build the same way. */

/** The field `key` of the object held in the local `local`. */
export const field = (local: string, key: string): AuthoredValue => ({ at: [{ ref: local }, key] });

/** A `record` step per key of the object in `local`, named `<local><Key>` (a probe's result, field by field). */
export const recordFields = (local: string, keys: readonly string[]): AuthoredStep[] =>
  keys.map((key): AuthoredStep => ({ op: 'record', name: `${local}${key[0]!.toUpperCase()}${key.slice(1)}`, value: field(local, key) }));

/**
 * The phase really had more than one core: the CPU it got is at least 1.6 × its wall time. A claim of
 * parallel speed-up is `given` this, so on a busy machine it is inconclusive (with the CPU share the
 * phase got) rather than failed.
 */
export const gotCores = (cpu: AuthoredQuantity, phaseRecord: string): AuthoredCheck => ({ compare: [cpu, '>=', { record: phaseRecord }], factor: 1.6 });
