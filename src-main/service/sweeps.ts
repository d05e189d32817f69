import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { validateSpec, SpecError } from '../engine/spec/validate';
import { summarize } from '../engine/metrics/stats';
import { fitScaling } from '../engine/metrics/scaling-fit';
import { shareMeeting, type Condition } from '../engine/metrics/distribution';
import { quantityLabel, trialValues } from './distributions';
import type { RunProgress, RunRecord, RuntimeName } from '../model/run-model';
import {
  MAX_SWEEP_POINTS,
  SWEEP_TAG_PREFIX,
  type ScalingPoint,
  type SweepPointSummary,
  type SweepProgress,
  type SweepQuantity,
  type SweepResult,
  type SweepScaling,
  type SweepSeries,
} from '../model/sweep';
import { LabError, type LabService, type StartRunRequest } from './lab-service';

/**
 * Parameter sweeps: one recorded run per point of a grid, linked by the tag `sweep:<id>`; the swept
 * parameters, in the order asked, are kept in the tag `sweep-axes:<id>:<name>,<name>`. A sweep is read
 * back from those runs, so it survives in the history like any run, and a cancelled sweep keeps the
 * points that finished.
 */

export const SWEEP_AXES_TAG_PREFIX = 'sweep-axes:';

type ParamValue = string | number | boolean;

export interface SweepAxis {
  readonly name: string;
  /** The values as written (`--param threads=1,2,4,8`); each is checked against the spec's parameter. */
  readonly values: readonly string[];
}

export interface SweepRequest extends Omit<StartRunRequest, 'runtime' | 'onProgress' | 'title'> {
  /** Given by a caller that answers before the sweep ends (sweeps.start); else made here. */
  readonly sweepId?: string;
  readonly axes: readonly SweepAxis[];
  readonly runtimes: readonly RuntimeName[];
  readonly quantity?: SweepQuantity;
  readonly scaling?: SweepScaling;
  readonly condition?: Condition;
  readonly title?: string;
  readonly onPoint?: (progress: SweepProgress) => void;
  readonly onProgress?: (progress: RunProgress, point: SweepProgress) => void;
}

/** Parses `name=v1,v2,…` (a repeatable CLI flag) into an axis; names and values are checked later, against the spec. */
export function parseAxis(text: string): SweepAxis {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new LabError('bad-input', `--param takes name=value,value,…, got ${JSON.stringify(text)}`);
  const name = text.slice(0, eq).trim();
  const values = text
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim());
  if (values.length === 0 || values.some((v) => v === '')) throw new LabError('bad-input', `--param ${name}: give one or more values separated by commas, got ${JSON.stringify(text.slice(eq + 1))}`);
  if (new Set(values).size !== values.length) throw new LabError('bad-input', `--param ${name}: a value is listed twice in ${JSON.stringify(text.slice(eq + 1))}`);
  return { name, values };
}

/** Every combination of the axes' values, the first axis varying slowest. */
function grid(axes: readonly SweepAxis[]): Record<string, string>[] {
  let points: Record<string, string>[] = [{}];
  for (const axis of axes) points = points.flatMap((point) => axis.values.map((value) => ({ ...point, [axis.name]: value })));
  return points;
}

/**
 * Runs the sweep: every point is checked against the spec before the first run starts (a bad value
 * names its parameter), then the points run one after another on each runtime asked for.
 */
