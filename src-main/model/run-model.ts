import type { RunPrediction } from './questions';
import type { ClaimTrialEvidence } from './claim-evidence';
import type { TrialSummary } from './trial-summary';

/**
 * The records a run produces: what the runner hands to the store, the exporters, the CLI and the UI.
 *
 * Pure data, no Node imports. Times are milliseconds unless the name says otherwise; trace times are
 * nanoseconds since the run's start.
 */

export const RUN_STATUSES = ['running', 'ok', 'failed', 'cancelled', 'timed-out', 'deadlocked', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const ACTOR_KINDS = ['thread', 'process', 'utility', 'task', 'main'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** How an actor instance ended: a closed union, recorded per actor. */
export type ActorExitReason =
  | 'completed'
  | 'failed'
  | 'terminated' // ended by a terminate step
  | 'daemon-stopped' // a daemon ended because the main program ended
  | 'cancelled'
  | 'timed-out'
  | 'deadlocked'
  | 'never-started';

export type ClaimStatus = 'holds' | 'fails' | 'inconclusive';

export interface LocalizedText {
  readonly en: string;
  readonly zh: string;
}

/** The machine a run ran on. */
export interface RunEnvironment {
  readonly os: string; // e.g. "linux 6.1.0 x64"
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemoryMb: number;
  readonly node: string;
  readonly electron: string | null;
  readonly appVersion: string;
  readonly hasProcfs: boolean;
  /** The runtime the actors ran on when it was not the Node engine (absent: Node). */
  readonly runtime?: RuntimeInfo;
}

/**
 * The language runtime of a run: `node` is the engine itself; `cpython` runs the same specs on CPython;
 * `cpython-nogil` runs them the same way on a free-threaded CPython build (the GIL off).
 */
export const RUNTIME_NAMES = ['node', 'cpython', 'cpython-nogil'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];
/** What each runtime is called on screen. */
export const RUNTIME_LABELS: Readonly<Record<RuntimeName, string>> = { node: 'Node', cpython: 'CPython', 'cpython-nogil': 'CPython without the GIL' };
/** Whether a runtime is CPython (with or without the GIL): `requires: { runtime: 'cpython' }` applies to both. */
export function isCpythonRuntime(name: RuntimeName): name is 'cpython' | 'cpython-nogil' {
  return name === 'cpython' || name === 'cpython-nogil';
}

/** One line of `conlab runtimes`: a runtime found (or looked for) on this machine. */
export interface RuntimeListing {
  readonly name: RuntimeName;
  readonly usable: boolean;
  readonly version: string | null;
  readonly path: string;
  readonly gil: boolean | null;
  readonly startMethod: string | null;
  /** How it was found (CONLAB_PYTHON or PATH) and, when unusable, why. */
  readonly note: string;
  /** When asked about one lesson: why this runtime cannot run it (null: it can). */
  readonly refusal?: string | null;
}

export interface RuntimeInfo {
  readonly name: RuntimeName;
  readonly version: string;
  /** The interpreter's executable. */
  readonly path: string;
  /** Whether the GIL was on (always true before the free-threaded builds of 3.13). */
  readonly gil: boolean;
  /** How process actors start: 'fork' on Linux, 'spawn' elsewhere. */
  readonly startMethod: string;
  /** CPython's monotonic clock minus Node's, measured by a handshake (≈ 0 where both read CLOCK_MONOTONIC). */
  readonly clockOffsetNs?: number;
  /** Versions of the optional packages lessons use, null where the interpreter cannot import them. */
  readonly modules?: { readonly greenlet: string | null; readonly gevent: string | null };
}

/** An actor kind that ran on another mechanism than its name says, visibly. */
export interface Substitution {
  readonly kind: ActorKind;
  readonly ranAs: string;
  readonly reason: string;
}

export interface ActorRecord {
  readonly name: string; // instance name, e.g. "buyer-3"
  readonly group: string; // the spec's actor name, e.g. "buyer"
  readonly kind: ActorKind;
  readonly daemon: boolean;
  readonly pid: number | null;
  readonly threadId: number | null;
  readonly ppid: number | null;
  /** Nanoseconds since run start: spawn requested, first instruction, end. */
  readonly requestedNs: number | null;
  readonly startedNs: number | null;
  readonly endedNs: number | null;
  /** From spawn request to the actor's first event, in milliseconds. */
  readonly spawnLatencyMs: number | null;
  readonly exit: ActorExitReason;
  readonly error: string | null;
  /** Events the actor said it emitted vs events the runner received. */
  readonly eventsEmitted: number;
  readonly eventsReceived: number;
  /** Events not recorded on purpose because a limit was reached (not lost). */
  readonly eventsDropped: number;
}

export interface DeadlockEdge {
  readonly actor: string;
  readonly waitsFor: string; // primitive name
  readonly heldBy: string; // actor name
}

export interface DeadlockReport {
  readonly detectedAtMs: number;
  readonly cycle: readonly DeadlockEdge[];
  /** One sentence naming every actor and lock of the cycle. */
  readonly description: string;
}

/** Numeric metrics of one trial, by name (e.g. wallMs, cpuUserMs, peakRssMb, section.critical.max). */
export type MetricMap = Readonly<Record<string, number>>;

export interface TrialRecord {
  readonly index: number; // 0-based over warm-ups and counted trials
  readonly warmup: boolean;
  readonly status: RunStatus;
  readonly startedAt: string; // ISO time
  readonly wallMs: number;
  readonly metrics: MetricMap;
  readonly actors: readonly ActorRecord[];
  /** Values recorded by `record` steps, by name, in the order they were recorded. */
  readonly records: Readonly<Record<string, readonly unknown[]>>;
  /** Final value of every shared and managed variable, as the runner sees it. */
  readonly finalShared: Readonly<Record<string, unknown>>;
  readonly deadlock: DeadlockReport | null;
  readonly error: string | null;
  readonly eventCount: number;
  readonly eventsLost: number;
  readonly eventsDropped: number;
}

export interface MetricStats {
  readonly name: string;
  readonly unit: string;
  readonly n: number;
  readonly median: number;
  readonly mean: number;
  readonly stddev: number;
  readonly min: number;
  readonly max: number;
  /** 95% confidence interval of the mean (Student's t); equal to the mean when n < 2. */
  readonly ci95: readonly [number, number];
  /** Indices (into the counted trials) whose modified z-score exceeds 3.5. */
  readonly outliers: readonly number[];
}

export interface ClaimResult {
  readonly id: string;
  readonly text: LocalizedText;
  readonly status: ClaimStatus;
  /** The deciding trial's verdict in plain words (prefixed "trial N: " when the run had several). */
  readonly detail: string;
  /** Every counted trial's evidence, in trial order (absent in runs recorded before evidence was kept). */
  readonly trials?: readonly ClaimTrialEvidence[];
}

export interface RunRecord {
  readonly id: string;
  readonly lessonId: string | null;
  readonly experimentId: string | null;
  readonly title: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly wallMs: number | null;
  readonly spec: unknown; // the resolved spec snapshot (validated Spec)
  readonly params: Readonly<Record<string, unknown>>;
  readonly repeat: number;
  readonly warmup: number;
  readonly environment: RunEnvironment;
  readonly substitutions: readonly Substitution[];
  readonly trials: readonly TrialRecord[];
  readonly stats: readonly MetricStats[];
  readonly claims: readonly ClaimResult[];
  readonly warnings: readonly string[];
  readonly error: string | null;
  readonly tags: readonly string[];
  readonly notes: readonly RunNote[];
  /** The learner's answers to the lesson's questions, asked before the run (absent when none were given). */
  readonly predictions?: readonly RunPrediction[];
}

export interface RunNote {
  readonly id: number;
  readonly text: string;
  readonly createdAt: string;
}

/** One line of history: what a list needs without loading trials or events. */
export interface RunSummary {
  readonly id: string;
  readonly lessonId: string | null;
  readonly title: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly wallMs: number | null;
  readonly trials: number;
  readonly claimsHeld: number;
  readonly claimsFailed: number;
  readonly claimsInconclusive: number;
  readonly tags: readonly string[];
  /** Where its actors ran (runs recorded before runtimes existed ran on Node). */
  readonly runtime: RuntimeName;
  /** Its parameters that differ from the spec's defaults, as "name=value". */
  readonly changedParams?: readonly string[];
  /** Its notes, oldest first, each cut to 200 characters. */
  readonly notes?: readonly string[];
}

export interface RunFilter {
  readonly lessonId?: string;
  readonly status?: RunStatus;
  readonly tag?: string;
  readonly since?: string; // ISO date
  readonly until?: string;
  readonly search?: string; // matches title, lesson id, notes
  readonly runtime?: RuntimeName;
  readonly limit?: number;
  readonly offset?: number;
}

/** Progress of a run, as the runner reports it to front ends. */
export interface RunProgress {
  readonly runId: string;
  /** 1-based over warm-ups and counted trials. */
  readonly trial: number;
  readonly trials: number;
  readonly warmup: boolean;
  readonly phase: 'started' | 'trial-done' | 'finished';
  readonly elapsedMs: number;
  readonly events: number;
  readonly status?: RunStatus;
  /** On 'trial-done': the finished trial as the live views draw it (bounded). */
  readonly finished?: TrialSummary;
}

// Comparing runs (engine/metrics/compare.ts computes these).

/** For time-like metrics: how a run compares with the baseline; 'uncertain' when there is no interval. */
export type Verdict = 'faster' | 'slower' | 'same' | 'uncertain';

export interface RatioInterval {
  /** mean(other) / mean(baseline); null when the baseline mean is 0. */
  readonly ratio: number | null;
  /** 95% interval of the ratio; null when it cannot be estimated (see `reason`). */
  readonly interval: readonly [number, number] | null;
  /** Welch–Satterthwaite degrees of freedom; null without an interval or when both spreads are 0 (exact). */
  readonly df: number | null;
  /** Why `interval` is null; null when there is an interval. */
  readonly reason: string | null;
  /** The same reason as a code and its values, for a UI to word in its own language (absent without a reason). */
  readonly reasonCode?: ComparisonReasonCode;
  readonly reasonParams?: Readonly<Record<string, string | number>>;
}

export interface RatioEstimate extends RatioInterval {
  readonly runId: string;
  /** Set for time-like metrics (unit ms), where lower is faster; null for others. */
  readonly verdict: Verdict | null;
}

export interface MetricComparison {
  readonly name: string;
  readonly unit: string;
  readonly timeLike: boolean;
  /** One entry per run, in the order given; null where that run lacks the metric. */
  readonly stats: readonly (MetricStats | null)[];
  /** One entry per non-baseline run, in the order given; null where that run lacks the metric. */
  readonly ratios: readonly (RatioEstimate | null)[];
}

/** Why a metric or a ratio could not be compared (the English `reason` says the same). */
export type ComparisonReasonCode = 'baseline-lacks-metric' | 'only-baseline-has-metric' | 'too-few-trials' | 'all-zero' | 'non-positive-mean';

export interface SkippedMetric {
  readonly name: string;
  readonly reason: string;
  readonly reasonCode?: ComparisonReasonCode;
  readonly reasonParams?: Readonly<Record<string, string | number>>;
}

export interface Comparison {
  readonly baselineId: string;
  readonly runIds: readonly string[];
  readonly metrics: readonly MetricComparison[];
  /** Metrics seen (or requested) that could not be compared, and why. */
  readonly skipped: readonly SkippedMetric[];
}
