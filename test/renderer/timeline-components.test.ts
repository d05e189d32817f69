// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { markRaw } from 'vue';
import { describe, expect, test } from 'vitest';
import TimelineCanvas from '../../src-renderer/components/timeline/TimelineCanvas.vue';
import TimelineEventLog from '../../src-renderer/components/timeline/TimelineEventLog.vue';
import { TimelineModel } from '../../src-renderer/components/timeline/timeline-model';
import type { EventBatch } from '../../src-main/contract/dto';
import { batch } from './fixtures';
import { mountWithApp } from './mount-app';
import { FakeLab } from './fake-client';

new FakeLab().install();

function bigModel(events: number, actors = 50): TimelineModel {
  const model = markRaw(new TimelineModel());
  const perActor = events / actors;
  const batches: EventBatch[] = [];
  for (let actor = 0; actor < actors; actor++) {
    const rows: [number, string, 'B' | 'E' | 'I', Record<string, unknown>?][] = [];
    for (let i = 0; i < perActor; i++) rows.push([i * 1000 + actor, i % 2 === 0 ? 'acquire' : 'acquire', i % 2 === 0 ? 'B' : 'E', { prim: 'L' }]);
    batches.push(batch(`worker-${actor}`, rows));
  }
  model.ingest(batches);
  return model;
}

describe('TimelineEventLog', () => {
  test('renders only the rows in view, even with 100,000 events', async () => {
    const model = bigModel(100_000);
    const { wrapper } = await mountWithApp(TimelineEventLog, { props: { model, version: model.version, follow: false } });
    await flushPromises();
    expect(wrapper.text()).toContain('100,000 events');
    const rows = wrapper.findAll('.log-row');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect(wrapper.find('.log-spacer').attributes('style')).toContain(`height: ${100_000 * 22}px`);
    expect(rows[0]!.text()).toContain('worker-0');
  });

  test('scrolling shows the rows at that position', async () => {
    const model = bigModel(1_000, 10);
    const { wrapper } = await mountWithApp(TimelineEventLog, { props: { model, version: model.version, follow: false } });
    const viewport = wrapper.find('[data-testid="event-log"]');
    (viewport.element as HTMLElement).scrollTop = 500 * 22;
    await viewport.trigger('scroll');
    const tops = wrapper.findAll('.log-row').map((row) => Number(/top: (\d+)px/.exec(row.attributes('style') ?? '')?.[1]));
    expect(Math.min(...tops)).toBeLessThanOrEqual(500 * 22);
    expect(Math.max(...tops)).toBeGreaterThan(500 * 22);
  });
});

describe('TimelineCanvas', () => {
  test('lists lanes, and the keyboard scrolls them', async () => {
    const model = bigModel(2_000, 40);
    const { wrapper } = await mountWithApp(TimelineCanvas, { props: { model, version: model.version, trial: 0 } });
    await flushPromises();
    expect(wrapper.find('[data-testid="lane-range"]').text()).toMatch(/^lanes 1–\d+ of 40$/);
    const box = wrapper.find('[role="application"]');
    expect(box.attributes('tabindex')).toBe('0');
    await box.trigger('keydown', { key: 'ArrowDown' });
    expect(wrapper.find('[data-testid="lane-range"]').text()).toMatch(/^lanes 2–/);
    await box.trigger('keydown', { key: '0' });
    expect(wrapper.find('[data-testid="lane-range"]').text()).toMatch(/^lanes 1–/);
    expect(wrapper.findAll('.legend li').map((item) => item.text())).toEqual(['running', 'ready (waiting for the loop)', 'blocking its thread / the loop', 'blocked on a lock', 'waiting', 'sleeping', 'done', 'lock held']);
  });

  test('only lanes of the chosen trial are shown', async () => {
    const model = markRaw(new TimelineModel());
    model.ingest([batch('a', [[0, 'actor', 'B']], 0), batch('a', [[0, 'actor', 'B']], 1), batch('b', [[0, 'actor', 'B']], 1)]);
    const { wrapper } = await mountWithApp(TimelineCanvas, { props: { model, version: model.version, trial: 1 } });
    expect(wrapper.find('[data-testid="lane-range"]').text()).toBe('lanes 1–2 of 2');
  });
});
