import type { Cond, Step, Value } from '../../model/spec-schema';
import type { PoolTask } from './protocol';
import { ownValue } from '../spec/own-names';
import { ActorFailure, ReturnSignal } from './steps/failure';
import type { ActorServices } from './steps/services';
import { compileStep, type Run, type StepCompiler } from './steps/handlers';
import { compileCond, compileValue, type Frame } from './steps/values';
import { stepIds } from '../../model/program-text';
import type { TraceBuffer } from '../trace/trace-buffer';

export { ActorFailure } from './steps/failure';
export type { ActorSelf, ActorServices, PrimitiveOps, VarOps } from './steps/services';
export { pingPong, spin, STEP_HANDLERS } from './steps/handlers';

/**
 * The step interpreter: runs an actor's program on whatever mechanism hosts it. It evaluates a small,
 * closed language — no user text is ever evaluated as code — and every step emits trace events (spans
 * as B/E, the rest as instants), so the timeline shows what happened.
 *
 * A program is compiled once per actor into closures, one per step, by the step table in
 * `steps/handlers.ts` (one handler per op, shared by every actor kind); running it runs the closures.
 */

/** Functions a pool runs: a name and the steps of its body (they read `arg` and end with `return`). */
export type FunctionTable = Readonly<Record<string, { readonly steps: readonly Step[] }>>;

const blockWord = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the calling thread without spinning the CPU. */
export function blockThread(ms: number): void {
  if (ms > 0) Atomics.wait(blockWord, 0, 0, ms);
}

export interface InterpreterOptions {
  /**
   * The actor has its thread to itself (a thread or a process actor): a step that completes at once is
   * followed by the next without an await in between. Nothing else of the actor's could run in that
   * gap anyway (messages and timers wait for the thread to be idle), so only the cost goes: a promise
   * and a microtask per step. Tasks share the runner's loop and keep an await per step.
   */
  readonly ownThread?: boolean;
}

/**
 * A list of steps on a thread or process: steps that complete at once run back to back, in a plain loop.
 * Before each step the trace learns the step's id (`ids`, bound when the list was compiled): one store of a
 * number per step; a step's events carry it. Steps without an id (a function's body) leave it at -1.
 */
function ownThreadSequence(runs: readonly Run[], ids: readonly number[], trace: TraceBuffer): Run {
  const count = runs.length;
  /** One async loop for the rest of the list (a chain of continuations would grow with every step that waits). */
  const rest = async (f: Frame, from: number, pending: Promise<void>): Promise<void> => {
    await pending;
    for (let i = from; i < count; i++) {
      trace.step = ids[i]!;
      const next = runs[i]!(f);
      if (next !== undefined) await next;
    }
  };
  if (count === 0) return () => undefined;
  if (count === 1) {
    const [only] = runs as [Run];
    const s0 = ids[0]!;
    return (f) => {
      trace.step = s0;
      return only(f);
    };
  }
  // Short lists (a loop body, say) as straight-line code.
  if (count === 2) {
    const [first, second] = runs as [Run, Run];
    const [s0, s1] = ids as [number, number];
    return (f) => {
      trace.step = s0;
      const pending = first(f);
      if (pending !== undefined) return rest(f, 1, pending);
      trace.step = s1;
      return second(f);
    };
  }
  if (count === 3) {
    const [first, second, third] = runs as [Run, Run, Run];
    const [s0, s1, s2] = ids as [number, number, number];
    return (f) => {
      trace.step = s0;
      let pending = first(f);
      if (pending !== undefined) return rest(f, 1, pending);
      trace.step = s1;
      pending = second(f);
      if (pending !== undefined) return rest(f, 2, pending);
      trace.step = s2;
      return third(f);
    };
  }
  return (f) => {
    for (let i = 0; i < count; i++) {
      trace.step = ids[i]!;
      const pending = runs[i]!(f);
      if (pending !== undefined) return rest(f, i + 1, pending);
    }
    return undefined;
  };
}

/** A list of steps on a task: an await after every step, so the other tasks of the loop run between them. */
function taskSequence(runs: readonly Run[], ids: readonly number[], trace: TraceBuffer): Run {
  return async (f) => {
    for (let i = 0; i < runs.length; i++) {
      trace.step = ids[i]!;
      await runs[i]!(f);
    }
  };
}

/** Compiles programs of one actor (its program and the functions it runs), each once. */
class ProgramCompiler implements StepCompiler {
  private readonly functionBodies = new Map<string, Run>();
  /** The path of the step being compiled, one part per level: "program", "[2]", ".steps", "[0]". */
  private readonly path: string[] = [];
  private op = '';
  /** Step ids of the program being run (see model/program-text.ts); steps not in it (functions) get -1. */
  ids: ReadonlyMap<object, number> = new Map();
  /** Summary repeats around the steps being compiled (see StepCompiler.muted). */
  private summaryDepth = 0;

