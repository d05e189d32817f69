/**
 * A claim's evidence, structured: what each comparison read (every quantity with its own value), the
 * factor and offset applied to the right side and the product they give, per counted trial. The engine
 * records it; the results page, the CLI and the HTML report phrase it with `phraseComparison`, so the
 * same quantity reads the same everywhere.
 *
 * Pure data, no Node imports.
 */

/** A value as evidence keeps it: scalars as they are, anything else as its short JSON text. */
export type EvidenceValue = number | string | boolean | null;

/** One quantity a comparison read: what it is (e.g. "cpuTaskMs", "wallMs", "first lock.acquire of a (ms)") and its value. */
export interface EvidenceTerm {
  readonly label: string;
  readonly value: EvidenceValue;
  /** True when the quantity is a constant of the claim (shown as its value alone). */
  readonly constant?: boolean;
}

export type EvidenceOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'before';

/** One comparison a claim made in one trial. */
export interface EvidenceComparison {
  readonly left: EvidenceTerm;
  readonly op: EvidenceOp;
  readonly right: EvidenceTerm;
  /** The right side was scaled: `factor × right + plus` = `product` is what the left side was compared with. */
  readonly factor?: number;
  readonly plus?: number;
  readonly product?: number;
  readonly holds: boolean;
}

/** A claim's verdict in one counted trial, with every comparison it made (flattened, in order). */
export interface ClaimTrialEvidence {
  /** The trial's index (0-based over warm-ups and counted trials). */
  readonly trial: number;
  readonly status: 'holds' | 'fails' | 'inconclusive';
  /** The verdict in plain words. */
  readonly detail: string;
  readonly comparisons: readonly EvidenceComparison[];
  /** Why it could not be judged, as a code of model/run-wording.ts with its values (absent for comparisons and in older runs). */
  readonly detailCode?: string;
  readonly detailParams?: Readonly<Record<string, string | number>>;
}

/** How many comparisons one trial's evidence keeps (a claim's checks nest at most a few levels). */
export const MAX_EVIDENCE_COMPARISONS = 64;

/** A number as evidence shows it: integers as they are, others with 3 decimals below 10 and 1 above. */
export function formatEvidenceValue(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 10 ? 3 : 1);
  }
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value);
  return text === undefined ? 'nothing' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Keeps a value as evidence: scalars as they are, anything else as its short text. */
export function evidenceValue(value: unknown): EvidenceValue {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 197)}...` : value;
  return formatEvidenceValue(value);
}

const SYMBOLS: Readonly<Record<EvidenceOp, string>> = { '==': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥', before: 'before' };

/** The operator as a reader sees it (≥, ≤, ≠, =). */
export function opSymbol(op: EvidenceOp): string {
  return SYMBOLS[op];
}

/** A term with its own value: "cpuProcessMs 678.9", a constant as its value alone. */
export function phraseTerm(term: EvidenceTerm): string {
  const shown = typeof term.value === 'string' && !term.constant ? JSON.stringify(term.value) : formatEvidenceValue(term.value);
  if (term.constant) return typeof term.value === 'string' ? JSON.stringify(term.value) : shown;
  return `${term.label} ${shown}`;
}

/**
 * One comparison in plain words, each quantity with its own value and the product shown as a product:
 * "cpuTaskMs 1119.0 ≥ 1.5 × cpuProcessMs 678.9 = 1018.3"; a failed one says "is not".
 */
export function phraseComparison(c: EvidenceComparison): string {
  const left = phraseTerm(c.left);
  if (c.op === 'before') {
    return `${c.left.label} at ${formatEvidenceValue(c.left.value)} ms ${c.holds ? 'comes before' : 'does not come before'} ${c.right.label} at ${formatEvidenceValue(c.right.value)} ms`;
  }
  const scaled = c.factor !== undefined || c.plus !== undefined;
  let right = phraseTerm(c.right);
  if (scaled) {
    const factor = c.factor ?? 1;
    const plus = c.plus ?? 0;
    // The claim's own factor and offset are shown as written; the quantities and the product as measured.
    right = `${factor === 1 ? '' : `${String(factor)} × `}${right}${plus === 0 ? '' : ` ${plus < 0 ? '−' : '+'} ${String(Math.abs(plus))}`} = ${formatEvidenceValue(c.product ?? null)}`;
  }
  return `${left} ${c.holds ? '' : 'is not '}${opSymbol(c.op)} ${right}`;
}
