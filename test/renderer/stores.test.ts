// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, test } from 'vitest';
import { useComposerStore } from '../../src-renderer/stores/composer';
import { useHistoryStore } from '../../src-renderer/stores/history';
import { useLessonsStore } from '../../src-renderer/stores/lessons';
import { useLiveRunsStore } from '../../src-renderer/stores/live-runs';
import { FakeLab, flush } from './fake-client';
import { batch, chapters, deadlockLesson, raceLesson, record, summary } from './fixtures';

let lab: FakeLab;

beforeEach(() => {
  setActivePinia(createPinia());
  lab = new FakeLab().install();
});

describe('lessons store', () => {
  beforeEach(() => {
    lab.on('lessons.list', () => [raceLesson, deadlockLesson].map(({ id, chapter, title }) => ({ id, chapter, title, chapterTitle: chapters[1]!.title })))
      .on('lessons.chapters', () => chapters)
      .on('lessons.get', ({ id }) => (id === 'deadlock' ? deadlockLesson : raceLesson));
  });

  test('loads every lesson once, grouped by chapter', async () => {
    const lessons = useLessonsStore();
    await lessons.load();
    await lessons.load();
    expect(lessons.state).toBe('done');
    expect(lab.callsTo('lessons.list')).toHaveLength(1);
    expect(lessons.byChapter.map((group) => [group.chapter.id, group.lessons.map((lesson) => lesson.id)])).toEqual([
      ['processes', []],
      ['threads', ['race-counter', 'deadlock']],
    ]);
  });

  test('search matches ids, titles, texts and claims in either language', async () => {
    const lessons = useLessonsStore();
    await lessons.load();
    lessons.query = 'cycle';
    expect(lessons.filtered.map((lesson) => lesson.id)).toEqual(['deadlock']);
    lessons.query = '丢失';
    expect(lessons.filtered.map((lesson) => lesson.id)).toEqual(['race-counter']);
    lessons.query = 'updates LOST';
    expect(lessons.filtered.map((lesson) => lesson.id)).toEqual(['race-counter']);
    lessons.query = 'nothing like this';
    expect(lessons.filtered).toEqual([]);
  });

  test('a failure is shown, not thrown', async () => {
    lab.on('lessons.list', () => Promise.reject(new Error('server gone')));
    const lessons = useLessonsStore();
    await lessons.load();
    expect(lessons.state).toBe('error');
    expect(lessons.error).toBe('server gone');
  });
});

describe('history store', () => {
  test('sends only the filters that are set, with "until" inclusive', async () => {
    lab.on('history.list', () => [summary('aaaa1111')]);
    const history = useHistoryStore();
    history.filter.status = 'deadlocked';
    history.filter.until = '2025-01-31';
    history.filter.search = '  lock ';
    await history.load();
    expect(lab.callsTo('history.list')).toEqual([{ filter: { status: 'deadlocked', until: '2025-02-01', search: 'lock', limit: 500 } }]);
    expect(history.runs.map((run) => run.id)).toEqual(['aaaa1111']);
  });

  test('selection for comparing needs two runs and forgets runs that disappear', async () => {
    let list = [summary('aaaa1111'), summary('bbbb2222')];
    lab.on('history.list', () => list);
    const history = useHistoryStore();
    await history.load();
    history.toggle('aaaa1111');
    expect(history.canCompare).toBe(false);
    history.toggle('bbbb2222');
    expect(history.canCompare).toBe(true);
    list = [summary('bbbb2222')];
    await history.load();
    expect(history.selected).toEqual(['bbbb2222']);
  });

  test('tags, notes and deletes go to the service and update the list', async () => {
    lab.on('history.list', () => [summary('aaaa1111'), summary('bbbb2222')])
      .on('history.tag', ({ tag }) => ({ tags: [tag] }))
      .on('history.untag', () => ({ tags: [] }))
      .on('history.note', ({ text }) => ({ id: 1, text, createdAt: 'now' }))
      .on('history.delete', () => ({ deleted: true }));
    const history = useHistoryStore();
    await history.load();
    await history.addTag('aaaa1111', 'class');
    expect(history.runs[0]!.tags).toEqual(['class']);
    await history.removeTag('aaaa1111', 'class');
    expect(history.runs[0]!.tags).toEqual([]);
    await history.addNote('aaaa1111', 'looks right');
    history.toggle('bbbb2222');
    await history.remove('bbbb2222');
    expect(history.runs.map((run) => run.id)).toEqual(['aaaa1111']);
    expect(history.selected).toEqual([]);
  });

  test('an answer to an older filter never replaces a newer one', async () => {
    const resolvers: ((runs: ReturnType<typeof summary>[]) => void)[] = [];
    lab.on('history.list', () => new Promise((resolve) => resolvers.push(resolve)));
    const history = useHistoryStore();
    const first = history.load();
    const second = history.load();
    await flush();
    resolvers[1]!([summary('newer111')]);
    resolvers[0]!([summary('older111')]);
    await Promise.all([first, second]);
    expect(history.runs.map((run) => run.id)).toEqual(['newer111']);
  });
});

