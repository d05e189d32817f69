import type { Cond, Step, Value } from '../../../model/spec-schema';
import { hasOwnName } from '../../spec/own-names';
import type { Maybe } from '../../sync/maybe';
import { assertNever } from '../../../model/assert-never';
import { isSummaryRepeat } from '../../../model/step-catalog';
import { ActorFailure, ReturnSignal } from './failure';
import type { ActorServices } from './services';
import { asNumber, text, ValueGuard, type Eval, type Frame, type Test } from './values';

/**
 * The step table: ONE handler per op of the step language, shared by every kind of actor.
 *
 * A handler is called once, when a program is compiled, with the step and the compiler; it returns the
 * step's closure (a `Run`). Running the closure either completes the step at once (it returns
 * undefined) or says the step is pending (it returns the promise of its end). A thread or process
 * actor goes straight on to the next step when a step completed at once (its blocking primitives
 * complete at once: Atomics.wait blocks its own thread); a task awaits every step, so other tasks of
 * the runner's loop run between its steps exactly as they always did.
 *
 * Adding a step: its zod object in `model/spec-schema.ts`, its entry in `model/step-catalog.ts`
 * (fields, what it does, what it traces) and its handler here. The compiler (tsc) refuses a table
 * without it, and `test/engine/step-conformance.integration.test.ts` runs it on each actor kind.
 */

/** A compiled step: undefined when it completed, else the promise of its end. */
export type Run = (frame: Frame) => Promise<void> | undefined;

export interface StepCompiler {
  readonly services: ActorServices;
  /** The actor has its thread to itself (a thread or a process actor): no await between steps that complete at once. */
  readonly ownThread: boolean;
  value(value: Value): Eval;
  cond(cond: Cond): Test;
  /** A list of steps compiled as one closure (for the actor's kind); `field` names it in step paths (steps, then, else). */
  sequence(steps: readonly Step[], field?: string): Run;
  /**
   * A summary repeat's body: `sequence` with `muted` true while its steps are compiled. Whenever they run the
   * trace is muted (the repeat mutes it around them), so a step may count its events in the trace's tally
   * instead of emitting them.
   */
  summarySequence(steps: readonly Step[]): Run;
  /** The step being compiled runs only while the trace is muted (inside a summary repeat); false for a function's body. */
  readonly muted: boolean;
  /** A step's id in the actor's program (model/program-text.ts), -1 for a step outside it (a function's). */
  stepId(step: Step): number;
  /** The path of the step being compiled, as messages name it: "program[2].steps[0] (let)". */
  readonly where: string;
}

type StepOf<K extends Step['op']> = Extract<Step, { op: K }>;
type Handler<K extends Step['op']> = (step: StepOf<K>, c: StepCompiler) => Run;
export type StepTable = { readonly [K in Step['op']]: Handler<K> };

/**
 * Continues with `after` once `value` is there. A thread or process continues at once when it is there
 * already; a task continues one turn of the loop later, as an `await` of the value would.
 */
function whenThere<T>(own: boolean, value: Maybe<T>, after: (value: T) => void): Promise<void> | undefined {
  if (own && !(value instanceof Promise)) {
    after(value);
    return undefined;
  }
  return Promise.resolve(value).then(after);
}

/** A step's amount: a number as written, or an expression evaluated when the step runs (a non-negative number up to max). */
function amount(c: StepCompiler, value: number | Value, what: string, max: number): (frame: Frame) => number {
  const of = typeof value === 'number' ? () => value : c.value(value);
  return (f) => {
    const n = of(f);
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > max) throw new ActorFailure(`${what} must be a number from 0 to ${max}, got ${JSON.stringify(n)}`);
    return n;
  };
}

/** An optional expression: undefined when the step does not have it. */
function optional(c: StepCompiler, value: Value | undefined): Eval {
  if (value === undefined) return () => undefined;
  return c.value(value);
}

/** An actor index (whole number from 0), or undefined when the step names every instance. */
function instanceIndex(c: StepCompiler, value: Value | undefined): (frame: Frame) => number | undefined {
  if (value === undefined) return () => undefined;
  const of = c.value(value);
  return (f) => {
    const index = of(f);
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) throw new ActorFailure(`an actor index is a whole number from 0, got ${JSON.stringify(index)}`);
    return index;
  };
}

/** File steps are rare: the run folder's file access (and node:fs/promises) is loaded on first use, not with every actor. */
const runFolder = (): Promise<typeof import('../../run-folder')> => import('../../run-folder');
/** The zombie and orphan steps start OS processes: loaded on first use only. */
const osChildren = (): Promise<typeof import('../os-children')> => import('../os-children');

