// Every lesson's key-number declaration is valid and names only what its runs produce: records its
// spec's record steps write, and metrics its claims read (or wallMs). The lessons the results view was
// built around declare one. keyNumbers computes each cell as the median over counted trials.
import { describe, expect, test } from 'vitest';
import { LESSONS } from '../../src-main/lessons/catalog';
import { genericKeyNumbers, keyNumberSources, keyNumbers, lessonResultsSchema } from '../../src-main/model/lesson-results';
import type { TrialRecord } from '../../src-main/model/run-model';

/** Names of every record step in a spec (however nested), and every metric its claims read. */
function produced(spec: unknown): { records: Set<string>; metrics: Set<string> } {
  const records = new Set<string>();
  const metrics = new Set<string>(['wallMs']);
  const walk = (value: unknown, inClaims: boolean): void => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, inClaims));
    else if (value !== null && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (!inClaims && object['op'] === 'record' && typeof object['name'] === 'string') records.add(object['name']);
      if (inClaims && typeof object['metric'] === 'string') metrics.add(object['metric']);
      for (const [key, inner] of Object.entries(object)) walk(inner, inClaims || key === 'claims');
    }
  };
  walk(spec, false);
  return { records, metrics };
}

describe('lesson results declarations', () => {
  test('the lessons whose claims compare phases declare their key numbers', () => {
    const declaring = LESSONS.filter((lesson) => lesson.results !== undefined).map((lesson) => lesson.id);
    expect(declaring).toEqual(expect.arrayContaining(['race-counter', 'cpu-vs-io', 'gil', 'server-models', 'process-join', 'threading-tcp-server', 'select-vs-epoll']));
  });

  for (const lesson of LESSONS.filter((l) => l.results !== undefined)) {
    test(`${lesson.id}: valid, and every source is a record or metric its runs produce`, () => {
      const parsed = lessonResultsSchema.safeParse(lesson.results);
      expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
      const { records, metrics } = produced(lesson.spec);
      for (const source of keyNumberSources(lesson.results!)) {
        if ('record' in source) expect(records, `record ${source.record}`).toContain(source.record);
        else expect(metrics, `metric ${source.metric}`).toContain(source.metric);
      }
    });
  }

  test('the schema refuses a row whose cells do not match the columns, and a bar column not declared', () => {
    const base = { kind: 'bars', title: { en: 't', zh: 't' }, rowHeader: { en: 'r', zh: 'r' }, columns: [{ id: 'a', label: { en: 'a', zh: 'a' } }] };
    expect(lessonResultsSchema.safeParse({ ...base, rows: [{ label: { en: 'x', zh: 'x' }, cells: [{ record: 'x' }, null] }] }).success).toBe(false);
    expect(lessonResultsSchema.safeParse({ ...base, rows: [{ label: { en: 'x', zh: 'x' }, cells: [{ record: 'x' }] }], barColumns: ['b'] }).success).toBe(false);
    expect(lessonResultsSchema.safeParse({ ...base, rows: [{ label: { en: 'x', zh: 'x' }, cells: [{ record: 'x', agg: 'sum' }] }] }).success).toBe(true);
  });
});

function trial(index: number, warmup: boolean, records: Record<string, unknown[]>): TrialRecord {
  return { index, warmup, status: 'ok', startedAt: '', wallMs: 100 + index, metrics: {}, actors: [], records, finalShared: {}, deadlock: null, error: null, eventCount: 0, eventsLost: 0, eventsDropped: 0 };
}

describe('keyNumbers', () => {
  test('race-counter: lost updates per phase, median over counted trials, warm-ups left out, the ratio of the shown values', () => {
    const lesson = LESSONS.find((l) => l.id === 'race-counter')!;
    const trials = [
      trial(0, true, { unlockedFinal: [50], lockedFinal: [0], serialFinal: [0], lockedMs: [999], serialWorkMs: [1] }),
      trial(1, false, { unlockedFinal: [17], lockedFinal: [0], serialFinal: [0], lockedMs: [100], serialWorkMs: [50, 50, 50, 50] }),
      trial(2, false, { unlockedFinal: [19], lockedFinal: [0], serialFinal: [0], lockedMs: [120], serialWorkMs: [60, 60, 60, 60] }),
      trial(3, false, { unlockedFinal: [18], lockedFinal: [0], serialFinal: [0], lockedMs: [110], serialWorkMs: [55, 55, 55, 55] }),
    ];
    const view = keyNumbers(lesson.results!, trials);
    expect(view.trials).toBe(3);
    expect(view.rows.map((row) => [row.label.en, ...row.values])).toEqual([
      ['no lock', 18, null],
      ['with a lock', 0, 110],
      ['one thread at a time', 0, 220],
    ]);
    expect(view.ratios).toEqual([{ label: expect.anything(), of: 220, over: 110, value: 2 }]);
  });

  test('a run without a declaration gets its numeric records as a table', () => {
    const view = genericKeyNumbers([trial(0, false, { n: [1, 2, 3], word: ['a'] })]);
    expect(view?.rows.map((row) => [row.label.en, ...row.values])).toEqual([['n', 3]]);
    expect(genericKeyNumbers([trial(0, false, { word: ['a'] })])).toBeNull();
  });
});
