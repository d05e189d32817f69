import type { Step } from '../../model/spec-schema';
import { isSummaryRepeat } from '../../model/step-catalog';
import { TraceBuffer } from './trace-buffer';
import { ringBytes } from './event-columns';

/**
 * A thread that has just started runs its code in V8's interpreter until that code has run often enough to be
 * optimised, and the trace's methods reach that point only after several thousand calls. Until then a traced lock
 * round (its four events, each a clock read, a call and a few stores) takes a new thread about 700 ns, against
 * 260 ns once they are optimised (the median round, test/engine/trace-warmup.integration.test.ts). A program that traces a loop of lock rounds would spend its first thousands of events
 * slowed by the tracer itself, a cost the timeline would show as the program's own: fewer, longer rounds and
 * critical sections stretched by the tracer, so more contention than the program causes.
 *
 * So a thread actor whose program traces many events in loops (the trial decides, once for its group, and says so in
 * the thread's init: ActorInit.warmTrace) runs the trace's methods on a scratch buffer first, while it starts (before it reports itself started: the time is the actor's start-up, shown as such), until they
 * run fast. Nothing of the scratch buffer is sent or kept. An actor that traces little is not warmed: the warm-up
 * costs about as much as the events it spares. A process actor is not warmed either: a new process's traced rounds
 * were measured far less slowed (three adds a round: 600 ns cold, 480-600 ns warmed, where a thread's lock round
 * went from 700 to 260 ns).
 */

/** Events a program's traced loops may record from which its actor is warmed. */
export const WARM_FROM_EVENTS = 2_000;

/**
 * Rounds of the warm-up, four events each. V8 (Node 20) optimised the trace's methods after 1,000-2,000 rounds: with
 * 1,000 a hundred traced threads ran no faster, with 2,048 they ran twice as fast. A fixed count, not one that stops
 * when its rounds are timed fast: on two cores where a hundred new threads start at once, a thread's timings say
 * more about the others than about its own code. About 4 ms on a new thread.
 */
export const WARM_ROUNDS = 2_048;

/**
 * About how many events the traced repeats of these steps record, a step counted as one event (a span's begin and
 * end as one too: this is an estimate for a threshold). A summary repeat counts nothing: its steps are tallied, not
 * recorded, and a repeat paced by a sleep counts only itself (its rounds are too slow for the tracer's cost to
 * matter). Steps outside any repeat count nothing either: they run once.
 */
export function tracedLoopEvents(steps: readonly Step[], rounds = 0): number {
  let events = 0;
  for (const step of steps) {
    switch (step.op) {
      case 'repeat': {
        if (isSummaryRepeat(step) || paced(step.steps)) {
          events += rounds; // its begin and end, once a round of the repeat around it
          break;
        }
        const times = typeof step.times === 'number' ? step.times : 0;
        events += rounds + tracedLoopEvents(step.steps, Math.max(rounds, 1) * times);
        break;
      }
      case 'section':
        events += rounds + tracedLoopEvents(step.steps, rounds);
        break;
      case 'if':
        events += rounds + Math.max(tracedLoopEvents(step.then, rounds), tracedLoopEvents(step.else ?? [], rounds));
        break;
      default:
        events += rounds;
    }
    if (events >= Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  }
  return events;
}

/** Steps that wait a set time each round: a loop of them records events no faster than a few per millisecond. */
function paced(steps: readonly Step[]): boolean {
  return steps.some((step) => {
    switch (step.op) {
      case 'sleep':
      case 'block':
        return true;
      case 'repeat':
      case 'section':
        return paced(step.steps);
      case 'if':
        return paced(step.then) && paced(step.else ?? []);
      default:
        return false;
    }
  });
}

/**
 * Runs the trace's recording methods WARM_ROUNDS times (the template events of lock, add and release steps, and a
 * batch flushed every 64 events from a ring of columns, as a thread's trace does); returns how long that took, in ns.
 */
export function warmTracePath(): number {
  const started = process.hrtime.bigint();
  const batchSize = 64;
  const trace = new TraceBuffer({
    actor: 'warm-up',
    trial: 0,
    runStartNs: started,
    budget: Number.MAX_SAFE_INTEGER,
    batchSize,
    sink: () => undefined,
    columns: { ring: new SharedArrayBuffer(ringBytes(batchSize)), sink: () => undefined },
    countWord: { words: new Int32Array(1), at: 0 },
  });
  const begin = trace.template('acquire', 'B', { prim: 'warm-up' });
  const ended = trace.template('acquire', 'E', { prim: 'warm-up', ok: true });
  const added = trace.template('add', 'I', { var: 'warm-up', delta: 1 }, { slot: 'value' });
  const released = trace.template('release', 'I', { prim: 'warm-up' });
  for (let i = 0; i < WARM_ROUNDS; i++) {
    trace.step = i & 3;
    trace.flushIfNearlyFull();
    trace.emitTemplate(begin);
    trace.emitTemplateAgain(ended);
    trace.emitValue(added, i);
    trace.emitTemplate(released);
  }
  return Number(process.hrtime.bigint() - started);
}
