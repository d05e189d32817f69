import { isCpythonRuntime, type ClaimResult, type ClaimStatus, type LocalizedText, type RunEnvironment, type TrialRecord } from '../../model/run-model';
import { applyComparison } from '../spec/comparison';
import type { CheckSpec, ClaimSpec, ComparisonOp, Quantity } from '../../model/spec-schema';
import type { TracePhase } from '../../model/trace-event';
import { ownValue } from '../spec/own-names';
import {
  MAX_EVIDENCE_COMPARISONS,
  evidenceValue,
  formatEvidenceValue,
  phraseComparison,
  type ClaimTrialEvidence,
  type EvidenceComparison,
  type EvidenceTerm,
} from '../../model/claim-evidence';
import { claimDetailText, type ClaimDetailCode, type WordingParams } from '../../model/run-wording';

/**
 * Claims: structured statements about a run, checked after each counted trial. No code is ever
 * evaluated. A claim holds when it holds in every counted trial, fails when it fails in any, and is
 * inconclusive (with the reason) when the machine or the run cannot decide it.
 */

/** An event quantity's selection: an op, and optionally its phase, its name (or primitive, or queue) and its actor or group. */
export interface EventQuery {
  readonly op: string;
  readonly ph?: TracePhase | undefined;
  readonly name?: string | undefined;
  readonly actor?: string | undefined;
}

/** How many events matched a query, and the times (ns) of the first and the last. */
export interface EventTally {
  readonly count: number;
  readonly firstT: number | null;
  readonly lastT: number | null;
}

/**
 * What claims read from a trial's events, gathered while the events streamed past (the trial keeps no
 * batches): every query of `eventQueries(claims)` is followed from the trial's start.
 */
export interface ClaimEvents {
  /** Values of `record` events named `name` of an actor (or a group's actors), in time order (ties by actor, then sequence). */
  records(name: string, actor: string): readonly unknown[];
  matching(query: EventQuery): EventTally;
}

export interface ClaimContext {
  readonly trial: TrialRecord;
  readonly events: ClaimEvents;
  readonly environment: RunEnvironment;
  readonly runnerPid: number;
  readonly runnerThreadId: number;
}

export interface Verdict {
  readonly status: ClaimStatus;
  readonly detail: string;
  /** Every comparison the check made, flattened in order (bounded by MAX_EVIDENCE_COMPARISONS). */
  readonly comparisons: readonly EvidenceComparison[];
  /** Why it could not be judged, as a code with its values (the UI words it in its language); absent for comparisons. */
  readonly detailCode?: ClaimDetailCode;
  readonly detailParams?: WordingParams;
}

/** A verdict that could not be judged, its English detail written from its code. */
function coded(code: ClaimDetailCode, params: WordingParams = {}, comparisons: readonly EvidenceComparison[] = []): Verdict {
  return { status: 'inconclusive', detail: claimDetailText(code, params), comparisons, detailCode: code, detailParams: params };
}

/** A claim that cannot be decided from what the trial measured: its code and values, the English written from them. */
class Undecidable extends Error {
  constructor(
    readonly code: ClaimDetailCode,
    readonly params: WordingParams = {},
  ) {
    super(claimDetailText(code, params));
  }
}

export function claimText(claim: ClaimSpec): LocalizedText {
  return typeof claim.text === 'string' ? { en: claim.text, zh: claim.text } : claim.text;
}

const format = formatEvidenceValue;

/** Whose values are aggregated: a record by its name, or a field of an actor group. */
type Source = { readonly record: string } | { readonly field: string; readonly group: string };

function aggregate(values: readonly unknown[], agg: string, source: Source): unknown {
  if (agg === 'count') return values.length;
  if (agg === 'all') return values;
  if (agg === 'distinct') return new Set(values.map((v) => JSON.stringify(v))).size;
  if (values.length === 0) throw 'record' in source ? new Undecidable('record-no-values', { name: source.record }) : new Undecidable('group-no-values', { ...source });
  if (agg === 'first') return values[0];
  if (agg === 'last') return values[values.length - 1];
  const numbers = values.map((v) => {
    if (typeof v !== 'number') {
      throw 'record' in source ? new Undecidable('record-not-a-number', { name: source.record, value: format(v) }) : new Undecidable('group-not-a-number', { ...source, value: format(v) });
    }
    return v;
  });
  if (agg === 'min') return Math.min(...numbers);
  if (agg === 'max') return Math.max(...numbers);
  return numbers.reduce((a, b) => a + b, 0);
}

class Evaluator {
  constructor(private readonly ctx: ClaimContext) {}

