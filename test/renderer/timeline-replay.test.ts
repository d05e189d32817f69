// @vitest-environment happy-dom
// The replay view on a hand-made recorded run: buttons and keys move the cursor, the program line of the
// chosen actor's step is highlighted, the shared value and the lock's holder follow the events.
import { flushPromises } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import TimelineReplay from '../../src-renderer/components/timeline/TimelineReplay.vue';
import type { EventBatch } from '../../src-main/contract/dto';
import { record } from './fixtures';
import { mountWithApp } from './mount-app';
import { FakeLab } from './fake-client';

const rows = (actor: string, list: unknown[][]): EventBatch => ({ trial: 0, actor, firstSeq: 0, count: list.length, tFirst: list[0]![1] as number, tLast: list[list.length - 1]![1] as number, payload: JSON.stringify(list) });

const batches: EventBatch[] = [
  rows('w-0', [
    [0, 1_000, 'actor', 'B', { kind: 'thread' }],
    [1, 2_000, 'acquire', 'B', { prim: 'm' }, 0],
    [2, 3_000, 'acquire', 'E', { prim: 'm', ok: true }, 0],
    [3, 4_000, 'read', 'I', { var: 'n', value: 5 }, 1],
    [4, 7_000, 'write', 'I', { var: 'n', value: 4 }, 2],
    [5, 8_000, 'release', 'I', { prim: 'm' }, 3],
  ]),
  rows('w-1', [
    [0, 1_500, 'actor', 'B', { kind: 'thread' }],
    [1, 5_000, 'acquire', 'B', { prim: 'm' }, 0],
  ]),
];

const run = record('8d3c1f0e-2b4a-4c5d-9e6f-7a8b9c0d1e2f', {
  spec: {
    actors: [{ name: 'w', kind: 'thread', count: 2, program: [{ op: 'acquire', prim: 'm' }, { op: 'read', var: 'n', into: 'seen' }, { op: 'write', var: 'n', value: { sub: [{ ref: 'seen' }, 1] } }, { op: 'release', prim: 'm' }] }],
    shared: { n: { scope: 'shared', initial: 5 } },
    primitives: { m: { type: 'mutex' } },
  },
  trials: [{ index: 0, warmup: false, status: 'ok', startedAt: '', wallMs: 1, metrics: {}, actors: ['w-0', 'w-1'].map((name) => ({ name, group: 'w', kind: 'thread' })), records: {}, finalShared: { n: 4 }, deadlock: null, error: null, eventCount: 8, eventsLost: 0, eventsDropped: 0 }] as unknown as ReturnType<typeof record>['trials'],
});

const frame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 40));

describe('TimelineReplay', () => {
  test('steps through the events: highlighted step, shared value, holder and waiter; keys move it too', async () => {
    const lab = new FakeLab().on('history.events', () => batches).install();
    const { wrapper } = await mountWithApp(TimelineReplay, { props: { run, trial: 0 } });
    await flushPromises();
    await frame();
    expect(lab.callsTo('history.events')).toEqual([{ runId: '8d3c1f0e-2b4a-4c5d-9e6f-7a8b9c0d1e2f', trial: 0 }]);
    expect(wrapper.find('[data-testid="replay-position"]').text()).toBe('0 / 8');
    const next = wrapper.find('[data-testid="replay-next"]');
    for (let i = 0; i < 5; i++) await next.trigger('click');
    await frame();
    // After w-0's read (position 5: actor B ×2, acquire B/E, read).
    expect(wrapper.find('[data-testid="replay-event"]').text()).toContain('w-0 · read I {"var":"n","value":5}');
    expect(wrapper.find('li.current').text()).toContain('read n → seen');
    expect(wrapper.find('[data-var="n"] .value').text()).toBe('5');
    expect(wrapper.find('[data-prim="m"]').text()).toContain('held by w-0');

    const section = wrapper.find('[data-testid="replay"]');
    await section.trigger('keydown', { key: 'ArrowRight' });
    await frame();
    expect(wrapper.find('[data-testid="replay-event"]').text()).toContain('w-1 · acquire B');
    expect(wrapper.find('[data-prim="m"]').text()).toContain('waiting: w-1');
    // ↓: the chosen actor's (w-0) next event: its write of one less.
    await section.trigger('keydown', { key: 'ArrowDown' });
    await frame();
    expect(wrapper.find('[data-testid="replay-event"]').text()).toContain('w-0 · write I {"var":"n","value":4}');
    expect(wrapper.find('li.current').text()).toContain('write n ← seen - 1');
    expect(wrapper.find('[data-var="n"] .value').text()).toBe('4');

    await wrapper.find('[data-testid="program-mode-python"]').trigger('click');
    expect(wrapper.find('li.current').text()).toContain('n = seen - 1');
    await section.trigger('keydown', { key: 'End' });
    await frame();
    expect(wrapper.find('[data-testid="replay-position"]').text()).toBe('8 / 8');
    expect(wrapper.find('[data-var="n"]').text()).toContain('final value');
    await section.trigger('keydown', { key: 'Home' });
    await frame();
    expect(wrapper.find('[data-testid="replay-event"]').text()).toBe('Before the first event');
    expect(wrapper.emitted('cursor')!.at(-1)).toEqual([null]);
  });

  test('a failed load says why and shows no controls', async () => {
    new FakeLab().install();
    const { wrapper } = await mountWithApp(TimelineReplay, { props: { run, trial: 0 } });
    await flushPromises();
    expect(wrapper.find('[role="alert"]').text()).toContain('no fake for history.events');
    expect(wrapper.find('[data-testid="replay-next"]').exists()).toBe(false);
  });
});
