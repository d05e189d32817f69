import type { ActorKind } from '../run-model';
import type { Cond, Step, Value } from '../spec/spec-schema';
import type { TraceBuffer } from '../trace/trace-buffer';
import type { BrokerRequest } from './protocol';
import { applyComparison } from '../spec/comparison';
import type { NetClients } from './net-clients';
import { assertNever, type PoolTask } from './protocol';
import { andThen, type Maybe } from '../sync/maybe';
import { hasOwnName, ownValue } from '../spec/own-names';

/**
 * The step interpreter: runs an actor's program, one step at a time, on whatever mechanism hosts it.
 * It evaluates a small, closed language — no user text is ever evaluated as code — and every step
 * emits trace events (spans as B/E, the rest as instants), so the timeline shows what happened.
 */

export interface ActorSelf {
  readonly id: number;
  readonly name: string;
  readonly group: string;
  readonly index: number;
  readonly kind: ActorKind;
  readonly pid: number;
  readonly ppid: number;
  readonly threadId: number;
}

/** Primitive operations as the host provides them: shared memory for threads and tasks, the broker for processes. */
export interface PrimitiveOps {
  acquire(name: string, options: { blocking?: boolean | undefined; timeoutMs?: number | undefined }): Maybe<boolean>;
  release(name: string): void | Promise<void>;
  wait(name: string, timeoutMs?: number): Maybe<{ passed: boolean; index?: number }>;
  set(name: string): void | Promise<void>;
  clear(name: string): void | Promise<void>;
  notify(name: string, count: number): void | Promise<void>;
}

/** Shared variables as the host sees them: shared words, a private copy, or the runner's managed store. */
export interface VarOps {
  read(name: string, index: unknown): unknown;
  write(name: string, index: unknown, value: unknown): void | Promise<void>;
  add(name: string, index: unknown, delta: number): number | Promise<number>;
}

export interface ActorServices {
  readonly self: ActorSelf;
  readonly trace: TraceBuffer;
  readonly prims: PrimitiveOps;
  readonly vars: VarOps;
  readonly workDir: string;
  call(request: BrokerRequest): Promise<unknown>;
  /** Blocks the actor's thread (for a task: the whole event loop) for `ms`. */
  block(ms: number): void;
  /** Yields the thread for `ms`: other tasks of the same loop run meanwhile. */
  sleep(ms: number): Promise<void>;
  /** Clients of the trial's servers. */
  readonly net: NetClients;
}

/** File steps are rare: the run folder's file access (and node:fs/promises) is loaded on first use, not with every actor. */
const runFolder = (): Promise<typeof import('../run-folder')> => import('../run-folder');
/** The zombie and orphan steps start OS processes: loaded on first use only. */
const osChildren = (): Promise<typeof import('./os-children')> => import('./os-children');

export class ActorFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActorFailure';
  }
}

type Locals = Map<string, unknown>;

/** Functions a pool runs: a name and the steps of its body (they read `arg` and end with `return`). */
export type FunctionTable = Readonly<Record<string, { readonly steps: readonly Step[] }>>;

