// @vitest-environment happy-dom
// The wait-for graph's view: actors and what they hold or wait for drawn as nodes and edges, the cycle
// marked, the rest counted, and a click (or Enter) on an actor asking for its lane.
import { describe, expect, test } from 'vitest';
import { Replay, type TraceEvent } from '../../src-main/contract/dto';
import GraphWaitFor from '../../src-renderer/components/graph/GraphWaitFor.vue';
import { waitGraph } from '../../src-renderer/components/graph/wait-graph';
import { FakeLab } from './fake-client';
import { mountWithApp } from './mount-app';

new FakeLab().install();

let seq = 0;
const ev = (actor: string, t: number, op: string, ph: TraceEvent['ph'], data: Record<string, unknown>): TraceEvent => ({ actor, seq: seq++, t, op, ph, data });

describe('GraphWaitFor', () => {
  test('draws the cycle, counts what it leaves out, and a click or Enter on an actor selects it', async () => {
    const replay = new Replay({ actors: [{ name: 'idle', group: 'idle', kind: 'thread' }], primitives: { A: 'mutex', B: 'mutex', C: 'mutex' } });
    replay.append([
      ev('w-0', 1, 'acquire', 'B', { prim: 'A' }),
      ev('w-0', 2, 'acquire', 'E', { prim: 'A', ok: true }),
      ev('w-1', 3, 'acquire', 'B', { prim: 'B' }),
      ev('w-1', 4, 'acquire', 'E', { prim: 'B', ok: true }),
      ev('w-0', 5, 'acquire', 'B', { prim: 'B' }),
      ev('w-1', 6, 'acquire', 'B', { prim: 'A' }),
    ]);
    const graph = waitGraph(replay.at(replay.length), { deadlock: { actors: ['w-0', 'w-1'], locks: ['A', 'B'] } });
    const { wrapper } = await mountWithApp(GraphWaitFor, { props: { graph } });
    const root = wrapper.find('[data-testid="wait-graph"]');
    expect(root.attributes('data-cycle-actors')).toBe('w-0,w-1');
    expect(root.attributes('data-cycle-targets')).toBe('A,B');
    expect(wrapper.findAll('[data-node^="actor:"]').map((node) => node.attributes('data-node'))).toEqual(['actor:w-0', 'actor:w-1']);
    expect(wrapper.findAll('[data-edge][data-in-cycle="true"]').map((edge) => edge.attributes('data-edge')).sort()).toEqual(['holds:w-0:A', 'holds:w-1:B', 'waits:w-0:B', 'waits:w-1:A']);
    expect(wrapper.find('[data-testid="wait-graph-cycle"]').text()).toContain('Deadlock confirmed');
    expect(wrapper.find('[data-testid="wait-graph-rest"]').text()).toBe('Not drawn: 1 actor neither holding nor waiting; 1 lock or queue nobody holds or waits for');
    await wrapper.find('[data-node="actor:w-1"]').trigger('click');
    await wrapper.find('[data-node="actor:w-0"]').trigger('keydown', { key: 'Enter' });
    expect(wrapper.emitted('select')).toEqual([['w-1'], ['w-0']]);
  });

  test('nothing held or waited for: says so instead of drawing', async () => {
    const { wrapper } = await mountWithApp(GraphWaitFor, { props: { graph: waitGraph({ actors: [], primitives: [] }) } });
    expect(wrapper.find('[data-testid="wait-graph-empty"]').exists()).toBe(true);
    expect(wrapper.find('svg').exists()).toBe(false);
  });
});
