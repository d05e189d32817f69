import { randomUUID } from 'node:crypto';
import type { Comparison, Lesson, RunStatus, StartedPair, SweepView } from '../contract/dto';
import { cancelSweep, readSweep, startSweep, sweepCsv, sweepState } from '../service/sweeps';
import { runDistribution } from '../service/distributions';
import { sweepReport } from '../export/sweep-report';
import { toWireError, type ResponseMessage } from '../contract/messages';
import { checkParams, describeProblems, isMethodName, type MethodName, type ResultOf, type ValidParamsOf } from '../contract/methods';
import { appVersion } from '../engine/entry-paths';
import { DEFAULT_LIMIT_CAPS as defaultCaps } from '../model/limit-caps';
import { LabError, PAIR_TAG_PREFIX, type LabService } from '../service/lab-service';
import { SEED_MAP } from '../lessons/seed-map';
import { pythonProgramFile } from '../service/python-export';
import type { LiveSubscriber, RunHub } from './run-hub';
import { classCsv, classHtml, classOverview } from '../export/class-report';
import { serializeSubmission } from '../export/submission';
import { buildPackFile, packSource } from '../service/pack-build';
import { handoutFile, lessonHandout, packHandout } from '../service/handouts';
import { buildPackSubmission, entryQuestions, entryTitle, importSubmissionFiles, markPackRun, PackError, packSession, parseLabPack, preparePackRun, type ReadPack } from '../service/packs';

/**
 * The contract's methods mapped onto LabService, for any transport: browser mode's WebSocket and
 * the app's IPC both call `dispatchRequest`, which validates the method name and the parameters
 * with the contract's schemas before anything reaches the service.
 */

export interface CallContext {
  /** Who receives live events of runs this caller starts or subscribes to. */
  readonly subscriber: LiveSubscriber;
}

export type ContractHandlers = {
  readonly [M in MethodName]: (params: ValidParamsOf<M>, context: CallContext) => ResultOf<M> | Promise<ResultOf<M>>;
};

