import type { RunFinish } from './store-model';

/**
 * What the store writer knows about a run's writes that never reached the disk, and the end it stores
 * for such a run. Pure: the writer worker keeps one ledger per run it began.
 *
 * Guarantee of honestFinish: the stored end never claims more than was stored. event_count is the
 * number of events in the file; a run with a lost batch or trial, or fewer stored events than the
 * runner counted, is 'failed' and its error says why and how much is there.
 */

/** What a run begun through this writer lost on the way to the disk. */
export interface RunLedger {
  lostBatches: number;
  lostEvents: number;
  lostTrials: number;
  /** Set once a write of this run met a full disk: later batches are not tried (see commitPending). */
  diskFull: Error | null;
  /** The latest reason of each kind (a lock's wait grows while it lasts; the latest is the longest). */
  readonly reasons: Map<string, string>;
}

export function newLedger(): RunLedger {
  return { lostBatches: 0, lostEvents: 0, lostTrials: 0, diskFull: null, reasons: new Map() };
}

/** The end to store for a run, given what really reached the database. */
export function honestFinish(fields: RunFinish, storedEvents: number, ledger: RunLedger | undefined): RunFinish {
  const lostTrials = ledger?.lostTrials ?? 0;
  const lostBatches = ledger?.lostBatches ?? 0;
  if (storedEvents >= fields.eventCount && lostTrials === 0 && lostBatches === 0) return { ...fields, eventCount: storedEvents };
  const reasons = ledger && ledger.reasons.size > 0 ? [...ledger.reasons.values()].join('; ') : 'some of its events never reached the database';
  const what = [`${storedEvents} of ${fields.eventCount} trace events stored`];
  if (lostTrials > 0) what.push(`${lostTrials} trial record${lostTrials === 1 ? '' : 's'} not stored`);
  const itself = fields.status === 'ok' ? '' : `; the run itself ended ${fields.status}${fields.error ? `: ${fields.error}` : ''}`;
  return { ...fields, status: 'failed', eventCount: storedEvents, error: `not fully recorded: ${reasons} (${what.join(', ')})${itself}` };
}