  /** What a quantity is, as a reader names it: a record by its name (its aggregate and actor when not the default last value). */
  describe(q: Quantity): string {
    if ('const' in q) return format(q.const);
    if ('metric' in q) return q.metric;
    if ('record' in q) {
      const agg = q.agg ?? 'last';
      const qualifier = q.actor ? ` (${agg} of ${q.actor})` : agg === 'last' ? '' : ` (${agg})`;
      return `${q.record}${qualifier}`;
    }
    if ('shared' in q) return `final ${q.shared}${q.index === undefined ? '' : `[${q.index}]`}`;
    if ('status' in q) return 'trial status';
    if ('actors' in q) return `${q.field} of ${q.actors} (${q.agg})`;
    if ('actor' in q) return `${q.field} of ${q.actor}`;
    if ('event' in q) {
      const events = `${q.event.op}${q.event.ph ? `.${q.event.ph}` : ''}${q.event.name ? ` ${q.event.name}` : ''}${q.event.actor ? ` of ${q.event.actor}` : ''}`;
      return q.pick === 'count' ? `number of ${events}` : `${q.pick} ${events}`;
    }
    return `runner ${q.runner}`;
  }

  private term(q: Quantity, value: unknown): EvidenceTerm {
    return 'const' in q ? { label: format(q.const), value: evidenceValue(value), constant: true } : { label: this.describe(q), value: evidenceValue(value) };
  }

  value(q: Quantity): unknown {
    const { trial } = this.ctx;
    if ('const' in q) return q.const;
    if ('metric' in q) {
      const value = ownValue(trial.metrics, q.metric);
      if (value === undefined) throw new Undecidable('metric-missing', { metric: q.metric });
      return value;
    }
    if ('record' in q) {
      let values: readonly unknown[];
      if (q.actor === undefined) values = ownValue(trial.records, q.record) ?? [];
      else values = this.ctx.events.records(q.record, q.actor);
      return aggregate(values, q.agg ?? 'last', { record: q.record });
    }
    if ('shared' in q) {
      const value = ownValue(trial.finalShared, q.shared);
      if (q.index === undefined) return value;
      if (!Array.isArray(value)) throw new Undecidable('not-an-array', { name: q.shared });
      return value[q.index];
    }
    if ('status' in q) return trial.status;
    if ('actors' in q) {
      const group = trial.actors.filter((a) => a.group === q.actors);
      return aggregate(group.map((a) => a[q.field]), q.agg, { field: q.field, group: q.actors });
    }
    if ('actor' in q) {
      const actor = trial.actors.find((a) => a.name === q.actor) ?? trial.actors.find((a) => a.group === q.actor);
      if (!actor) throw new Undecidable('no-actor', { actor: q.actor });
      switch (q.field) {
        case 'startedMs':
          return actor.startedNs === null ? null : actor.startedNs / 1e6;
        case 'endedMs':
          return actor.endedNs === null ? null : actor.endedNs / 1e6;
        default:
          return actor[q.field];
      }
    }
    if ('event' in q) {
      const wanted = q.event;
      const tally = this.ctx.events.matching(wanted);
      if (q.pick === 'count') return tally.count;
      const t = q.pick === 'first' ? tally.firstT : tally.lastT;
      if (t === null) throw wanted.actor ? new Undecidable('no-event-of', { op: wanted.op, actor: wanted.actor }) : new Undecidable('no-event', { op: wanted.op });
      return t / 1e6;
    }
    if (q.runner === 'pid') return this.ctx.runnerPid;
    if (q.runner === 'threadId') return this.ctx.runnerThreadId;
    return this.ctx.environment.cpuCount;
  }

  compare(a: unknown, op: ComparisonOp, b: unknown): boolean {
    if (op === '==' || op === '!=') {
      const equal = typeof a === 'object' || typeof b === 'object' ? JSON.stringify(a) === JSON.stringify(b) : a === b;
      return op === '==' ? equal : !equal;
    }
    if (typeof a !== 'number' || typeof b !== 'number') throw new Undecidable('cannot-order', { a: format(a), b: format(b) });
    switch (op) {
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
    }
  }