export function createContractHandlers(service: LabService, hub: RunHub, runtime: 'desktop' | 'browser'): ContractHandlers {
  const tagsOf = (runId: string) => ({ tags: service.getRun(runId).tags });
  return {
    'app.info': () => ({ version: appVersion(), runtime, dataLocation: service.dbPath }),
    'app.storeHealth': () => ({ ...service.storeHealth, dataLocation: service.dbPath }),

    'lessons.list': () => service.listLessons(),
    'lessons.chapters': () => service.chapters(),
    'lessons.get': ({ id }): Lesson => service.getLesson(id),
    'lessons.seedMap': () => SEED_MAP,
    'lessons.handout': ({ id, ...request }) => handoutFile(id, lessonHandout(id, request), request),

    'runtimes.list': ({ lessonId }) => service.runtimes(lessonId),
    'specs.schema': () => service.specSchema(),
    'specs.validate': ({ spec, overrides }) => service.validate(spec, overrides ?? {}),
    'specs.python': (params) => pythonProgramFile(params),

    'runs.start': (params, { subscriber }) => hub.start(params, subscriber),
    'runs.startPair': (params, { subscriber }) => startPair(service, hub, params, subscriber),
    'runs.cancel': ({ runId }) => ({ cancelled: service.cancel(runId) }),
    'runs.active': () => service.activeRuns(),
    'runs.distribution': ({ runId, quantity, condition }) => runDistribution(service, runId, quantity, condition ?? null),
    'runs.subscribe': ({ runId }, { subscriber }) => ({ active: hub.subscribe(runId, subscriber) }),
    'runs.unsubscribe': ({ runId }, { subscriber }) => ({ subscribed: hub.unsubscribe(runId, subscriber) }),

    'sweeps.start': (params) => startSweep(service, { ...params, runtimes: params.runtimes }),
    'sweeps.get': ({ sweepId, quantity, scaling, condition }): SweepView => {
      const progress = sweepState(sweepId);
      let result: SweepView['result'] = null;
      try {
        result = readSweep(service, sweepId, { ...(quantity ? { quantity } : {}), ...(scaling ? { scaling } : {}), condition: condition ?? null, ...(progress ? { planned: progress.planned } : {}) });
      } catch (error) {
        // No point recorded yet: the sweep exists only as its progress here.
        if (!(error instanceof LabError && error.code === 'not-found' && progress)) throw error;
      }
      return { result, progress: progress ? { planned: progress.planned, done: progress.done, active: progress.active, currentRunId: progress.currentRunId, error: progress.error } : null };
    },
    'sweeps.cancel': ({ sweepId }) => ({ cancelled: cancelSweep(service, sweepId) }),
    'sweeps.csv': ({ sweepId, quantity, scaling, condition }) => {
      const result = readSweep(service, sweepId, { ...(quantity ? { quantity } : {}), ...(scaling ? { scaling } : {}), condition: condition ?? null });
      return { fileName: `sweep-${sweepId}.csv`, mimeType: 'text/csv', dataBase64: Buffer.from(sweepCsv(result)).toString('base64') };
    },
    'sweeps.report': ({ sweepId, quantity, scaling, condition }) => {
      const result = readSweep(service, sweepId, { ...(quantity ? { quantity } : {}), ...(scaling ? { scaling } : {}), condition: condition ?? null });
      return { fileName: `sweep-${sweepId}.html`, mimeType: 'text/html', dataBase64: Buffer.from(sweepReport(result)).toString('base64') };
    },

    'history.list': ({ filter }) => service.listRuns(filter ?? {}),
    'history.get': ({ runId }) => service.getRun(runId),
    'history.events': ({ runId, trial }) => service.runEvents(runId, trial),
    'history.tag': async ({ runId, tag }) => {
      await service.tagRun(runId, tag);
      return tagsOf(runId);
    },
    'history.untag': async ({ runId, tag }) => {
      await service.untagRun(runId, tag);
      return tagsOf(runId);
    },
    'history.note': ({ runId, text }) => service.addNote(runId, text),
    'history.delete': async ({ runId }) => ({ deleted: await service.deleteRun(runId) }),

    'servers.start': ({ config }) => service.standaloneServers.start(config),
    'servers.list': () => service.standaloneServers.list(),
    'servers.stop': ({ id }) => service.standaloneServers.stop(id),

    'compare.runs': ({ runIds, metrics }): Comparison => service.compare(runIds, metrics),
    'compare.report': ({ runIds, metrics, lang }) => {
      const file = service.compareReport(runIds, metrics, lang);
      return { fileName: file.fileName, mimeType: file.mimeType, dataBase64: file.data.toString('base64') };
    },

    'compare.trace': ({ runIds, align, trials }) => {
      const file = service.compareTrace(runIds, align, trials);
      return { fileName: file.fileName, mimeType: file.mimeType, dataBase64: file.data.toString('base64') };
    },
    'export.run': ({ runId, format, lang }) => {
      const file = service.exportRun(runId, format, lang);
      return { fileName: file.fileName, mimeType: file.mimeType, dataBase64: file.data.toString('base64') };
    },
    'import.runLog': ({ dataBase64 }) => service.importRunLog(Buffer.from(dataBase64, 'base64')),

    'experiments.list': () => service.listExperiments(),
    'experiments.save': ({ id, name, spec }) => service.saveExperiment({ ...(id !== undefined ? { id } : {}), name, spec }),
    'experiments.delete': async ({ id }) => ({ deleted: await service.deleteExperiment(id) }),

    'settings.get': () => ({ ...service.getSettings(), dataLocation: service.dbPath, settingsFile: service.settingsPath, defaultLimits: { ...defaultCaps } }),
    'settings.update': (patch) => ({
      ...service.updateSettings(patch),
      dataLocation: service.dbPath,
      settingsFile: service.settingsPath,
      defaultLimits: { ...defaultCaps },
    }),

    'packs.open': async ({ packBase64 }) => packSession(service, await readPack(packBase64)),
    'packs.runLesson': async ({ packBase64, lesson, overrides, answers }, { subscriber }) => {
      const prepared = preparePackRun(await readPack(packBase64), lesson, { ...(overrides ? { overrides } : {}), ...(answers ? { answers } : {}) });
      const started = await hub.start(prepared.request, subscriber);
      await markPackRun(service, started.runId, prepared);
      return started;
    },
    'packs.handout': async ({ packBase64, ...request }) => {
      const read = await readPack(packBase64);
      return handoutFile(read.pack.id, packHandout(read, request), request);
    },
    'packs.submit': async ({ packBase64, name }) => {
      const read = await readPack(packBase64);
      const data = serializeSubmission(buildPackSubmission(service, read, name));
      const safeName = name.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 60) || 'student';
      return { fileName: `${read.pack.id}-${safeName}.conlabsub`, mimeType: 'application/gzip', dataBase64: data.toString('base64') };
    },
    'packs.build': ({ packJson }) => buildPackFile(packJson),
    'packs.source': ({ packBase64 }) => packSource(Buffer.from(packBase64, 'base64')),
    'class.import': async ({ packBase64, files }) => {
      const pack = packBase64 !== undefined ? await readPack(packBase64) : null;
      const result = await importSubmissionFiles(
        files.map((f) => ({ name: f.name, read: () => Buffer.from(f.dataBase64, 'base64') })),
        pack,
      );
      return { overview: classOverview(result.loaded, result.pack, entryTitle, entryQuestions), refused: result.refused };
    },
    'class.export': async ({ packBase64, files, format, lang }) => {
      const pack = packBase64 !== undefined ? await readPack(packBase64) : null;
      const result = await importSubmissionFiles(
        files.map((f) => ({ name: f.name, read: () => Buffer.from(f.dataBase64, 'base64') })),
        pack,
      );
      const overview = classOverview(result.loaded, result.pack, entryTitle, entryQuestions);
      const base = `class-${overview.pack.id || 'overview'}`;
      return format === 'csv'
        ? { fileName: `${base}.csv`, mimeType: 'text/csv', dataBase64: Buffer.from(classCsv(overview)).toString('base64') }
        : { fileName: `${base}.html`, mimeType: 'text/html', dataBase64: Buffer.from(classHtml(overview, lang)).toString('base64') };
    },
  };
}

