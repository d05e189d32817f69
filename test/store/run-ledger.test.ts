import { describe, expect, it } from 'vitest';
import { honestFinish, newLedger } from '../../src-main/store/run-ledger';
import { sampleFinish } from './helpers/store-fixtures';

describe('honestFinish: the stored end of a run never claims more than was stored', () => {
  it('keeps a run whose every write arrived as it is, with the stored count', () => {
    const fields = sampleFinish({ status: 'ok', eventCount: 500 });
    expect(honestFinish(fields, 500, newLedger())).toEqual(fields);
    expect(honestFinish(sampleFinish({ status: 'deadlocked', eventCount: 0 }), 0, undefined).status).toBe('deadlocked');
  });

  it('stores a run with lost batches as failed, with every reason and the stored count', () => {
    const ledger = newLedger();
    ledger.lostBatches = 3;
    ledger.lostEvents = 120;
    ledger.reasons.set('locked', 'database locked for 10.2 s by another program');
    ledger.reasons.set('disk-full', 'disk full: no space left for /data/lab.db (database or disk is full)');
    const finish = honestFinish(sampleFinish({ status: 'ok', eventCount: 500 }), 380, ledger);
    expect(finish.status).toBe('failed');
    expect(finish.eventCount).toBe(380);
    expect(finish.error).toBe(
      'not fully recorded: database locked for 10.2 s by another program; disk full: no space left for /data/lab.db ' +
        '(database or disk is full) (380 of 500 trace events stored)',
    );
    // Claims and statistics stay: they were computed from every event, in memory.
    expect(finish.claims).toEqual(sampleFinish().claims);
  });

  it('counts lost trial records even when every event arrived, and keeps how the run itself ended', () => {
    const ledger = newLedger();
    ledger.lostTrials = 1;
    ledger.reasons.set('locked', 'database locked for 1.0 s by another program');
    const finish = honestFinish(sampleFinish({ status: 'timed-out', error: 'trial 0 hit its wall-time limit', eventCount: 50 }), 50, ledger);
    expect(finish.status).toBe('failed');
    expect(finish.error).toBe(
      'not fully recorded: database locked for 1.0 s by another program (50 of 50 trace events stored, 1 trial record not stored); ' +
        'the run itself ended timed-out: trial 0 hit its wall-time limit',
    );
  });

  it('fails a run whose stored events fall short of the count even when no write reported a loss', () => {
    const finish = honestFinish(sampleFinish({ status: 'ok', eventCount: 10 }), 7, newLedger());
    expect(finish).toMatchObject({ status: 'failed', eventCount: 7, error: 'not fully recorded: some of its events never reached the database (7 of 10 trace events stored)' });
  });
});
