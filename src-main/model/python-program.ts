import type { ActorSpec, Cond, Spec, Value } from './spec-schema';
import type { StepLike } from './program-text';
import { PYTHON_HELPERS, type HelperName } from './python-helpers';

/**
 * A spec as a whole, standalone CPython program: standard library only (gevent where the spec runs its
 * tasks as greenlets), one function per actor, the spec's shared state, primitives, queues, pools,
 * pipes and servers built with threading, multiprocessing, queue, asyncio, concurrent.futures and
 * socket, and at the end every recorded value printed as `record <name> = <JSON>`. The program is the
 * lab's own rendering of the spec, not the CPython runtime's interpreter: it reads as code a learner
 * could have written.
 *
 * Guarantees: the same spec always gives the same text; every wait the spec leaves untimed is bounded
 * (PATIENCE_S for locks, events, barriers and queues, then the actor gives up and says so), so a
 * deadlock lesson ends instead of hanging. Pure: no Node, DOM or Electron.
 */

/** A generated program ready to show, copy or save. */
export interface PythonProgramFile {
  readonly text: string;
  /** `<spec id>.py` (spec ids are lower-case letters, digits and -), else `experiment.py`. */
  readonly fileName: string;
}

export interface PythonProgramOptions {
  /** The parameter values the spec was resolved with, listed as constants at the top. */
  readonly params?: Readonly<Record<string, string | number | boolean>>;
  /** Seconds an untimed wait waits before the actor gives up (default 5). */
  readonly patienceS?: number;
}

type Kind = 'main' | 'thread' | 'process' | 'task' | 'function';

interface Ctx {
  readonly kind: Kind;
  /** asyncio task: blocking calls are awaited in a thread. */
  readonly async: boolean;
  readonly gevent: boolean;
  /** The actor's group name (its spec name). */
  readonly group?: string;
}

const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case'.split(' '),
);
/** Names the generated code uses itself: a spec name equal to one is renamed (a `_` appended). */
const RESERVED = new Set([
  ...'_ lab index me os sys time json math queue socket socketserver threading multiprocessing asyncio gevent subprocess select hashlib struct tempfile shutil types concurrent collections errno resource signal http functools itertools record say text spin main print len str int float list dict range set type id min max sum any all open input iter next object bool'.split(' '),
  ...'records add_lock managed_lock servers pools sections run_dir ACTORS LAB LOOP PATIENCE_S WALL_S'.split(' '),
  // The helpers' names: a local of the same name would hide the helper inside an actor's function.
  ...'start join terminate is_alive live_actors instances connect send recv close aconnect asend arecv aclose udp_socket recvfrom http_get load send_file sticky_demo fd_select epoll_drain rebind_probe recv_timeout backlog_probe submit wait_on offer poll_item pipe_recv run_path os_child proc_state now_ms cpu_ms spin ping_pong blocking_sleep status file group Section TaskActor ActorFailed GaveUp POOLS SUBMITTED'.split(' '),
]);

/** A spec name as a Python identifier (names allow `-`; keywords and the program's own names get a `_`). */
export function pyIdent(name: string): string {
  const base = name.replace(/-/g, '_');
  return PY_KEYWORDS.has(base) || RESERVED.has(base) ? `${base}_` : base;
}

