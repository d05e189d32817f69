/**
 * Names that cross the Electron IPC boundary, without any schema library: the sandboxed preload
 * imports only this file (plus electron), so it stays small and has nothing to load at runtime.
 * methods.ts checks at compile time that METHOD_NAMES lists exactly the contract's methods.
 */

/** Every IPC channel of the app starts with this; the preload refuses any other. */
export const CHANNEL_PREFIX = 'conlab:';
export const IPC_CHANNELS = {
  /** Renderer → main, invoke: a RequestMessage; resolves to a ResponseMessage. */
  request: `${CHANNEL_PREFIX}request`,
  /** Main → renderer: an EventMessage. */
  event: `${CHANNEL_PREFIX}event`,
} as const;

export const METHOD_NAMES = [
  'app.info',
  'app.storeHealth',
  'lessons.list',
  'lessons.chapters',
  'lessons.get',
  'lessons.seedMap',
  'lessons.handout',
  'runtimes.list',
  'specs.schema',
  'specs.validate',
  'specs.python',
  'runs.start',
  'runs.startPair',
  'runs.cancel',
  'runs.active',
  'runs.distribution',
  'runs.subscribe',
  'runs.unsubscribe',
  'sweeps.start',
  'sweeps.get',
  'sweeps.cancel',
  'sweeps.csv',
  'sweeps.report',
  'history.list',
  'history.get',
  'history.events',
  'history.tag',
  'history.untag',
  'history.note',
  'history.delete',
  'compare.runs',
  'compare.report',
  'compare.trace',
  'export.run',
  'import.runLog',
  'experiments.list',
  'experiments.save',
  'experiments.delete',
  'settings.get',
  'settings.update',
  'servers.start',
  'servers.list',
  'servers.stop',
  'packs.open',
  'packs.runLesson',
  'packs.handout',
  'packs.submit',
  'packs.build',
  'packs.source',
  'class.import',
  'class.export',
] as const;

export type MethodName = (typeof METHOD_NAMES)[number];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && (METHOD_NAMES as readonly string[]).includes(name);
}
