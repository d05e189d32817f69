/**
 * The LabService contract: every method a front end may call, its parameters as a zod schema and
 * its result as a type. The same schemas validate a request in the renderer before it is sent and
 * in browser mode / the main process before LabService is called (STYLE.md rule 2).
 *
 * Pure: imports zod and the pure model only, never Node, Electron or the DOM.
 */
import { z } from 'zod';
import { RUN_STATUSES, RUNTIME_NAMES, type RuntimeListing } from '../model/run-model';
import { packSlugSchema } from '../model/lab-pack';
import { predictionInputSchema, QUESTION_LIMITS } from '../model/questions';
import type {
  AppInfo,
  StoreHealthInfo,
  EventBatch,
  RunNote,
  RunRecord,
  RunSummary,
  ChapterInfo,
  Comparison,
  ExportedFile,
  ImportResult,
  Lesson,
  LessonSummary,
  SeedTutorial,
  SavedExperiment,
  SettingsInfo,
  StartedPair,
  StartedRun,
  StandaloneServerInfo,
  SweepView,
  RunDistribution,
  ValidationResult,
  ClassImportResult,
  PackSession,
  PythonProgramFile,
} from './dto';
import type { BuiltPack, LabPack } from './lab-pack';
import { serverConfigSchema } from '../model/server-config';
import { EXPORT_FORMATS } from './dto';
import { isMethodName, METHOD_NAMES, type MethodName } from './channels';

/** A result type carried at the type level only: the map's `result` entries hold no runtime value. */
declare const resultType: unique symbol;
export interface Returns<T> {
  readonly [resultType]?: T;
}
function returns<T>(): Returns<T> {
  return {};
}

// ------------------------------------------------------------------ building blocks

