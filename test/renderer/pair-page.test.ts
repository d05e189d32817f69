// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import type { RunRecord, TrialRecord } from '../../src-main/contract/dto';
import ComparePage from '../../src-renderer/pages/ComparePage.vue';
import LessonPage from '../../src-renderer/pages/LessonPage.vue';
import PairPage from '../../src-renderer/pages/PairPage.vue';
import ResultsPage from '../../src-renderer/pages/ResultsPage.vue';
import { FakeLab } from './fake-client';
import { batch, chapters, raceLesson, record, summary } from './fixtures';
import { mountWithApp } from './mount-app';

const nodeId = 'aaaaaaaa-0000-0000-0000-000000000001';
const pythonId = 'bbbbbbbb-0000-0000-0000-000000000002';
const pairTag = 'pair:1a2b3c4d';

function trial(index: number, warmup: boolean, records: Record<string, unknown[]>): TrialRecord {
  return { index, warmup, status: 'ok', startedAt: 'now', wallMs: 10 + index, eventCount: 4, metrics: {}, actors: [], records, finalShared: {}, deadlock: null } as unknown as TrialRecord;
}

const nodeRun: RunRecord = record(nodeId, {
  wallMs: 812,
  tags: [pairTag],
  stats: [{ name: 'wallMs', unit: 'ms', n: 3, median: 40, mean: 41.5, stddev: 1, min: 40, max: 43, ci95: [39, 44], outliers: [] }],
  // A warm-up first, then the counted trials: the records shown are the last counted trial's.
  trials: [trial(0, true, { lost: [99] }), trial(1, false, { lost: [5] }), trial(2, false, { lost: [7] })],
  claims: [{ id: 'updates-lost', text: { en: 'Without a lock, updates are lost', zh: '不加锁会丢失更新' }, status: 'holds', detail: 'lost = 7 > 0' }],
});
const pythonRun: RunRecord = record(pythonId, {
  wallMs: 2345,
  tags: [pairTag],
  startedAt: '2025-01-02T03:04:07.000Z',
  environment: { ...record(pythonId).environment, runtime: { name: 'cpython', version: '3.12.3', path: '/usr/bin/python3', gil: true, startMethod: 'fork' } },
  stats: [
    { name: 'wallMs', unit: 'ms', n: 3, median: 120, mean: 123.25, stddev: 2, min: 120, max: 126, ci95: [118, 128], outliers: [] },
    { name: 'pool.p.maxRunning', unit: 'count', n: 3, median: 4, mean: 4, stddev: 0, min: 4, max: 4, ci95: [4, 4], outliers: [] },
  ],
  trials: [trial(0, false, { lost: [0], note: ['gil'] })],
  claims: [{ id: 'updates-lost', text: { en: 'Without a lock, updates are lost', zh: '不加锁会丢失更新' }, status: 'fails', detail: 'lost = 0' }],
});

let lab: FakeLab;

beforeEach(() => {
  lab = new FakeLab().install();
});

function servePair(runs: RunRecord[]): void {
  lab.on('history.list', () => runs.map((run) => summary(run.id, { runtime: run.environment.runtime ? 'cpython' : 'node', startedAt: run.startedAt, tags: run.tags, status: run.status })));
  lab.on('history.get', ({ runId }) => {
    const found = runs.find((run) => run.id === runId);
    if (!found) throw new Error(`no run ${runId}`);
    return found;
  });
  lab.on('history.events', ({ runId }) => [batch(runId === nodeId ? 'main' : 'py-main', [[0, 'actor', 'B'], [5, 'actor', 'E']], runId === nodeId ? 2 : 0)]);
}