/** Characters a program's text must not carry raw: controls, line and paragraph separators, bidi overrides (they can make code read other than it runs). */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** A string as a Python literal (JSON's escapes are Python's; non-ASCII kept readable, hidden characters escaped). */
export function pyString(text: string): string {
  return JSON.stringify(text).replace(HIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text for a comment or a docstring: one line, hidden characters shown as `?`. */
function commentText(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(HIDDEN, '?');
}

/** A number as Python writes it; a large integer grouped by thousands (1_000_000). */
function pyNumber(value: number): string {
  if (!Number.isFinite(value)) return 'None';
  if (!Number.isInteger(value) || Math.abs(value) < 10_000 || Math.abs(value) >= 1e21) return String(value);
  return (value < 0 ? '-' : '') + String(Math.abs(value)).replace(/\B(?=(\d{3})+$)/g, '_');
}

/** Any JSON value as a Python literal. */
export function pyLiteral(value: unknown, depth = 0): string {
  if (depth > 256) return 'None';
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map((v) => pyLiteral(v, depth + 1)).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyString(k)}: ${pyLiteral(v, depth + 1)}`)
      .join(', ')}}`;
  }
  return 'None';
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s}` : String(Number(s.toFixed(6)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BINARY: Readonly<Record<string, string>> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%' };

/** What a constant expression evaluates to when it has no locals, facts or clocks in it (undefined: not constant). */
function constantOf(value: unknown, depth = 0): { value: unknown } | undefined {
  if (depth > 32) return undefined;
  if (value === null || typeof value !== 'object') return { value };
  if (Array.isArray(value)) return undefined;
  const [key, arg] = Object.entries(value)[0] ?? ['', undefined];
  if (key in BINARY && Array.isArray(arg)) {
    const a = constantOf(arg[0], depth + 1);
    const b = constantOf(arg[1], depth + 1);
    if (!a || !b || typeof a.value !== 'number' || typeof b.value !== 'number') return undefined;
    const x = a.value;
    const y = b.value;
    if ((key === 'div' || key === 'mod') && y === 0) return undefined;
    return { value: key === 'add' ? x + y : key === 'sub' ? x - y : key === 'mul' ? x * y : key === 'div' ? x / y : x % y };
  }
  return undefined;
}

/** Whether a condition holds when it reads constants alone (parameters already substituted); undefined when it reads locals, facts or clocks. */
export function decidedCondition(cond: unknown): boolean | undefined {
  return constantCond(cond);
}

function constantCond(cond: unknown, depth = 0): boolean | undefined {
  if (depth > 32 || !isRecord(cond)) return undefined;
  if (Array.isArray(cond.compare)) {
    const [l, op, r] = cond.compare as [unknown, string, unknown];
    const a = constantOf(l);
    const b = constantOf(r);
    if (!a || !b) return undefined;
    const x = a.value as number;
    const y = b.value as number;
    switch (op) {
      case '<':
        return x < y;
      case '<=':
        return x <= y;
      case '==':
        return x === y;
      case '!=':
        return x !== y;
      case '>=':
        return x >= y;
      case '>':
        return x > y;
      default:
        return undefined;
    }
  }
  if ('not' in cond) {
    const inner = constantCond(cond.not, depth + 1);
    return inner === undefined ? undefined : !inner;
  }
  if (Array.isArray(cond.all)) {
    const parts = (cond.all as unknown[]).map((c) => constantCond(c, depth + 1));
    return parts.some((p) => p === undefined) ? undefined : parts.every(Boolean);
  }
  if (Array.isArray(cond.any)) {
    const parts = (cond.any as unknown[]).map((c) => constantCond(c, depth + 1));
    return parts.some((p) => p === undefined) ? undefined : parts.some(Boolean);
  }
  if ('truthy' in cond) {
    const c = constantOf(cond.truthy);
    if (!c) return undefined;
    return Boolean(c.value);
  }
  return undefined;
}

/** Kinds of asyncio primitive a task-only primitive may be (asyncio has no RLock; its Barrier is Python 3.11+). */
const ASYNCIO_PRIMS: Readonly<Record<string, string>> = { event: 'Event', mutex: 'Lock', semaphore: 'Semaphore', 'bounded-semaphore': 'BoundedSemaphore', condition: 'Condition' };

/** The primitives that only task actors name in their steps (none is a condition's lock, none has a lock of its own). */
function taskOnlyPrimitives(spec: Spec): Set<string> {
  const users = new Map<string, Set<string>>();
  const visit = (steps: readonly StepLike[], kind: string): void => {
    for (const step of steps) {
      if (typeof step.prim === 'string') {
        const kinds = users.get(step.prim) ?? new Set<string>();
        kinds.add(kind);
        users.set(step.prim, kinds);
      }
      for (const key of ['steps', 'then', 'else'] as const) if (Array.isArray(step[key])) visit(step[key] as StepLike[], kind);
    }
  };
  for (const actor of spec.actors) visit(actor.program as StepLike[], actor.kind);
  for (const fn of Object.values(spec.functions ?? {})) visit(fn.steps as StepLike[], 'function');
  const prims = spec.primitives ?? {};
  const locks = new Set(Object.values(prims).flatMap((p) => (p.type === 'condition' && p.lock ? [p.lock] : [])));
  const only = new Set<string>();
  for (const [name, kinds] of users) {
    const prim = Object.hasOwn(prims, name) ? prims[name] : undefined;
    if (!prim || !Object.hasOwn(ASYNCIO_PRIMS, prim.type) || locks.has(name) || (prim.type === 'condition' && prim.lock)) continue;
    if ([...kinds].every((k) => k === 'task')) only.add(name);
  }
  return only;
}

/** Generates the program; one instance per call (it collects the helpers and imports the code uses). */
class ProgramWriter {
  readonly helpers = new Set<HelperName>();
  readonly imports = new Set<string>();
  readonly shared: Readonly<Record<string, NonNullable<Spec['shared']>[string]>>;
  readonly prims: Readonly<Record<string, NonNullable<Spec['primitives']>[string]>>;
  readonly queues: Readonly<Record<string, NonNullable<Spec['queues']>[string]>>;
  /** Process actors or a process pool: what the actors share must reach a process as it starts. */
  readonly usesProcesses: boolean;
  readonly gevent: boolean;
  readonly monkeyPatch: boolean;
  readonly asyncioTasks: boolean;
  readonly taskCount: number;
  /** Primitives only asyncio tasks use: asyncio's own (made on the tasks' loop), awaited without a thread. */
  readonly taskPrims: ReadonlySet<string>;

  constructor(readonly spec: Spec) {
    this.shared = spec.shared ?? {};
    this.prims = spec.primitives ?? {};
    this.queues = spec.queues ?? {};
    const hasTasks = spec.actors.some((a) => a.kind === 'task');
    this.gevent = hasTasks && spec.cpython?.tasks === 'gevent';
    this.monkeyPatch = this.gevent && spec.cpython?.monkeyPatch !== false;
    this.asyncioTasks = hasTasks && !this.gevent;
    this.usesProcesses = spec.actors.some((a) => a.kind === 'process' || a.kind === 'utility') || Object.values(spec.pools ?? {}).some((p) => p.kind === 'process');
    this.taskCount = spec.actors.filter((a) => a.kind === 'task').reduce((n, a) => n + (a.count ?? 1), 0);
    this.taskPrims = this.asyncioTasks ? taskOnlyPrimitives(spec) : new Set();
  }

  use(helper: HelperName): void {
    if (this.helpers.has(helper)) return;
    this.helpers.add(helper);
    for (const dep of PYTHON_HELPERS[helper].needs ?? []) this.use(dep);
    for (const mod of PYTHON_HELPERS[helper].imports ?? []) this.imports.add(mod);
  }

  imp(mod: string): void {
    this.imports.add(mod);
  }

  // ---- values and conditions

  val(value: Value | unknown, ctx: Ctx, nested = false, depth = 0): string {
    if (depth > 64) return 'None';
    const inner = (v: unknown, n = true): string => this.val(v, ctx, n, depth + 1);
    if (value === null || typeof value !== 'object') return pyLiteral(value);
    if (Array.isArray(value)) return `[${value.map((v) => inner(v, false)).join(', ')}]`;
    const [key, arg] = Object.entries(value)[0] ?? ['', undefined];
    const pair = Array.isArray(arg) ? (arg as unknown[]) : [];
    if (key in BINARY) {
      const text = `${inner(pair[0])} ${BINARY[key]} ${inner(pair[1])}`;
      return nested ? `(${text})` : text;
    }
    switch (key) {
      case 'ref':
        return pyIdent(String(arg));
      case 'self':
        return this.selfFact(String(arg), ctx);
      case 'now':
        this.use('now_ms');
        return 'now_ms()';
      case 'cpu':
        this.use('cpu_ms');
        return 'cpu_ms()';
      case 'port':
        return `lab.servers[${pyString(String(arg))}][1]`;
      case 'concat': {
        this.use('text');
        const parts = pair.map((p) => (typeof p === 'string' ? pyString(p) : `text(${inner(p, false)})`));
        const joined = parts.length === 0 ? '""' : parts.join(' + ');
        return nested && parts.length > 1 ? `(${joined})` : joined;
      }
      case 'upper':
        this.use('text');
        return `text(${inner(arg, false)}).upper()`;
      case 'list':
        return `[${pair.map((p) => inner(p, false)).join(', ')}]`;
      case 'len':
        return `len(${inner(arg, false)})`;
      case 'at':
        return `${inner(pair[0])}[${inner(pair[1], false)}]`;
      case 'json':
        this.imp('json');
        return `json.loads(${inner(arg, false)})`;
      case 'text':
        this.use('text');
        return `text(${inner(arg, false)})`;
      case 'floor':
        this.imp('math');
        return `math.floor(${inner(arg, false)})`;
      default:
        return 'None';
    }
  }

  selfFact(fact: string, ctx: Ctx): string {
    const fn = ctx.kind === 'function';
    switch (fact) {
      case 'index':
        return fn ? '0' : 'index';
      case 'name':
        if (fn) {
          this.imp('threading');
          return 'threading.current_thread().name';
        }
        return 'me';
      case 'group':
        return fn ? 'threading.current_thread().name' : pyString(ctx.group ?? '');
      case 'kind':
        return pyString(ctx.kind === 'function' ? 'thread' : ctx.kind);
      case 'pid':
        this.imp('os');
        return 'os.getpid()';
      case 'ppid':
        this.imp('os');
        return 'os.getppid()';
      case 'threadId':
        this.imp('threading');
        return 'threading.get_native_id()';
      default:
        return 'None';
    }
  }

  cond(cond: Cond | unknown, ctx: Ctx, depth = 0): string {
    if (depth > 64 || !isRecord(cond)) return 'False';
    const inner = (c: unknown): string => this.cond(c, ctx, depth + 1);
    if (Array.isArray(cond.compare)) {
      const [l, op, r] = cond.compare as [unknown, string, unknown];
      return `${this.val(l, ctx, true)} ${op} ${this.val(r, ctx, true)}`;
    }
    if ('not' in cond) return `not (${inner(cond.not)})`;
    if (Array.isArray(cond.all)) return (cond.all as unknown[]).map((c) => `(${inner(c)})`).join(' and ');
    if (Array.isArray(cond.any)) return (cond.any as unknown[]).map((c) => `(${inner(c)})`).join(' or ');
    if ('truthy' in cond) return this.val(cond.truthy, ctx);
    return 'False';
  }

  ms(value: unknown, ctx: Ctx): string {
    if (typeof value === 'number') return seconds(value);
    return `${this.val(value, ctx, true)} / 1000`;
  }

  /** A call that may block: awaited in a worker thread inside an asyncio task (a blocking call there would stall every task on the loop). */
  blocking(callee: string, args: readonly string[], ctx: Ctx): string {
    const list = args.filter((a) => a !== '');
    if (!ctx.async) return `${callee}(${list.join(', ')})`;
    this.imp('asyncio');
    return `await asyncio.to_thread(${[callee, ...list].join(', ')})`;
  }

  // ---- shared variables

  varExpr(name: string, index: unknown, ctx: Ctx): string {
    const spec = Object.hasOwn(this.shared, name) ? this.shared[name] : undefined;
    const base = `lab.${pyIdent(name)}`;
    const at = index === undefined ? '' : `[${this.val(index, ctx)}]`;
    switch (spec?.scope) {
      case 'value':
        return `${base}.value`;
      case 'array':
        return index === undefined ? `${base}[:]` : `${base}${at}`;
      case 'managed':
        if (Array.isArray(spec.initial)) return index === undefined ? `${base}[:]` : `${base}${at}`;
        if (isRecord(spec.initial)) return index === undefined ? `${base}.copy()` : `${base}${at}`;
        return index === undefined ? `${base}.value` : `${base}.value${at}`;
      default:
        return `${base}${at}`;
    }
  }

  /** The statement that writes a variable (a whole managed dict is replaced item by item). */
  writeVar(name: string, index: unknown, value: string, ctx: Ctx): string {
    const spec = Object.hasOwn(this.shared, name) ? this.shared[name] : undefined;
    if (spec?.scope === 'managed' && isRecord(spec.initial) && index === undefined) return `lab.${pyIdent(name)}.clear(); lab.${pyIdent(name)}.update(${value})`;
    return `${this.varExpr(name, index, ctx)} = ${value}`;
  }

  /** The lock that makes `add` atomic, as the spec's add is. */
  addLock(name: string): string {
    const spec = Object.hasOwn(this.shared, name) ? this.shared[name] : undefined;
    if ((spec?.scope === 'value' || spec?.scope === 'array') && spec.lock !== false) return `lab.${pyIdent(name)}.get_lock()`;
    if (spec?.scope === 'managed') return 'lab.managed_lock';
    return 'lab.add_lock';
  }

  // ---- steps

  steps(list: readonly StepLike[], ctx: Ctx, depth: number, out: string[]): void {
    const before = out.length;
    for (const step of list) this.step(step, ctx, depth, out);
    if (out.length === before) out.push(`${'    '.repeat(depth)}pass`);
  }

  step(s: StepLike, ctx: Ctx, depth: number, out: string[]): void {
    const pad = '    '.repeat(depth);
    const line = (text: string): void => {
      out.push(`${pad}${text}`);
    };
    const label = typeof s.label === 'string' && s.label !== '' ? commentText(s.label) : undefined;
    if (label !== undefined) line(`# ${label}`);
    const v = (value: unknown): string => this.val(value, ctx);
    const into = typeof s.into === 'string' ? pyIdent(s.into) : undefined;
    const assign = (expr: string): void => line(into === undefined ? expr : `${into} = ${expr}`);
    const name = (field: string): string => String(s[field]);
    switch (s.op) {
      case 'compute':
        this.use('spin');
        line(`spin(${v(s.iterations)})`);
        return;
      case 'sleep':
        if (ctx.async) line(`await asyncio.sleep(${this.ms(s.ms, ctx)})`);
        else if (ctx.gevent && ctx.kind === 'task') line(`gevent.sleep(${this.ms(s.ms, ctx)})`);
        else line(`time.sleep(${this.ms(s.ms, ctx)})`);
        if (ctx.async) this.imp('asyncio');
        else this.imp('time');
        return;
      case 'block':
        this.imp('time');
        if (ctx.async) line(`time.sleep(${this.ms(s.ms, ctx)})  # blocks the event loop: no other task runs meanwhile`);
        else if (this.monkeyPatch) {
          this.use('blocking_sleep');
          line(`blocking_sleep(${this.ms(s.ms, ctx)})  # the real time.sleep: blocks the thread, every greenlet with it`);
        } else line(`time.sleep(${this.ms(s.ms, ctx)})`);
        return;
      case 'generator_pingpong':
        this.use('ping_pong');
        assign(`ping_pong(${v(s.switches)})`);
        return;
      case 'let':
        line(`${pyIdent(name('name'))} = ${v(s.value)}`);
        return;
      case 'read':
        line(`${into ?? '_'} = ${this.varExpr(name('var'), s.index, ctx)}`);
        return;
      case 'write':
        line(this.writeVar(name('var'), s.index, v(s.value), ctx));
        return;
      case 'add': {
        const target = this.varExpr(name('var'), s.index, ctx);
        line(`with ${this.addLock(name('var'))}:  # add is atomic`);
        line(`    ${target} += ${v(s.delta)}`);
        if (into !== undefined) line(`    ${into} = ${target}`);
        return;
      }
      case 'acquire': {
        const prim = `lab.${pyIdent(name('prim'))}`;
        if (this.taskPrims.has(name('prim'))) {
          this.use('atake');
          const call = `await atake(${[prim, pyString(name('prim')), s.timeoutMs === undefined ? '' : `timeout=${this.ms(s.timeoutMs, ctx)}`, s.blocking === false ? 'blocking=False' : ''].filter((a) => a !== '').join(', ')})`;
          if (into !== undefined) line(`${into} = ${call}`);
          else if (s.blocking === false || s.timeoutMs !== undefined) {
            this.use('actor_failed');
            line(`if not ${call}:`);
            line(`    raise ActorFailed(${pyString(`could not acquire ${name('prim')}`)})`);
          } else line(call);
          return;
        }
        const args = [s.blocking === false ? 'False' : '', s.timeoutMs !== undefined && s.blocking !== false ? `timeout=${this.ms(s.timeoutMs, ctx)}` : ''];
        if (s.blocking === false || s.timeoutMs !== undefined) {
          const call = this.blocking(`${prim}.acquire`, args, ctx);
          if (into !== undefined) line(`${into} = ${call}`);
          else {
            this.use('actor_failed');
            line(`if not ${call}:`);
            line(`    raise ActorFailed(${pyString(`could not acquire ${name('prim')}`)})`);
          }
          return;
        }
        this.use('take');
        const call = this.blocking('take', [prim, pyString(name('prim'))], ctx);
        line(into === undefined ? call : `${into} = ${call}`);
        return;
      }
      case 'release':
        line(`lab.${pyIdent(name('prim'))}.release()`);
        return;
      case 'wait': {
        if (this.taskPrims.has(name('prim'))) {
          this.use('await_on');
          const call = `await await_on(${[`lab.${pyIdent(name('prim'))}`, pyString(name('prim')), s.timeoutMs === undefined ? '' : this.ms(s.timeoutMs, ctx)].filter((a) => a !== '').join(', ')})`;
          line(into === undefined ? call : `${into} = ${call}`);
          return;
        }
        this.use('wait_on');
        const args = [`lab.${pyIdent(name('prim'))}`, pyString(name('prim')), s.timeoutMs === undefined ? '' : this.ms(s.timeoutMs, ctx)];
        const call = this.blocking('wait_on', args, ctx);
        line(into === undefined ? call : `${into} = ${call}`);
        return;
      }
      case 'set':
      case 'clear':
        line(`lab.${pyIdent(name('prim'))}.${s.op}()`);
        return;
      case 'notify':
        line(s.all === true ? `lab.${pyIdent(name('prim'))}.notify_all()` : `lab.${pyIdent(name('prim'))}.notify(${s.n === undefined ? '' : v(s.n)})`);
        return;
      case 'var_lock':
        line(this.blocking(`lab.${pyIdent(name('var'))}.get_lock().acquire`, [], ctx));
        return;
      case 'var_unlock':
        line(`lab.${pyIdent(name('var'))}.get_lock().release()`);
        return;
      case 'put': {
        const q = `lab.${pyIdent(name('queue'))}`;
        const item = s.priority === undefined ? v(s.value) : `(${v(s.priority)}, ${v(s.value)})`;
        const queueSpec = Object.hasOwn(this.queues, name('queue')) ? this.queues[name('queue')] : undefined;
        const bounded = (queueSpec?.maxsize ?? 0) > 0;
        if (into !== undefined) {
          this.use('offer');
          line(`${into} = ${this.blocking('offer', [q, item, s.blocking === false ? 'block=False' : '', s.timeoutMs === undefined ? '' : `timeout=${this.ms(s.timeoutMs, ctx)}`], ctx)}`);
          return;
        }
        if (!bounded) {
          line(`${q}.put(${item})`);
          return;
        }
        const args = [item, s.blocking === false ? 'block=False' : `timeout=${s.timeoutMs === undefined ? 'PATIENCE_S' : this.ms(s.timeoutMs, ctx)}`];
        line(this.blocking(`${q}.put`, args, ctx));
        return;
      }
      case 'get': {
        const q = `lab.${pyIdent(name('queue'))}`;
        const queueSpec = Object.hasOwn(this.queues, name('queue')) ? this.queues[name('queue')] : undefined;
        const priority = queueSpec?.order === 'priority';
        const untimed = s.blocking !== false && s.timeoutMs === undefined;
        if (untimed || into === undefined) {
          const args = [s.blocking === false ? 'block=False' : `timeout=${s.timeoutMs === undefined ? 'PATIENCE_S' : this.ms(s.timeoutMs, ctx)}`];
          const call = this.blocking(`${q}.get`, args, ctx);
          line(into === undefined ? call : priority ? `_, ${into} = ${call}` : `${into} = ${call}`);
          return;
        }
        this.use('poll_item');
        const call = this.blocking('poll_item', [q, s.blocking === false ? 'block=False' : '', s.timeoutMs === undefined ? '' : `timeout=${this.ms(s.timeoutMs, ctx)}`], ctx);
        line(`${into} = ${call}${priority ? '  # a (priority, item) pair, or None' : '  # None when nothing came'}`);
        return;
      }
      case 'task_done':
        line(`lab.${pyIdent(name('queue'))}.task_done()`);
        return;
      case 'pipe_send':
        line(this.blocking(`lab.${pyIdent(name('pipe'))}[${v(s.end)}].send`, [v(s.value)], ctx));
        return;
      case 'pipe_recv': {
        this.use('pipe_recv');
        const call = this.blocking('pipe_recv', [`lab.${pyIdent(name('pipe'))}[${v(s.end)}]`, s.timeoutMs === undefined ? '' : this.ms(s.timeoutMs, ctx)], ctx);
        if (typeof s.status === 'string') line(`${pyIdent(s.status)}, ${into ?? '_'} = ${call}`);
        else {
          this.use('actor_failed');
          line(`status, ${into ?? '_'} = ${call}`);
          line(`if status != "message":`);
          line(`    raise ActorFailed(f"${name('pipe')} end ${String(s.end)}: {status} instead of a message")`);
        }
        return;
      }
      case 'pipe_close':
        line(`lab.${pyIdent(name('pipe'))}[${v(s.end)}].close()`);
        return;
      case 'spawn':
        this.use('actors');
        line(`start(${pyString(name('actor'))}${s.index === undefined ? '' : `, ${v(s.index)}`})`);
        return;
      case 'join': {
        if (typeof s.queue === 'string' && s.actor === undefined) {
          line(`${this.blocking(`lab.${pyIdent(s.queue)}.join`, [], ctx)}  # until every item put is marked done`);
          return;
        }
        this.use('actors');
        const args = [pyString(name('actor')), s.index === undefined ? '' : `index=${v(s.index)}`, s.timeoutMs === undefined ? '' : `timeout=${this.ms(s.timeoutMs, ctx)}`];
        line(this.blocking('join', args, ctx));
        return;
      }
      case 'terminate':
        this.use('actors');
        line(`terminate(${pyString(name('actor'))}${s.index === undefined ? '' : `, ${v(s.index)}`})`);
        return;
      case 'is_alive':
        this.use('actors');
        assign(`is_alive(${pyString(name('actor'))}${s.index === undefined ? '' : `, ${v(s.index)}`})`);
        return;
      case 'list_actors':
        this.use('actors');
        assign(`live_actors(${typeof s.group === 'string' ? pyString(s.group) : ''})`);
        return;
      case 'submit': {
        this.use('pools');
        const args = [pyString(name('pool')), pyIdent(name('function')), s.arg === undefined ? 'None' : v(s.arg)];
        if (typeof s.callback === 'string') args.push(`callback=${pyIdent(s.callback)}`);
        assign(`submit(${args.join(', ')})`);
        return;
      }
      case 'result':
        assign(this.blocking(`${this.val(s.future, ctx, true)}.result`, [`timeout=${s.timeoutMs === undefined ? 'WALL_S' : this.ms(s.timeoutMs, ctx)}`], ctx));
        return;
      case 'map':
        this.use('pools');
        assign(ctx.async ? `await asyncio.to_thread(lambda: list(POOLS[${pyString(name('pool'))}].map(${pyIdent(name('function'))}, ${v(s.args)})))` : `list(POOLS[${pyString(name('pool'))}].map(${pyIdent(name('function'))}, ${v(s.args)}))`);
        return;
      case 'shutdown':
        this.use('pools');
        line(this.blocking(`POOLS[${pyString(name('pool'))}].shutdown`, [`wait=${s.wait === false ? 'False' : 'True'}`], ctx));
        return;
      case 'return':
        line(s.value === undefined ? 'return None' : `return ${v(s.value)}`);
        return;
      case 'file_append':
      case 'file_write':
        this.use('run_path');
        this.use('text');
        line(`with open(run_path(lab, ${pyString(name('path'))}), ${s.op === 'file_append' ? '"a"' : '"w"'}, encoding="utf-8") as file:`);
        line(`    file.write(text(${v(s.text)}))`);
        return;
      case 'file_read':
        this.use('run_path');
        line(`with open(run_path(lab, ${pyString(name('path'))}), encoding="utf-8") as file:`);
        line(`    ${into ?? '_'} = file.read()`);
        return;
      case 'os_child':
        this.use('os_child');
        assign(`os_child(${pyString(name('mode'))}${s.ms === undefined ? '' : `, ${this.ms(s.ms, ctx)}`})`);
        return;
      case 'proc_state':
        this.use('proc_state');
        assign(`proc_state(${v(s.pid)})`);
        return;
      case 'connect':
        this.use(ctx.async ? 'aconnect' : 'connect');
        assign(ctx.async ? `await aconnect(lab, ${pyString(name('server'))})` : `connect(lab, ${pyString(name('server'))}${s.timeoutMs === undefined ? '' : `, ${this.ms(s.timeoutMs, ctx)}`})`);
        return;
      case 'send':
        this.use(ctx.async ? 'asend' : 'send');
        this.use('text');
        line(ctx.async ? `await asend(${v(s.conn)}, ${v(s.data)})` : `send(${v(s.conn)}, ${v(s.data)})`);
        return;
      case 'recv': {
        this.use(ctx.async ? 'arecv' : 'recv');
        const how = s.until !== undefined ? `until=${pyString(String(s.until))}` : s.bytes !== undefined ? `size=${v(s.bytes)}` : s.message === true ? 'until="\\n"' : '';
        if (s.message === true) line('# one message: here up to a newline (the lab cuts it by the connection\'s framing: a delimiter, or a 4-byte length)');
        const timeout = s.timeoutMs === undefined ? '' : `timeout=${this.ms(s.timeoutMs, ctx)}`;
        const args = [v(s.conn), how, timeout].filter((a) => a !== '').join(', ');
        assign(ctx.async ? `await arecv(${args})` : `recv(${args})`);
        return;
      }
      case 'close':
        this.use(ctx.async ? 'aclose' : 'close');
        line(ctx.async ? `await aclose(${v(s.conn)})` : `close(${v(s.conn)})`);
        return;
      case 'sendto':
        this.use('udp');
        this.use('text');
        line(`udp_socket(lab).sendto(text(${v(s.data)}).encode(), tuple(lab.servers[${pyString(name('server'))}]))`);
        return;
      case 'recvfrom':
        this.use('udp');
        assign(this.blocking('recvfrom', ['lab', s.timeoutMs === undefined ? '' : this.ms(s.timeoutMs, ctx)], ctx));
        return;
      case 'http_get':
        this.use('http_get');
        assign(this.blocking('http_get', ['lab', pyString(name('server')), pyString(typeof s.path === 'string' ? s.path : '/')], ctx));
        return;
      case 'load': {
        this.use('load');
        if (s.ratePerConnection !== undefined || s.prime === false || s.httpMethod !== undefined || s.threads !== undefined) {
          line('# a closed loop on one asyncio loop: the lab\'s open-loop rate, unprimed connections, HTTP requests and load threads are not reproduced here');
        }
        const args = ['lab', pyString(name('server')), `connections=${v(s.connections)}`];
        if (s.requests !== undefined) args.push(`requests=${v(s.requests)}`);
        if (s.durationMs !== undefined) args.push(`duration=${this.ms(s.durationMs, ctx)}`);
        if (s.messageBytes !== undefined) args.push(`message_bytes=${v(s.messageBytes)}`);
        assign(this.blocking('load', args, ctx));
        return;
      }
      case 'send_file':
        this.use('send_file');
        assign(this.blocking('send_file', ['lab', pyString(name('server')), v(s.mb), s.chunkBytes === undefined ? '' : `chunk=${v(s.chunkBytes)}`], ctx));
        return;
      case 'sticky_demo':
        this.use('sticky_demo');
        assign(`sticky_demo(${pyString(name('mode'))})`);
        return;
      case 'fd_select':
        this.use('fd_select');
        assign(`fd_select(${pyString(name('api'))}, ${v(s.idle)})`);
        return;
      case 'epoll_drain':
        this.use('epoll_drain');
        assign(`epoll_drain(${pyString(String(s.mode))}, ${v(s.bytes)}, ${v(s.chunk)})`);
        return;
      case 'rebind_probe':
        this.use('rebind_probe');
        assign(`rebind_probe(${s.reuse === true ? 'True' : 'False'})`);
        return;
      case 'recv_timeout':
        this.use('recv_timeout');
        assign(`recv_timeout(${this.ms(s.timeoutMs, ctx)})`);
        return;
      case 'backlog_probe':
        this.use('backlog_probe');
        assign(`backlog_probe(${v(s.backlog)}, ${v(s.clients)})`);
        return;
      case 'repeat':
        if (s.times === 1) {
          for (const inner of s.steps as StepLike[]) this.step(inner, ctx, depth, out);
          return;
        }
        line(`for _ in range(${v(s.times)}):`);
        this.steps(s.steps as StepLike[], ctx, depth + 1, out);
        return;
      case 'if': {
        const known = constantCond(s.cond);
        const elseSteps = Array.isArray(s.else) ? (s.else as StepLike[]) : [];
        if (known !== undefined) {
          // Parameters are already in the code: a condition on them alone is decided here.
          line(`# if ${this.cond(s.cond, ctx)}: ${known ? 'true' : 'false'} with these parameters`);
          const taken = known ? (s.then as StepLike[]) : elseSteps;
          for (const inner of taken) this.step(inner, ctx, depth, out);
          return;
        }
        line(`if ${this.cond(s.cond, ctx)}:`);
        this.steps(s.then as StepLike[], ctx, depth + 1, out);
        if (elseSteps.length > 0) {
          line('else:');
          this.steps(elseSteps, ctx, depth + 1, out);
        }
        return;
      }
      case 'section':
        this.use('sections');
        line(`with lab.sections[${pyString(name('name'))}]:  # counts how many are inside at once`);
        this.steps(s.steps as StepLike[], ctx, depth + 1, out);
        return;
      case 'log': {
        this.use('say');
        const values = isRecord(s.values) ? Object.entries(s.values) : [];
        const who = ctx.kind === 'function' ? 'threading.current_thread().name' : 'me';
        if (ctx.kind === 'function') this.imp('threading');
        line(values.length === 0 ? `say(${who}, ${pyString(name('message'))})` : `say(${who}, ${pyString(name('message'))}, {${values.map(([k, val]) => `${pyString(k)}: ${v(val)}`).join(', ')}})`);
        return;
      }
      case 'record':
        this.use('record');
        line(`record(lab, ${pyString(name('name'))}, ${v(s.value)})`);
        return;
      case 'mark':
        this.use('say');
        line(`say(${ctx.kind === 'function' ? '"pool"' : 'me'}, ${pyString(`--- ${name('name')} ---`)})`);
        return;
      case 'fail':
        this.use('actor_failed');
        line(`raise ActorFailed(${pyString(name('message'))})`);
        return;
      default:
        line(`# ${s.op}: a step this program cannot show`);
        return;
    }
  }

  // ---- the whole program

  actorFunction(actor: ActorSpec, out: string[]): void {
    const kind: Kind = actor.kind === 'utility' ? 'process' : actor.kind;
    const ctx: Ctx = { kind, async: kind === 'task' && this.asyncioTasks, gevent: this.gevent, group: actor.name };
    const count = actor.count ?? 1;
    const what: Record<string, string> = {
      main: 'the main actor: runs on the main thread of the main process',
      thread: `a threading.Thread${count > 1 ? ` (${count} of them)` : ''}`,
      process: `a multiprocessing.Process${count > 1 ? ` (${count} of them)` : ''}${actor.kind === 'utility' ? ' (the lab runs a utility actor as an Electron utility process; here it is a process)' : ''}`,
      task: `${this.gevent ? 'a gevent greenlet' : 'an asyncio task on the event loop thread'}${count > 1 ? ` (${count} of them)` : ''}`,
    };
    out.push('');
    out.push('');
    out.push(`${ctx.async ? 'async def' : 'def'} ${this.actorFn(actor)}(lab, index, me):`);
    out.push(`    """${actor.name}: ${what[kind] ?? kind}${actor.daemon === true ? ', daemon' : ''}."""`);
    this.steps(actor.program as StepLike[], ctx, 1, out);
  }

  actorFn(actor: ActorSpec): string {
    return `${actor.name.replace(/-/g, '_')}_actor`;
  }
}

