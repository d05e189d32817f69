import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src-main/model/run-model';
import { decodeBatches } from '../../src-main/model/trace-event';
import { openDatabase } from '../../src-main/store/database';
import { RunStore } from '../../src-main/store/run-store';
import { StoreInputError } from '../../src-main/store/store-model';
import {
  makeBatches,
  makeTempDir,
  sampleClaims,
  sampleFinish,
  sampleEnvironment,
  sampleRunRecord,
  sampleRunStart,
  sampleTrial,
} from './helpers/store-fixtures';

let temp: ReturnType<typeof makeTempDir>;
let file: string;
let store: RunStore;

beforeEach(() => {
  temp = makeTempDir();
  file = path.join(temp.dir, 'lab.db');
  store = RunStore.open(file);
});
afterEach(() => {
  store.close();
  temp.remove();
});

function rowCounts(runId: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const table of ['runs', 'trials', 'events', 'metrics', 'claims', 'tags', 'notes']) {
    const column = table === 'runs' ? 'id' : 'run_id';
    counts[table] = store.db.prepare(`SELECT count(*) FROM ${table} WHERE ${column} = ?`).pluck().get(runId) as number;
  }
  counts['runs_fts'] = store.db.prepare('SELECT count(*) FROM runs_fts WHERE run_id = ?').pluck().get(runId) as number;
  return counts;
}

describe('RunStore: a run written as the runner writes it', () => {
  it('round-trips start, trials, event batches, end, tags and notes', () => {
    const start = sampleRunStart('run-1');
    store.beginRun(start);
    expect(store.getRun('run-1')).toMatchObject({ status: 'running', endedAt: null, trials: [], claims: [] });
    expect(store.db.prepare('SELECT owner_pid FROM runs WHERE id = ?').pluck().get('run-1')).toBe(process.pid);

    const trials = [sampleTrial(0), sampleTrial(1), sampleTrial(2, { deadlock: {
      detectedAtMs: 12,
      cycle: [{ actor: 'p1', waitsFor: 'fork-2', heldBy: 'p2' }, { actor: 'p2', waitsFor: 'fork-1', heldBy: 'p1' }],
      description: 'p1 waits for fork-2 held by p2, p2 waits for fork-1 held by p1',
    }, status: 'deadlocked', error: 'deadlock' })];
    const batches = [...makeBatches(0, 'adder-1', 3, 10), ...makeBatches(1, 'adder-2', 2, 10), ...makeBatches(1, 'adder-1', 2, 10)];
    expect(store.appendEventBatches('run-1', batches)).toBe(batches.length);
    for (const trial of trials) expect(store.saveTrial('run-1', trial)).toBe(true);
    expect(store.finishRun('run-1', sampleFinish({ eventCount: 70 }))).toBe(true);
    expect(store.addTag('run-1', ' lab-2 ')).toBe(true);
    expect(store.addTag('run-1', 'baseline')).toBe(true);
    expect(store.addTag('run-1', 'baseline')).toBe(true); // a set: no duplicate
    const note = store.addNote('run-1', 'counter drifted by 4000');

    const finish = sampleFinish({ eventCount: 70 });
    const expected: RunRecord = {
      ...start,
      status: 'ok',
      endedAt: finish.endedAt,
      wallMs: finish.wallMs,
      trials,
      stats: finish.stats,
      claims: sampleClaims,
      warnings: finish.warnings,
      error: null,
      tags: ['baseline', 'lab-2'],
      notes: [note!],
    };
    expect(store.getRun('run-1')).toEqual(expected);
    expect(store.countEvents('run-1')).toBe(70);
    expect(store.db.prepare('SELECT event_count FROM runs WHERE id = ?').pluck().get('run-1')).toBe(70);

    // One metrics row per numeric metric per trial.
    expect(store.readMetrics('run-1')).toHaveLength(9);
    expect(store.readMetrics('run-1')[0]).toEqual({ trial: 0, name: 'lostUpdates', value: 4000 });
  });

  it('reads batches back ordered by trial, actor and first sequence number, whole or by trial', () => {
    store.beginRun(sampleRunStart('run-1'));
    const b = makeBatches(1, 'b', 2, 5);
    const a = makeBatches(1, 'a', 3, 5);
    const zero = makeBatches(0, 'z', 1, 5);
    store.appendEventBatches('run-1', [b[1]!, a[2]!, zero[0]!, a[0]!, b[0]!, a[1]!]);
    expect(store.readEventBatches('run-1')).toEqual([zero[0], ...a, ...b]);
    expect(store.readEventBatches('run-1', 1)).toEqual([...a, ...b]);
    expect(store.readEventBatches('run-1', 7)).toEqual([]);
    const events = decodeBatches(store.readEventBatches('run-1', 1));
    expect(events).toHaveLength(25);
    expect(events[0]).toEqual({ actor: 'a', seq: 0, t: 0, op: 'acquire', ph: 'B', data: { lock: 'counter-lock' } });
  });

  it('ignores a batch stored twice', () => {
    store.beginRun(sampleRunStart('run-1'));
    const batches = makeBatches(0, 'a', 4, 100);
    expect(store.appendEventBatches('run-1', batches)).toBe(4);
    expect(store.appendEventBatches('run-1', [batches[1]!, ...makeBatches(0, 'a', 1, 100, 400)])).toBe(1);
    expect(store.countEvents('run-1')).toBe(500);
    expect(store.readEventBatches('run-1')).toHaveLength(5);
  });

  it('replaces a trial saved again, with its metrics', () => {
    store.beginRun(sampleRunStart('run-1'));
    store.saveTrial('run-1', sampleTrial(1));
    store.saveTrial('run-1', sampleTrial(1, { metrics: { wallMs: 7, broken: Number.NaN } }));
    expect(store.getRun('run-1')!.trials).toHaveLength(1);
    // NaN has no SQL form: it is left out of the metrics rows.
    expect(store.readMetrics('run-1')).toEqual([{ trial: 1, name: 'wallMs', value: 7 }]);
  });

  it('refuses to begin a run twice and to store events for a run never begun', () => {
    store.beginRun(sampleRunStart('run-1'));
    expect(() => store.beginRun(sampleRunStart('run-1'))).toThrow('cannot begin run run-1: a run with this id is already stored');
    expect(() => store.appendEventBatches('ghost', makeBatches(0, 'a', 1, 1))).toThrow(/run ghost does not exist/);
  });
});