describe('PairPage', () => {
  test('shows Node and CPython side by side: runtimes, status, wall time, claims, key numbers and both timelines', async () => {
    servePair([pythonRun, nodeRun]);
    const { wrapper } = await mountWithApp(PairPage, { props: { pairId: '1a2b3c4d' }, route: '/pairs/1a2b3c4d' });
    await flushPromises();
    await flushPromises();

    expect(lab.callsTo('history.list')[0]).toEqual({ filter: { tag: pairTag, limit: 20 } });
    const node = wrapper.get('[data-testid="pair-node"]');
    const python = wrapper.get('[data-testid="pair-cpython"]');
    // Each column is labelled from its run's recorded environment, not from its position.
    expect(node.get('[data-testid="pair-runtime"]').text()).toBe('Node v20');
    expect(python.get('[data-testid="pair-runtime"]').text()).toBe('CPython 3.12.3');
    expect(node.get('[data-testid="pair-wall"]').text()).toBe('812 ms');
    expect(python.get('[data-testid="pair-wall"]').text()).toBe('2,345 ms');
    expect(node.get('[data-claim="updates-lost"]').classes()).toContain('claim-holds');
    expect(python.get('[data-claim="updates-lost"]').classes()).toContain('claim-fails');
    expect(node.find(`a[href="#/runs/${nodeId}"], a[href="/runs/${nodeId}"]`).exists()).toBe(true);

    const table = wrapper.get('[data-testid="pair-key-numbers"]');
    expect(table.findAll('thead th').map((th) => th.text())).toEqual(['Quantity', 'Node v20', 'CPython 3.12.3']);
    const cells = (key: string) => table.get(`tr[data-key="${key}"]`).findAll('td').slice(1).map((td) => td.text());
    expect(cells('metric:wallMs')).toEqual(['41.5 (n=3)', '123.3 (n=3)']);
    // A metric only one run has is shown for it and marked missing for the other.
    expect(cells('metric:pool.p.maxRunning')).toEqual(['–', '4 (n=3)']);
    // Records: the last counted trial (7, not the warm-up's 99).
    expect(cells('record:lost')).toEqual(['7', '0']);
    expect(cells('record:note')).toEqual(['–', '"gil"']);

    expect(wrapper.get('[data-testid="pair-timeline-node"] h3').text()).toBe('Node v20: trial 3');
    expect(wrapper.get('[data-testid="pair-timeline-cpython"] h3').text()).toBe('CPython 3.12.3: trial 1');
    expect(wrapper.find('[data-testid="pair-timeline-node"] canvas').exists()).toBe(true);
    expect(wrapper.find('[data-testid="pair-timeline-cpython"] canvas').exists()).toBe(true);
    expect(lab.callsTo('history.events')).toEqual([{ runId: nodeId }, { runId: pythonId }]);
    expect(wrapper.get('[data-testid="pair-compare"]').attributes('href')).toContain(`/compare?ids=${nodeId},${pythonId}`);
    wrapper.unmount();
  });

  test('a pair whose Node run is still running says CPython starts after it, and asks again', async () => {
    servePair([{ ...nodeRun, status: 'running', wallMs: null as unknown as number, stats: [], trials: [] }]);
    const { wrapper } = await mountWithApp(PairPage, { props: { pairId: '1a2b3c4d' } });
    await flushPromises();
    expect(wrapper.get('[data-testid="pair-cpython"]').text()).toContain('Starts when the Node run has ended.');
    expect(wrapper.get('[data-testid="pair-node"] [data-testid="pair-wall"]').text()).toBe('–');
    expect(lab.callsTo('history.events')).toEqual([]);
    // The page polls while a side is running: a second answer arrives within the bound.
    const deadline = Date.now() + 5_000;
    while (lab.callsTo('history.list').length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lab.callsTo('history.list').length).toBeGreaterThanOrEqual(2);
    wrapper.unmount();
  });

  test('a tag with no runs says so', async () => {
    servePair([]);
    const { wrapper } = await mountWithApp(PairPage, { props: { pairId: 'ffff0000' } });
    await flushPromises();
    expect(wrapper.get('[data-testid="pair-none"]').text()).toContain('pair:ffff0000');
    wrapper.unmount();
  });
});