export async function runSweep(service: LabService, request: SweepRequest): Promise<SweepResult> {
  if (request.axes.length === 0) throw new LabError('bad-input', 'a sweep needs at least one --param name=value,value,…');
  const names = request.axes.map((a) => a.name);
  if (new Set(names).size !== names.length) throw new LabError('bad-input', `a parameter is swept twice: ${names.join(', ')}`);
  if (request.runtimes.length === 0) throw new LabError('bad-input', 'a sweep needs a runtime');
  const points = grid(request.axes);
  const planned = points.length * request.runtimes.length;
  if (planned > MAX_SWEEP_POINTS) throw new LabError('bad-input', `a sweep may have at most ${MAX_SWEEP_POINTS} points (runs), this one has ${planned}`);

  const lesson = request.lessonId !== undefined ? service.getLesson(request.lessonId) : null;
  const spec = lesson ? lesson.spec : request.spec;
  if (spec === undefined) throw new LabError('bad-input', 'give a lesson id or a spec to sweep');
  const declared = (spec as { params?: Record<string, unknown> } | null)?.params ?? {};
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(declared, name)) {
      throw new LabError('bad-input', `--param ${name}: the spec has no parameter ${JSON.stringify(name)}; it has ${Object.keys(declared).join(', ') || 'none'}`);
    }
  }
  for (const point of points) {
    try {
      validateSpec(spec, { overrides: { ...request.overrides, ...point }, caps: service.caps, cpuCount: availableParallelism() });
    } catch (error) {
      if (error instanceof SpecError) {
        const where = `sweep point ${describe(point)}`;
        const whereZh = `扫描点 ${describe(point)}`;
        const issues = error.issues.map((issue) => ({ ...issue, message: `${issue.message} (${where})`, ...(issue.zh ? { zh: { ...issue.zh, message: `${issue.zh.message}（${whereZh}）` } } : {}) }));
        throw new LabError('bad-input', `${where}: ${error.message}`, issues);
      }
      throw error;
    }
  }
  for (const runtime of request.runtimes) {
    const refused = service.runtimeRefusal(request, runtime);
    if (refused !== null) throw new LabError('unavailable', `${runtime} cannot run this sweep: ${refused}`);
  }

  const sweepId = request.sweepId ?? randomUUID().slice(0, 8);
  const baseTitle = request.title ?? (lesson ? lesson.title.en : 'sweep');
  let index = 0;
  outer: for (const runtime of request.runtimes) {
    for (const point of points) {
      if (request.signal?.aborted) break outer;
      index++;
      const progress: SweepProgress = { sweepId, point: index, of: planned, runtime, values: point };
      request.onPoint?.(progress);
      if (request.signal?.aborted) break outer;
      const { onPoint: _onPoint, onProgress, axes: _axes, runtimes: _runtimes, quantity: _quantity, scaling: _scaling, condition: _condition, title: _title, sweepId: _id, ...runRequest } = request;
      const run = await service.run({
        ...runRequest,
        overrides: { ...request.overrides, ...point },
        runtime,
        title: `${baseTitle} · ${describe(point)}`,
        ...(onProgress ? { onProgress: (p: RunProgress) => onProgress(p, progress) } : {}),
      });
      await service.tagRun(run.id, `${SWEEP_TAG_PREFIX}${sweepId}`);
      await service.tagRun(run.id, `${SWEEP_AXES_TAG_PREFIX}${sweepId}:${names.join(',')}`);
      // A point someone cancelled (or the lab stopping) ends the sweep: what finished is kept.
      if (run.status === 'cancelled' || run.status === 'interrupted') break outer;
    }
  }
  return readSweep(service, sweepId, { ...(request.quantity ? { quantity: request.quantity } : {}), ...(request.scaling ? { scaling: request.scaling } : {}), condition: request.condition ?? null, planned });
}

function describe(point: Readonly<Record<string, unknown>>): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** The values of the quantity in a run's counted trials (finite numbers only). */
function valuesOf(run: RunRecord, q: SweepQuantity): number[] {
  return trialValues(run, q).filter((v) => Number.isFinite(v));
}

/** Times (ms, s, ns units or names ending in Ms) are better smaller; rates and counts larger. */
function lowerIsBetter(q: SweepQuantity): boolean {
  const name = 'metric' in q ? q.metric : 'record' in q ? q.record : q.shared;
  return /(Ms|Ns|Seconds|Time|Latency|P50|P99)$/i.test(name) || /^wall|^cpu/i.test(name);
}

/**
 * Reads a sweep back from its runs: per runtime (and per value of the other swept parameters) one
 * series against the first swept parameter, each point's median and 95% interval, its speed-up
 * against the series' first point, and the scaling laws fitted to the speed-ups.
 */