  check(check: CheckSpec): Verdict {
    try {
      if ('compare' in check) {
        const [left, op, right] = check.compare;
        const a = this.value(left);
        const rightValue = this.value(right);
        let b = rightValue;
        const scaled = check.factor !== undefined || check.plus !== undefined;
        if (scaled) {
          if (typeof rightValue !== 'number') throw new Undecidable('scaled-not-a-number', { what: this.describe(right), value: format(rightValue) });
          b = rightValue * (check.factor ?? 1) + (check.plus ?? 0);
        }
        const ok = this.compare(a, op, b);
        const comparison: EvidenceComparison = {
          left: this.term(left, a),
          op,
          right: this.term(right, rightValue),
          ...(check.factor !== undefined ? { factor: check.factor } : {}),
          ...(check.plus !== undefined ? { plus: check.plus } : {}),
          ...(scaled && typeof b === 'number' ? { product: b } : {}),
          holds: ok,
        };
        return { status: ok ? 'holds' : 'fails', detail: phraseComparison(comparison), comparisons: [comparison] };
      }
      if ('before' in check) {
        const [first, second] = check.before;
        const a = this.value(first);
        const b = this.value(second);
        if (typeof a !== 'number' || typeof b !== 'number') throw new Undecidable('before-needs-times');
        const ok = a < b;
        const comparison: EvidenceComparison = { left: this.term(first, a), op: 'before', right: this.term(second, b), holds: ok };
        return { status: ok ? 'holds' : 'fails', detail: phraseComparison(comparison), comparisons: [comparison] };
      }
      if ('all' in check) {
        const verdicts = check.all.map((c) => this.check(c));
        const failing = verdicts.find((v) => v.status === 'fails') ?? verdicts.find((v) => v.status === 'inconclusive');
        return { status: failing?.status ?? 'holds', detail: (failing ? [failing] : verdicts).map((v) => v.detail).join('; '), comparisons: joined(verdicts), ...codeOf(failing) };
      }
      if ('any' in check) {
        const verdicts = check.any.map((c) => this.check(c));
        const holding = verdicts.find((v) => v.status === 'holds');
        if (holding) return { ...holding, comparisons: joined(verdicts) };
        const undecided = verdicts.find((v) => v.status === 'inconclusive');
        return { status: undecided ? 'inconclusive' : 'fails', detail: verdicts.map((v) => v.detail).join('; or '), comparisons: joined(verdicts), ...codeOf(undecided) };
      }
      const inner = this.check(check.not);
      return { status: inner.status === 'holds' ? 'fails' : inner.status === 'fails' ? 'holds' : 'inconclusive', detail: `not (${inner.detail})`, comparisons: inner.comparisons, ...codeOf(inner) };
    } catch (error) {
      if (error instanceof Undecidable) return coded(error.code, error.params);
      throw error;
    }
  }
}

/** A verdict's code, carried by a check that wraps it. */
function codeOf(verdict: Verdict | undefined): Pick<Verdict, 'detailCode' | 'detailParams'> {
  return verdict?.detailCode ? { detailCode: verdict.detailCode, ...(verdict.detailParams ? { detailParams: verdict.detailParams } : {}) } : {};
}

function joined(verdicts: readonly Verdict[]): EvidenceComparison[] {
  return verdicts.flatMap((v) => v.comparisons).slice(0, MAX_EVIDENCE_COMPARISONS);
}

function constant(value: unknown): unknown {
  if (value !== null && typeof value === 'object') throw new Error('a claim\'s "when" compares parameters and constants only');
  return value;
}

function staticTest(cond: NonNullable<ClaimSpec['when']>): boolean {
  if ('compare' in cond) return applyComparison(constant(cond.compare[0]), cond.compare[1], constant(cond.compare[2]));
  if ('not' in cond) return !staticTest(cond.not);
  if ('all' in cond) return cond.all.every(staticTest);
  if ('any' in cond) return cond.any.some(staticTest);
  return Boolean(constant(cond.truthy));
}

/** Every event quantity the claims may read (in `given` and `check`, however nested): what a trial follows as its events pass. */
export function eventQueries(claims: readonly ClaimSpec[]): EventQuery[] {
  const found: EventQuery[] = [];
  const quantity = (q: Quantity): void => {
    if ('event' in q) found.push(q.event);
  };
  const walk = (check: CheckSpec): void => {
    if ('compare' in check) {
      quantity(check.compare[0]);
      quantity(check.compare[2]);
    } else if ('before' in check) {
      quantity(check.before[0]);
      quantity(check.before[1]);
    } else if ('all' in check) check.all.forEach(walk);
    else if ('any' in check) check.any.forEach(walk);
    else walk(check.not);
  };
  for (const claim of claims) {
    if (claim.given) walk(claim.given);
    walk(claim.check);
  }
  return found;
}

/** Whether a claim applies to this run's parameters (its `when`, already substituted). */
export function claimApplies(claim: ClaimSpec): boolean {
  return claim.when === undefined || staticTest(claim.when);
}