/** A pack as uploaded; a refusal is bad input naming the path of the problem. */
async function readPack(packBase64: string): Promise<ReadPack> {
  try {
    return await parseLabPack(Buffer.from(packBase64, 'base64'));
  } catch (error) {
    if (error instanceof PackError) throw new LabError('bad-input', error.message);
    throw error;
  }
}

/** Statuses after which the CPython side of a pair is not started: someone stopped the Node run, or the lab. */
const PAIR_STOPPED: ReadonlySet<RunStatus | null> = new Set<RunStatus | null>(['cancelled', 'interrupted', null]);

/** Resolves with a run's status once its run-ended message has gone out (at once when it already has). */
function whenEnded(service: LabService, hub: RunHub, runId: string): Promise<RunStatus | null> {
  return new Promise((resolve) => {
    const watcher: LiveSubscriber = {
      send: (event) => {
        if (event.type === 'run-ended') resolve(event.status);
      },
    };
    if (!hub.subscribe(runId, watcher)) resolve(service.getRun(runId).status);
  });
}

/**
 * A lesson on Node, then on CPython, through the hub's own start (so each run has live events, is cancellable
 * and is stopped with the hub), both tagged `pair:<id>`. Answers once the Node run has started; the CPython run
 * starts when it ends, unless it was cancelled or interrupted. A CPython start that fails is noted on the Node run.
 */
async function startPair(service: LabService, hub: RunHub, params: ValidParamsOf<'runs.startPair'>, subscriber: LiveSubscriber): Promise<StartedPair> {
  const request = {
    lessonId: params.lessonId,
    ...(params.overrides ? { overrides: params.overrides } : {}),
    ...(params.repeat !== undefined ? { repeat: params.repeat } : {}),
    ...(params.warmup !== undefined ? { warmup: params.warmup } : {}),
  };
  const refused = service.runtimeRefusal(request, 'cpython');
  if (refused !== null) throw new LabError('bad-input', `lesson ${params.lessonId} cannot run as a pair: CPython refuses it: ${refused}`);
  const pairId = randomUUID().slice(0, 8);
  const tag = `${PAIR_TAG_PREFIX}${pairId}`;
  const { runId } = await hub.start({ ...request, runtime: 'node' }, subscriber);
  await service.tagRun(runId, tag);
  void (async () => {
    const status = await whenEnded(service, hub, runId);
    if (PAIR_STOPPED.has(status)) return;
    try {
      const second = await hub.start({ ...request, runtime: 'cpython' }, subscriber);
      await service.tagRun(second.runId, tag);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await service.addNote(runId, `the CPython run of pair ${pairId} did not start: ${message}`).catch(() => undefined);
    }
  })();
  return { runId, pairId };
}

/**
 * Validates and runs one request. Never throws: every failure becomes an error response a person can
 * act on (bad method, bad parameters with their paths, LabService's own errors); an unexpected error
 * crosses as its name and message only, no stack.
 */
export async function dispatchRequest(handlers: ContractHandlers, id: number, method: unknown, params: unknown, context: CallContext): Promise<ResponseMessage> {
  if (!isMethodName(method)) {
    return { type: 'response', id, ok: false, error: { name: 'BadRequest', message: `unknown method ${JSON.stringify(method)}`, code: 'bad-request' } };
  }
  const checked = checkParams(method, params);
  if (!checked.ok) {
    return { type: 'response', id, ok: false, error: { name: 'BadRequest', message: describeProblems(method, checked.problems), code: 'bad-request' } };
  }
  try {
    const handler = handlers[method] as (params: unknown, context: CallContext) => unknown;
    const result = await handler(checked.params, context);
    return { type: 'response', id, ok: true, result: result === undefined ? null : result };
  } catch (error) {
    const fallback = error instanceof Error && (error.name === 'StoreInputError' || error instanceof RangeError) ? 'bad-input' : 'internal';
    return { type: 'response', id, ok: false, error: toWireError(error, fallback) };
  }
}