/** Unwinds a function body to its caller with the returned value. */
class ReturnSignal {
  constructor(readonly value: unknown) {}
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

const blockWord = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the calling thread without spinning the CPU. */
export function blockThread(ms: number): void {
  if (ms > 0) Atomics.wait(blockWord, 0, 0, ms);
}

/** The promise of a step still under way, or undefined when it is done. */
function settled(result: Maybe<void>): Promise<void> | undefined {
  return result instanceof Promise ? result : undefined;
}

function asNumber(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new ActorFailure(`${what} must be a number, got ${JSON.stringify(value)}`);
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

/** Steps that never wait for anything outside the actor: they complete when called. */
const IMMEDIATE_OPS = ['compute', 'block', 'let', 'log', 'record', 'mark', 'fail', 'return', 'generator_pingpong'] as const;
type ImmediateStep = Extract<Step, { op: (typeof IMMEDIATE_OPS)[number] }>;
const immediateOps: ReadonlySet<string> = new Set(IMMEDIATE_OPS);
const isImmediate = (step: Step): step is ImmediateStep => immediateOps.has(step.op);
type StepOf<K extends Step['op']> = Extract<Step, { op: K }>;

export class Interpreter {
  private readonly locals: Locals = new Map();

  constructor(
    private readonly services: ActorServices,
    private readonly functions: FunctionTable = {},
    private readonly options: InterpreterOptions = {},
  ) {}

  async run(program: readonly Step[]): Promise<void> {
    try {
      await this.sequence(program);
    } catch (error) {
      if (error instanceof ReturnSignal) throw new ActorFailure('return outside a function');
      throw error;
    }
  }

  /** Runs a function body in its own scope with `arg` set; resolves to what it returned (null without return). */
  async runFunction(name: string, arg: unknown, extraLocals: Readonly<Record<string, unknown>> = {}): Promise<unknown> {
    const fn = ownValue(this.functions, name);
    if (!fn) throw new ActorFailure(`no function named ${name}`);
    const scope = new Interpreter(this.services, this.functions, this.options);
    scope.locals.set('arg', arg);
    for (const [key, value] of Object.entries(extraLocals)) scope.locals.set(key, value);
    try {
      await scope.sequence(fn.steps);
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
      trace.emit('task', 'B', { pool, task: task.task, function: task.function, arg: task.arg });
      let outcome: { ok: boolean; value: unknown; error: string | null };
      try {
        outcome = { ok: true, value: await this.runFunction(task.function, task.arg), error: null };
      } catch (error) {
        if (!(error instanceof ActorFailure)) throw error;
        outcome = { ok: false, value: null, error: error.message };
      }
      trace.emit('task', 'E', { pool, task: task.task, ok: outcome.ok, ...(outcome.ok ? { value: outcome.value } : { error: outcome.error }) });
      await this.services.call({ type: 'pool.done', pool, task: task.task, ...outcome });
    }
  }

  evaluate(value: Value): unknown {
    if (value === null || typeof value !== 'object') return value;
    if ('ref' in value) {
      if (!this.locals.has(value.ref)) throw new ActorFailure(`local ${value.ref} is not set yet (set it with let, or a step's into)`);
      return this.locals.get(value.ref);
    }
    if ('self' in value) {
      const self = this.services.self;
      return self[value.self];
    }
    if ('now' in value) return this.services.trace.now() / 1e6;
    if ('add' in value) return asNumber(this.evaluate(value.add[0]), 'add') + asNumber(this.evaluate(value.add[1]), 'add');
    if ('sub' in value) return asNumber(this.evaluate(value.sub[0]), 'sub') - asNumber(this.evaluate(value.sub[1]), 'sub');
    if ('mul' in value) return asNumber(this.evaluate(value.mul[0]), 'mul') * asNumber(this.evaluate(value.mul[1]), 'mul');
    if ('div' in value) {
      const divisor = asNumber(this.evaluate(value.div[1]), 'div');
      if (divisor === 0) throw new ActorFailure('division by zero');
      return asNumber(this.evaluate(value.div[0]), 'div') / divisor;
    }
    if ('mod' in value) {
      const divisor = asNumber(this.evaluate(value.mod[1]), 'mod');
      if (divisor === 0) throw new ActorFailure('modulo by zero');
      return asNumber(this.evaluate(value.mod[0]), 'mod') % divisor;
    }
    if ('concat' in value) return value.concat.map((part) => this.text(this.evaluate(part))).join('');
    if ('upper' in value) return this.text(this.evaluate(value.upper)).toUpperCase();
    if ('list' in value) return value.list.map((item) => this.evaluate(item));
    if ('len' in value) {
      const of = this.evaluate(value.len);
      if (typeof of === 'string' || Array.isArray(of)) return of.length;
      if (of !== null && typeof of === 'object') return Object.keys(of).length;
      throw new ActorFailure(`len needs a string, list or object, got ${JSON.stringify(of)}`);
    }
    if ('at' in value) {
      const container = this.evaluate(value.at[0]);
      const key = this.evaluate(value.at[1]);
      if (Array.isArray(container) && typeof key === 'number') return container[key] ?? null;
      if (container !== null && typeof container === 'object' && (typeof key === 'string' || typeof key === 'number')) {
        return ownValue(container as Record<string, unknown>, String(key)) ?? null;
      }
      throw new ActorFailure(`cannot take ${JSON.stringify(key)} of ${JSON.stringify(container)}`);
    }
    if ('json' in value) {
      const source = this.evaluate(value.json);
      try {
        return JSON.parse(this.text(source)) as unknown;
      } catch {
        throw new ActorFailure(`not JSON: ${this.text(source).slice(0, 60)}`);
      }
    }
    if ('text' in value) return this.text(this.evaluate(value.text));
    if ('floor' in value) return Math.floor(asNumber(this.evaluate(value.floor), 'floor'));
    if ('port' in value) return this.services.net.address(value.port).port;
    if ('cpu' in value) {
      // CPU time of this actor's whole process (user + system), all its threads together.
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1_000;
    }
    return assertNever(value, 'value');
  }

  /** A step's amount: a number as written, or an expression evaluated now (a non-negative number up to max). */
  private amount(value: number | Value, what: string, max: number): number {
    const n = typeof value === 'number' ? value : this.evaluate(value);
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > max) throw new ActorFailure(`${what} must be a number from 0 to ${max}, got ${JSON.stringify(n)}`);
    return n;
  }

  private instanceIndex(value: Value | undefined): number | undefined {
    if (value === undefined) return undefined;
    const index = this.evaluate(value);
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) throw new ActorFailure(`an actor index is a whole number from 0, got ${JSON.stringify(index)}`);
    return index;
  }

