// @vitest-environment happy-dom
import { markRaw } from 'vue';
import { describe, expect, test } from 'vitest';
import TimelineCanvas from '../../src-renderer/components/timeline/TimelineCanvas.vue';
import { TimelineModel } from '../../src-renderer/components/timeline/timeline-model';
import { batch } from './fixtures';
import { mountWithApp } from './mount-app';

/** The timeline names why a task was ready: the other actor's event that ended its wait, and when it resumed. */

const ms = 1e6;
const task = { kind: 'task', pid: 10, threadId: 0 };

function lockHandOff(): TimelineModel {
  const model = markRaw(new TimelineModel());
  model.ingest([
    batch('a', [[0, 'actor', 'B', task], [1 * ms, 'acquire', 'B', { prim: 'L' }], [1 * ms, 'acquire', 'E', { prim: 'L', ok: true }], [10 * ms, 'release', 'I', { prim: 'L' }], [10 * ms, 'compute', 'B', { iterations: 1 }], [40 * ms, 'compute', 'E'], [40 * ms, 'sleep', 'B', { ms: 10 }], [50 * ms, 'sleep', 'E'], [51 * ms, 'actor', 'E', { ok: true }]]),
    batch('b', [[0, 'actor', 'B', task], [2 * ms, 'acquire', 'B', { prim: 'L' }], [41 * ms, 'acquire', 'E', { prim: 'L', ok: true }], [42 * ms, 'actor', 'E', { ok: true }]]),
  ]);
  return model;
}

describe('the ready state with its cause', () => {
  test('the text alternative lists the ready stretch and its cause; the legend explains ready', async () => {
    const model = lockHandOff();
    const { wrapper } = await mountWithApp(TimelineCanvas, { props: { model, version: model.version, trial: 0 } });
    const row = wrapper.find('[data-testid="timeline-summary"] tr[data-actor="b"]');
    expect(row.attributes('data-ready-woken')).toBe('10.000-40.000');
    expect(row.find('[data-testid="ready-causes"]').text()).toBe('ready: lock L released by a at 10 ms, resumed at 40 ms');
    expect(wrapper.find('[data-testid="timeline-summary"] tr[data-actor="a"]').attributes('data-ready-woken')).toBe('');
    expect(wrapper.find('[data-testid="legend-ready"]').attributes('title')).toBe('ready: its wait or sleep is over, another task holds the loop');
  });

  test('in Chinese too', async () => {
    const model = lockHandOff();
    const { wrapper } = await mountWithApp(TimelineCanvas, { props: { model, version: model.version, trial: 0 }, locale: 'zh-CN' });
    expect(wrapper.find('tr[data-actor="b"] [data-testid="ready-causes"]').text()).toBe('就绪：a 在 10 ms 释放了锁 L，40 ms 才恢复运行');
  });
});