/** A file step's work in the run folder; a path refused there (a symbolic link, say) fails the actor. */
async function inRunFolder<T>(work: (folder: typeof import('../../run-folder')) => Promise<T>): Promise<T> {
  const folder = await runFolder();
  try {
    return await work(folder);
  } catch (error) {
    if (error instanceof folder.RunFolderError) throw new ActorFailure(error.message);
    throw error;
  }
}

/** A deterministic integer loop the optimizer cannot remove: the CPU work of a `compute` step. */
export function spin(iterations: number): number {
  let x = 0;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 31) + i) | 0;
  return x;
}

/**
 * The producer (this loop) and a consumer generator hand a value back and forth until `switches`
 * switches happened (there and back counts two), with nothing else to do: the cost of switching alone.
 */
export function pingPong(switches: number): number {
  function* consumer(): Generator<number, void, number> {
    let received = 0;
    for (;;) received = yield received + 1;
  }
  const target = consumer();
  target.next();
  let value = 0;
  let count = 0;
  while (count < switches) {
    value = target.next(value).value as number;
    count += 2;
  }
  return count;
}

/** The body of a repeat, compiled as muted when the repeat is a summary. */
function repeatBody(step: StepOf<'repeat'>, c: StepCompiler): Run {
  return isSummaryRepeat(step) ? c.summarySequence(step.steps) : c.sequence(step.steps, 'steps');
}

/** Emits a repeat's begin; mutes the trace for a summary repeat (true then). */
function repeatBegin(services: ActorServices, step: StepOf<'repeat'>): boolean {
  const summary = isSummaryRepeat(step);
  services.trace.emit('repeat', 'B', { times: step.times, trace: summary ? 'summary' : 'each' });
  if (summary) services.trace.mute();
  return summary;
}

/** Where `rounds` leaves the promise of a round that did not complete at once. */
interface Held {
  pending: Promise<void> | undefined;
}

/**
 * Rounds of a repeat run by one call of its loop function. A long loop inside one call is optimised by on-stack
 * replacement, which the lab makes synchronous (runner/stable-timings.ts): the thread stopped for the compile (2.5 ms
 * for a lock loop) and ran slow code until then. A loop function called again every CHUNK rounds is optimised like
 * any hot function, on V8's compiler thread, while the thread goes on: a summarised lock loop of 20,000 rounds took
 * about a third less time.
 */
const CHUNK = 256;

/** A repeat on a thread or process: iterations that complete at once run in a plain loop, CHUNK rounds per call. */
function ownThreadRepeat(step: StepOf<'repeat'>, c: StepCompiler): Run {
  const { trace } = c.services;
  const body = repeatBody(step, c);
  const times = step.times;
  const id = c.stepId(step);
  const rest = async (f: Frame, from: number, pending: Promise<void>): Promise<void> => {
    await pending;
    for (let i = from; i < times; i++) {
      const next = body(f);
      if (next !== undefined) await next;
    }
  };
  /** Runs rounds from..to-1 while each completes at once; returns the round reached (the pending one is in `held`). */
  const rounds = (f: Frame, from: number, to: number, held: Held): number => {
    for (let i = from; i < to; i++) {
      const pending = body(f);
      if (pending !== undefined) {
        held.pending = pending;
        return i;
      }
    }
    return to;
  };
  return (f) => {
    const summary = repeatBegin(c.services, step);
    const end = (): void => {
      if (summary) trace.unmute();
      const muted = summary ? trace.takeMuted() : undefined;
      trace.step = id;
      trace.emit('repeat', 'E', muted ? { times, muted } : { times });
    };
    const fail = (error: unknown): never => {
      if (summary) {
        trace.unmute();
        trace.takeMuted();
      }
      throw error;
    };
    let i = 0;
    const held: Held = { pending: undefined };
    try {
      while (i < times) {
        i = rounds(f, i, Math.min(times, i + CHUNK), held);
        if (held.pending !== undefined) break;
      }
    } catch (error) {
      return fail(error);
    }
    if (held.pending !== undefined) return rest(f, i + 1, held.pending).then(end, fail);
    end();
    return undefined;
  };
}

function cpythonOnly(step: Step): Run {
  return () => {
    throw new ActorFailure(`step ${step.op} is only on cpython (run with --runtime cpython)`);
  };
}