describe('live runs store', () => {
  const runId = '11111111-2222-3333-4444-555555555555';

  test('folds live messages into the run and loads its record at the end', async () => {
    lab.on('runs.start', () => ({ runId })).on('history.get', () => record(runId, { status: 'deadlocked' }));
    const liveRuns = useLiveRunsStore();
    await liveRuns.start({ lessonId: 'deadlock' });
    const run = liveRuns.get(runId)!;
    lab.emit({ type: 'run-live', runId, seq: 1, progress: { runId, trial: 1, trials: 1, warmup: false, phase: 'started', elapsedMs: 3, events: 2 }, batches: [batch('w', [[0, 'actor', 'B'], [5, 'acquire', 'B', { prim: 'A' }]])] });
    expect(run.progress?.elapsedMs).toBe(3);
    expect(run.model.eventCount).toBe(2);
    expect(run.version).toBe(run.model.version);
    lab.emit({ type: 'run-ended', runId, status: 'deadlocked', error: null });
    expect(run.phase).toBe('ended');
    await flush();
    expect(run.record?.status).toBe('deadlocked');
    expect(lab.callsTo('history.events')).toEqual([]);
  });

  test('events that arrive before runs.start answers are kept for the run', async () => {
    let answer: (value: { runId: string }) => void = () => undefined;
    lab.on('runs.start', () => new Promise((resolve) => (answer = resolve)));
    const liveRuns = useLiveRunsStore();
    const started = liveRuns.start({ lessonId: 'race-counter' });
    await flush();
    lab.emit({ type: 'run-live', runId, seq: 1, progress: null, batches: [batch('w', [[0, 'actor', 'B']])] });
    answer({ runId });
    await started;
    expect(liveRuns.get(runId)!.model.eventCount).toBe(1);
  });

  test('a gap in live messages reloads the stored events at the end', async () => {
    lab.on('runs.start', () => ({ runId }))
      .on('history.get', () => record(runId))
      .on('history.events', () => [batch('w', [[0, 'actor', 'B'], [1, 'log', 'I'], [2, 'actor', 'E']])]);
    const liveRuns = useLiveRunsStore();
    await liveRuns.start({ lessonId: 'race-counter' });
    lab.emit({ type: 'run-live', runId, seq: 2, progress: null, batches: [batch('w', [[2, 'actor', 'E']], 0, 2)] });
    lab.emit({ type: 'run-ended', runId, status: 'ok', error: null });
    await flush();
    await flush();
    const run = liveRuns.get(runId)!;
    expect(run.missed).toBe(true);
    expect(run.model.eventCount).toBe(3);
  });

  test('cancel marks the run as cancelling until run-ended arrives', async () => {
    lab.on('runs.start', () => ({ runId })).on('runs.cancel', () => ({ cancelled: true }));
    const liveRuns = useLiveRunsStore();
    await liveRuns.start({ lessonId: 'race-counter' });
    await liveRuns.cancel(runId);
    expect(liveRuns.get(runId)!.phase).toBe('cancelling');
    expect(lab.callsTo('runs.cancel')).toEqual([{ runId }]);
  });

  test('bad parameters never leave the renderer', async () => {
    const liveRuns = useLiveRunsStore();
    await expect(liveRuns.start({ lessonId: 'race-counter', repeat: 0 })).rejects.toThrow(/repeat/);
    expect(lab.calls).toEqual([]);
    expect(liveRuns.startError).toMatch(/repeat/);
  });
});

describe('composer store', () => {
  test('a JSON syntax error is reported with its line before anything is sent', async () => {
    const composer = useComposerStore();
    composer.text = '{\n  "version": 1,\n  "actors": [\n';
    await composer.validate();
    expect(composer.check).toMatchObject({ kind: 'syntax', error: { line: 4 } });
    expect(lab.calls).toEqual([]);
  });

  test("the engine's issues come back placed on lines", async () => {
    lab.on('specs.validate', () => ({ ok: false as const, issues: [{ path: 'actors[0].kind', message: 'Invalid option', received: '"thred"' }] }));
    const composer = useComposerStore();
    composer.text = JSON.stringify({ version: 1, actors: [{ name: 'a', kind: 'thred', program: [] }] }, null, 2);
    await composer.validate();
    expect(composer.check).toEqual({ kind: 'invalid', issues: [{ path: 'actors[0].kind', message: 'Invalid option', received: '"thred"', line: 6 }] });
  });

  test('a valid spec shows its parameters; saving keeps the experiment id', async () => {
    lab.on('specs.validate', () => ({ ok: true as const, params: { n: 3 } }))
      .on('experiments.save', ({ name, spec }) => ({ id: 'exp-1', name, spec, createdAt: 'now', updatedAt: 'now' }))
      .on('experiments.list', () => []);
    const composer = useComposerStore();
    composer.load({ version: 1, actors: [] }, 'mine');
    await flush();
    expect(composer.check).toEqual({ kind: 'valid', params: { n: 3 } });
    await composer.save();
    expect(composer.experimentId).toBe('exp-1');
    await composer.save();
    expect(lab.callsTo('experiments.save')[1]).toMatchObject({ id: 'exp-1', name: 'mine' });
  });
});
