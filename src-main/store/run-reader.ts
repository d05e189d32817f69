import type { OpenDatabaseOptions } from './database';
import { RunStore } from './run-store';

/**
 * The read side of the run history: what the service may ask of its own connection. Every write goes
 * through the store-writer worker (run-writer.ts); this connection is opened with writes forbidden
 * (`query_only`), so a write slipped in here fails instead of competing with the writer for the lock.
 * Opening may still mark runs of dead owners interrupted (see openHistory), before writes are forbidden.
 */
export type RunReader = Pick<
  RunStore,
  | 'health'
  | 'searchMode'
  | 'runExists'
  | 'runIdsStartingWith'
  | 'getRun'
  | 'listRuns'
  | 'readEventBatches'
  | 'iterateEventBatches'
  | 'countEvents'
  | 'readMetrics'
  | 'listExperiments'
  | 'getExperiment'
  | 'close'
>;

export function openRunReader(file: string, options?: OpenDatabaseOptions): RunReader {
  const store = RunStore.open(file, options);
  try {
    store.db.pragma('query_only = ON');
  } catch (error) {
    store.close();
    throw error;
  }
  return store;
}
