/**
 * The data shapes that cross the contract: what LabService returns, as the renderer sees it.
 *
 * Pure types, no Node imports. Shapes shared with the engine, the store and the lessons are declared
 * once, in the model floor (src-main/model), and re-exported here: the contract is the renderer's door
 * to them. Only what exists for the contract alone (exported files, app and store facts) is declared here.
 */
import type { Settings } from '../model/settings';
import type { LimitCaps } from '../model/limit-caps';

export type {
  ActorKind,
  ActorRecord,
  ClaimResult,
  ClaimStatus,
  Comparison,
  DeadlockReport,
  LocalizedText,
  MetricComparison,
  MetricStats,
  RatioEstimate,
  RunFilter,
  RunNote,
  RunProgress,
  RunRecord,
  RunStatus,
  RunSummary,
  RuntimeListing,
  RuntimeName,
  TrialRecord,
  Verdict,
} from '../model/run-model';
export type { ClaimTrialEvidence, EvidenceComparison, EvidenceTerm } from '../model/claim-evidence';
export type { EventBatch, TraceEvent, TracePhase } from '../model/trace-event';
export { mergeTrialSummaries, summarizeTrial, type TrialSummary } from '../model/trial-summary';
export { decodeBatches, summarisedCounts } from '../model/trace-event';
export { Replay, type ReplayActor, type ReplayInit, type ReplayPrimitive, type ReplayQueue, type ReplayShared, type ReplayState } from '../model/replay';
export type { PythonProgramFile } from '../model/python-program';
export { programLines, type ProgramLine, type ProgramMode, type PythonContext, type StepLike } from '../model/program-text';
export type { ChapterId, ChapterInfo, Lesson, LessonPreset, LessonSummary, LessonText, SeedNote, SeedSection, SeedTutorial } from '../model/lesson';
export type { ParamValues, SpecIssue, ValidationResult } from '../model/spec-issue';
export type { AuthoredSpec } from '../model/spec-schema';
export { EXPORT_FORMATS, type ExportFormat } from '../model/export-formats';
export { HANDLERS_BY_PROTOCOL, MODELS_BY_PROTOCOL, PROTOCOLS, type HandlerKind, type Protocol, type ServerModel } from '../model/server-config';
export type { SavedExperiment } from '../model/saved-experiment';
export type { ScalingFit, SweepPointSummary, SweepQuantity, SweepResult, SweepScaling, SweepSeries, SweepView } from '../model/sweep';
export type { Bin, Condition, Distribution, RunDistribution, Share, TrialQuantity } from '../model/distribution';
export type { ClassCell, ClassOverview, ClassStudent, LabPack, PackSession, PackSessionLesson } from '../model/lab-pack';
export type { LimitCaps } from '../model/limit-caps';
export type { LanguageSetting, Settings, ThemeSetting } from '../model/settings';
/** The step catalog drives the composer's add-step menu and forms. */
export { STEP_COMMON_OPTIONAL, STEP_GROUPS, type Json, type JsonObject, type OpShape } from '../model/step-catalog';

/** An exported file. The bytes travel as base64 so that both transports carry plain JSON. */
export interface ExportedFile {
  readonly fileName: string;
  readonly mimeType: string;
  readonly dataBase64: string;
}

export interface ImportResult {
  readonly runId: string;
  readonly result: 'inserted' | 'exists';
}

export interface SettingsInfo extends Settings {
  /** Where the run history lives (the SQLite file). */
  readonly dataLocation: string;
  /** Where these settings are stored. */
  readonly settingsFile: string;
  readonly defaultLimits: LimitCaps;
}

export interface AppInfo {
  readonly version: string;
  readonly runtime: 'desktop' | 'browser';
  readonly dataLocation: string;
}

/** How far the run history can be used: written to, only read, or only read because the file is damaged. */
export interface StoreHealthInfo {
  readonly access: 'read-write' | 'read-only' | 'damaged';
  /** One line: why the history cannot be written and what to do; null when it can. */
  readonly problem: string | null;
  /** The history file. */
  readonly dataLocation: string;
}

export interface StartedRun {
  readonly runId: string;
}

/** A pair started: the Node run's id (the CPython run starts when it ends) and the pair's id (tag `pair:<pairId>`). */
export interface StartedPair {
  readonly runId: string;
  readonly pairId: string;
}

/** A standalone server's live figures (servers.list, every second from the network page). */
export interface StandaloneServerFigures {
  readonly connectionsOpen: number;
  readonly connectionsAccepted: number;
  readonly requests: number;
  readonly cpuMs: number;
  readonly threadsUsed: number;
  readonly processesUsed: number;
}

/** A server of the network lab started on its own, for real clients (curl, wrk, a browser). */
export interface StandaloneServerInfo {
  readonly id: string;
  readonly protocol: string;
  readonly model: string;
  readonly handler: string;
  readonly host: string;
  readonly port: number;
  /** What a client types: http://127.0.0.1:PORT/ or tcp://…, udp://… */
  readonly address: string;
  readonly startedAt: string;
  readonly running: boolean;
  readonly figures: StandaloneServerFigures | null;
}

/** The class overview of submissions, with the files refused and why. */
export interface ClassImportResult {
  readonly overview: import('../model/lab-pack').ClassOverview;
  readonly refused: readonly { readonly file: string; readonly message: string }[];
}