/** The program of a spec (resolved: parameters already in it) as Python source text. */
export function pythonProgram(spec: Spec, options: PythonProgramOptions = {}): string {
  const w = new ProgramWriter(spec);
  const patience = options.patienceS ?? 5;
  const wallS = Math.min(Math.max((spec.limits?.wallTimeMs ?? 120_000) / 1000, 1), 600);
  w.imp('sys');
  w.use('record');
  w.use('run_actor');

  // Bodies first: they decide which helpers and imports the program needs.
  const body: string[] = [];
  for (const [fname, fn] of Object.entries(spec.functions ?? {})) {
    const ctx: Ctx = { kind: 'function', async: false, gevent: w.gevent };
    body.push('');
    body.push('');
    body.push(`def ${pyIdent(fname)}(arg=None, future=None):`);
    body.push(`    """A function for pools: \`arg\` is what it was called with${spec.pools ? ' (a callback gets the result, and the future as {"id", "value"})' : ''}."""`);
    body.push('    lab = LAB');
    w.steps(fn.steps as StepLike[], ctx, 1, body);
  }
  for (const actor of spec.actors) w.actorFunction(actor, body);

  const mainLines = buildMain(w, spec);
  const title = typeof spec.title === 'string' ? spec.title : (spec.title?.en ?? spec.id ?? 'experiment');
  const out: string[] = [];
  out.push('#!/usr/bin/env python3');
  out.push(`"""${commentText(title).replace(/\\/g, '\\\\').replace(/"/g, "'")}`);
  out.push('');
  out.push(`Generated by Concurrency Lab from the spec${spec.id ? ` "${spec.id}"` : ''}. Runs with python3 as is: the standard library only${w.gevent ? ', plus gevent (its tasks are greenlets)' : ''}.`);
  out.push('');
  out.push('Output: log lines as the actors run ("[actor] message"), then every recorded value in the order it');
  out.push('was recorded, one per line, in a form a script can parse:');
  out.push('');
  out.push('    record <name> = <value as JSON>');
  out.push('');
  out.push('`lab` holds what the actors share. Plain values in it are shared by threads and tasks; a process');
  out.push('gets its own copy when it starts (the spec\'s "shared" scope). multiprocessing\'s Value, Array,');
  out.push('Manager, Queue, Pipe and locks reach across processes. A wait the spec leaves untimed gives up');
  out.push('after PATIENCE_S and says so (the lab\'s runner names the deadlock instead).');
  out.push('"""');
  if (w.gevent) {
    out.push('import sys');
    out.push('');
    out.push('try:');
    out.push('    import gevent');
    out.push('    import gevent.monkey');
    out.push('except ImportError:');
    out.push('    sys.exit("This program runs its tasks as gevent greenlets: install gevent first (python3 -m pip install gevent).")');
    if (w.monkeyPatch) {
      out.push('');
      out.push('# Before anything else imports them: time.sleep, sockets and threading become cooperative.');
      out.push('gevent.monkey.patch_all()');
    }
  }
  const modules = [...w.imports].filter((m) => !(w.gevent && m === 'sys')).sort();
  if (modules.length > 0) out.push('');
  for (const mod of modules) out.push(mod.startsWith('from ') ? mod : `import ${mod}`);
  out.push('');
  const params = Object.entries(options.params ?? {});
  if (params.length > 0) {
    out.push('# The parameters this program was generated with (already written into the code below; generate');
    out.push('# it again with --set name=value to change one).');
    for (const [name, value] of params) out.push(`${constantName(name)} = ${pyLiteral(value)}`);
    out.push('');
  }
  out.push(`PATIENCE_S = ${patience}  # how long an untimed wait waits before its actor gives up`);
  out.push(`WALL_S = ${wallS}  # how long joins and results wait at most (the spec's wall-time limit)`);
  out.push('LAB = None  # the shared namespace, for pool functions (set in each process that runs them)');
  for (const name of HELPER_ORDER) {
    if (!w.helpers.has(name)) continue;
    out.push('');
    out.push('');
    out.push(...PYTHON_HELPERS[name].code.trim().split('\n'));
  }
  out.push(...body);
  out.push('');
  out.push('');
  out.push(...mainLines);
  out.push('');
  out.push('');
  out.push('if __name__ == "__main__":');
  out.push('    main()');
  out.push('');
  return out.join('\n');
}