/** A full run id or a unique prefix of at least 4 characters (LabService.resolveRunId). */
export const runIdSchema = z.string().regex(/^[0-9A-Za-z-]{4,64}$/, 'a run id (or a unique prefix of 4+ characters)');
export const lessonIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lesson id: lower-case letters, digits and -');
const paramNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'a parameter name');
export const overridesSchema = z.record(paramNameSchema, z.union([z.string().max(1_000), z.number(), z.boolean()]));
const isoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'an ISO date, e.g. 2025-01-31');
const tagSchema = z.string().trim().min(1, 'a tag cannot be empty').max(64);
/** A spec travels as any JSON value; the engine validates it and reports issues by path. */
const specSchema = z.unknown().refine((value) => value !== undefined, 'a spec is required');
/** Base64 of at most ~64 MB of bytes. */
const base64Schema = z.string().max(90_000_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64 text');

/** A lab pack file: at most 8 MB (~11 MB of base64). */
const packBase64Schema = z.string().min(1, 'the file is empty').max(12_000_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64 text');
/** A handout's language, paper and copy (the students' or the instructor's answer key). */
const handoutOptionsShape = { lang: z.enum(['zh-CN', 'en']), paper: z.enum(['a4', 'letter']), answerKey: z.boolean() };

export const runFilterSchema = z.strictObject({
  lessonId: lessonIdSchema.optional(),
  status: z.enum(RUN_STATUSES).optional(),
  tag: tagSchema.optional(),
  since: isoDateSchema.optional(),
  until: isoDateSchema.optional(),
  search: z.string().max(200).optional(),
  runtime: z.enum(RUNTIME_NAMES).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
  offset: z.number().int().min(0).optional(),
});

/** Bounds match the command line's --max-* flags. */
export const limitCapsSchema = z.strictObject({
  maxActors: z.number().int().min(1).max(100_000),
  wallTimeMs: z.number().int().min(1_000).max(86_400_000),
  memoryMbPerActor: z.number().int().min(16).max(65_536),
  maxEvents: z.number().int().min(0).max(100_000_000),
  maxEventBytes: z.number().int().min(1_024).max(2 ** 40),
  maxRecordBytes: z.number().int().min(0).max(2 ** 40),
  maxManagedBytes: z.number().int().min(0).max(2 ** 40),
  maxQueueBytes: z.number().int().min(0).max(2 ** 40),
  maxValueBytes: z.number().int().min(1_024).max(2 ** 40),
});

export const settingsPatchSchema = z.strictObject({
  limits: limitCapsSchema.partial().optional(),
  language: z.enum(['system', 'en', 'zh-CN']).optional(),
  theme: z.enum(['system', 'light', 'dark']).optional(),
  // An interpreter's path or command ('' : none); no control characters, bounded like the settings file.
  pythonPath: z
    .string()
    .max(1024)
    .refine((path) => !/[\u0000-\u001f]/.test(path), 'a Python path has no control characters')
    .optional(),
});
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export const startRunSchema = z
  .strictObject({
    lessonId: lessonIdSchema.optional(),
    spec: z.unknown().optional(),
    overrides: overridesSchema.optional(),
    repeat: z.number().int().min(1).max(1_000).optional(),
    warmup: z.number().int().min(0).max(100).optional(),
    title: z.string().max(200).optional(),
    experimentId: z.string().max(64).optional(),
    /** Where the actors run: the Node engine (default) or CPython (see `runtimes.list`). */
    runtime: z.enum(RUNTIME_NAMES).optional(),
    /** The learner's answers to the lesson's questions, checked against them before the run starts, stored with it. */
    predictions: z.array(predictionInputSchema).max(QUESTION_LIMITS.perLesson).optional(),
    /** false: keep the trials' records and metrics, not their events (a batch run for its distribution). */
    storeEvents: z.boolean().optional(),
  })
  .refine((request) => (request.lessonId === undefined) !== (request.spec === undefined), {
    message: 'give exactly one of lessonId or spec',
    path: ['lessonId'],
  });

/** A lesson run on Node, then on CPython, both runs tagged `pair:<pairId>`. */
export const startPairSchema = z.strictObject({
  lessonId: lessonIdSchema,
  overrides: overridesSchema.optional(),
  repeat: z.number().int().min(1).max(1_000).optional(),
  warmup: z.number().int().min(0).max(100).optional(),
});

/** A parameter sweep: the grid's axes (values as written, checked against the spec), the rest as a run's. */
export const startSweepSchema = z.strictObject({
  lessonId: lessonIdSchema,
  axes: z
    .array(z.strictObject({ name: paramNameSchema, values: z.array(z.string().trim().min(1).max(200)).min(1).max(50) }))
    .min(1, 'a sweep needs a parameter to sweep')
    .max(3),
  overrides: overridesSchema.optional(),
  repeat: z.number().int().min(1).max(1_000).optional(),
  warmup: z.number().int().min(0).max(100).optional(),
  runtimes: z.array(z.enum(RUNTIME_NAMES)).min(1).max(3),
  /** false: keep each point's records and metrics, not its events. */
  storeEvents: z.boolean().optional(),
});

const sweepIdSchema = z.string().regex(/^[0-9A-Za-z-]{1,64}$/, 'a sweep id');
const quantitySchema = z.union([z.strictObject({ metric: z.string().min(1).max(200) }), z.strictObject({ record: z.string().min(1).max(200) }), z.strictObject({ shared: z.string().min(1).max(200) })]);
const conditionSchema = z.strictObject({ op: z.enum(['>', '>=', '<', '<=', '==', '!=']), value: z.number().finite() });
export const sweepQuerySchema = z.strictObject({
  sweepId: sweepIdSchema,
  quantity: quantitySchema.optional(),
  scaling: z.enum(['strong', 'weak']).optional(),
  condition: conditionSchema.optional(),
});
/** One quantity of a run over its counted trials; with a condition, also how often it held. */
export const runDistributionSchema = z.strictObject({ runId: runIdSchema, quantity: quantitySchema, condition: conditionSchema.optional() });

const empty = z.strictObject({});

// ------------------------------------------------------------------ the method map

export const METHODS = {
  'app.info': { params: empty, result: returns<AppInfo>() },
  /** Whether the run history can be written; when not, why and what to do (read only). */
  'app.storeHealth': { params: empty, result: returns<StoreHealthInfo>() },

  'lessons.list': { params: empty, result: returns<readonly LessonSummary[]>() },
  'lessons.chapters': { params: empty, result: returns<readonly ChapterInfo[]>() },
  'lessons.get': { params: z.strictObject({ id: lessonIdSchema }), result: returns<Lesson>() },
  /** The tutorials the lessons were written from: each section → the lessons that teach it, and where a tutorial is out of date. */
  'lessons.seedMap': { params: empty, result: returns<readonly SeedTutorial[]>() },
  /** A printable handout of the lesson (or with answerKey the instructor's answer key): one self-contained HTML file. */
  'lessons.handout': { params: z.strictObject({ id: lessonIdSchema, ...handoutOptionsShape }), result: returns<ExportedFile>() },

  /** The runtimes a run may use on this machine: Node, and each CPython interpreter looked for (usable or why not); with a lesson, whether each can run it. */
  'runtimes.list': { params: z.strictObject({ lessonId: lessonIdSchema.optional() }), result: returns<readonly RuntimeListing[]>() },

  'specs.schema': { params: empty, result: returns<unknown>() },
  'specs.validate': { params: z.strictObject({ spec: specSchema, overrides: overridesSchema.optional() }), result: returns<ValidationResult>() },
  /** A lesson (with its CPython parameters) or a spec, under the overrides, as a standalone Python program; a bad spec is refused with its issues. */
  'specs.python': {
    params: z.strictObject({ lessonId: lessonIdSchema.optional(), spec: z.unknown().optional(), overrides: overridesSchema.optional() }).refine((p) => (p.lessonId === undefined) !== (p.spec === undefined), 'give a lesson id or a spec, not both'),
    result: returns<PythonProgramFile>(),
  },

  /** Starts a run and returns its id at once; progress and events follow as `run-live` messages. */
  'runs.start': { params: startRunSchema, result: returns<StartedRun>() },
  /**
   * Runs a lesson on Node, then (once the Node run has ended ok or failed, not cancelled) on CPython, and tags
   * both `pair:<pairId>`. Answers with the Node run's id at once; live events of both follow as runs.start's do.
   * Refused when CPython cannot run the lesson here.
   */
  'runs.startPair': { params: startPairSchema, result: returns<StartedPair>() },
  'runs.cancel': { params: z.strictObject({ runId: runIdSchema }), result: returns<{ readonly cancelled: boolean }>() },
  'runs.active': { params: empty, result: returns<readonly string[]>() },
  /** A quantity's outcomes over a run's counted trials: each outcome's share with its exact 95% interval, a histogram, and how often a condition held. */
  'runs.distribution': { params: runDistributionSchema, result: returns<RunDistribution>() },
  /** Receive the live events of a run started elsewhere (another tab, before a reload). */
  'runs.subscribe': { params: z.strictObject({ runId: runIdSchema }), result: returns<{ readonly active: boolean }>() },
  'runs.unsubscribe': { params: z.strictObject({ runId: runIdSchema }), result: returns<{ readonly subscribed: boolean }>() },

  /** Starts a sweep (one run per point of the grid, on each runtime) and answers with its id once the first point starts. */
  'sweeps.start': { params: startSweepSchema, result: returns<{ readonly sweepId: string; readonly planned: number }>() },
  /** A sweep's points, speed-ups and fits for a quantity, and whether it is still running. */
  'sweeps.get': { params: sweepQuerySchema, result: returns<SweepView>() },
  'sweeps.cancel': { params: z.strictObject({ sweepId: sweepIdSchema }), result: returns<{ readonly cancelled: boolean }>() },
  /** The sweep as CSV (hyperfine's columns where they apply). */
  'sweeps.csv': { params: sweepQuerySchema, result: returns<ExportedFile>() },
  /** The sweep as one self-contained HTML file: the quantity and the speed-up against the parameter as inline SVG, with the fitted laws. */
  'sweeps.report': { params: sweepQuerySchema, result: returns<ExportedFile>() },

  'history.list': { params: z.strictObject({ filter: runFilterSchema.optional() }), result: returns<readonly RunSummary[]>() },
  'history.get': { params: z.strictObject({ runId: runIdSchema }), result: returns<RunRecord>() },
  'history.events': {
    params: z.strictObject({ runId: runIdSchema, trial: z.number().int().min(0).max(1_100).optional() }),
    result: returns<readonly EventBatch[]>(),
  },
  'history.tag': { params: z.strictObject({ runId: runIdSchema, tag: tagSchema }), result: returns<{ readonly tags: readonly string[] }>() },
  'history.untag': { params: z.strictObject({ runId: runIdSchema, tag: tagSchema }), result: returns<{ readonly tags: readonly string[] }>() },
  'history.note': {
    params: z.strictObject({ runId: runIdSchema, text: z.string().trim().min(1, 'a note cannot be empty').max(10_000) }),
    result: returns<RunNote>(),
  },
  'history.delete': { params: z.strictObject({ runId: runIdSchema }), result: returns<{ readonly deleted: boolean }>() },

  'compare.runs': {
    params: z.strictObject({ runIds: z.array(runIdSchema).min(2, 'compare needs two or more runs').max(16), metrics: z.array(z.string().max(200)).max(200).optional() }),
    result: returns<Comparison>(),
  },

  'compare.report': {
    params: z.strictObject({
      runIds: z.array(runIdSchema).min(2, 'compare needs two or more runs').max(16),
      metrics: z.array(z.string().max(200)).max(200).optional(),
      /** The report's language (the UI's); English when absent. */
      lang: z.enum(['en', 'zh-CN']).optional(),
    }),
    result: returns<ExportedFile>(),
  },

  /** Two runs on one timeline: a Perfetto trace with each run as a process, aligned at their starts or at a mark both have. */
  'compare.trace': {
    params: z.strictObject({
      runIds: z.tuple([runIdSchema, runIdSchema]),
      align: z.discriminatedUnion('at', [z.strictObject({ at: z.literal('start') }), z.strictObject({ at: z.literal('mark'), name: z.string().min(1, 'a mark name cannot be empty').max(200) })]),
      trials: z.tuple([z.number().int().min(0).max(1_100), z.number().int().min(0).max(1_100)]).optional(),
    }),
    result: returns<ExportedFile>(),
  },

  'export.run': { params: z.strictObject({ runId: runIdSchema, format: z.enum(EXPORT_FORMATS), lang: z.enum(['en', 'zh-CN']).optional() }), result: returns<ExportedFile>() },
  'import.runLog': { params: z.strictObject({ dataBase64: base64Schema.min(1, 'the file is empty') }), result: returns<ImportResult>() },

  'experiments.list': { params: empty, result: returns<readonly SavedExperiment[]>() },
  'experiments.save': {
    params: z.strictObject({ id: z.string().max(64).optional(), name: z.string().trim().min(1, 'a name cannot be empty').max(200), spec: specSchema }),
    result: returns<SavedExperiment>(),
  },
  'experiments.delete': { params: z.strictObject({ id: z.string().min(1).max(64) }), result: returns<{ readonly deleted: boolean }>() },

  'settings.get': { params: empty, result: returns<SettingsInfo>() },
  'settings.update': { params: settingsPatchSchema, result: returns<SettingsInfo>() },

  /** A network-lab server on its own, on a loopback address, until servers.stop (or the lab closes). */
  'servers.start': { params: z.strictObject({ config: serverConfigSchema }), result: returns<StandaloneServerInfo>() },
  'servers.list': { params: empty, result: returns<readonly StandaloneServerInfo[]>() },
  'servers.stop': { params: z.strictObject({ id: z.uuid() }), result: returns<StandaloneServerInfo | null>() },
  /** A lab pack's file (checked strictly, nothing run) as a session: its lessons in order with their runs here. */
  'packs.open': { params: z.strictObject({ packBase64: packBase64Schema }), result: returns<PackSession>() },
  /** Starts one lesson of the pack with its fixed parameters (and the open ones given); the run is tagged pack:<id>. */
  'packs.runLesson': {
    params: z.strictObject({
      packBase64: packBase64Schema,
      lesson: packSlugSchema,
      overrides: overridesSchema.optional(),
      answers: z.record(packSlugSchema, z.union([z.string().trim().min(1).max(200), z.number()])).optional(),
    }),
    result: returns<StartedRun>(),
  },
  /**
   * A pack written in the app's builder, as JSON text: read as a pack file is (bytes, shape, schema, lesson ids,
   * composed specs with their fixed values) and returned as the .conlabpack file. Nothing runs.
   */
  'packs.build': { params: z.strictObject({ packJson: z.string().min(1, 'the pack is empty').max(8 * 1024 * 1024) }), result: returns<BuiltPack>() },
  /** A pack file's validated JSON (nothing run), for the builder to edit a copy of. */
  'packs.source': { params: z.strictObject({ packBase64: packBase64Schema }), result: returns<LabPack>() },
  /** A printable handout of every lesson of the pack, in order (or with answerKey the instructor's answer key). */
  'packs.handout': { params: z.strictObject({ packBase64: packBase64Schema, ...handoutOptionsShape }), result: returns<ExportedFile>() },
  /** The learner's submission (.conlabsub) of the pack's runs and predictions. */
  'packs.submit': { params: z.strictObject({ packBase64: packBase64Schema, name: z.string().trim().min(1, 'type your name or student id').max(200) }), result: returns<ExportedFile>() },
  /** Submissions (each refused on its own when not valid) read into the class overview, against the pack when given. */
  'class.import': {
    params: z.strictObject({
      packBase64: packBase64Schema.optional(),
      files: z.array(z.strictObject({ name: z.string().max(255), dataBase64: base64Schema })).min(1, 'choose submission files').max(500),
    }),
    result: returns<ClassImportResult>(),
  },
  /** The same overview as one file: CSV (a row per student and lesson) or a self-contained HTML report. */
  'class.export': {
    params: z.strictObject({
      packBase64: packBase64Schema.optional(),
      files: z.array(z.strictObject({ name: z.string().max(255), dataBase64: base64Schema })).min(1, 'choose submission files').max(500),
      format: z.enum(['csv', 'html']),
      lang: z.enum(['en', 'zh']),
    }),
    result: returns<ExportedFile>(),
  },
} as const;

export type MethodMap = typeof METHODS;
export { METHOD_NAMES, isMethodName, type MethodName };

// channels.ts lists the names for the preload without zod; both lists must be the same set.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _namesMatch: Same<MethodName, keyof MethodMap> = true;
void _namesMatch;

/** What a caller passes (before defaults and trimming). */
export type ParamsOf<M extends MethodName> = z.input<MethodMap[M]['params']>;
/** What a handler receives after validation. */
export type ValidParamsOf<M extends MethodName> = z.output<MethodMap[M]['params']>;
export type ResultOf<M extends MethodName> = MethodMap[M]['result'] extends Returns<infer T> ? T : never;


/** An error a person can act on: names the field, what was given and what was expected. */
export interface ParamsProblem {
  readonly path: string;
  readonly message: string;
}

export type ParamsCheck<M extends MethodName> = { readonly ok: true; readonly params: ValidParamsOf<M> } | { readonly ok: false; readonly problems: readonly ParamsProblem[] };

export function checkParams<M extends MethodName>(method: M, params: unknown): ParamsCheck<M> {
  const parsed = METHODS[method].params.safeParse(params ?? {});
  if (parsed.success) return { ok: true, params: parsed.data as ValidParamsOf<M> };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(params)', message: issue.message })),
  };
}

export function describeProblems(method: string, problems: readonly ParamsProblem[]): string {
  return `bad parameters for ${method}: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}`;
}