export const STEP_HANDLERS: StepTable = {
  compute: (step, c) => {
    const { trace } = c.services;
    const iterationsOf = amount(c, step.iterations, 'compute.iterations', 1e12);
    return (f) => {
      const iterations = iterationsOf(f);
      trace.emit('compute', 'B', { iterations });
      if (iterations > 1_000_000) trace.flush();
      const result = spin(iterations);
      trace.emit('compute', 'E', { result });
      return undefined;
    };
  },
  sleep: (step, c) => {
    const { trace } = c.services;
    const msOf = amount(c, step.ms, 'sleep.ms', 86_400_000);
    return async (f) => {
      const ms = msOf(f);
      trace.emit('sleep', 'B', { ms });
      if (!trace.isMuted) trace.flush();
      await c.services.sleep(ms);
      trace.emit('sleep', 'E');
    };
  },
  block: (step, c) => {
    const { trace } = c.services;
    const msOf = amount(c, step.ms, 'block.ms', 86_400_000);
    return (f) => {
      const ms = msOf(f);
      trace.emit('block', 'B', { ms });
      if (!trace.isMuted) trace.flush();
      c.services.block(ms);
      trace.emit('block', 'E');
      return undefined;
    };
  },
  let: (step, c) => {
    const { trace } = c.services;
    const valueOf = c.value(step.value);
    const name = step.name;
    return (f) => {
      const value = valueOf(f);
      f.locals.set(name, value);
      trace.emit('let', 'I', trace.isMuted ? undefined : { name, value });
      return undefined;
    };
  },
  read: (step, c) => {
    const { trace, vars } = c.services;
    const own = c.ownThread;
    const indexOf = optional(c, step.index);
    const { var: name, into } = step;
    return (f) => {
      const index = indexOf(f);
      return whenThere(own, vars.read(name, index), (value) => {
        f.locals.set(into, value);
        if (trace.isMuted) trace.emit('read', 'I');
        else trace.emit('read', 'I', index === undefined ? { var: name, value } : { var: name, index, value });
      });
    };
  },
  write: (step, c) => {
    const { trace, vars } = c.services;
    const own = c.ownThread;
    const indexOf = optional(c, step.index);
    const valueOf = c.value(step.value);
    const name = step.var;
    return (f) => {
      const index = indexOf(f);
      const value = valueOf(f);
      return whenThere(own, vars.write(name, index, value), () => {
        if (trace.isMuted) trace.emit('write', 'I');
        else trace.emit('write', 'I', index === undefined ? { var: name, value } : { var: name, index, value });
      });
    };
  },
  add: (step, c) => {
    const { trace, vars } = c.services;
    const own = c.ownThread;
    const indexOf = optional(c, step.index);
    const deltaOf = c.value(step.delta);
    const { var: name, into } = step;
    const after = (f: Frame, index: unknown, delta: number, value: number): void => {
      if (into) f.locals.set(into, value);
      if (trace.isMuted) trace.emit('add', 'I');
      else trace.emit('add', 'I', index === undefined ? { var: name, delta, value } : { var: name, index, delta, value });
    };
    // A whole-number delta written as such, on a single shared word: the add is the Atomics.add itself.
    const adder = step.index === undefined && typeof step.delta === 'number' && Number.isInteger(step.delta) ? vars.wordAdder?.(name) : undefined;
    if (adder && own && c.muted) {
      const delta = step.delta as number;
      const { tally } = trace;
      return (f) => {
        const value = adder(delta);
        if (into) f.locals.set(into, value);
        tally.events++;
        return undefined;
      };
    }
    if (adder && own) {
      const delta = step.delta as number;
      const added = trace.template('add', 'I', { var: name, delta }, { slot: 'value' });
      return (f) => {
        const value = adder(delta);
        if (into) f.locals.set(into, value);
        trace.emitValue(added, value);
        return undefined;
      };
    }
    return (f) => {
      const index = indexOf(f);
      const delta = asNumber(deltaOf(f), 'add.delta');
      const got = vars.add(name, index, delta);
      if (own && !(got instanceof Promise)) {
        after(f, index, delta, got);
        return undefined;
      }
      return Promise.resolve(got).then((value) => after(f, index, delta, value));
    };
  },
  acquire: (step, c) => {
    const { trace, prims } = c.services;
    const own = c.ownThread;
    const { prim, into } = step;
    const options = { blocking: step.blocking, timeoutMs: step.timeoutMs };
    // The events' data never changes: their text is made once (see TraceBuffer.template).
    const begin = trace.template('acquire', 'B', { prim });
    const ended = trace.template('acquire', 'E', { prim, ok: true });
    const failed = trace.template('acquire', 'E', { prim, ok: false });
    const after = (f: Frame, ok: boolean): void => {
      trace.emitTemplate(ok ? ended : failed);
      if (into) f.locals.set(into, ok);
    };
    const lock = prims.lockOps?.(prim);
    if (lock && own && c.muted) {
      // Inside a summary repeat: its begin and end counted, not emitted (see StepCompiler.muted).
      const { tally } = trace;
      const bound: Run = (f) => {
        tally.events += 2;
        tally.acquire += 2;
        const got = lock.acquire(options);
        if (got === true || got === false) {
          if (into) f.locals.set(into, got);
          return undefined;
        }
        return got.then((ok) => {
          if (into) f.locals.set(into, ok);
        });
      };
      const words = lock.words;
      if (!words) return bound;
      // A plain mutex: its uncontended path here, without a call (see MutexWords); else the bound acquire.
      const { memory, state, ownerAt, owner } = words;
      return (f) => {
        if (Atomics.compareExchange(memory, state, 0, 1) !== 0) return bound(f);
        memory[ownerAt] = owner;
        tally.events += 2;
        tally.acquire += 2;
        if (into) f.locals.set(into, true);
        return undefined;
      };
    }
    if (lock && own) {
      // A thread's acquire of a bound lock, written out: on a thread that has just started this runs in V8's
      // interpreter, where every call saved shortens the critical section the other threads wait on.
      const settle = (f: Frame, got: Maybe<boolean>): Promise<void> | undefined => {
        if (got === true) {
          trace.emitTemplate(ended);
          if (into) f.locals.set(into, true);
          return undefined;
        }
        if (got === false) {
          after(f, false);
          return undefined;
        }
        return got.then((ok) => after(f, ok));
      };
      const words = lock.words;
      if (!words) {
        return (f) => {
          trace.flushIfNearlyFull();
          trace.emitTemplate(begin);
          return settle(f, lock.acquire(options));
        };
      }
      // A plain mutex: a free one is taken here by its compare-and-swap, and the acquire's end is stamped at its
      // begin's time (see emitTemplateAgain); a held one is waited for by the bound acquire, its end stamped when taken.
      const { memory, state, ownerAt, owner } = words;
      return (f) => {
        trace.flushIfNearlyFull();
        trace.emitTemplate(begin);
        if (Atomics.compareExchange(memory, state, 0, 1) === 0) {
          memory[ownerAt] = owner;
          trace.emitTemplateAgain(ended);
          if (into) f.locals.set(into, true);
          return undefined;
        }
        return settle(f, lock.acquire(options));
      };
    }
    return (f) => {
      trace.flushIfNearlyFull();
      trace.emitTemplate(begin);
      const got = lock ? lock.acquire(options) : prims.acquire(prim, options);
      if (own && !(got instanceof Promise)) {
        after(f, got);
        return undefined;
      }
      return Promise.resolve(got).then((ok) => after(f, ok));
    };
  },
  release: (step, c) => {
    const { trace, prims } = c.services;
    const own = c.ownThread;
    const prim = step.prim;
    const released = trace.template('release', 'I', { prim });
    const after = (): void => trace.emitTemplate(released);
    const lock = prims.lockOps?.(prim);
    if (lock && own && c.muted) {
      const { tally } = trace;
      const words = lock.words;
      if (words) {
        const { memory, state, ownerAt } = words;
        return () => {
          memory[ownerAt] = 0;
          if (Atomics.compareExchange(memory, state, 1, 0) !== 1) lock.release();
          tally.events++;
          tally.release++;
          return undefined;
        };
      }
      return () => {
        lock.release();
        tally.events++;
        tally.release++;
        return undefined;
      };
    }
    if (lock && own && lock.words) {
      // A plain mutex freed here when no one waits on it (its compare-and-swap 1 → 0), else by the bound release.
      const { memory, state, ownerAt } = lock.words;
      return () => {
        memory[ownerAt] = 0;
        if (Atomics.compareExchange(memory, state, 1, 0) !== 1) lock.release();
        trace.emitTemplate(released);
        return undefined;
      };
    }
    if (lock && own) {
      return () => {
        lock.release();
        trace.emitTemplate(released);
        return undefined;
      };
    }
    if (lock) {
      return () => {
        lock.release();
        return whenThere(own, undefined, after);
      };
    }
    return () => whenThere(own, prims.release(prim), after);
  },
  wait: (step, c) => {
    const { trace, prims } = c.services;
    const own = c.ownThread;
    const { prim, into, timeoutMs } = step;
    const begin = trace.template('wait', 'B', { prim });
    return (f) => {
      trace.emitTemplate(begin);
      return whenThere(own, prims.wait(prim, timeoutMs), (result) => {
        trace.emit('wait', 'E', result.index === undefined ? { prim, passed: result.passed } : { prim, passed: result.passed, index: result.index });
        if (into) f.locals.set(into, result.passed);
      });
    };
  },
  set: (step, c) => {
    const { trace, prims } = c.services;
    const own = c.ownThread;
    const prim = step.prim;
    const done = trace.template('set', 'I', { prim });
    const after = (): void => trace.emitTemplate(done);
    return () => whenThere(own, prims.set(prim), after);
  },
  clear: (step, c) => {
    const { trace, prims } = c.services;
    const own = c.ownThread;
    const prim = step.prim;
    const done = trace.template('clear', 'I', { prim });
    const after = (): void => trace.emitTemplate(done);
    return () => whenThere(own, prims.clear(prim), after);
  },
  notify: (step, c) => {
    const { trace, prims } = c.services;
    const own = c.ownThread;
    const prim = step.prim;
    const count = step.all ? Infinity : step.n ?? 1;
    const n = step.all ? 'all' : count;
    const done = trace.template('notify', 'I', { prim, n });
    const after = (): void => trace.emitTemplate(done);
    return () => whenThere(own, prims.notify(prim, count), after);
  },
  put: (step, c) => {
    const { trace } = c.services;
    const valueOf = c.value(step.value);
    const priorityOf = optional(c, step.priority);
    return async (f) => {
      const value = valueOf(f);
      const priority = priorityOf(f);
      trace.emit('put', 'B', { queue: step.queue, value });
      const ok = (await c.services.call({ type: 'queue.put', queue: step.queue, value, priority, blocking: step.blocking ?? true, timeoutMs: step.timeoutMs })) as boolean;
      trace.emit('put', 'E', { queue: step.queue, ok });
      if (step.into) f.locals.set(step.into, ok);
      else if (!ok) throw new ActorFailure(`queue ${step.queue} is full (put ${step.blocking === false ? 'without blocking' : `timed out after ${step.timeoutMs} ms`}); give the step an "into" to handle it`);
    };
  },
  get: (step, c) => {
    const { trace } = c.services;
    return async (f) => {
      trace.emit('get', 'B', { queue: step.queue });
      const result = (await c.services.call({ type: 'queue.get', queue: step.queue, blocking: step.blocking ?? true, timeoutMs: step.timeoutMs })) as { ok: boolean; value?: unknown };
      trace.emit('get', 'E', result.ok ? { queue: step.queue, ok: true, value: result.value } : { queue: step.queue, ok: false });
      if (step.into) f.locals.set(step.into, result.ok ? result.value : null);
      else if (!result.ok) throw new ActorFailure(`queue ${step.queue} is empty (get ${step.blocking === false ? 'without blocking' : `timed out after ${step.timeoutMs} ms`}); give the step an "into" to handle it`);
    };
  },
  task_done: (step, c) => {
    const { trace } = c.services;
    return async () => {
      await c.services.call({ type: 'queue.task_done', queue: step.queue });
      trace.emit('task_done', 'I', { queue: step.queue });
    };
  },
  spawn: (step, c) => {
    const { trace } = c.services;
    const indexOf = instanceIndex(c, step.index);
    return async (f) => {
      trace.emit('spawn', 'B', { actor: step.actor });
      const names = await c.services.call({ type: 'actor.spawn', group: step.actor, index: indexOf(f) });
      trace.emit('spawn', 'E', { actor: step.actor, names });
    };
  },
  join: (step, c) => {
    const { trace } = c.services;
    const indexOf = instanceIndex(c, step.index);
    if (step.queue !== undefined) {
      const queue = step.queue;
      return async () => {
        trace.emit('join', 'B', { queue });
        const ok = await c.services.call({ type: 'queue.join', queue, timeoutMs: step.timeoutMs });
        trace.emit('join', 'E', { queue, ok });
      };
    }
    return async (f) => {
      trace.emit('join', 'B', { actor: step.actor });
      const ok = await c.services.call({ type: 'actor.join', group: step.actor!, index: indexOf(f), timeoutMs: step.timeoutMs });
      trace.emit('join', 'E', { actor: step.actor, ok });
    };
  },
  terminate: (step, c) => {
    const { trace } = c.services;
    const indexOf = instanceIndex(c, step.index);
    return async (f) => {
      const index = indexOf(f);
      await c.services.call({ type: 'actor.terminate', group: step.actor, index });
      trace.emit('terminate', 'I', { actor: step.actor, index: index ?? null });
    };
  },
  is_alive: (step, c) => {
    const { trace } = c.services;
    const indexOf = instanceIndex(c, step.index);
    return async (f) => {
      const alive = await c.services.call({ type: 'actor.is_alive', group: step.actor, index: indexOf(f) });
      f.locals.set(step.into, alive);
      trace.emit('is_alive', 'I', { actor: step.actor, alive });
    };
  },
  file_append: (step, c) => {
    const { trace } = c.services;
    const textOf = c.value(step.text);
    return async (f) => {
      const data = text(textOf(f));
      await inRunFolder((folder) => folder.appendRunFile(c.services.workDir, step.path, data));
      trace.emit('file_append', 'I', { path: step.path, bytes: Buffer.byteLength(data) });
    };
  },
  file_read: (step, c) => {
    const { trace } = c.services;
    return async (f) => {
      const data = await inRunFolder(async (folder) => {
        try {
          return await folder.readRunFile(c.services.workDir, step.path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ActorFailure(`file ${step.path} does not exist in the run folder`);
          throw error;
        }
      });
      f.locals.set(step.into, data);
      trace.emit('file_read', 'I', { path: step.path, bytes: Buffer.byteLength(data) });
    };
  },
  file_write: (step, c) => {
    const { trace, self } = c.services;
    const textOf = c.value(step.text);
    return async (f) => {
      const data = text(textOf(f));
      // Replaced whole (a sibling written, then renamed over it): lost updates come from the
      // read-modify-write, not from torn files.
      await inRunFolder((folder) => folder.replaceRunFile(c.services.workDir, step.path, data, `${self.pid}.${self.threadId}`));
      trace.emit('file_write', 'I', { path: step.path, bytes: Buffer.byteLength(data) });
    };
  },
  list_actors: (step, c) => {
    const { trace } = c.services;
    return async (f) => {
      const names = await c.services.call({ type: 'actor.list', group: step.group });
      f.locals.set(step.into, names);
      trace.emit('list_actors', 'I', { names });
    };
  },
  os_child: (step, c) => {
    const { trace } = c.services;
    return async (f) => {
      const pid = (await osChildren()).startOsChild(step.mode, step.ms ?? (step.mode === 'exit' ? 100 : 0));
      f.locals.set(step.into, pid);
      trace.emit('os_child', 'I', { mode: step.mode, pid });
    };
  },
  proc_state: (step, c) => {
    const { trace } = c.services;
    const pidOf = c.value(step.pid);
    return async (f) => {
      const pid = asNumber(pidOf(f), 'proc_state.pid');
      const state = (await osChildren()).readProcState(pid);
      f.locals.set(step.into, state);
      trace.emit('proc_state', 'I', { pid, ...(state ?? { state: null }) });
    };
  },
  submit: (step, c) => {
    const { trace } = c.services;
    const argOf = step.arg === undefined ? () => null : c.value(step.arg);
    return async (f) => {
      const arg = argOf(f);
      trace.emit('submit', 'B', { pool: step.pool, function: step.function, arg });
      const future = await c.services.call({ type: 'pool.submit', pool: step.pool, function: step.function, arg, callback: step.callback });
      trace.emit('submit', 'E', { pool: step.pool, future });
      if (step.into) f.locals.set(step.into, future);
    };
  },
  result: (step, c) => {
    const { trace } = c.services;
    const futureOf = c.value(step.future);
    return async (f) => {
      const future = futureOf(f);
      if (typeof future !== 'string') throw new ActorFailure(`result needs a future (what submit put in its "into"), got ${JSON.stringify(future)}`);
      trace.emit('result', 'B', { future });
      const value = await c.services.call({ type: 'pool.result', future, timeoutMs: step.timeoutMs });
      trace.emit('result', 'E', { future, value });
      if (step.into) f.locals.set(step.into, value);
    };
  },
  map: (step, c) => {
    const { trace } = c.services;
    const argsOf = c.value(step.args);
    return async (f) => {
      const args = argsOf(f);
      if (!Array.isArray(args)) throw new ActorFailure(`map needs a list of arguments, got ${JSON.stringify(args)}`);
      trace.emit('map', 'B', { pool: step.pool, function: step.function, count: args.length });
      const values = await c.services.call({ type: 'pool.map', pool: step.pool, function: step.function, args });
      trace.emit('map', 'E', { pool: step.pool, values });
      if (step.into) f.locals.set(step.into, values);
    };
  },
  shutdown: (step, c) => {
    const { trace } = c.services;
    return async () => {
      trace.emit('shutdown', 'B', { pool: step.pool });
      await c.services.call({ type: 'pool.shutdown', pool: step.pool, wait: step.wait ?? true });
      trace.emit('shutdown', 'E', { pool: step.pool });
    };
  },
  return: (step, c) => {
    const valueOf = step.value === undefined ? () => null : c.value(step.value);
    return (f) => {
      throw new ReturnSignal(valueOf(f));
    };
  },
  connect: (step, c) => {
    const { trace } = c.services;
    return async (f) => {
      trace.emit('connect', 'B', { server: step.server });
      const conn = await c.services.net.connect(step.server, step.framing, step.timeoutMs);
      trace.emit('connect', 'E', { server: step.server, conn });
      f.locals.set(step.into, conn);
    };
  },
  send: (step, c) => {
    const { trace } = c.services;
    const connOf = c.value(step.conn);
    const dataOf = c.value(step.data);
    return async (f) => {
      const conn = connOf(f);
      const data = text(dataOf(f));
      trace.emit('send', 'B', { conn, bytes: Buffer.byteLength(data), all: step.all ?? false });
      const result = await c.services.net.send(conn, data, step.all ?? false);
      trace.emit('send', 'E', { conn, ...result });
    };
  },
  recv: (step, c) => {
    const { trace } = c.services;
    const connOf = c.value(step.conn);
    return async (f) => {
      const conn = connOf(f);
      trace.emit('recv', 'B', { conn });
      const data = await c.services.net.recv(conn, { bytes: step.bytes, until: step.until, message: step.message, timeoutMs: step.timeoutMs });
      trace.emit('recv', 'E', { conn, bytes: Buffer.byteLength(data), data: data.length > 200 ? `${data.slice(0, 200)}…` : data });
      f.locals.set(step.into, data);
    };
  },
  close: (step, c) => {
    const { trace } = c.services;
    const connOf = c.value(step.conn);
    return async (f) => {
      const conn = connOf(f);
      await c.services.net.close(conn);
      trace.emit('close', 'I', { conn });
    };
  },
  sendto: (step, c) => {
    const { trace } = c.services;
    const dataOf = c.value(step.data);
    return async (f) => {
      const data = text(dataOf(f));
      const bytes = await c.services.net.sendto(step.server, data);
      trace.emit('sendto', 'I', { server: step.server, bytes });
    };
  },
  recvfrom: (step, c) => {
    const { trace } = c.services;
    return async (f) => {
      trace.emit('recvfrom', 'B', {});
      const datagram = await c.services.net.recvfrom(step.timeoutMs);
      trace.emit('recvfrom', 'E', { bytes: Buffer.byteLength(datagram.data), from: datagram.from });
      f.locals.set(step.into, datagram.data);
    };
  },
  http_get: (step, c) => {
    const { trace } = c.services;
    return async (f) => {
      trace.emit('http_get', 'B', { server: step.server, path: step.path ?? '/' });
      const response = await c.services.net.httpGet(step.server, step.path ?? '/');
      trace.emit('http_get', 'E', { status: response.status, charset: response.charset });
      f.locals.set(step.into, response);
    };
  },
  load: (step, c) => {
    const { trace } = c.services;
    return async (f) => {
      trace.emit('load', 'B', { server: step.server, connections: step.connections });
      const report = await c.services.net.load(step.server, step);
      trace.emit('load', 'E', report);
      if (step.into) f.locals.set(step.into, report);
    };
  },
  send_file: (step, c) => {
    const { trace } = c.services;
    return async (f) => {
      trace.emit('send_file', 'B', { server: step.server, mb: step.mb });
      const result = await c.services.net.sendFile(step.server, step.mb, step.chunkBytes);
      trace.emit('send_file', 'E', result);
      if (step.into) f.locals.set(step.into, result);
    };
  },
  sticky_demo: (step, c) => {
    const { trace } = c.services;
    return async (f) => {
      trace.emit('sticky_demo', 'B', { mode: step.mode });
      const result = await c.services.net.sticky(step.mode);
      trace.emit('sticky_demo', 'E', result);
      f.locals.set(step.into, result);
    };
  },
  generator_pingpong: (step, c) => {
    const { trace } = c.services;
    return (f) => {
      trace.emit('generator_pingpong', 'B', { switches: step.switches });
      const started = performance.now();
      const exchanged = pingPong(step.switches);
      const ms = performance.now() - started;
      const result = { switches: exchanged, ms, perSecond: ms > 0 ? (exchanged / ms) * 1000 : null };
      trace.emit('generator_pingpong', 'E', result);
      if (step.into) f.locals.set(step.into, result);
      return undefined;
    };
  },
  log: (step, c) => {
    const { trace } = c.services;
    const values = Object.entries(step.values ?? {}).map(([key, v]) => [key, c.value(v)] as const);
    const guard = new ValueGuard(c.services, c.where);
    return (f) => {
      const got = Object.fromEntries(values.map(([key, of]) => [key, of(f)]));
      // The message as its pieces, measured before they are joined: a template may repeat a large value.
      const pieces = step.message.split(/(\{[A-Za-z_][A-Za-z0-9_-]*\})/).map((piece) => {
        const key = /^\{([A-Za-z_][A-Za-z0-9_-]*)\}$/.exec(piece)?.[1];
        return key !== undefined && hasOwnName(got, key) ? got[key] : piece;
      });
      const message = guard.join(pieces, 'a log message');
      trace.emit('log', 'I', { message }, true);
      return undefined;
    };
  },
  record: (step, c) => {
    const { trace } = c.services;
    const valueOf = c.value(step.value);
    const name = step.name;
    return (f) => {
      trace.emit('record', 'I', { name, value: valueOf(f) }, true);
      return undefined;
    };
  },
  mark: (step, c) => {
    const { trace } = c.services;
    const marked = trace.template('mark', 'I', { name: step.name }, { force: true });
    return () => {
      trace.emitTemplate(marked);
      return undefined;
    };
  },
  fail: (step) => {
    const message = step.message;
    return () => {
      throw new ActorFailure(message);
    };
  },
  repeat: (step, c) => {
    if (c.ownThread) return ownThreadRepeat(step, c);
    const { trace } = c.services;
    const body = repeatBody(step, c);
    const id = c.stepId(step);
    return async (f) => {
      const summary = repeatBegin(c.services, step);
      try {
        for (let i = 0; i < step.times; i++) await body(f);
      } finally {
        if (summary) trace.unmute();
      }
      const muted = summary ? trace.takeMuted() : undefined;
      trace.step = id;
      trace.emit('repeat', 'E', muted ? { times: step.times, muted } : { times: step.times });
    };
  },
  if: (step, c) => {
    const { trace } = c.services;
    const test = c.cond(step.cond);
    const then = c.sequence(step.then, 'then');
    const otherwise = step.else ? c.sequence(step.else, 'else') : undefined;
    if (c.ownThread) {
      return (f) => {
        const taken = test(f);
        trace.emit('if', 'I', { taken });
        const branch = taken ? then : otherwise;
        return branch ? branch(f) : undefined;
      };
    }
    return async (f) => {
      const taken = test(f);
      trace.emit('if', 'I', { taken });
      if (taken) await then(f);
      else if (otherwise) await otherwise(f);
    };
  },
  section: (step, c) => {
    const { trace } = c.services;
    const body = c.sequence(step.steps, 'steps');
    const name = step.name;
    const begin = trace.template('section', 'B', { name }, { force: true });
    const ended = trace.template('section', 'E', { name }, { force: true });
    const id = c.stepId(step);
    const end = (): void => {
      trace.step = id;
      trace.emitTemplate(ended);
    };
    if (c.ownThread) {
      return (f) => {
        trace.emitTemplate(begin);
        let pending: Promise<void> | undefined;
        try {
          pending = body(f);
        } catch (error) {
          end();
          throw error;
        }
        if (pending === undefined) {
          end();
          return undefined;
        }
        return pending.then(end, (error: unknown) => {
          end();
          throw error;
        });
      };
    }
    return async (f) => {
      trace.emitTemplate(begin);
      try {
        await body(f);
      } finally {
        end();
      }
    };
  },
  // CPython-only steps: a spec with one is refused before a Node run starts (runtimes/node-support.ts); should one reach an actor, it fails.
  pipe_send: cpythonOnly,
  pipe_recv: cpythonOnly,
  pipe_close: cpythonOnly,
  var_lock: cpythonOnly,
  var_unlock: cpythonOnly,
  fd_select: cpythonOnly,
  epoll_drain: cpythonOnly,
  rebind_probe: cpythonOnly,
  recv_timeout: cpythonOnly,
  backlog_probe: cpythonOnly,
};

/** Compiles one step with its handler; an op the table lacks fails when the step runs, as any bad step does. */
export function compileStep(step: Step, c: StepCompiler): Run {
  const handler = (STEP_HANDLERS as Readonly<Record<string, Handler<Step['op']> | undefined>>)[step.op];
  if (!handler || !Object.hasOwn(STEP_HANDLERS, step.op)) {
    return () => assertNever(step as never, 'step');
  }
  return handler(step as never, c);
}