/** A parameter's name as a Python constant: windowMs → WINDOW_MS. */
function constantName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toUpperCase();
}

const HELPER_ORDER: readonly HelperName[] = Object.keys(PYTHON_HELPERS) as HelperName[];

function buildMain(w: ProgramWriter, spec: Spec): string[] {
  const lines: string[] = [];
  const l = (text: string): void => {
    lines.push(`    ${text}`);
  };
  const mp = w.usesProcesses;
  if (mp || Object.values(spec.shared ?? {}).some((v) => v.scope !== 'shared') || Object.keys(spec.pipes ?? {}).length > 0) w.imp('multiprocessing');
  w.imp('types');
  lines.push('def main():');
  if (Object.keys(spec.pipes ?? {}).length > 0 && spec.actors.some((a) => a.kind === 'process' || a.kind === 'utility')) {
    l('if "fork" in multiprocessing.get_all_start_methods():');
    l('    # A process is handed `lab` as it starts: under spawn or forkserver that means pickling it, and a');
    l('    # pipe end this process has closed already cannot be pickled. fork hands the child a copy instead.');
    l('    multiprocessing.set_start_method("fork")');
  }
  const switchMs = spec.cpython?.switchIntervalMs;
  if (typeof switchMs === 'number') {
    l(`sys.setswitchinterval(${seconds(switchMs)})  # how long a thread may hold the GIL before it is asked to let another run (default 0.005)`);
  }
  l('global LAB');
  l('lab = LAB = types.SimpleNamespace()');
  if (mp) {
    l('# This spec starts processes: what the actors share is built with multiprocessing, which works for');
    l('# threads too, and reaches a process when it starts (under any start method).');
  }
  const shared = Object.entries(spec.shared ?? {});
  const managed = shared.filter(([, v]) => v.scope === 'managed');
  const servedQueues = mp ? Object.values(spec.queues ?? {}).filter((q) => q.order !== 'fifo') : [];
  const usesManager = mp || managed.length > 0;
  if (usesManager) {
    for (const order of new Set(servedQueues.map((q) => q.order))) {
      // multiprocessing has no LIFO or priority queue: the manager serves queue's own to every process.
      w.imp('multiprocessing.managers');
      w.imp('queue');
      const cls = order === 'lifo' ? 'LifoQueue' : 'PriorityQueue';
      l(`multiprocessing.managers.SyncManager.register(${pyString(cls)}, queue.${cls})`);
    }
    l(`manager = multiprocessing.Manager()  # a server process that holds ${mp ? 'the records' : ''}${mp && managed.length > 0 ? ' and ' : ''}${managed.length > 0 ? 'the managed values' : ''}`);
  }
  if (mp) {
    l('lab.records = manager.list()  # each append reaches the manager at once: a process ended right after still counts');
    l('lab.add_lock = multiprocessing.Lock()');
  } else {
    w.imp('threading');
    l('lab.records = []  # list.append is atomic in CPython');
    l('lab.add_lock = threading.Lock()');
  }
  if (managed.length > 0) l('lab.managed_lock = manager.Lock()');
  if (shared.length > 0) l('# Shared variables');
  for (const [name, v] of shared) {
    const attr = `lab.${pyIdent(name)}`;
    switch (v.scope) {
      case 'shared':
        l(`${attr} = ${pyLiteral(v.initial)}  # threads share it; a process gets its own copy`);
        break;
      case 'value':
        l(`${attr} = multiprocessing.${v.lock === false ? 'RawValue' : 'Value'}("i", ${pyLiteral(v.initial)})  # one int in shared memory`);
        break;
      case 'array':
        l(`${attr} = multiprocessing.${v.lock === false ? 'RawArray' : 'Array'}("i", ${pyLiteral(v.initial)})  # ints in shared memory`);
        break;
      case 'managed':
        if (Array.isArray(v.initial)) l(`${attr} = manager.list(${pyLiteral(v.initial)})`);
        else if (isRecord(v.initial)) l(`${attr} = manager.dict(${pyLiteral(v.initial)})`);
        else l(`${attr} = manager.Value("O", ${pyLiteral(v.initial)})  # any value, kept by the manager`);
        break;
    }
  }
  const prims = Object.entries(spec.primitives ?? {});
  if (prims.length > 0) l('# Primitives');
  const lib = mp ? 'multiprocessing' : 'threading';
  if (!mp && prims.length > 0) w.imp('threading');
  for (const [name, p] of prims) {
    const attr = `lab.${pyIdent(name)}`;
    if (w.taskPrims.has(name)) {
      l(`# ${attr}: an asyncio.${ASYNCIO_PRIMS[p.type]} (only tasks use it), made on the tasks' event loop below`);
      continue;
    }
    switch (p.type) {
      case 'mutex':
        l(`${attr} = ${lib}.Lock()`);
        break;
      case 'rlock':
        l(`${attr} = ${lib}.RLock()`);
        break;
      case 'semaphore':
        l(`${attr} = ${lib}.Semaphore(${p.value})`);
        break;
      case 'bounded-semaphore':
        l(`${attr} = ${lib}.BoundedSemaphore(${p.value})`);
        break;
      case 'event':
        l(`${attr} = ${lib}.Event()`);
        break;
      case 'condition':
        l(`${attr} = ${lib}.Condition(${p.lock ? `lab.${pyIdent(p.lock)}` : ''})`);
        break;
      case 'barrier':
        l(`${attr} = ${lib}.Barrier(${p.parties})`);
        break;
    }
  }
  const queues = Object.entries(spec.queues ?? {});
  if (queues.length > 0) l('# Queues');
  for (const [name, q] of queues) {
    const attr = `lab.${pyIdent(name)}`;
    const size = q.maxsize ?? 0;
    if (mp) {
      if (q.order === 'fifo') l(`${attr} = multiprocessing.JoinableQueue(${size || ''})`);
      else {
        l(`${attr} = manager.${q.order === 'lifo' ? 'LifoQueue' : 'PriorityQueue'}(${size || ''})  # served by the manager`);
      }
    } else {
      w.imp('queue');
      l(`${attr} = queue.${q.order === 'fifo' ? 'Queue' : q.order === 'lifo' ? 'LifoQueue' : 'PriorityQueue'}(${size || ''})`);
    }
  }
  const pipes = Object.entries(spec.pipes ?? {});
  if (pipes.length > 0) l('# Pipes: (end 0, end 1); a one-way pipe receives at end 0 and sends from end 1');
  for (const [name, p] of pipes) l(`lab.${pyIdent(name)} = multiprocessing.Pipe(${p.duplex === false ? 'duplex=False' : ''})`);
  const sections = new Set<string>();
  const collect = (steps: readonly StepLike[]): void => {
    for (const s of steps) {
      if (s.op === 'section') sections.add(String(s.name));
      for (const k of ['steps', 'then', 'else'] as const) if (Array.isArray(s[k])) collect(s[k] as StepLike[]);
    }
  };
  for (const a of spec.actors) collect(a.program as StepLike[]);
  for (const f of Object.values(spec.functions ?? {})) collect(f.steps as StepLike[]);
  if (sections.size > 0) {
    w.imp('multiprocessing');
    l(`lab.sections = {${[...sections].map((s) => `${pyString(s)}: Section()`).join(', ')}}`);
  }
  if (w.helpers.has('run_path')) {
    w.imp('tempfile');
    w.imp('shutil');
    l('lab.run_dir = tempfile.mkdtemp(prefix="conlab-")  # the files the actors read and write');
  }
  const servers = Object.entries(spec.servers ?? {});
  if (servers.length > 0) {
    w.use('servers');
    l('# Servers, each on a free loopback port');
    l('lab.servers = {}');
    for (const [name, s] of servers) {
      const args = [pyString(s.protocol), pyString(s.model), pyLiteral(s.handler), pyString(s.host ?? '127.0.0.1')];
      if (s.workers !== undefined) args.push(`workers=${s.workers}`);
      if (s.backlog !== undefined) args.push(`backlog=${s.backlog}`);
      l(`lab.servers[${pyString(name)}] = start_server(${args.join(', ')})`);
    }
  }
  const pools = Object.entries(spec.pools ?? {});
  if (pools.length > 0) {
    w.use('pools');
    w.imp('concurrent.futures');
    l('# Pools');
    for (const [name, p] of pools) {
      const size = p.size === undefined ? '' : `max_workers=${p.size}`;
      if (p.kind === 'process') l(`POOLS[${pyString(name)}] = concurrent.futures.ProcessPoolExecutor(${[size, 'initializer=pool_start', 'initargs=(lab,)'].filter((x) => x !== '').join(', ')})`);
      else l(`POOLS[${pyString(name)}] = concurrent.futures.ThreadPoolExecutor(${[size, `thread_name_prefix=${pyString(name)}`].filter((x) => x !== '').join(', ')})`);
    }
  }
  const others = spec.actors.filter((a) => a.kind !== 'main');
  const mains = spec.actors.filter((a) => a.kind === 'main');
  if (w.asyncioTasks) {
    w.use('asyncio_tasks');
    l(`start_event_loop(${w.taskCount})`);
    const taskPrims = prims.filter(([name]) => w.taskPrims.has(name));
    if (taskPrims.length > 0) {
      lines.push('');
      l('async def task_primitives():');
      l("    # asyncio's primitives belong to the loop whose tasks use them: they are made on it.");
      for (const [name, p] of taskPrims) l(`    lab.${pyIdent(name)} = asyncio.${ASYNCIO_PRIMS[p.type]}(${p.type === 'semaphore' || p.type === 'bounded-semaphore' ? p.value : ''})`);
      lines.push('');
      l('asyncio.run_coroutine_threadsafe(task_primitives(), LOOP).result()');
    }
  }
  if (w.gevent) w.use('gevent_tasks');
  if (others.length > 0 || w.helpers.has('actors')) {
    w.use('actors');
    l('# The actors, created now and started by start(): at once, or by a spawn step');
    for (const a of others) {
      const count = a.count ?? 1;
      const names = count === 1 ? pyString(a.name) : `f"${a.name}-{i}"`;
      const fn = w.actorFn(a);
      const daemon = a.daemon === true ? 'True' : 'False';
      let make: string;
      if (a.kind === 'thread') {
        w.imp('threading');
        make = `threading.Thread(target=run_actor, args=(${fn}, lab, i, ${names}), name=${names}, daemon=${daemon})`;
      } else if (a.kind === 'process' || a.kind === 'utility') {
        make = `multiprocessing.Process(target=run_actor, args=(${fn}, lab, i, ${names}), name=${names}, daemon=${daemon})`;
      } else {
        make = `TaskActor(${fn}, lab, i, ${names})`;
      }
      l(`ACTORS[${pyString(a.name)}] = [${make} for i in range(${count})]`);
    }
    for (const a of others) if (a.autostart !== false) l(`start(${pyString(a.name)})`);
  }
  for (const m of mains) {
    if (w.helpers.has('actors')) l(`MAIN_ACTORS.append(${pyString(m.name)})`);
    l(`run_actor(${w.actorFn(m)}, lab, 0, ${pyString(m.name)})`);
    if (w.helpers.has('actors')) l(`MAIN_ACTORS.remove(${pyString(m.name)})`);
  }
  if (others.length > 0) l('finish_actors()');
  if (pools.length > 0) l('for pool in POOLS.values():\n        pool.shutdown(wait=True)');
  if (w.asyncioTasks) l('stop_event_loop()');
  if (servers.length > 0) l('stop_servers()');
  if (w.helpers.has('run_path')) l('shutil.rmtree(lab.run_dir, ignore_errors=True)');
  l('print_records(lab)');
  w.use('print_records');
  if (usesManager) l('manager.shutdown()');
  return lines;
}