describe('RunStore: unknown ids are answers, not exceptions', () => {
  it('returns null, false or nothing', () => {
    expect(store.getRun('nope')).toBeNull();
    expect(store.readEventBatches('nope')).toEqual([]);
    expect(store.countEvents('nope')).toBe(0);
    expect(store.saveTrial('nope', sampleTrial(0))).toBe(false);
    expect(store.finishRun('nope', sampleFinish())).toBe(false);
    expect(store.addTag('nope', 'x')).toBe(false);
    expect(store.removeTag('nope', 'x')).toBe(false);
    expect(store.addNote('nope', 'hello')).toBeNull();
    expect(store.deleteNote(12345)).toBe(false);
    expect(store.deleteRun('nope')).toBe(false);
    expect(store.getExperiment('nope')).toBeNull();
    expect(store.deleteExperiment('nope')).toBe(false);
  });

  it('rejects empty tags and notes with a message naming the field', () => {
    store.beginRun(sampleRunStart('run-1'));
    expect(() => store.addTag('run-1', '  ')).toThrow(StoreInputError);
    expect(() => store.addTag('run-1', '  ')).toThrow(/^tag: /);
    expect(() => store.addNote('run-1', '')).toThrow(/^note: /);
  });
});

describe('RunStore: saveCompleteRun (import)', () => {
  it('stores a whole run in one go and reads it back as it was', () => {
    const run = sampleRunRecord('imported-1');
    const batches = [...makeBatches(1, 'adder-1', 3, 50), ...makeBatches(2, 'adder-2', 2, 50)];
    expect(store.saveCompleteRun(run, batches)).toBe('inserted');
    const read = store.getRun('imported-1')!;
    // Notes get local ids; everything else is as given.
    expect(read).toEqual({ ...run, notes: [{ ...run.notes[0]!, id: read.notes[0]!.id }] });
    expect(store.countEvents('imported-1')).toBe(250);
    expect(store.readEventBatches('imported-1')).toEqual(batches);
    expect(store.db.prepare('SELECT owner_pid, event_count FROM runs').get()).toEqual({ owner_pid: null, event_count: 250 });
  });

  it("answers 'exists' for the same run again, and refuses other content under its id, changing nothing", () => {
    store.saveCompleteRun(sampleRunRecord('imported-1'), makeBatches(1, 'a', 2, 10));
    const before = store.getRun('imported-1');
    expect(store.saveCompleteRun(sampleRunRecord('imported-1'), makeBatches(1, 'a', 2, 10))).toBe('exists');
    const other = sampleRunRecord('imported-1', { title: 'something else', tags: ['other'] });
    expect(() => store.saveCompleteRun(other, makeBatches(1, 'a', 2, 10))).toThrow(/run imported-1 is already in the history with different title/);
    expect(() => store.saveCompleteRun(sampleRunRecord('imported-1'), makeBatches(1, 'a', 5, 10, 1000))).toThrow(/different events/);
    expect(store.getRun('imported-1')).toEqual(before);
    store.addTag('imported-1', 'added-here');
    store.addNote('imported-1', 'a note written here');
    expect(store.saveCompleteRun(sampleRunRecord('imported-1'), makeBatches(1, 'a', 2, 10))).toBe('exists');
    const before2 = store.getRun('imported-1');
    expect(() => store.saveCompleteRun(sampleRunRecord('imported-1', { tags: ['not-here'] }), makeBatches(1, 'a', 2, 10))).toThrow(/different tags/);
    expect(store.getRun('imported-1')).toEqual(before2);
    expect(store.countEvents('imported-1')).toBe(20);
  });

  it('refuses an id that another stored id starts with, or that starts another stored id', () => {
    store.saveCompleteRun(sampleRunRecord('abcd1234-0000'), []);
    expect(() => store.saveCompleteRun(sampleRunRecord('abcd1234'), [])).toThrow(/run id abcd1234 and the stored run abcd1234-0000 start alike/);
    expect(() => store.saveCompleteRun(sampleRunRecord('ABCD1234-0000-1'), [])).toThrow(/start alike/);
    expect(store.runExists('abcd1234')).toBe(false);
    expect(store.runIdsStartingWith('ABCD', 5)).toEqual(['abcd1234-0000']);
  });

  it('rolls back entirely when part of the run is invalid', () => {
    expect(() => store.saveCompleteRun(sampleRunRecord('bad', { tags: ['ok', ''] }), makeBatches(1, 'a', 2, 10))).toThrow(
      StoreInputError,
    );
    expect(store.getRun('bad')).toBeNull();
    expect(store.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
  });
});

describe('RunStore: listing, filtering, searching', () => {
  beforeEach(() => {
    const runs: RunRecord[] = [
      sampleRunRecord('a', { startedAt: '2025-03-01T09:00:00.000Z', lessonId: 'race-lost-updates', title: 'Lost updates', tags: ['lab-1'], notes: [] }),
      sampleRunRecord('b', {
        startedAt: '2025-03-02T09:00:00.000Z',
        lessonId: 'deadlock-dining',
        title: '哲学家就餐 死锁',
        status: 'deadlocked',
        tags: ['lab-1', 'demo'],
        notes: [{ id: 0, text: 'Everyone "froze" at 50% progress', createdAt: '2025-03-02T10:00:00.000Z' }],
        claims: [sampleClaims[0]!],
      }),
      sampleRunRecord('c', { startedAt: '2025-03-03T09:00:00.000Z', lessonId: 'race-lost-updates', title: 'Lost updates with a lock', status: 'failed', tags: [], notes: [], trials: [] }),
      sampleRunRecord('d', {
        startedAt: '2025-03-04T09:00:00.000Z',
        lessonId: null,
        title: 'Semaphore caps concurrency',
        tags: [],
        notes: [],
        environment: { ...sampleEnvironment, runtime: { name: 'cpython', version: '3.11.2', path: '/usr/bin/python3', gil: true, startMethod: 'fork' } },
      }),
    ];
    for (const run of runs) store.saveCompleteRun(run, []);
  });
  const ids = (filter: Parameters<RunStore['listRuns']>[0]) => store.listRuns(filter).map((r) => r.id);

  it('lists newest first with counts and tags', () => {
    const list = store.listRuns({});
    expect(list.map((r) => r.id)).toEqual(['d', 'c', 'b', 'a']);
    expect(list.find((r) => r.id === 'b')).toEqual({
      id: 'b',
      lessonId: 'deadlock-dining',
      title: '哲学家就餐 死锁',
      status: 'deadlocked',
      startedAt: '2025-03-02T09:00:00.000Z',
      wallMs: 5000,
      trials: 3, // four trials, the first a warm-up
      claimsHeld: 1,
      claimsFailed: 0,
      claimsInconclusive: 0,
      tags: ['demo', 'lab-1'],
      runtime: 'node',
      changedParams: expect.any(Array),
      notes: ['Everyone "froze" at 50% progress'],
    });
    expect(list.find((r) => r.id === 'd')).toMatchObject({ runtime: 'cpython' });
    expect(list.find((r) => r.id === 'a')).toMatchObject({ claimsHeld: 1, claimsFailed: 1, claimsInconclusive: 1 });
    expect(list.find((r) => r.id === 'c')).toMatchObject({ trials: 0, tags: [] });
  });

  it('filters by lesson, status, tag and time, and pages', () => {
    expect(ids({ lessonId: 'race-lost-updates' })).toEqual(['c', 'a']);
    expect(ids({ status: 'deadlocked' })).toEqual(['b']);
    expect(ids({ runtime: 'cpython' })).toEqual(['d']);
    expect(ids({ runtime: 'node' })).toEqual(['c', 'b', 'a']);
    expect(ids({ tag: 'lab-1' })).toEqual(['b', 'a']);
    expect(ids({ since: '2025-03-02T09:00:00Z' })).toEqual(['d', 'c', 'b']);
    expect(ids({ until: '2025-03-02T09:00:00.000Z' })).toEqual(['b', 'a']);
    expect(ids({ since: '2025-03-02T12:00:00Z', until: '2025-03-04T00:00:00Z' })).toEqual(['c']);
    expect(ids({ lessonId: 'race-lost-updates', status: 'ok' })).toEqual(['a']);
    expect(ids({ limit: 2 })).toEqual(['d', 'c']);
    expect(ids({ limit: 2, offset: 2 })).toEqual(['b', 'a']);
    expect(ids({ offset: 3 })).toEqual(['a']);
  });

  it('reads a bare date as a whole local day', () => {
    const localDay = (iso: string) => {
      const d = new Date(iso);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    };
    const dayOfB = localDay('2025-03-02T09:00:00.000Z');
    expect(ids({ since: dayOfB, until: dayOfB })).toContain('b');
    expect(ids({ since: dayOfB, until: dayOfB })).not.toContain('d');
  });

  it('searches titles, lesson ids and notes, every term, as substrings', () => {
    expect(ids({ search: 'lost' })).toEqual(['c', 'a']);
    expect(ids({ search: 'LOST lock' })).toEqual(['c']);
    expect(ids({ search: 'dining' })).toEqual(['b']); // lesson id
    expect(ids({ search: 'froze' })).toEqual(['b']); // note
    expect(ids({ search: '"froze"' })).toEqual(['b']); // quotes are text, not query syntax
    expect(ids({ search: '50%' })).toEqual(['b']); // short term, wildcard taken literally
    expect(ids({ search: '死锁' })).toEqual(['b']); // two Chinese characters
    expect(ids({ search: '哲学家' })).toEqual(['b']);
    expect(ids({ search: 'caps concurr' })).toEqual(['d']);
    expect(ids({ search: 'nothing-matches-this' })).toEqual([]);
    expect(ids({ search: '   ' })).toEqual(['d', 'c', 'b', 'a']);
    expect(ids({ search: 'lost', tag: 'lab-1' })).toEqual(['a']);
    expect(ids({ search: 'AND OR NOT * ( )' })).toEqual([]); // FTS5 operators are plain text here
  });

  it('finds notes added later', () => {
    store.addNote('d', 'permits were exhausted');
    expect(ids({ search: 'permits' })).toEqual(['d']);
  });

  it('names the field of a malformed filter', () => {
    expect(() => store.listRuns({ since: 'last tuesday' })).toThrow(/^since: expected an ISO date/);
    expect(() => store.listRuns({ until: '2025-13-45' })).toThrow(StoreInputError);
    expect(() => store.listRuns({ limit: -1 })).toThrow(/^limit: /);
    expect(() => store.listRuns({ offset: 1.5 })).toThrow(/^offset: /);
  });

  it('removes tags', () => {
    expect(store.removeTag('b', 'demo')).toBe(true);
    expect(store.removeTag('b', 'demo')).toBe(false);
    expect(store.getRun('b')!.tags).toEqual(['lab-1']);
  });

  it('deletes a run with everything recorded for it, and only it', () => {
    store.appendEventBatches('b', makeBatches(1, 'a', 3, 10));
    store.appendEventBatches('a', makeBatches(1, 'a', 1, 10));
    const before = rowCounts('b');
    expect(before).toMatchObject({ runs: 1, trials: 4, events: 3, claims: 1, tags: 2, notes: 1, runs_fts: 1 });
    expect(before['metrics']).toBeGreaterThan(0);
    expect(store.deleteRun('b')).toBe(true);
    expect(rowCounts('b')).toEqual({ runs: 0, trials: 0, events: 0, metrics: 0, claims: 0, tags: 0, notes: 0, runs_fts: 0 });
    expect(store.deleteRun('b')).toBe(false);
    expect(rowCounts('a')).toMatchObject({ runs: 1, events: 1, runs_fts: 1 });
    expect(ids({ search: 'froze' })).toEqual([]);
  });
});

describe('RunStore: saved experiments', () => {
  it('saves, lists, updates, reads and deletes', () => {
    const first = store.saveExperiment({ name: ' Race ', spec: { version: 1, actors: [] } });
    expect(first).toMatchObject({ name: 'Race', spec: { version: 1, actors: [] } });
    expect(first.createdAt).toBe(first.updatedAt);
    const second = store.saveExperiment({ id: 'fixed-id', name: 'Pool', spec: { version: 1 } });
    expect(second.id).toBe('fixed-id');
    expect(store.listExperiments().map((e) => e.id).sort()).toEqual([first.id, 'fixed-id'].sort());

    const updated = store.saveExperiment({ id: first.id, name: 'Race 2', spec: { version: 1, actors: [{ kind: 'thread' }] } });
    expect(updated).toMatchObject({ id: first.id, name: 'Race 2', createdAt: first.createdAt });
    expect(store.getExperiment(first.id)).toEqual(updated);
    expect(store.deleteExperiment(first.id)).toBe(true);
    expect(store.listExperiments().map((e) => e.id)).toEqual(['fixed-id']);
    expect(() => store.saveExperiment({ name: '', spec: {} })).toThrow(/^name: /);
  });
});

describe('openDatabase: runs left running', () => {
  it('marks a run without a live owner interrupted, keeping what it recorded, and leaves live ones alone', () => {
    store.beginRun(sampleRunStart('mine'));
    store.beginRun(sampleRunStart('orphan'));
    store.saveTrial('orphan', sampleTrial(0));
    store.appendEventBatches('orphan', makeBatches(0, 'a', 3, 7));
    store.db.prepare(`UPDATE runs SET owner_pid = NULL WHERE id = 'orphan'`).run();
    store.close();

    store = new RunStore(openDatabase(file));
    expect(store.getRun('mine')!.status).toBe('running'); // owned by this live process
    const orphan = store.getRun('orphan')!;
    expect(orphan.status).toBe('interrupted');
    expect(orphan.endedAt).not.toBeNull();
    expect(orphan.error).toMatch(/^interrupted: /);
    expect(orphan.trials).toHaveLength(1);
    expect(store.countEvents('orphan')).toBe(21);
    expect(store.db.prepare('SELECT event_count FROM runs WHERE id = ?').pluck().get('orphan')).toBe(21);
  });

  it('does not recover when asked not to (the writer worker)', () => {
    store.beginRun(sampleRunStart('orphan'));
    store.db.prepare(`UPDATE runs SET owner_pid = NULL`).run();
    store.close();
    store = new RunStore(openDatabase(file, { recoverInterrupted: false }));
    expect(store.getRun('orphan')!.status).toBe('running');
  });
});