export function readSweep(
  service: LabService,
  sweepId: string,
  {
    quantity = { metric: 'wallMs' },
    scaling = 'strong',
    condition = null,
    planned,
  }: { quantity?: SweepQuantity; scaling?: SweepScaling; condition?: Condition | null; planned?: number } = {},
): SweepResult {
  if (!/^[0-9A-Za-z-]{1,64}$/.test(sweepId)) throw new LabError('not-found', `no sweep ${JSON.stringify(sweepId.slice(0, 80))}`);
  const summaries = service.listRuns({ tag: `${SWEEP_TAG_PREFIX}${sweepId}`, limit: MAX_SWEEP_POINTS * 4 });
  if (summaries.length === 0) throw new LabError('not-found', `no sweep ${sweepId}`);
  const runs = summaries.map((s) => service.getRun(s.id)).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const axesTag = runs.flatMap((r) => r.tags).find((t) => t.startsWith(`${SWEEP_AXES_TAG_PREFIX}${sweepId}:`));
  const axes = axesTag ? axesTag.slice(`${SWEEP_AXES_TAG_PREFIX}${sweepId}:`.length).split(',').filter(Boolean) : [];
  if (axes.length === 0) throw new LabError('not-found', `sweep ${sweepId} does not say which parameters it swept`);
  const [xName, ...others] = axes as [string, ...string[]];
  const lower = lowerIsBetter(quantity);

  const groups = new Map<string, { runtime: RuntimeName; fixed: Record<string, ParamValue>; runs: RunRecord[] }>();
  for (const run of runs) {
    const runtime = run.environment.runtime?.name ?? 'node';
    const fixed: Record<string, ParamValue> = {};
    for (const name of others) fixed[name] = run.params[name] as ParamValue;
    const key = JSON.stringify([runtime, fixed]);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { runtime, fixed, runs: [] }));
    group.runs.push(run);
  }

  let unit = '';
  const series: SweepSeries[] = [];
  for (const group of groups.values()) {
    const ordered = [...group.runs].sort((a, b) => compareValues(a.params[xName], b.params[xName]));
    const summaries: Omit<SweepPointSummary, 'speedup'>[] = ordered.map((run) => {
      const values = valuesOf(run, quantity);
      const stats = values.length > 0 ? summarize(quantityLabel(quantity), 'metric' in quantity ? (run.stats.find((s) => s.name === quantity.metric)?.unit ?? '') : '', values) : null;
      if (stats && stats.unit) unit = stats.unit;
      const point: Record<string, ParamValue> = {};
      for (const name of axes) point[name] = run.params[name] as ParamValue;
      return {
        runId: run.id,
        runtime: group.runtime,
        params: run.params as Record<string, ParamValue>,
        status: run.status,
        point,
        n: values.length,
        median: stats?.median ?? null,
        mean: stats?.mean ?? null,
        stddev: stats?.stddev ?? null,
        min: stats?.min ?? null,
        max: stats?.max ?? null,
        ci95: stats?.ci95 ?? null,
        meeting: condition && values.length > 0 ? shareMeeting(values, condition) : null,
        cpuUserMs: meanOf(run, 'cpuUserMs'),
        cpuSystemMs: meanOf(run, 'cpuSystemMs'),
        claims: {
          holds: run.claims.filter((c) => c.status === 'holds').length,
          fails: run.claims.filter((c) => c.status === 'fails').length,
          inconclusive: run.claims.filter((c) => c.status === 'inconclusive').length,
        },
      };
    });
    const base = summaries.find((s) => s.median !== null && s.median > 0) ?? null;
    // Weak scaling: each point does work in proportion to the plotted parameter, so a time is turned into throughput.
    const workOf = (s: Omit<SweepPointSummary, 'speedup'>): number => {
      const x = s.point[xName];
      return scaling === 'weak' && lower && typeof x === 'number' && x > 0 ? x : 1;
    };
    const points: SweepPointSummary[] = summaries.map((s) => ({
      ...s,
      speedup:
        base?.median != null && s.median !== null && s.median > 0
          ? lower
            ? (base.median / s.median) * (workOf(s) / workOf(base))
            : s.median / base.median
          : null,
    }));
    const numeric = points.every((p) => typeof p.point[xName] === 'number');
    let fits: SweepSeries['fits'] = [];
    let fitProblem: string | null = null;
    if (!numeric) fitProblem = `${xName} is not a number: scaling laws need a numeric parameter`;
    else {
      const scaling: ScalingPoint[] = points.filter((p) => p.speedup !== null).map((p) => ({ concurrency: p.point[xName] as number, speedup: p.speedup! }));
      const fitted = fitScaling(scaling);
      fits = fitted.fits;
      fitProblem = fitted.problem;
    }
    series.push({ runtime: group.runtime, fixed: group.fixed, points, fits, fitProblem });
  }
  const first = runs[0]!;
  return {
    sweepId,
    lessonId: first.lessonId,
    title: first.title.replace(/ · .*$/, ''),
    params: axes,
    quantity,
    condition,
    unit,
    lowerIsBetter: lower,
    scaling,
    series,
    planned: planned ?? runs.length,
    recorded: runs.length,
  };
}

