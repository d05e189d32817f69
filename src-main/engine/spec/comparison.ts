import type { ComparisonOp } from '../../model/spec-schema';

/** The six comparisons of the step language and of claims' `when`: strict equality, and ordering as numbers. */
export function applyComparison(a: unknown, op: ComparisonOp, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return (a as number) < (b as number);
    case '<=':
      return (a as number) <= (b as number);
    case '>':
      return (a as number) > (b as number);
    case '>=':
      return (a as number) >= (b as number);
  }
}