  constructor(
    readonly services: ActorServices,
    readonly ownThread: boolean,
    private readonly functions: FunctionTable,
  ) {}

  stepId(step: Step): number {
    return this.ids.get(step) ?? -1;
  }

  get where(): string {
    return this.path.length === 0 ? 'a step' : `${this.path.join('')}${this.op ? ` (${this.op})` : ''}`;
  }

  value(value: Value): (frame: Frame) => unknown {
    return compileValue(value, this.services, this.where);
  }

  cond(cond: Cond): (frame: Frame) => boolean {
    return compileCond(cond, this.services, this.where);
  }

  get muted(): boolean {
    return this.summaryDepth > 0;
  }

  summarySequence(steps: readonly Step[]): Run {
    this.summaryDepth++;
    try {
      return this.sequence(steps);
    } finally {
      this.summaryDepth--;
    }
  }

  sequence(steps: readonly Step[], field = 'steps'): Run {
    this.path.push(this.path.length === 0 ? field : `.${field}`);
    const outerOp = this.op;
    try {
      const ids = steps.map((step) => this.stepId(step));
      const runs = steps.map((step, index) => {
        this.path.push(`[${index}]`);
        this.op = step.op;
        try {
          return compileStep(step, this);
        } finally {
          this.path.pop();
          this.op = outerOp;
        }
      });
      return this.ownThread ? ownThreadSequence(runs, ids, this.services.trace) : taskSequence(runs, ids, this.services.trace);
    } finally {
      this.path.pop();
    }
  }

  /** A function's body, compiled on its first call; undefined when the table has no such function. */
  functionBody(name: string): Run | undefined {
    let body = this.functionBodies.get(name);
    if (body) return body;
    const fn = ownValue(this.functions, name);
    if (!fn) return undefined;
    // A function runs wherever it is called, muted or not: its body is compiled for either.
    const depth = this.summaryDepth;
    this.summaryDepth = 0;
    try {
      body = this.sequence(fn.steps, `functions.${name}`);
    } finally {
      this.summaryDepth = depth;
    }
    this.functionBodies.set(name, body);
    return body;
  }
}

export class Interpreter {
  private readonly compiler: ProgramCompiler;

  constructor(
    private readonly services: ActorServices,
    functions: FunctionTable = {},
    options: InterpreterOptions = {},
  ) {
    this.compiler = new ProgramCompiler(services, options.ownThread ?? false, functions);
  }

  async run(program: readonly Step[]): Promise<void> {
    const frame: Frame = { locals: new Map() };
    this.compiler.ids = stepIds(program);
    try {
      await this.compiler.sequence(program, 'program')(frame);
    } catch (error) {
      if (error instanceof ReturnSignal) throw new ActorFailure('return outside a function');
      throw error;
    } finally {
      this.services.trace.step = -1;
    }
  }

  /** Runs a function body in its own scope with `arg` set; resolves to what it returned (null without return). */
  async runFunction(name: string, arg: unknown, extraLocals: Readonly<Record<string, unknown>> = {}): Promise<unknown> {
    const body = this.compiler.functionBody(name);
    if (!body) throw new ActorFailure(`no function named ${name}`);
    const frame: Frame = { locals: new Map() };
    frame.locals.set('arg', arg);
    for (const [key, value] of Object.entries(extraLocals)) frame.locals.set(key, value);
    try {
      await body(frame);
      return null;
    } catch (error) {
      if (error instanceof ReturnSignal) return error.value;
      throw error;
    }
  }

  /** A pool worker's life: take a task, run its function, report the outcome; until the pool shuts down. */
  async servePool(pool: string): Promise<void> {
    const { trace } = this.services;
    for (;;) {
      const task = (await this.services.call({ type: 'pool.next', pool })) as PoolTask | null;
      if (task === null) return;
      trace.step = -1;
      trace.emit('task', 'B', { pool, task: task.task, function: task.function, arg: task.arg });
      let outcome: { ok: boolean; value: unknown; error: string | null };
      try {
        outcome = { ok: true, value: await this.runFunction(task.function, task.arg), error: null };
      } catch (error) {
        if (!(error instanceof ActorFailure)) throw error;
        outcome = { ok: false, value: null, error: error.message };
      }
      trace.step = -1;
      trace.emit('task', 'E', { pool, task: task.task, ok: outcome.ok, ...(outcome.ok ? { value: outcome.value } : { error: outcome.error }) });
      await this.services.call({ type: 'pool.done', pool, task: task.task, ...outcome });
    }
  }
}