/** Why this machine cannot decide the claim (a code with its values), or null when it can. */
export function unmetRequirementCode(claim: ClaimSpec, environment: RunEnvironment): { code: ClaimDetailCode; params: WordingParams } | null {
  const needs = claim.requires;
  if (!needs) return null;
  if (needs.minCores !== undefined && environment.cpuCount < needs.minCores) {
    return { code: 'needs-cores', params: { need: needs.minCores, have: environment.cpuCount } };
  }
  if (needs.procfs && !environment.hasProcfs) return { code: 'needs-procfs', params: {} };
  if (needs.platform !== undefined && !environment.os.startsWith(needs.platform)) return { code: 'needs-platform', params: { platform: needs.platform, os: environment.os } };
  const ranOn = environment.runtime?.name ?? 'node';
  // `cpython` names CPython with or without the GIL: what depends on the GIL says so with `gil`.
  const family = isCpythonRuntime(ranOn) ? 'cpython' : ranOn;
  if (needs.runtime !== undefined && family !== needs.runtime) return { code: 'needs-runtime', params: { runtime: needs.runtime, ran: ranOn } };
  if (needs.pythonModule !== undefined) {
    if (family !== 'cpython') return { code: 'needs-cpython-module', params: { module: needs.pythonModule, ran: ranOn } };
    if (!environment.runtime?.modules?.[needs.pythonModule]) return { code: 'needs-python-module', params: { module: needs.pythonModule, path: environment.runtime?.path ?? 'this interpreter' } };
  }
  if (needs.gil !== undefined && environment.runtime?.gil !== needs.gil) {
    if (!environment.runtime) return { code: needs.gil ? 'needs-gil-runtime' : 'needs-no-gil-runtime', params: { ran: ranOn } };
    return { code: needs.gil ? 'needs-gil' : 'needs-no-gil', params: {} };
  }
  return null;
}

/** Why this machine cannot decide the claim, or null when it can. */
export function unmetRequirement(claim: ClaimSpec, environment: RunEnvironment): string | null {
  const unmet = unmetRequirementCode(claim, environment);
  return unmet ? claimDetailText(unmet.code, unmet.params) : null;
}

export function evaluateClaimOnTrial(claim: ClaimSpec, ctx: ClaimContext): Verdict {
  const unmet = unmetRequirementCode(claim, ctx.environment);
  if (unmet) return coded(unmet.code, unmet.params);
  const statuses: readonly string[] = claim.statuses ?? ['ok'];
  if (!statuses.includes(ctx.trial.status)) {
    const { status, error } = ctx.trial;
    return error ? coded('trial-ended-error', { status, error }) : coded('trial-ended', { status });
  }
  const evaluator = new Evaluator(ctx);
  if (claim.given) {
    const given = evaluator.check(claim.given);
    if (given.status !== 'holds') {
      // The given's own reason goes with it: its code (prefixed "inner."), or its comparisons.
      const inner = given.detailCode ? { innerCode: given.detailCode, ...Object.fromEntries(Object.entries(given.detailParams ?? {}).map(([k, v]) => [`inner.${k}`, v])) } : {};
      return coded('given-not-met', { detail: given.detail, ...inner }, given.comparisons);
    }
  }
  return evaluator.check(claim.check);
}

/**
 * Combines per-trial verdicts: fails if any trial fails, else inconclusive if any is, else holds. The
 * detail is the deciding trial's; every trial's evidence is kept, in trial order.
 */
export function combineVerdicts(claim: ClaimSpec, verdicts: readonly { trial: number; verdict: Verdict }[]): ClaimResult {
  const text = claimText(claim);
  if (verdicts.length === 0) return { id: claim.id, text, status: 'inconclusive', detail: claimDetailText('no-counted-trial'), trials: [] };
  const failing = verdicts.find((v) => v.verdict.status === 'fails');
  const undecided = verdicts.find((v) => v.verdict.status === 'inconclusive');
  const chosen = failing ?? undecided ?? verdicts[verdicts.length - 1]!;
  const prefix = verdicts.length > 1 ? `trial ${chosen.trial}: ` : '';
  const trials: ClaimTrialEvidence[] = [...verdicts]
    .sort((x, y) => x.trial - y.trial)
    .map(({ trial, verdict }) => ({
      trial,
      status: verdict.status,
      detail: verdict.detail,
      comparisons: verdict.comparisons,
      ...(verdict.detailCode ? { detailCode: verdict.detailCode, detailParams: verdict.detailParams ?? {} } : {}),
    }));
  return { id: claim.id, text, status: chosen.verdict.status, detail: `${prefix}${chosen.verdict.detail}`, trials };
}
