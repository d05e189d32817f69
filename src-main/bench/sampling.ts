import { median as medianOf } from 'simple-statistics';

/**
 * Repeated measurement: samplers run one after another, round by round, so that slow drift of a
 * shared machine (another job starting, the CPU warming up) touches every sampler alike.
 *
 * Guarantees: no two samplers ever overlap in time; within a round, the order alternates from one
 * round to the next (A B C, then C B A), so no sampler always runs just after the same neighbour.
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no measurements');
  return medianOf([...values]);
}

/** Milliseconds between two readings of process.hrtime.bigint(). */
export function msBetween(fromNs: bigint, toNs: bigint): number {
  return Number(toNs - fromNs) / 1e6;
}

export interface InterleaveOptions {
  /** Rounds run and discarded first: file caches, JIT of the runner's own code. */
  readonly warmupRounds: number;
  readonly rounds: number;
  readonly onRound?: (round: number, rounds: number) => void;
}

/** Runs every sampler once per round; returns each sampler's measurements, warm-up rounds left out. */
export async function interleave<K extends string, S>(
  samplers: Readonly<Record<K, () => Promise<S>>>,
  options: InterleaveOptions,
): Promise<Record<K, S[]>> {
  const names = Object.keys(samplers) as K[];
  const results = Object.fromEntries(names.map((name) => [name, [] as S[]])) as Record<K, S[]>;
  const total = options.warmupRounds + options.rounds;
  for (let round = 0; round < total; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const sample = await samplers[name]();
      if (round >= options.warmupRounds) results[name].push(sample);
    }
    if (round >= options.warmupRounds) options.onRound?.(round - options.warmupRounds + 1, options.rounds);
  }
  return results;
}
