// The live program panel's current steps: the latest event naming a step per actor, ended actors left out.
import { describe, expect, test } from 'vitest';
import { groupOf, latestSteps, stepsByGroup } from '../../src-renderer/components/timeline/replay-live';
import type { TraceEvent } from '../../src-main/contract/dto';

const ev = (actor: string, t: number, op: string, ph: TraceEvent['ph'], s?: number): TraceEvent => ({ actor, seq: t, t, op, ph, ...(s === undefined ? {} : { s }) });

describe('live steps', () => {
  test('each actor at the step of its latest event; an ended actor is not at any', () => {
    const events = [ev('main', 1, 'actor', 'B'), ev('main', 2, 'spawn', 'B', 1), ev('w-0', 3, 'read', 'I', 0), ev('w-1', 4, 'read', 'I', 0), ev('w-0', 5, 'write', 'I', 2), ev('w-1', 6, 'actor', 'E'), ev('main', 7, 'spawn', 'E', 1)];
    const steps = latestSteps(events);
    expect(Object.fromEntries(steps)).toEqual({ main: { step: 1, ended: false }, 'w-0': { step: 2, ended: false }, 'w-1': { step: 0, ended: true } });
    const groups = new Set(['main', 'w']);
    expect(Object.fromEntries(stepsByGroup(steps, groups))).toEqual({ main: { 1: ['main'] }, w: { 2: ['w-0'] } });
    expect(groupOf('w-12', groups)).toBe('w');
    expect(groupOf('x-1', groups)).toBeNull();
  });

  test('the walk back stops after `limit` events', () => {
    const events = [ev('quiet', 0, 'mark', 'I', 4), ...Array.from({ length: 50 }, (_, i) => ev('busy', i + 1, 'mark', 'I', 0))];
    expect(latestSteps(events, 10).has('quiet')).toBe(false);
    expect(latestSteps(events, 100).get('quiet')).toEqual({ step: 4, ended: false });
  });
});
