// Replay of a real race-counter run on the engine: at the event where an unlocked racer reads the counter,
// the replay shows the value it read; and the run's events make the lost update visible (two racers read
// the same value, both write one less).
import { describe, expect, test } from 'vitest';
import { Replay } from '../../src-main/model/replay';
import { walkProgram, type StepLike } from '../../src-main/model/program-text';
import type { Spec } from '../../src-main/model/spec-schema';
import { raceCounter } from '../../src-main/lessons/threads/race-counter';
import { outcome, runSpec } from './helpers/run-spec';

describe('replay of a real race-counter run', () => {
  test('each unlocked read shows the value read, at the read step; the racers overwrite each other', { timeout: 120_000 }, async () => {
    const { run, trial, events } = await runSpec(raceCounter.spec, { overrides: { threads: 4, windowMs: 30, outsideMs: 0 } });
    expect(trial.status, outcome(trial)).toBe('ok');
    const spec = run.spec as Spec;
    const replay = new Replay({
      actors: trial.actors.map((actor) => ({ name: actor.name, group: actor.group, kind: actor.kind })),
      initialShared: Object.fromEntries(Object.entries(spec.shared ?? {}).map(([name, shared]) => [name, 'initial' in shared ? shared.initial : null])),
      finalShared: trial.finalShared,
      primitives: Object.fromEntries(Object.entries(spec.primitives ?? {}).map(([name, prim]) => [name, prim.type])),
    });
    replay.append(events);
    const unlocked = new Set(trial.actors.filter((actor) => actor.group === 'unlocked').map((actor) => actor.name));
    const program = spec.actors.find((actor) => actor.name === 'unlocked')!.program as unknown as StepLike[];
    const ops: string[] = [];
    walkProgram(program, (step, id) => (ops[id] = step.op));

    const reads = events.map((event, index) => ({ event, index })).filter(({ event }) => unlocked.has(event.actor) && event.op === 'read');
    expect(reads).toHaveLength(4);
    for (const { event, index } of reads) {
      const state = replay.at(index + 1);
      expect(state.event).toBe(event);
      expect(state.shared.find((shared) => shared.name === 'counter')).toMatchObject({ value: event.data!['value'], by: event.actor, op: 'read' });
      const racer = state.actors.find((actor) => actor.name === event.actor)!;
      expect(racer.step).toBe(event.s);
      expect(ops[racer.step!]).toBe('read');
    }
    // The lost update, as the events say it: a racer's write of (what it read − 1) leaves the counter above
    // what the writes before it imply, since another racer read the same value.
    const readValues = reads.map(({ event }) => event.data!['value']);
    expect(new Set(readValues).size, `read values ${JSON.stringify(readValues)}`).toBeLessThan(readValues.length);
    const writes = events.map((event, index) => ({ event, index })).filter(({ event }) => unlocked.has(event.actor) && event.op === 'write');
    for (const { event, index } of writes) {
      const read = reads.find((r) => r.event.actor === event.actor)!;
      expect(event.data!['value']).toBe((read.event.data!['value'] as number) - 1);
      expect(replay.at(index + 1).shared.find((shared) => shared.name === 'counter')!.value).toBe(event.data!['value']);
    }
  });
});