function meanOf(run: RunRecord, metric: string): number | null {
  const values = valuesOf(run, { metric });
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

/**
 * The sweep as CSV with hyperfine's export columns where they apply (command, mean, stddev, median,
 * user and system CPU in seconds, min, max in seconds for times; the quantity's own unit otherwise), then one
 * parameter_<name> column per swept parameter, the runtime, the speed-up and the run id.
 */
export function sweepCsv(result: SweepResult): string {
  const seconds = result.unit === 'ms';
  const scale = (v: number | null): string => (v === null ? '' : String(seconds ? v / 1000 : v));
  const header = [
    'command', 'mean', 'stddev', 'median', 'user', 'system', 'min', 'max',
    ...result.params.map((p) => `parameter_${p}`),
    'runtime', 'speedup',
    ...(result.condition ? ['share_meeting', 'share_ci95_low', 'share_ci95_high'] : []),
    'run_id',
  ];
  const rows = [header.map(csvCell).join(',')];
  for (const series of result.series) {
    for (const point of series.points) {
      const run = point.runId;
      rows.push(
        [
          `${result.title} ${Object.entries(point.point).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`,
          scale(point.mean),
          scale(point.stddev),
          scale(point.median),
          point.cpuUserMs === null ? '' : String(point.cpuUserMs / 1000),
          point.cpuSystemMs === null ? '' : String(point.cpuSystemMs / 1000),
          scale(point.min),
          scale(point.max),
          ...result.params.map((p) => String(point.point[p] ?? '')),
          series.runtime,
          point.speedup === null ? '' : String(point.speedup),
          ...(result.condition ? (point.meeting ? [String(point.meeting.share), String(point.meeting.ci95[0]), String(point.meeting.ci95[1])] : ['', '', '']) : []),
          run,
        ]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return `${rows.join('\n')}\n`;
}

function csvCell(value: string): string {
  // A cell that a spreadsheet would read as a formula is quoted with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A sweep running in the background (started from the app): its progress, and how to stop it. */
export interface SweepState {
  readonly sweepId: string;
  readonly planned: number;
  done: number;
  /** The run of the point in progress, if any. */
  currentRunId: string | null;
  active: boolean;
  error: string | null;
  readonly controller: AbortController;
}

const sweeps = new Map<string, SweepState>();

/**
 * Starts a sweep and answers at once with its id: the points run one after another in this process
 * (each one a run of its own, in its own runner); `sweepState` says how far it is, `cancelSweep` stops
 * it keeping what finished. Bad input is refused before anything starts, as `runSweep` does.
 */
export async function startSweep(service: LabService, request: Omit<SweepRequest, 'sweepId' | 'signal' | 'onPoint' | 'onProgress'>): Promise<{ sweepId: string; planned: number }> {
  const sweepId = randomUUID().slice(0, 8);
  const controller = new AbortController();
  const planned = grid(request.axes).length * request.runtimes.length;
  const state: SweepState = { sweepId, planned, done: 0, currentRunId: null, active: true, error: null, controller };
  let started!: () => void;
  let refused!: (error: unknown) => void;
  const firstPoint = new Promise<void>((resolve, reject) => {
    started = resolve;
    refused = reject;
  });
  sweeps.set(sweepId, state);
  // Finished sweeps are remembered for their progress only; the oldest are forgotten past 100.
  for (const [id, old] of sweeps) {
    if (sweeps.size <= 100) break;
    if (!old.active) sweeps.delete(id);
  }
  void runSweep(service, {
    ...request,
    sweepId,
    signal: controller.signal,
    onPoint: (p) => {
      state.done = p.point - 1;
      started();
    },
    onProgress: (progress) => {
      state.currentRunId = progress.runId;
    },
  })
    .then((result) => {
      state.done = result.recorded;
      started();
    })
    .catch((error: unknown) => {
      state.error = error instanceof Error ? error.message : String(error);
      refused(error);
    })
    .finally(() => {
      state.active = false;
      state.currentRunId = null;
    });
  try {
    await firstPoint;
  } catch (error) {
    sweeps.delete(sweepId);
    throw error;
  }
  return { sweepId, planned };
}

export function sweepState(sweepId: string): Omit<SweepState, 'controller'> | null {
  const state = sweeps.get(sweepId);
  if (!state) return null;
  const { controller: _controller, ...shown } = state;
  return shown;
}

/** Stops a sweep started here: no further point starts, and the point in progress is cancelled. */
export function cancelSweep(service: LabService, sweepId: string): boolean {
  const state = sweeps.get(sweepId);
  if (!state || !state.active) return false;
  state.controller.abort();
  if (state.currentRunId) service.cancel(state.currentRunId);
  return true;
}

/** Every sweep started here that is still running is stopped (the lab is closing). */
export function cancelAllSweeps(service: LabService): void {
  for (const id of sweeps.keys()) cancelSweep(service, id);
}
