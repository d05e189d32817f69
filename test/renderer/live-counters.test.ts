// @vitest-environment happy-dom
import { markRaw } from 'vue';
import { describe, expect, test } from 'vitest';
import LiveCounters from '../../src-renderer/components/live/LiveCounters.vue';
import { TimelineModel } from '../../src-renderer/components/timeline/timeline-model';
import { batch } from './fixtures';
import { mountWithApp } from './mount-app';

/** The live counters count actors by the timeline's derived states: ready and blocking included. */

const ms = 1e6;
const task = { kind: 'task', pid: 10, threadId: 0 };
const counts = (wrapper: { find(selector: string): { text(): string } }): Record<string, number> =>
  Object.fromEntries(['running', 'ready', 'blocking', 'blocked', 'waiting', 'sleeping', 'done'].map((state) => [state, Number(wrapper.find(`[data-testid="state-count-${state}"] dd`).text())]));

describe('LiveCounters', () => {
  test('a task whose lock was released while the other computes is ready; a block step is blocking; once the run ended, all are done', async () => {
    const model = markRaw(new TimelineModel());
    model.ingest([
      batch('a', [[0, 'actor', 'B', task], [1 * ms, 'acquire', 'B', { prim: 'L' }], [1 * ms, 'acquire', 'E', { prim: 'L', ok: true }], [10 * ms, 'release', 'I', { prim: 'L' }], [10 * ms, 'compute', 'B', { iterations: 1 }]]),
      batch('b', [[0, 'actor', 'B', task], [2 * ms, 'acquire', 'B', { prim: 'L' }]]),
      // A thread waiting for the same lock is woken by the OS: still blocked until its acquire ends.
      batch('t', [[0, 'actor', 'B', { kind: 'thread', pid: 10, threadId: 3 }], [3 * ms, 'acquire', 'B', { prim: 'L' }]]),
      batch('k', [[0, 'actor', 'B', { kind: 'thread', pid: 10, threadId: 4 }], [4 * ms, 'block', 'B', { ms: 100 }], [50 * ms, 'mark', 'I', { name: 'now' }]]),
    ]);
    const { wrapper } = await mountWithApp(LiveCounters, { props: { model, version: model.version, elapsedMs: null, trial: 0 } });
    expect(wrapper.find('[data-testid="state-count-ready"] dt').text()).toBe('ready (waiting for the loop)');
    expect(counts(wrapper)).toEqual({ running: 1, ready: 1, blocking: 1, blocked: 1, waiting: 0, sleeping: 0, done: 0 });
    await wrapper.setProps({ ended: true });
    expect(counts(wrapper)).toEqual({ running: 0, ready: 0, blocking: 0, blocked: 0, waiting: 0, sleeping: 0, done: 4 });
  });

  test('an actor inside a summary repeat counts as running, and the counted acquisitions include the summarised ones', async () => {
    const model = markRaw(new TimelineModel());
    model.ingest([
      batch('w', [[0, 'actor', 'B', { kind: 'thread', pid: 10, threadId: 1 }], [1 * ms, 'repeat', 'B', { times: 100_000, trace: 'summary' }], [5 * ms, 'mark', 'I', { name: 'inside' }]]),
      batch('v', [[0, 'actor', 'B', { kind: 'thread', pid: 10, threadId: 2 }], [1 * ms, 'repeat', 'B', { times: 10, trace: 'summary' }], [2 * ms, 'repeat', 'E', { times: 10, muted: { acquire: 20, release: 10 } }], [3 * ms, 'actor', 'E', { ok: true }]]),
    ]);
    const { wrapper } = await mountWithApp(LiveCounters, { props: { model, version: model.version, elapsedMs: null, trial: 0 } });
    expect(counts(wrapper)).toEqual({ running: 1, ready: 0, blocking: 0, blocked: 0, waiting: 0, sleeping: 0, done: 1 });
    expect(wrapper.find('[data-testid="acquire-count"]').text()).toBe('10');
  });

  test('an earlier trial is over while a later one runs: its actors that never ended count as done', async () => {
    const model = markRaw(new TimelineModel());
    model.ingest([batch('a', [[0, 'actor', 'B', task], [1 * ms, 'sleep', 'B', { ms: 100 }]], 0), batch('a', [[0, 'actor', 'B', task]], 1)]);
    const { wrapper } = await mountWithApp(LiveCounters, { props: { model, version: model.version, elapsedMs: null, trial: 0 } });
    expect(counts(wrapper).done).toBe(1);
    expect(counts(wrapper).sleeping).toBe(0);
  });
});
