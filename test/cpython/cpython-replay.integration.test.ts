// On CPython the events name their steps as on Node: a real race-counter run, every event of the racers
// carries the id of a step of its op (thread actors, and the main actor that starts them), and the replay
// shows each racer's read of the counter at its read step.
import { describe, expect, test } from 'vitest';
import { Replay } from '../../src-main/model/replay';
import { walkProgram, type StepLike } from '../../src-main/model/program-text';
import type { Spec } from '../../src-main/model/spec-schema';
import { outcome, runSpec } from '../engine/helpers/run-spec';
import { lessonSpec, python, skipReason } from './cpython-helpers';

describe.skipIf(!python)(`replay of a CPython run${skipReason}`, () => {
  test('race-counter on CPython: step ids on every step event, each naming a step of its op; reads replayed at their values', { timeout: 120_000 }, async () => {
    const { run, trial, events } = await runSpec(lessonSpec('race-counter'), { runtime: 'cpython', overrides: { threads: 3, windowMs: 30, outsideMs: 5 } });
    expect(trial.status, outcome(trial)).toBe('ok');
    const spec = run.spec as Spec;
    const opsOf = new Map<string, string[]>();
    for (const actor of spec.actors) {
      const ops: string[] = [];
      walkProgram(actor.program as unknown as StepLike[], (step, id) => (ops[id] = step.op));
      opsOf.set(actor.name, ops);
    }
    const groupOf = new Map(trial.actors.map((actor) => [actor.name, actor.group]));
    const stepEvents = events.filter((event) => event.op !== 'actor' && !event.op.includes('.'));
    expect(stepEvents.length).toBeGreaterThan(20);
    for (const event of stepEvents) {
      expect(event.s, `${event.actor} ${event.op} ${event.ph}`).toBeTypeOf('number');
      expect(opsOf.get(groupOf.get(event.actor)!)![event.s!], `${event.actor} ${event.op} ${event.ph} names step ${event.s}`).toBe(event.op);
    }
    const kinds = new Set(stepEvents.map((event) => trial.actors.find((actor) => actor.name === event.actor)!.kind));
    expect([...kinds].sort()).toEqual(['main', 'thread']);

    const replay = new Replay({
      actors: trial.actors.map((actor) => ({ name: actor.name, group: actor.group, kind: actor.kind })),
      initialShared: { counter: (spec.shared!['counter'] as { initial: unknown }).initial },
      finalShared: trial.finalShared,
    });
    replay.append(events);
    const reads = events.map((event, index) => ({ event, index })).filter(({ event }) => groupOf.get(event.actor) === 'unlocked' && event.op === 'read');
    expect(reads).toHaveLength(3);
    for (const { event, index } of reads) {
      const state = replay.at(index + 1);
      expect(state.shared.find((shared) => shared.name === 'counter')!.value).toBe(event.data!['value']);
      expect(state.actors.find((actor) => actor.name === event.actor)!.step).toBe(0);
    }
  });
});