describe('links to a pair', () => {
  test("a run's results page links to its pair when it has a pair: tag, and not otherwise", async () => {
    lab.on('history.get', ({ runId }) => (runId === nodeId ? nodeRun : record(runId)));
    const { wrapper } = await mountWithApp(ResultsPage, { props: { runId: nodeId } });
    await flushPromises();
    expect(wrapper.get('[data-testid="pair-link"]').attributes('href')).toContain('/pairs/1a2b3c4d');

    const other = await mountWithApp(ResultsPage, { props: { runId: 'cccccccc-0000-0000-0000-000000000003' } });
    await flushPromises();
    expect(other.wrapper.find('[data-testid="pair-link"]').exists()).toBe(false);
  });

  test('Run again on a CPython run reruns it on CPython', async () => {
    lab.on('history.get', () => pythonRun);
    lab.on('runs.start', () => ({ runId: 'dddddddd-0000-0000-0000-000000000004' }));
    const { wrapper } = await mountWithApp(ResultsPage, { props: { runId: pythonId } });
    await flushPromises();
    await wrapper.get('[data-testid="rerun"]').trigger('click');
    await flushPromises();
    expect(lab.callsTo('runs.start')).toEqual([{ lessonId: 'race-counter', overrides: { threads: 20 }, repeat: 1, warmup: 0, runtime: 'cpython' }]);
  });

  test('the lesson page starts a pair with "Node and CPython" and opens the Node run live with a link to the pair', async () => {
    lab.on('lessons.list', () => [raceLesson].map(({ id, chapter, title }) => ({ id, chapter, title, chapterTitle: chapters[1]!.title })) as never);
    lab.on('lessons.chapters', () => chapters);
    lab.on('lessons.get', () => raceLesson);
    lab.on('history.list', () => []);
    lab.on('runtimes.list', () => [
      { name: 'node', version: 'v22.0.0', path: '/usr/bin/node', usable: true, gil: null, note: '', refusal: null },
      { name: 'cpython', version: '3.12.3', path: '/usr/bin/python3', usable: true, gil: true, note: '', refusal: null },
    ] as never);
    lab.on('runs.startPair', () => ({ runId: nodeId, pairId: '1a2b3c4d' }));
    const { wrapper, router } = await mountWithApp(LessonPage, { props: { id: 'race-counter' }, route: '/lessons/race-counter' });
    await flushPromises();
    const both = wrapper.get('[data-testid="runtime-both"]');
    expect(both.attributes('disabled')).toBeUndefined();
    await both.setValue(true);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(lab.callsTo('runs.startPair')).toEqual([{ lessonId: 'race-counter', overrides: {}, repeat: 1, warmup: 0 }]);
    expect(lab.callsTo('runs.start')).toEqual([]);
    // The route's page loads lazily; the navigation settles once it has.
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe(`/runs/${nodeId}/live?pair=1a2b3c4d`), { timeout: 20_000, interval: 20 });
  });

  test('"Node and CPython" cannot be chosen when CPython cannot run the lesson', async () => {
    lab.on('lessons.list', () => [raceLesson].map(({ id, chapter, title }) => ({ id, chapter, title, chapterTitle: chapters[1]!.title })) as never);
    lab.on('lessons.chapters', () => chapters);
    lab.on('lessons.get', () => raceLesson);
    lab.on('history.list', () => []);
    lab.on('runtimes.list', () => [
      { name: 'node', version: 'v22.0.0', path: '/usr/bin/node', usable: true, gil: null, note: '', refusal: null },
      { name: 'cpython', version: '3.12.3', path: '/usr/bin/python3', usable: true, gil: true, note: '', refusal: 'actors[1].kind: utility is not on CPython' },
    ] as never);
    const { wrapper } = await mountWithApp(LessonPage, { props: { id: 'race-counter' } });
    await flushPromises();
    expect(wrapper.get('[data-testid="runtime-both"]').attributes('disabled')).toBeDefined();
  });
});

describe('ComparePage across runtimes', () => {
  test('labels each column and run with the runtime it ran on', async () => {
    servePair([nodeRun, pythonRun]);
    lab.on('compare.runs', () => ({
      baselineId: nodeId,
      runIds: [nodeId, pythonId],
      metrics: [{ name: 'wallMs', unit: 'ms', timeLike: true, stats: [nodeRun.stats[0]!, pythonRun.stats[0]!], ratios: [{ ratio: 2.97, interval: null, reason: 'n < 2', verdict: null }] }],
      skipped: [],
    }) as never);
    const { wrapper } = await mountWithApp(ComparePage, { route: `/compare?ids=${nodeId},${pythonId}` });
    await flushPromises();
    expect(wrapper.findAll('[data-testid="compare-runtime"]').map((tag) => tag.text())).toEqual(['Node v20', 'CPython 3.12.3']);
    const heads = wrapper.findAll('[data-testid="compare-table"] thead .runtime-label');
    expect(heads.map((head) => [head.attributes('data-runtime'), head.text()])).toEqual([
      ['node', 'Node v20'],
      ['cpython', 'CPython 3.12.3'],
    ]);
  });
});
