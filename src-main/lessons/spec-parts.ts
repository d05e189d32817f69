import type { AuthoredCheck, AuthoredQuantity, AuthoredStep, AuthoredValue } from '../model/spec-schema';

/** Pieces of specs several lessons build the same way. */

/** The field `key` of the object held in the local `local`. */
export const field = (local: string, key: string): AuthoredValue => ({ at: [{ ref: local }, key] });

/** A `record` step per key of the object in `local`, named `<local><Key>` (a probe's result, field by field). */
export const recordFields = (local: string, keys: readonly string[]): AuthoredStep[] =>
  keys.map((key): AuthoredStep => ({ op: 'record', name: `${local}${key[0]!.toUpperCase()}${key.slice(1)}`, value: field(local, key) }));

/**
 * The parallel phase really had more than one core, at full speed. Its CPU is at least 1.6 × its wall time
 * (more than one core at once), and at most 1.2 × the CPU the same work took done sequentially (each core as
 * fast as the one the sequential phase had: on a shared machine two busy cores can each run much slower than
 * one, and CPU time does not show it). A claim of parallel speed-up is `given` this, so when the machine did
 * not give the cores it is inconclusive (with what the phase got) rather than failed.
 */
export const gotCores = (cpu: AuthoredQuantity, phaseRecord: string, sequentialCpuRecord: string): AuthoredCheck => ({
  all: [
    { compare: [cpu, '>=', { record: phaseRecord }], factor: 1.6 },
    { compare: [cpu, '<=', { record: sequentialCpuRecord }], factor: 1.2 },
  ],
});
