// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import type { RunRecord, TraceEvent } from '../../src-main/contract/dto';
import LiveRunPage from '../../src-renderer/pages/LiveRunPage.vue';
import { FakeLab } from './fake-client';
import { record } from './fixtures';
import { mountWithApp } from './mount-app';
import { specActorOf, stepAt } from '../../src-renderer/components/timeline/program-column';

const event = (t: number, s?: number): TraceEvent => ({ actor: 'a', seq: t, t, op: 'x', ph: 'I', ...(s !== undefined ? { s } : {}) });

describe('stepAt: the step a lane is at when the cursor is reached', () => {
  const events = [event(10, 0), event(20), event(30, 2), event(40, 3), event(50)];
  test('the latest event at or before the time that names a step', () => {
    expect(stepAt(events, 5)).toBeNull();
    expect(stepAt(events, 10)).toBe(0);
    expect(stepAt(events, 25)).toBe(0);
    expect(stepAt(events, 30)).toBe(2);
    expect(stepAt(events, 39.9)).toBe(2);
    expect(stepAt(events, 1_000)).toBe(3);
  });
  test('without a cursor: the newest event that names a step', () => {
    expect(stepAt(events, null)).toBe(3);
    expect(stepAt([], null)).toBeNull();
    expect(stepAt([event(1)], null)).toBeNull();
  });
});

describe('specActorOf', () => {
  test('an instance belongs to its spec actor by name or by name without its index', () => {
    const names = new Set(['main', 'unlocked', 'worker-pool']);
    expect(specActorOf('main', names)).toBe('main');
    expect(specActorOf('unlocked-3', names)).toBe('unlocked');
    expect(specActorOf('worker-pool-12', names)).toBe('worker-pool');
    expect(specActorOf('stranger-1', names)).toBeNull();
  });
});

describe('the program column beside the live lanes', () => {
  const runId = '11111111-2222-3333-4444-777777777777';
  const spec = {
    version: 1,
    shared: { counter: { scope: 'shared', initial: 30 } },
    actors: [
      {
        name: 'unlocked',
        kind: 'thread',
        count: 30,
        program: [
          { op: 'read', var: 'counter', into: 'seen' },
          { op: 'block', ms: 10 },
          { op: 'write', var: 'counter', value: { sub: [{ ref: 'seen' }, 1] } },
        ],
      },
    ],
  };
  /** Instance i starts at i ms, reads (step 0) at once and, if i is even, goes on to block (step 1). */
  const batches = Array.from({ length: 30 }, (_, i) => {
    const t0 = i * 1e6;
    const rows: unknown[][] = [
      [0, t0, 'actor', 'B'],
      [1, t0 + 1e5, 'read', 'I', { var: 'counter', value: 30 }, 0],
    ];
    if (i % 2 === 0) rows.push([2, t0 + 2e5, 'block', 'B', { ms: 10 }, 1]);
    return { trial: 0, actor: `unlocked-${i}`, firstSeq: 0, count: rows.length, tFirst: t0, tLast: t0 + 2e5, payload: JSON.stringify(rows) };
  });

  test("lists each lane's program in its row, its current step highlighted, and follows the lanes as they scroll", async () => {
    const lab = new FakeLab().install();
    lab.on('history.get', () => record(runId, { spec: spec as unknown as RunRecord['spec'], status: 'running' }));
    lab.on('runs.subscribe', () => {
      lab.emit({ type: 'run-catchup', runId, seq: 3, progress: { runId, trial: 1, trials: 1, warmup: false, phase: 'started', elapsedMs: 0, events: 75 }, batches, skippedEvents: 0, part: 1, last: true });
      return { active: true };
    });
    const { wrapper } = await mountWithApp(LiveRunPage, { props: { runId }, route: `/runs/${runId}/live`, attachTo: document.body });
    await flushPromises();
    // Collapsed by default on a narrow window (the test's is 1024 px wide): the toggle shows it.
    expect(wrapper.find('[data-testid="program-column"]').exists()).toBe(false);
    await wrapper.find('[data-testid="show-programs"]').setValue(true);
    await flushPromises();
    const column = wrapper.find('[data-testid="program-column"]');
    expect(column.exists()).toBe(true);
    const box = wrapper.find('[data-testid="timeline-box"]');
    const rowsShown = () => column.findAll('.lane-program').filter((row) => row.attributes('data-actor') !== undefined);
    const check = () => {
      const visible = box.attributes('data-visible-lanes')!.split(',');
      expect(visible.length).toBeGreaterThan(5);
      expect(rowsShown().map((row) => row.attributes('data-actor'))).toEqual(visible);
      const tops = column.findAll('.lane-program').map((row) => Number.parseFloat(row.attributes('style')!.match(/top: ([\d.]+)px/)![1]!));
      // Row for row with the canvas: its axis, then one lane row every 21 px.
      expect(tops).toEqual(tops.map((_, index) => 30 + index * 21));
      for (const row of rowsShown()) {
        const index = Number(row.attributes('data-actor')!.split('-')[1]);
        expect(row.findAll('.line').map((line) => line.text())).toEqual(['read counter → seen', 'block 10 ms', 'write counter ← seen - 1']);
        expect(row.find('.line.current').text()).toBe(index % 2 === 0 ? 'block 10 ms' : 'read counter → seen');
      }
      return visible;
    };
    const before = check();
    await box.trigger('keydown', { key: 'ArrowDown' });
    await box.trigger('keydown', { key: 'ArrowDown' });
    await flushPromises();
    const after = check();
    expect(after[0]).not.toBe(before[0]);
    await wrapper.find('[data-testid="column-mode-python"]').trigger('click');
    expect(rowsShown()[0]!.findAll('.line')[0]!.text()).toContain('seen = counter');
    await wrapper.find('[data-testid="show-programs"]').setValue(false);
    expect(wrapper.find('[data-testid="program-column"]').exists()).toBe(false);
    wrapper.unmount();
  });
});
