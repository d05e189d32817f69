/**
 * The data shapes that cross the contract: what LabService returns, as the renderer sees it.
 *
 * Pure types, no Node imports. Where the engine already has a pure model (engine/run-model.ts,
 * engine/trace/trace-event.ts) the contract reuses it. Lessons and lesson summaries are defined here and
 * used as they are by src-main/lessons and the service; the few shapes the engine keeps in modules the
 * renderer may not import (spec issues, limits, settings) are declared again here, and
 * test/contract/types-agree.test.ts fails to compile when the two drift apart.
 */
import type { LocalizedText } from '../engine/run-model';

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
} from '../engine/run-model';
export type { EventBatch, TraceEvent, TracePhase } from '../engine/trace/trace-event';

export type ChapterId = 'processes' | 'threads' | 'coroutines' | 'sockets';

export interface ChapterInfo {
  readonly id: ChapterId;
  readonly title: LocalizedText;
}

export interface LessonSummary {
  readonly id: string;
  readonly chapter: ChapterId;
  readonly chapterTitle: LocalizedText;
  readonly title: LocalizedText;
}

export interface LessonText {
  readonly teaches: LocalizedText;
  readonly watch: LocalizedText;
  readonly pythonVsNode: LocalizedText;
  readonly tryNext: LocalizedText;
}

export interface Lesson {
  readonly id: string;
  readonly chapter: ChapterId;
  readonly title: LocalizedText;
  readonly text: LessonText;
  /** An authored spec; read its params and claims with the schemas in contract/spec-view.ts. */
  readonly spec: Readonly<Record<string, unknown>>;
}

/** One problem in a spec or an override, with the JSON path it concerns (`actors[0].program[2].prim`). */
export interface SpecIssue {
  readonly path: string;
  readonly message: string;
  readonly received?: string;
  readonly expected?: string;
}

export type ParamValues = Record<string, number | boolean | string>;

export type ValidationResult = { readonly ok: true; readonly params: ParamValues } | { readonly ok: false; readonly issues: readonly SpecIssue[] };

export const EXPORT_FORMATS = ['json', 'json.gz', 'csv', 'csv-metrics', 'csv-events', 'trace', 'html'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

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

export interface SavedExperiment {
  readonly id: string;
  readonly name: string;
  readonly spec: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface LimitCaps {
  readonly maxActors: number;
  readonly wallTimeMs: number;
  readonly memoryMbPerActor: number;
  readonly maxEvents: number;
  readonly maxEventBytes: number;
  readonly maxRecordBytes: number;
  readonly maxManagedBytes: number;
  readonly maxQueueBytes: number;
  readonly maxValueBytes: number;
}

export type LanguageSetting = 'system' | 'en' | 'zh-CN';
export type ThemeSetting = 'system' | 'light' | 'dark';

/** What a person may change in Settings; kept next to the run history. */
export interface Settings {
  readonly limits: LimitCaps;
  readonly language: LanguageSetting;
  readonly theme: ThemeSetting;
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