  private text(value: unknown): string {
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  test(cond: Cond): boolean {
    if ('compare' in cond) {
      const [left, op, right] = cond.compare;
      return applyComparison(this.evaluate(left), op, this.evaluate(right));
    }
    if ('not' in cond) return !this.test(cond.not);
    if ('all' in cond) return cond.all.every((c) => this.test(c));
    if ('any' in cond) return cond.any.some((c) => this.test(c));
    if ('truthy' in cond) return Boolean(this.evaluate(cond.truthy));
    return assertNever(cond, 'condition');
  }

  /** Runs a list of steps: on the fast path when the actor has its thread to itself. */
  private sequence(program: readonly Step[]): Maybe<void> {
    return this.options.ownThread ? this.runFrom(program, 0) : this.steps(program);
  }

  private async steps(program: readonly Step[]): Promise<void> {
    for (const step of program) await this.step(step);
  }

  /** Runs `program` from `start` synchronously, until a step has to wait: the rest then runs in `runRest`. */
  private runFrom(program: readonly Step[], start: number): Maybe<void> {
    for (let i = start; i < program.length; i++) {
      const pending = this.fast(program[i]!);
      if (pending !== undefined) return this.runRest(program, i + 1, pending);
    }
    return undefined;
  }

  /** One async loop for the rest of a list (a chain of continuations would grow with every step that waits). */
  private async runRest(program: readonly Step[], from: number, pending: Promise<void>): Promise<void> {
    await pending;
    for (let i = from; i < program.length; i++) {
      const next = this.fast(program[i]!);
      if (next !== undefined) await next;
    }
  }

  /** A step on the fast path: done when it returns undefined, else the promise of its end. Same events as `step`. */
  private fast(step: Step): Promise<void> | undefined {
    if (isImmediate(step)) {
      this.immediate(step);
      return undefined;
    }
    const { trace, prims, vars } = this.services;
    switch (step.op) {
      case 'read': {
        const index = step.index === undefined ? undefined : this.evaluate(step.index);
        return settled(andThen(vars.read(step.var, index), (value) => this.afterRead(step, index, value)));
      }
      case 'write': {
        const index = step.index === undefined ? undefined : this.evaluate(step.index);
        const value = this.evaluate(step.value);
        return settled(andThen(vars.write(step.var, index, value), () => this.afterWrite(step, index, value)));
      }
      case 'add': {
        const index = step.index === undefined ? undefined : this.evaluate(step.index);
        const delta = asNumber(this.evaluate(step.delta), 'add.delta');
        return settled(andThen(vars.add(step.var, index, delta), (value) => this.afterAdd(step, index, delta, value)));
      }
      case 'acquire':
        trace.emit('acquire', 'B', { prim: step.prim });
        return settled(andThen(prims.acquire(step.prim, { blocking: step.blocking, timeoutMs: step.timeoutMs }), (ok) => this.afterAcquire(step, ok)));
      case 'release':
        return settled(andThen(prims.release(step.prim), () => trace.emit('release', 'I', { prim: step.prim })));
      case 'wait':
        trace.emit('wait', 'B', { prim: step.prim });
        return settled(andThen(prims.wait(step.prim, step.timeoutMs), (result) => this.afterWait(step, result)));
      case 'set':
        return settled(andThen(prims.set(step.prim), () => trace.emit('set', 'I', { prim: step.prim })));
      case 'clear':
        return settled(andThen(prims.clear(step.prim), () => trace.emit('clear', 'I', { prim: step.prim })));
      case 'notify': {
        const count = step.all ? Infinity : step.n ?? 1;
        return settled(andThen(prims.notify(step.prim, count), () => trace.emit('notify', 'I', { prim: step.prim, n: step.all ? 'all' : count })));
      }
      case 'repeat':
        return this.fastRepeat(step);
      case 'if': {
        const taken = this.test(step.cond);
        trace.emit('if', 'I', { taken });
        const branch = taken ? step.then : step.else;
        return branch ? settled(this.runFrom(branch, 0)) : undefined;
      }
      case 'section': {
        trace.emit('section', 'B', { name: step.name }, true);
        const end = (): void => trace.emit('section', 'E', { name: step.name }, true);
        let pending: Maybe<void>;
        try {
          pending = this.runFrom(step.steps, 0);
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
      }
      default:
        return this.step(step);
    }
  }

  private fastRepeat(step: StepOf<'repeat'>): Promise<void> | undefined {
    const { trace } = this.services;
    const summary = this.repeatBegin(step);
    const end = (): void => {
      if (summary) trace.unmute();
      trace.emit('repeat', 'E', { times: step.times });
    };
    const fail = (error: unknown): never => {
      if (summary) trace.unmute();
      throw error;
    };
    for (let i = 0; i < step.times; i++) {
      let pending: Maybe<void>;
      try {
        pending = this.runFrom(step.steps, 0);
      } catch (error) {
        return fail(error);
      }
      if (pending !== undefined) return this.repeatRest(step, i + 1, pending).then(end, fail);
    }
    end();
    return undefined;
  }

  private async repeatRest(step: StepOf<'repeat'>, from: number, pending: Promise<void>): Promise<void> {
    await pending;
    for (let i = from; i < step.times; i++) {
      const next = this.runFrom(step.steps, 0);
      if (next !== undefined) await next;
    }
  }

  /** Emits a repeat's begin; mutes the trace for a summary repeat (true then). */
  private repeatBegin(step: StepOf<'repeat'>): boolean {
    const summary = step.trace === 'summary' || (step.trace === undefined && step.times > 10_000);
    this.services.trace.emit('repeat', 'B', { times: step.times, trace: summary ? 'summary' : 'each' });
    if (summary) this.services.trace.mute();
    return summary;
  }

  private afterRead(step: StepOf<'read'>, index: unknown, value: unknown): void {
    this.locals.set(step.into, value);
    this.services.trace.emit('read', 'I', index === undefined ? { var: step.var, value } : { var: step.var, index, value });
  }

  private afterWrite(step: StepOf<'write'>, index: unknown, value: unknown): void {
    this.services.trace.emit('write', 'I', index === undefined ? { var: step.var, value } : { var: step.var, index, value });
  }

  private afterAdd(step: StepOf<'add'>, index: unknown, delta: number, value: number): void {
    if (step.into) this.locals.set(step.into, value);
    this.services.trace.emit('add', 'I', index === undefined ? { var: step.var, delta, value } : { var: step.var, index, delta, value });
  }

  private afterAcquire(step: StepOf<'acquire'>, ok: boolean): void {
    this.services.trace.emit('acquire', 'E', { prim: step.prim, ok });
    if (step.into) this.locals.set(step.into, ok);
  }

  private afterWait(step: StepOf<'wait'>, result: { passed: boolean; index?: number }): void {
    this.services.trace.emit('wait', 'E', result.index === undefined ? { prim: step.prim, passed: result.passed } : { prim: step.prim, passed: result.passed, index: result.index });
    if (step.into) this.locals.set(step.into, result.passed);
  }

  /** The steps that complete when called, shared by both paths. */
  private immediate(step: ImmediateStep): void {
    const { trace } = this.services;
    switch (step.op) {
      case 'compute': {
        const iterations = this.amount(step.iterations, 'compute.iterations', 1e12);
        trace.emit('compute', 'B', { iterations });
        if (iterations > 1_000_000) trace.flush();
        const result = spin(iterations);
        trace.emit('compute', 'E', { result });
        return;
      }
      case 'block': {
        const ms = this.amount(step.ms, 'block.ms', 86_400_000);
        trace.emit('block', 'B', { ms });
        if (!trace.isMuted) trace.flush();
        this.services.block(ms);
        trace.emit('block', 'E');
        return;
      }
      case 'let': {
        const value = this.evaluate(step.value);
        this.locals.set(step.name, value);
        trace.emit('let', 'I', { name: step.name, value });
        return;
      }
      case 'log': {
        const values = Object.fromEntries(Object.entries(step.values ?? {}).map(([key, v]) => [key, this.evaluate(v)]));
        const message = step.message.replace(/\{([A-Za-z_][A-Za-z0-9_-]*)\}/g, (whole, key: string) => (hasOwnName(values, key) ? this.text(values[key]) : whole));
        trace.emit('log', 'I', { message }, true);
        return;
      }
      case 'record':
        trace.emit('record', 'I', { name: step.name, value: this.evaluate(step.value) }, true);
        return;
      case 'mark':
        trace.emit('mark', 'I', { name: step.name }, true);
        return;
      case 'fail':
        throw new ActorFailure(step.message);
      case 'return':
        throw new ReturnSignal(step.value === undefined ? null : this.evaluate(step.value));
      case 'generator_pingpong': {
        trace.emit('generator_pingpong', 'B', { switches: step.switches });
        const started = performance.now();
        const exchanged = pingPong(step.switches);
        const ms = performance.now() - started;
        const result = { switches: exchanged, ms, perSecond: ms > 0 ? (exchanged / ms) * 1000 : null };
        trace.emit('generator_pingpong', 'E', result);
        if (step.into) this.locals.set(step.into, result);
        return;
      }
      default:
        assertNever(step, 'step');
    }
  }

  /** A file step's work in the run folder; a path refused there (a symbolic link, say) fails the actor. */
  private async inRunFolder<T>(work: (folder: typeof import('../run-folder')) => Promise<T>): Promise<T> {
    const folder = await runFolder();
    try {
      return await work(folder);
    } catch (error) {
      if (error instanceof folder.RunFolderError) throw new ActorFailure(error.message);
      throw error;
    }
  }

  private async step(step: Step): Promise<void> {
    if (isImmediate(step)) {
      this.immediate(step);
      return;
    }
    const { trace, prims, vars } = this.services;
    switch (step.op) {
      case 'sleep': {
        const ms = this.amount(step.ms, 'sleep.ms', 86_400_000);
        trace.emit('sleep', 'B', { ms });
        if (!trace.isMuted) trace.flush();
        await this.services.sleep(ms);
        trace.emit('sleep', 'E');
        return;
      }
      case 'read': {
        const index = step.index === undefined ? undefined : this.evaluate(step.index);
        this.afterRead(step, index, await vars.read(step.var, index));
        return;
      }
      case 'write': {
        const index = step.index === undefined ? undefined : this.evaluate(step.index);
        const value = this.evaluate(step.value);
        await vars.write(step.var, index, value);
        this.afterWrite(step, index, value);
        return;
      }
      case 'add': {
        const index = step.index === undefined ? undefined : this.evaluate(step.index);
        const delta = asNumber(this.evaluate(step.delta), 'add.delta');
        this.afterAdd(step, index, delta, await vars.add(step.var, index, delta));
        return;
      }
      case 'acquire':
        trace.emit('acquire', 'B', { prim: step.prim });
        this.afterAcquire(step, await prims.acquire(step.prim, { blocking: step.blocking, timeoutMs: step.timeoutMs }));
        return;
      case 'release':
        await prims.release(step.prim);
        trace.emit('release', 'I', { prim: step.prim });
        return;
      case 'wait':
        trace.emit('wait', 'B', { prim: step.prim });
        this.afterWait(step, await prims.wait(step.prim, step.timeoutMs));
        return;
      case 'set':
        await prims.set(step.prim);
        trace.emit('set', 'I', { prim: step.prim });
        return;
      case 'clear':
        await prims.clear(step.prim);
        trace.emit('clear', 'I', { prim: step.prim });
        return;
      case 'notify': {
        const count = step.all ? Infinity : step.n ?? 1;
        await prims.notify(step.prim, count);
        trace.emit('notify', 'I', { prim: step.prim, n: step.all ? 'all' : count });
        return;
      }
      case 'put': {
        const value = this.evaluate(step.value);
        const priority = step.priority === undefined ? undefined : this.evaluate(step.priority);
        trace.emit('put', 'B', { queue: step.queue, value });
        const ok = (await this.services.call({ type: 'queue.put', queue: step.queue, value, priority, blocking: step.blocking ?? true, timeoutMs: step.timeoutMs })) as boolean;
        trace.emit('put', 'E', { queue: step.queue, ok });
        if (step.into) this.locals.set(step.into, ok);
        else if (!ok) throw new ActorFailure(`queue ${step.queue} is full (put ${step.blocking === false ? 'without blocking' : `timed out after ${step.timeoutMs} ms`}); give the step an "into" to handle it`);
        return;
      }
      case 'get': {
        trace.emit('get', 'B', { queue: step.queue });
        const result = (await this.services.call({ type: 'queue.get', queue: step.queue, blocking: step.blocking ?? true, timeoutMs: step.timeoutMs })) as { ok: boolean; value?: unknown };
        trace.emit('get', 'E', result.ok ? { queue: step.queue, ok: true, value: result.value } : { queue: step.queue, ok: false });
        if (step.into) this.locals.set(step.into, result.ok ? result.value : null);
        else if (!result.ok) throw new ActorFailure(`queue ${step.queue} is empty (get ${step.blocking === false ? 'without blocking' : `timed out after ${step.timeoutMs} ms`}); give the step an "into" to handle it`);
        return;
      }
      case 'task_done':
        await this.services.call({ type: 'queue.task_done', queue: step.queue });
        trace.emit('task_done', 'I', { queue: step.queue });
        return;
      case 'spawn': {
        trace.emit('spawn', 'B', { actor: step.actor });
        const names = await this.services.call({ type: 'actor.spawn', group: step.actor, index: this.instanceIndex(step.index) });
        trace.emit('spawn', 'E', { actor: step.actor, names });
        return;
      }
      case 'join': {
        if (step.queue !== undefined) {
          trace.emit('join', 'B', { queue: step.queue });
          const ok = await this.services.call({ type: 'queue.join', queue: step.queue, timeoutMs: step.timeoutMs });
          trace.emit('join', 'E', { queue: step.queue, ok });
        } else {
          trace.emit('join', 'B', { actor: step.actor });
          const ok = await this.services.call({ type: 'actor.join', group: step.actor!, index: this.instanceIndex(step.index), timeoutMs: step.timeoutMs });
          trace.emit('join', 'E', { actor: step.actor, ok });
        }
        return;
      }
      case 'terminate':
        const index = this.instanceIndex(step.index);
        await this.services.call({ type: 'actor.terminate', group: step.actor, index });
        trace.emit('terminate', 'I', { actor: step.actor, index: index ?? null });
        return;
      case 'is_alive': {
        const alive = await this.services.call({ type: 'actor.is_alive', group: step.actor, index: this.instanceIndex(step.index) });
        this.locals.set(step.into, alive);
        trace.emit('is_alive', 'I', { actor: step.actor, alive });
        return;
      }
      case 'file_append': {
        const text = this.text(this.evaluate(step.text));
        await this.inRunFolder((folder) => folder.appendRunFile(this.services.workDir, step.path, text));
        trace.emit('file_append', 'I', { path: step.path, bytes: Buffer.byteLength(text) });
        return;
      }
      case 'file_read': {
        const text = await this.inRunFolder(async (folder) => {
          try {
            return await folder.readRunFile(this.services.workDir, step.path);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ActorFailure(`file ${step.path} does not exist in the run folder`);
            throw error;
          }
        });
        this.locals.set(step.into, text);
        trace.emit('file_read', 'I', { path: step.path, bytes: Buffer.byteLength(text) });
        return;
      }
      case 'file_write': {
        const text = this.text(this.evaluate(step.text));
        // Replaced whole (a sibling written, then renamed over it): lost updates come from the
        // read-modify-write, not from torn files.
        await this.inRunFolder((folder) => folder.replaceRunFile(this.services.workDir, step.path, text, `${this.services.self.pid}.${this.services.self.threadId}`));
        trace.emit('file_write', 'I', { path: step.path, bytes: Buffer.byteLength(text) });
        return;
      }
      case 'list_actors': {
        const names = await this.services.call({ type: 'actor.list', group: step.group });
        this.locals.set(step.into, names);
        trace.emit('list_actors', 'I', { names });
        return;
      }
      case 'os_child': {
        const pid = (await osChildren()).startOsChild(step.mode, step.ms ?? (step.mode === 'exit' ? 100 : 0));
        this.locals.set(step.into, pid);
        trace.emit('os_child', 'I', { mode: step.mode, pid });
        return;
      }
      case 'proc_state': {
        const pid = asNumber(this.evaluate(step.pid), 'proc_state.pid');
        const state = (await osChildren()).readProcState(pid);
        this.locals.set(step.into, state);
        trace.emit('proc_state', 'I', { pid, ...(state ?? { state: null }) });
        return;
      }
      case 'submit': {
        const arg = step.arg === undefined ? null : this.evaluate(step.arg);
        trace.emit('submit', 'B', { pool: step.pool, function: step.function, arg });
        const future = await this.services.call({ type: 'pool.submit', pool: step.pool, function: step.function, arg, callback: step.callback });
        trace.emit('submit', 'E', { pool: step.pool, future });
        if (step.into) this.locals.set(step.into, future);
        return;
      }
      case 'result': {
        const future = this.evaluate(step.future);
        if (typeof future !== 'string') throw new ActorFailure(`result needs a future (what submit put in its "into"), got ${JSON.stringify(future)}`);
        trace.emit('result', 'B', { future });
        const value = await this.services.call({ type: 'pool.result', future, timeoutMs: step.timeoutMs });
        trace.emit('result', 'E', { future, value });
        if (step.into) this.locals.set(step.into, value);
        return;
      }
      case 'map': {
        const args = this.evaluate(step.args);
        if (!Array.isArray(args)) throw new ActorFailure(`map needs a list of arguments, got ${JSON.stringify(args)}`);
        trace.emit('map', 'B', { pool: step.pool, function: step.function, count: args.length });
        const values = await this.services.call({ type: 'pool.map', pool: step.pool, function: step.function, args });
        trace.emit('map', 'E', { pool: step.pool, values });
        if (step.into) this.locals.set(step.into, values);
        return;
      }
      case 'shutdown':
        trace.emit('shutdown', 'B', { pool: step.pool });
        await this.services.call({ type: 'pool.shutdown', pool: step.pool, wait: step.wait ?? true });
        trace.emit('shutdown', 'E', { pool: step.pool });
        return;
      case 'connect': {
        trace.emit('connect', 'B', { server: step.server });
        const conn = await this.services.net.connect(step.server, step.framing, step.timeoutMs);
        trace.emit('connect', 'E', { server: step.server, conn });
        this.locals.set(step.into, conn);
        return;
      }
      case 'send': {
        const conn = this.evaluate(step.conn);
        const data = this.text(this.evaluate(step.data));
        trace.emit('send', 'B', { conn, bytes: Buffer.byteLength(data), all: step.all ?? false });
        const result = await this.services.net.send(conn, data, step.all ?? false);
        trace.emit('send', 'E', { conn, ...result });
        return;
      }
      case 'recv': {
        const conn = this.evaluate(step.conn);
        trace.emit('recv', 'B', { conn });
        const data = await this.services.net.recv(conn, { bytes: step.bytes, until: step.until, message: step.message, timeoutMs: step.timeoutMs });
        trace.emit('recv', 'E', { conn, bytes: Buffer.byteLength(data), data: data.length > 200 ? `${data.slice(0, 200)}…` : data });
        this.locals.set(step.into, data);
        return;
      }
      case 'close': {
        const conn = this.evaluate(step.conn);
        await this.services.net.close(conn);
        trace.emit('close', 'I', { conn });
        return;
      }
      case 'sendto': {
        const data = this.text(this.evaluate(step.data));
        const bytes = await this.services.net.sendto(step.server, data);
        trace.emit('sendto', 'I', { server: step.server, bytes });
        return;
      }
      case 'recvfrom': {
        trace.emit('recvfrom', 'B', {});
        const datagram = await this.services.net.recvfrom(step.timeoutMs);
        trace.emit('recvfrom', 'E', { bytes: Buffer.byteLength(datagram.data), from: datagram.from });
        this.locals.set(step.into, datagram.data);
        return;
      }
      case 'http_get': {
        trace.emit('http_get', 'B', { server: step.server, path: step.path ?? '/' });
        const response = await this.services.net.httpGet(step.server, step.path ?? '/');
        trace.emit('http_get', 'E', { status: response.status, charset: response.charset });
        this.locals.set(step.into, response);
        return;
      }
      case 'load': {
        trace.emit('load', 'B', { server: step.server, connections: step.connections });
        const report = await this.services.net.load(step.server, step);
        trace.emit('load', 'E', report);
        if (step.into) this.locals.set(step.into, report);
        return;
      }
      case 'send_file': {
        trace.emit('send_file', 'B', { server: step.server, mb: step.mb });
        const result = await this.services.net.sendFile(step.server, step.mb, step.chunkBytes);
        trace.emit('send_file', 'E', result);
        if (step.into) this.locals.set(step.into, result);
        return;
      }
      case 'sticky_demo': {
        trace.emit('sticky_demo', 'B', { mode: step.mode });
        const result = await this.services.net.sticky(step.mode);
        trace.emit('sticky_demo', 'E', result);
        this.locals.set(step.into, result);
        return;
      }
      case 'repeat': {
        const summary = this.repeatBegin(step);
        try {
          for (let i = 0; i < step.times; i++) await this.steps(step.steps);
        } finally {
          if (summary) trace.unmute();
        }
        trace.emit('repeat', 'E', { times: step.times });
        return;
      }
      case 'if': {
        const taken = this.test(step.cond);
        trace.emit('if', 'I', { taken });
        if (taken) await this.steps(step.then);
        else if (step.else) await this.steps(step.else);
        return;
      }
      case 'section':
        trace.emit('section', 'B', { name: step.name }, true);
        try {
          await this.steps(step.steps);
        } finally {
          trace.emit('section', 'E', { name: step.name }, true);
        }
        return;
      default:
        assertNever(step, 'step');
    }
  }
}
