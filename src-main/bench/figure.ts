/**
 * What a benchmark figure group produces: figures, each a median of repeated measurements set beside
 * a baseline measured in the same run (the machines are shared and noisy, so only ratios measured
 * together are compared; see ANCHORS.md).
 */

/** A threshold a figure is judged against: on its value or on its ratio to the baseline. */
export interface Target {
  readonly of: 'value' | 'ratio';
  readonly op: '<=' | '>=';
  readonly limit: number;
}

export interface Figure {
  /** Dotted name, the group's name first (e.g. "spawn.thread"). */
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number | null;
  /** value ÷ baseline, when there is a baseline. */
  readonly ratio: number | null;
  /** The target as text ("ratio <= 1.15"), or null for a figure reported without one. */
  readonly target: string | null;
  /** Null when the figure has no target. False also when a correctness check failed (see notes). */
  readonly meets: boolean | null;
  /** Measurements the median was taken over. */
  readonly samples: number;
  /** What the baseline is, in a few words (shown in the table). */
  readonly baselineLabel: string;
  /** Conditions, secondary numbers and failed checks; shown under the table. */
  readonly notes: readonly string[];
}

export interface FigureInput {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly samples: number;
  readonly baseline?: { readonly value: number; readonly label: string };
  readonly target?: Target;
  /** Correctness checks of the measured runs: any failure makes `meets` false, whatever the numbers. */
  readonly failures?: readonly string[];
  readonly notes?: readonly string[];
}

export function targetText(target: Target): string {
  return `${target.of} ${target.op} ${target.limit}`;
}

export function makeFigure(input: FigureInput): Figure {
  const baseline = input.baseline?.value ?? null;
  const ratio = baseline !== null && baseline !== 0 ? input.value / baseline : null;
  const failures = input.failures ?? [];
  let meets: boolean | null = null;
  if (input.target) {
    const measured = input.target.of === 'ratio' ? ratio : input.value;
    const within = measured !== null && (input.target.op === '<=' ? measured <= input.target.limit : measured >= input.target.limit);
    meets = within && failures.length === 0;
  } else if (failures.length > 0) {
    meets = false;
  }
  return {
    name: input.name,
    value: input.value,
    unit: input.unit,
    baseline,
    ratio,
    target: input.target ? targetText(input.target) : null,
    meets,
    samples: input.samples,
    baselineLabel: input.baseline?.label ?? '',
    notes: [...failures.map((failure) => `FAILED CHECK: ${failure}`), ...(input.notes ?? [])],
  };
}

export interface BenchOptions {
  /** Fewer repetitions and smaller sizes: a smoke check of the bench itself, not figures to quote. */
  readonly quick: boolean;
  /** A folder for this bench run's files (fixtures, databases); removed when the bench ends. */
  readonly scratchDir: string;
  /** Progress for a person watching; never stdout (which carries the table or the JSON). */
  readonly log: (line: string) => void;
}

/** One group of figures, run on its own (`--only <name>`) or with the others. */
export interface FigureGroup {
  readonly name: string;
  readonly description: string;
  run(options: BenchOptions): Promise<Figure[]>;
}
