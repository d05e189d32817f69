import { describe, expect, it } from 'vitest';
import { runReport } from '../../src-main/export/html-report';
import { toTraceEvents } from '../../src-main/export/trace-events';
import { autoSwitchOnIo } from '../../src-main/lessons/coroutines/auto-switch-on-io';
import { cpuVsIo } from '../../src-main/lessons/threads/cpu-vs-io';
import { deadlock } from '../../src-main/lessons/threads/deadlock';
import { deriveTrialStates, stateAt, type ActorTimeline } from '../../src-main/model/actor-states';
import { decodeBatches } from '../../src-main/model/trace-event';
import { runSpec } from '../engine/helpers/run-spec';

/** Actor states derived from real runs of the engine, and the exports that draw them. */

function statesOf(ran: Awaited<ReturnType<typeof runSpec>>) {
  const events = decodeBatches(ran.batches.filter((batch) => batch.trial === ran.trial.index));
  return deriveTrialStates({ events, actors: ran.trial.actors, deadlock: ran.trial.deadlock });
}

/** Pairs of actors running at the same moment on the same loop. */
function concurrentRunning(actors: readonly ActorTimeline[]): string[] {
  const runs = actors.flatMap((a) => a.intervals.filter((i) => i.state === 'running' && i.end > i.start).map((i) => ({ actor: a.actor, start: i.start, end: i.end })));
  runs.sort((a, b) => a.start - b.start);
  const problems: string[] = [];
  let furthest: { actor: string; end: number } | null = null;
  for (const run of runs) {
    if (furthest && furthest.end > run.start && furthest.actor !== run.actor) problems.push(`${furthest.actor} and ${run.actor} at ${(run.start / 1e6).toFixed(3)} ms`);
    if (!furthest || run.end > furthest.end) furthest = run;
  }
  return problems;
}

describe('actor states of real runs', () => {
  it('cpu-vs-io: the async CPU tasks of one loop compute in turn, never two running at once, the others ready meanwhile', async () => {
    const ran = await runSpec(cpuVsIo.spec, { overrides: { cpuIterations: 20_000_000, ioMs: 50 }, lessonId: cpuVsIo.id });
    const states = statesOf(ran);
    const loopActors = states.actors.filter((a) => a.loop !== null && a.loop === states.actors.find((b) => b.actor === 'cpuTask-0')!.loop);
    expect(loopActors.map((a) => a.actor)).toEqual(expect.arrayContaining(['main', 'cpuTask-0', 'cpuTask-1', 'cpuTask-2', 'cpuTask-3']));
    expect(concurrentRunning(loopActors)).toEqual([]);
    // While one task computes, every other CPU task is ready (its go-event passed), not running.
    const tasks = loopActors.filter((a) => a.actor.startsWith('cpuTask'));
    for (const task of tasks) {
      const compute = task.intervals.find((i) => i.op === 'compute')!;
      const middle = (compute.start + compute.end) / 2;
      const others = tasks.filter((t) => t !== task).map((t) => stateAt(t, middle).state);
      expect(others).not.toContain('running');
      expect(others).toContain('ready');
    }
    // Threads each have their own thread: never merged into a loop.
    expect(states.actors.filter((a) => a.actor.startsWith('cpuThread')).every((a) => a.loop === null)).toBe(true);
  });

  it('auto-switch-on-io: while one task blocks the loop, the other is ready, not running', async () => {
    const ran = await runSpec(autoSwitchOnIo.spec, { overrides: { longMs: 120, shortMs: 80 }, lessonId: autoSwitchOnIo.id });
    const states = statesOf(ran);
    const slow = states.actors.find((a) => a.actor === 'slowBlock')!;
    const fast = states.actors.find((a) => a.actor === 'fastBlock')!;
    const block = slow.intervals.find((i) => i.op === 'block')!;
    expect(block.state).toBe('blocking');
    const middle = (block.start + block.end) / 2;
    expect(stateAt(fast, middle).state).toBe('ready');
    // The yielding sleeps are sleeping, not blocking.
    expect(states.actors.find((a) => a.actor === 'slowYield')!.intervals.some((i) => i.op === 'sleep' && i.state === 'sleeping')).toBe(true);
    expect(concurrentRunning(states.actors.filter((a) => a.loop !== null))).toEqual([]);
  });

  it("deadlock: the blocked acquires last until the detection, in the derivation, the Perfetto export and the HTML report alike", async () => {
    const ran = await runSpec(deadlock.spec, { lessonId: deadlock.id });
    const found = ran.trial.deadlock;
    expect(found).not.toBeNull();
    const detectedNs = found!.detectedAtMs * 1e6;
    const states = statesOf(ran);
    expect(states.deadlock?.actors).toEqual(found!.cycle.map((edge) => edge.actor));
    const victim = states.actors.find((a) => a.actor === found!.cycle[0]!.actor)!;
    const blocked = victim.intervals.at(-1)!;
    expect(blocked).toMatchObject({ state: 'blocked', op: 'acquire', target: found!.cycle[0]!.waitsFor, end: detectedNs, endedBy: 'deadlock' });
    // The wait began long before the detection (the detector waits for the cycle to stay).
    expect(detectedNs - blocked.start).toBeGreaterThan(0);

    const trace = toTraceEvents(ran.run, ran.batches);
    const name = `blocked (acquire ${blocked.target})`;
    const tid = trace.traceEvents.find((e) => e.ph === 'M' && e.name === 'thread_name' && String(e.args?.['name']).startsWith(`${victim.actor} `))!.tid;
    const slices = trace.traceEvents.filter((e) => e.cat === 'state' && e.name === name && e.tid === tid);
    const begin = slices.filter((e) => e.ph === 'b').at(-1)!;
    const end = slices.find((e) => e.ph === 'e' && e.id === begin.id)!;
    expect([begin.ts, end.ts]).toEqual([blocked.start / 1000, detectedNs / 1000]);
    // The acquire's own slice also ends at the detection, not at the actor's last event.
    const acquireEnd = trace.traceEvents.filter((e) => e.ph === 'E' && e.tid === tid && e.name === `acquire ${blocked.target}`).at(-1)!;
    expect(acquireEnd.ts).toBe(detectedNs / 1000);
    expect(acquireEnd.args).toEqual({ repair: 'still open when the deadlock was detected' });

    const html = runReport(ran.run, ran.batches);
    const rect = new RegExp(`data-actor="${victim.actor}" data-state="blocked" data-start-ns="${Math.round(blocked.start)}" data-end-ns="${Math.round(detectedNs)}"`);
    expect(html).toMatch(rect);
    expect(html).toContain('Deadlock cycle (outlined)');
  });
});
