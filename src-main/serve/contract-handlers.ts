import type { Comparison, Lesson } from '../contract/dto';
import { toWireError, type ResponseMessage } from '../contract/messages';
import { checkParams, describeProblems, isMethodName, type MethodName, type ResultOf, type ValidParamsOf } from '../contract/methods';
import { appVersion } from '../engine/entry-paths';
import { DEFAULT_LIMIT_CAPS as defaultCaps } from '../model/limit-caps';
import type { LabService } from '../service/lab-service';
import type { LiveSubscriber, RunHub } from './run-hub';

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

    'runtimes.list': ({ lessonId }) => service.runtimes(lessonId),
    'specs.schema': () => service.specSchema(),
    'specs.validate': ({ spec, overrides }) => service.validate(spec, overrides ?? {}),

    'runs.start': (params, { subscriber }) => hub.start(params, subscriber),
    'runs.cancel': ({ runId }) => ({ cancelled: service.cancel(runId) }),
    'runs.active': () => service.activeRuns(),
    'runs.subscribe': ({ runId }, { subscriber }) => ({ active: hub.subscribe(runId, subscriber) }),
    'runs.unsubscribe': ({ runId }, { subscriber }) => ({ subscribed: hub.unsubscribe(runId, subscriber) }),

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

    'compare.runs': ({ runIds, metrics }): Comparison => service.compare(runIds, metrics),
    'compare.report': ({ runIds, metrics }) => {
      const file = service.compareReport(runIds, metrics);
      return { fileName: file.fileName, mimeType: file.mimeType, dataBase64: file.data.toString('base64') };
    },

    'export.run': ({ runId, format }) => {
      const file = service.exportRun(runId, format);
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
  };
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
