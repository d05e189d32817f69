/**
 * An actor's program as text: one line per step (nested steps indented), either as the step language
 * reads ("read counter → seen") or as a teaching rendering in Python with the names of threading,
 * multiprocessing and asyncio ("seen = counter"). Pure, shared by the renderer (the program beside a
 * lane) and the tests.
 *
 * Step ids: the steps of an actor's program are numbered 0, 1, 2… in a pre-order walk (a step, then
 * the steps inside it: a repeat's or a section's `steps`, an if's `then` then its `else`). Both
 * runtimes stamp the events a step emits with that number (`s`, see trace-event.ts), so a view can say
 * which line of the program an event came from. Steps of the spec's `functions` (run by pool workers)
 * are not numbered.
 */

/** The part of a step this module reads: its op and its fields (any step of the language fits). */
export interface StepLike {
  readonly op: string;
  readonly [field: string]: unknown;
}

/** The lists of steps inside a step, in the order the walk visits them. */
export function childLists(step: StepLike): readonly (readonly StepLike[])[] {
  const lists: (readonly StepLike[])[] = [];
  for (const field of ['steps', 'then', 'else'] as const) {
    const list = step[field];
    if (Array.isArray(list)) lists.push(list as StepLike[]);
  }
  return lists;
}

/**
 * Visits every step of a program in pre-order with its id and depth. Bounded by the spec's own limits
 * (a list holds at most 10,000 steps, nesting is capped by the spec's depth check); the walk is iterative
 * so a deep program cannot overflow the stack.
 */
export function walkProgram(program: readonly StepLike[], visit: (step: StepLike, id: number, depth: number) => void): number {
  let id = 0;
  const stack: { list: readonly StepLike[]; at: number; depth: number }[] = [{ list: program, at: 0, depth: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.at >= top.list.length) {
      stack.pop();
      continue;
    }
    const step = top.list[top.at++]!;
    visit(step, id++, top.depth);
    const lists = childLists(step);
    for (let i = lists.length - 1; i >= 0; i--) stack.push({ list: lists[i]!, at: 0, depth: top.depth + 1 });
  }
  return id;
}

/** Each step of a program with its id (identity of the step object → its number). */
export function stepIds(program: readonly StepLike[]): Map<StepLike, number> {
  const ids = new Map<StepLike, number>();
  walkProgram(program, (step, id) => ids.set(step, id));
  return ids;
}

// ---- Values and conditions as text

const SELF_NAMES: Readonly<Record<string, string>> = { index: 'self.index', name: 'self.name', pid: 'os.getpid()', ppid: 'os.getppid()', threadId: 'threading.get_native_id()', group: 'self.group', kind: 'self.kind' };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BINARY: Readonly<Record<string, string>> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%' };

/** A value expression as text; `python` picks Python's spelling where the two differ. */
export function valueText(value: unknown, python = false, depth = 0): string {
  if (depth > 16) return '…';
  const inner = (v: unknown): string => valueText(v, python, depth + 1);
  if (value === null) return python ? 'None' : 'null';
  if (typeof value === 'boolean') return python ? (value ? 'True' : 'False') : String(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (Array.isArray(value)) return `[${value.slice(0, 8).map(inner).join(', ')}${value.length > 8 ? ', …' : ''}]`;
  if (!isObject(value)) return String(value);
  const [key, arg] = Object.entries(value)[0] ?? ['', undefined];
  const pair = Array.isArray(arg) ? (arg as unknown[]) : [];
  if (key in BINARY) return `${inner(pair[0])} ${BINARY[key]} ${inner(pair[1])}`;
  switch (key) {
    case 'ref':
      return String(arg);
    case 'param':
      return python ? String(arg).toUpperCase() : `param ${String(arg)}`;
    case 'self':
      return python ? (SELF_NAMES[String(arg)] ?? `self.${String(arg)}`) : `self.${String(arg)}`;
    case 'now':
      return python ? 'time.monotonic() * 1000' : 'now ms';
    case 'cpu':
      return python ? 'time.thread_time() * 1000' : 'cpu ms';
    case 'concat':
      return python ? `"".join(str(x) for x in (${pair.map(inner).join(', ')}))` : pair.map(inner).join(' ++ ');
    case 'upper':
      return python ? `str(${inner(arg)}).upper()` : `upper(${inner(arg)})`;
    case 'list':
      return `[${pair.slice(0, 8).map(inner).join(', ')}${pair.length > 8 ? ', …' : ''}]`;
    case 'len':
      return `len(${inner(arg)})`;
    case 'at':
      return `${inner(pair[0])}[${inner(pair[1])}]`;
    case 'json':
      return python ? `json.loads(${inner(arg)})` : `json(${inner(arg)})`;
    case 'text':
      return python ? `str(${inner(arg)})` : `text(${inner(arg)})`;
    case 'floor':
      return python ? `math.floor(${inner(arg)})` : `floor(${inner(arg)})`;
    case 'port':
      return python ? `port(${JSON.stringify(arg)})` : `port of ${String(arg)}`;
    default:
      return JSON.stringify(value).slice(0, 80);
  }
}

/** A condition as text. */
export function condText(cond: unknown, python = false, depth = 0): string {
  if (depth > 16 || !isObject(cond)) return '…';
  const inner = (c: unknown): string => condText(c, python, depth + 1);
  if (Array.isArray(cond.compare)) {
    const [left, op, right] = cond.compare as unknown[];
    return `${valueText(left, python)} ${String(op)} ${valueText(right, python)}`;
  }
  if ('not' in cond) return python ? `not (${inner(cond.not)})` : `not (${inner(cond.not)})`;
  if (Array.isArray(cond.all)) return (cond.all as unknown[]).map((c) => `(${inner(c)})`).join(python ? ' and ' : ' and ');
  if (Array.isArray(cond.any)) return (cond.any as unknown[]).map((c) => `(${inner(c)})`).join(python ? ' or ' : ' or ');
  if ('truthy' in cond) return python ? `bool(${valueText(cond.truthy, python)})` : valueText(cond.truthy, python);
  return JSON.stringify(cond).slice(0, 80);
}

// ---- Steps as the step language reads

type Fields = StepLike;
const str = (value: unknown): string => (typeof value === 'string' ? value : valueText(value));
const v = (value: unknown): string => valueText(value);
const at = (step: Fields, name: string): string => (step.index === undefined ? name : `${name}[${v(step.index)}]`);
const into = (step: Fields): string => (typeof step.into === 'string' ? ` → ${step.into}` : '');
const timeout = (step: Fields): string => (step.timeoutMs === undefined ? '' : `, timeout ${v(step.timeoutMs)} ms`);
const blocking = (step: Fields): string => (step.blocking === false ? ' (non-blocking)' : '');

/** One renderer per op of the step language: the step's line without its nested steps. */
export const STEP_TEXT: Readonly<Record<string, (step: Fields) => string>> = {
  compute: (s) => `compute ${v(s.iterations)} iterations`,
  sleep: (s) => `sleep ${v(s.ms)} ms`,
  block: (s) => `block ${v(s.ms)} ms`,
  generator_pingpong: (s) => `generator ping-pong ${v(s.switches)} switches${into(s)}`,
  let: (s) => `let ${str(s.name)} = ${v(s.value)}`,
  read: (s) => `read ${at(s, str(s.var))}${into(s)}`,
  write: (s) => `write ${at(s, str(s.var))} ← ${v(s.value)}`,
  add: (s) => `add ${v(s.delta)} to ${at(s, str(s.var))}${into(s)}`,
  acquire: (s) => `acquire ${str(s.prim)}${blocking(s)}${timeout(s)}${into(s)}`,
  release: (s) => `release ${str(s.prim)}`,
  wait: (s) => `wait ${str(s.prim)}${timeout(s)}${into(s)}`,
  set: (s) => `set ${str(s.prim)}`,
  clear: (s) => `clear ${str(s.prim)}`,
  notify: (s) => `notify ${str(s.prim)}${s.all === true ? ' (all)' : s.n === undefined ? '' : ` (${v(s.n)})`}`,
  var_lock: (s) => `lock ${str(s.var)}`,
  var_unlock: (s) => `unlock ${str(s.var)}`,
  put: (s) => `put ${v(s.value)} in ${str(s.queue)}${s.priority === undefined ? '' : `, priority ${v(s.priority)}`}${blocking(s)}${timeout(s)}${into(s)}`,
  get: (s) => `get from ${str(s.queue)}${blocking(s)}${timeout(s)}${into(s)}`,
  task_done: (s) => `task done on ${str(s.queue)}`,
  pipe_send: (s) => `send ${v(s.value)} into ${str(s.pipe)} end ${v(s.end)}`,
  pipe_recv: (s) => `receive from ${str(s.pipe)} end ${v(s.end)}${timeout(s)}${into(s)}${typeof s.status === 'string' ? `, status → ${s.status}` : ''}`,
  pipe_close: (s) => `close ${str(s.pipe)} end ${v(s.end)}`,
  spawn: (s) => `spawn ${at(s, str(s.actor))}`,
  join: (s) => (typeof s.queue === 'string' && s.queue !== '' && s.actor === undefined ? `join queue ${s.queue}${timeout(s)}` : `join ${at(s, str(s.actor))}${timeout(s)}`),
  terminate: (s) => `terminate ${at(s, str(s.actor))}`,
  is_alive: (s) => `is ${at(s, str(s.actor))} alive${into(s)}`,
  list_actors: (s) => `list actors${typeof s.group === 'string' && s.group !== '' ? ` of ${s.group}` : ''}${into(s)}`,
  submit: (s) => `submit ${str(s.function)}(${s.arg === undefined ? '' : v(s.arg)}) to ${str(s.pool)}${typeof s.callback === 'string' && s.callback !== '' ? `, callback ${s.callback}` : ''}${into(s)}`,
  result: (s) => `result of ${v(s.future)}${timeout(s)}${into(s)}`,
  map: (s) => `map ${str(s.function)} over ${v(s.args)} in ${str(s.pool)}${into(s)}`,
  shutdown: (s) => `shut down ${str(s.pool)}${s.wait === false ? ' (no wait)' : ''}`,
  return: (s) => (s.value === undefined ? 'return' : `return ${v(s.value)}`),
  file_append: (s) => `append ${v(s.text)} to ${str(s.path)}`,
  file_write: (s) => `write ${v(s.text)} to ${str(s.path)}`,
  file_read: (s) => `read file ${str(s.path)}${into(s)}`,
  os_child: (s) => `start an OS child that ${s.mode === 'sleep' ? `sleeps${s.ms === undefined ? '' : ` ${v(s.ms)} ms`}` : 'exits'}${into(s)}`,
  proc_state: (s) => `state of process ${v(s.pid)}${into(s)}`,
  connect: (s) => `connect to ${str(s.server)}${timeout(s)}${into(s)}`,
  send: (s) => `send ${v(s.data)} on ${v(s.conn)}${s.all === true ? ' (all)' : ''}`,
  recv: (s) => `receive on ${v(s.conn)}${s.until !== undefined ? ` until ${v(s.until)}` : s.bytes !== undefined ? ` ${v(s.bytes)} bytes` : s.message === true ? ' one message' : ''}${timeout(s)}${into(s)}`,
  close: (s) => `close ${v(s.conn)}`,
  sendto: (s) => `send datagram ${v(s.data)} to ${str(s.server)}`,
  recvfrom: (s) => `receive a datagram${timeout(s)}${into(s)}`,
  http_get: (s) => `HTTP GET ${str(s.server)}${typeof s.path === 'string' ? s.path : '/'}${into(s)}`,
  load: (s) => `load ${str(s.server)} with ${v(s.connections)} connections${into(s)}`,
  send_file: (s) => `send a ${v(s.mb)} MB file to ${str(s.server)}${into(s)}`,
  sticky_demo: (s) => `sticky packets (${str(s.mode)})${into(s)}`,
  fd_select: (s) => `${str(s.api)} over ${v(s.idle)} idle sockets${into(s)}`,
  epoll_drain: (s) => `epoll ${str(s.mode)}-triggered drain of ${v(s.bytes)} bytes by ${v(s.chunk)}${into(s)}`,
  rebind_probe: (s) => `bind again in TIME_WAIT${s.reuse === true ? ' with SO_REUSEADDR' : ''}${into(s)}`,
  recv_timeout: (s) => `recv with a ${v(s.timeoutMs)} ms timeout${into(s)}`,
  backlog_probe: (s) => `listen(backlog ${v(s.backlog)}) for ${v(s.clients)} clients${into(s)}`,
  repeat: (s) => `repeat ${v(s.times)} times${s.trace === 'summary' ? ' (summary)' : ''}:`,
  if: (s) => `if ${condText(s.cond)}:`,
  section: (s) => `section ${str(s.name)}:`,
  log: (s) => `log ${JSON.stringify(s.message)}`,
  record: (s) => `record ${str(s.name)} = ${v(s.value)}`,
  mark: (s) => `mark ${str(s.name)}`,
  fail: (s) => `fail ${JSON.stringify(s.message)}`,
};

// ---- Steps as Python (a teaching rendering)

/** What the Python rendering needs to know of the spec: the actor's kind and how names are declared. */
export interface PythonContext {
  /** thread, process, task, main (main reads as a thread-like script). */
  readonly kind?: string;
  /** Shared variable scopes by name ('shared', 'private', 'managed', 'value', 'array'). */
  readonly shared?: Readonly<Record<string, string>>;
  /** Primitive types by name (mutex, rlock, semaphore, event, condition, barrier, …). */
  readonly primitives?: Readonly<Record<string, string>>;
}

/** A shared variable as Python names it: a global for threads and tasks, `.value` for a process's shared Value, a managed dict entry. */
function varName(s: Fields, ctx: PythonContext): string {
  const name = str(s.var);
  const scope = ctx.shared?.[name];
  const index = s.index === undefined ? '' : `[${valueText(s.index, true)}]`;
  if (scope === 'managed') return `shared[${JSON.stringify(name)}]${index}`;
  if (scope === 'value' || (ctx.kind === 'process' && scope === 'shared' && index === '')) return `${name}.value`;
  return `${name}${index}`;
}

/** One Python renderer per op: the step's line (or lines) without its nested steps. */
export const PYTHON_TEXT: Readonly<Record<string, (step: Fields, ctx: PythonContext) => string>> = {
  compute: (s) => `for i in range(${valueText(s.iterations, true)}): x = (x * 31 + i) & 0xFFFFFFFF`,
  sleep: (s, c) => (c.kind === 'task' ? `await asyncio.sleep(${ms(s.ms)})` : `time.sleep(${ms(s.ms)})`),
  block: (s, c) => (c.kind === 'task' ? `time.sleep(${ms(s.ms)})  # blocks the whole event loop` : `time.sleep(${ms(s.ms)})`),
  generator_pingpong: (s) => `${target(s)}ping_pong(${valueText(s.switches, true)})`,
  let: (s) => `${str(s.name)} = ${valueText(s.value, true)}`,
  read: (s, c) => `${typeof s.into === 'string' ? s.into : '_'} = ${varName(s, c)}`,
  write: (s, c) => `${varName(s, c)} = ${valueText(s.value, true)}`,
  add: (s, c) => `${varName(s, c)} += ${valueText(s.delta, true)}${typeof s.into === 'string' ? `; ${s.into} = ${varName(s, c)}` : ''}`,
  acquire: (s, c) => {
    const args = [s.blocking === false ? 'blocking=False' : '', s.timeoutMs === undefined ? '' : `timeout=${ms(s.timeoutMs)}`].filter((a) => a !== '').join(', ');
    return `${target(s)}${awaitIf(c)}${str(s.prim)}.acquire(${c.kind === 'task' ? '' : args})`;
  },
  release: (s) => `${str(s.prim)}.release()`,
  wait: (s, c) => `${target(s)}${awaitIf(c)}${str(s.prim)}.wait(${s.timeoutMs === undefined || c.kind === 'task' ? '' : ms(s.timeoutMs)})`,
  set: (s) => `${str(s.prim)}.set()`,
  clear: (s) => `${str(s.prim)}.clear()`,
  notify: (s) => (s.all === true ? `${str(s.prim)}.notify_all()` : `${str(s.prim)}.notify(${s.n === undefined ? '' : valueText(s.n, true)})`),
  var_lock: (s) => `${str(s.var)}.get_lock().acquire()`,
  var_unlock: (s) => `${str(s.var)}.get_lock().release()`,
  put: (s, c) => {
    const item = s.priority === undefined ? valueText(s.value, true) : `(${valueText(s.priority, true)}, ${valueText(s.value, true)})`;
    if (c.kind === 'task') return `${awaitIf(c)}${str(s.queue)}.put(${item})`;
    return `${str(s.queue)}.put(${[item, s.blocking === false ? 'block=False' : '', s.timeoutMs === undefined ? '' : `timeout=${ms(s.timeoutMs)}`].filter((a) => a !== '').join(', ')})`;
  },
  get: (s, c) => {
    if (c.kind === 'task') return `${target(s)}${awaitIf(c)}${str(s.queue)}.get()`;
    return `${target(s)}${str(s.queue)}.get(${[s.blocking === false ? 'block=False' : '', s.timeoutMs === undefined ? '' : `timeout=${ms(s.timeoutMs)}`].filter((a) => a !== '').join(', ')})`;
  },
  task_done: (s) => `${str(s.queue)}.task_done()`,
  pipe_send: (s) => `${str(s.pipe)}[${valueText(s.end, true)}].send(${valueText(s.value, true)})`,
  pipe_recv: (s) => `${target(s)}${str(s.pipe)}[${valueText(s.end, true)}].recv()`,
  pipe_close: (s) => `${str(s.pipe)}[${valueText(s.end, true)}].close()`,
  spawn: (s) => (s.index === undefined ? `for w in ${str(s.actor)}: w.start()` : `${str(s.actor)}[${valueText(s.index, true)}].start()`),
  join: (s, c) => {
    if (typeof s.queue === 'string' && s.queue !== '' && s.actor === undefined) return `${awaitIf(c)}${s.queue}.join()`;
    const t = s.timeoutMs === undefined ? '' : `timeout=${ms(s.timeoutMs)}`;
    return s.index === undefined ? `for w in ${str(s.actor)}: w.join(${t})` : `${str(s.actor)}[${valueText(s.index, true)}].join(${t})`;
  },
  terminate: (s) => (s.index === undefined ? `for w in ${str(s.actor)}: w.terminate()` : `${str(s.actor)}[${valueText(s.index, true)}].terminate()`),
  is_alive: (s) => `${target(s)}${str(s.actor)}${s.index === undefined ? '' : `[${valueText(s.index, true)}]`}.is_alive()`,
  list_actors: (s) => `${target(s)}[t.name for t in threading.enumerate()${typeof s.group === 'string' && s.group !== '' ? ` if t.name.startswith(${JSON.stringify(s.group)})` : ''}]`,
  submit: (s) => `${target(s)}${str(s.pool)}.submit(${str(s.function)}${s.arg === undefined ? '' : `, ${valueText(s.arg, true)}`})${typeof s.callback === 'string' && s.callback !== '' ? `  # then ${s.callback}(future)` : ''}`,
  result: (s) => `${target(s)}${valueText(s.future, true)}.result(${s.timeoutMs === undefined ? '' : `timeout=${ms(s.timeoutMs)}`})`,
  map: (s) => `${target(s)}list(${str(s.pool)}.map(${str(s.function)}, ${valueText(s.args, true)}))`,
  shutdown: (s) => `${str(s.pool)}.shutdown(wait=${s.wait === false ? 'False' : 'True'})`,
  return: (s) => (s.value === undefined ? 'return' : `return ${valueText(s.value, true)}`),
  file_append: (s) => `with open(${JSON.stringify(s.path)}, "a") as f: f.write(${valueText(s.text, true)})`,
  file_write: (s) => `with open(${JSON.stringify(s.path)}, "w") as f: f.write(${valueText(s.text, true)})`,
  file_read: (s) => `with open(${JSON.stringify(s.path)}) as f: ${str(s.into)} = f.read()`,
  os_child: (s) => `${target(s)}subprocess.Popen(${s.mode === 'sleep' ? `["sleep", "${ms(s.ms ?? 100)}"]` : '["true"]'}).pid`,
  proc_state: (s) => `${target(s)}open(f"/proc/{${valueText(s.pid, true)}}/stat").read().split()[2]`,
  connect: (s, c) => `${target(s)}${c.kind === 'task' ? `await asyncio.open_connection(*address(${JSON.stringify(s.server)}))` : `socket.create_connection(address(${JSON.stringify(s.server)}))`}`,
  send: (s) => `${valueText(s.conn, true)}.${s.all === true ? 'sendall' : 'send'}(${valueText(s.data, true)}.encode())`,
  recv: (s) => `${target(s)}${valueText(s.conn, true)}.recv(${s.bytes === undefined ? '65536' : valueText(s.bytes, true)})${s.until === undefined ? '' : `  # until ${valueText(s.until, true)}`}`,
  close: (s) => `${valueText(s.conn, true)}.close()`,
  sendto: (s) => `udp.sendto(${valueText(s.data, true)}.encode(), address(${JSON.stringify(s.server)}))`,
  recvfrom: (s) => `${target(s)}udp.recvfrom(65536)`,
  http_get: (s) => `${target(s)}urllib.request.urlopen(url(${JSON.stringify(s.server)}, ${JSON.stringify(typeof s.path === 'string' ? s.path : '/')}))`,
  load: (s) => `${target(s)}load(${JSON.stringify(s.server)}, connections=${valueText(s.connections, true)})`,
  send_file: (s) => `${target(s)}send_file(${JSON.stringify(s.server)}, mb=${valueText(s.mb, true)})`,
  sticky_demo: (s) => `${target(s)}sticky_demo(${JSON.stringify(s.mode)})`,
  fd_select: (s) => `${target(s)}${s.api === 'epoll' ? 'select.epoll().poll()' : s.api === 'poll' ? 'select.poll().poll()' : 'select.select(sockets, [], [])'}  # ${valueText(s.idle, true)} idle sockets`,
  epoll_drain: (s) => `${target(s)}drain(select.epoll(), ${s.mode === 'edge' ? 'select.EPOLLET' : '0'}, chunk=${valueText(s.chunk, true)})`,
  rebind_probe: (s) => `${target(s)}${s.reuse === true ? 'sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); ' : ''}sock.bind(address)`,
  recv_timeout: (s) => `sock.settimeout(${ms(s.timeoutMs)}); ${typeof s.into === 'string' ? s.into : '_'} = sock.recv(1024)`,
  backlog_probe: (s) => `${target(s)}server.listen(${valueText(s.backlog, true)})  # ${valueText(s.clients, true)} clients connect`,
  repeat: (s) => `for _ in range(${valueText(s.times, true)}):`,
  if: (s) => `if ${condText(s.cond, true)}:`,
  section: (s, c) => `with ${str(s.name)}:  # section: ${c.kind === 'task' ? 'tasks' : 'actors'} inside at once are counted`,
  log: (s) => `print(${JSON.stringify(s.message)}${isObject(s.values) && Object.keys(s.values).length > 0 ? `.format(${Object.entries(s.values).map(([k, val]) => `${k}=${valueText(val, true)}`).join(', ')})` : ''})`,
  record: (s) => `results[${JSON.stringify(s.name)}].append(${valueText(s.value, true)})`,
  mark: (s) => `print("--- ${str(s.name)} ---")`,
  fail: (s) => `raise RuntimeError(${JSON.stringify(s.message)})`,
};

function ms(value: unknown): string {
  return typeof value === 'number' ? String(value / 1000) : `${valueText(value, true)} / 1000`;
}

function target(s: Fields): string {
  return typeof s.into === 'string' ? `${s.into} = ` : '';
}

function awaitIf(ctx: PythonContext): string {
  return ctx.kind === 'task' ? 'await ' : '';
}

// ---- Whole programs

export type ProgramMode = 'steps' | 'python';

/** One line of a rendered program: the step it shows (null for a line of its own, such as `else:`), its depth and its text. */
export interface ProgramLine {
  readonly id: number | null;
  readonly depth: number;
  readonly text: string;
}

/** One step's line in the given mode. An op with no renderer shows as its op and fields (the test of this module fails for it). */
export function stepText(step: StepLike, mode: ProgramMode = 'steps', ctx: PythonContext = {}): string {
  const label = typeof step.label === 'string' && step.label !== '' ? step.label : undefined;
  const own = mode === 'python' ? (Object.hasOwn(PYTHON_TEXT, step.op) ? PYTHON_TEXT[step.op]!(step, ctx) : undefined) : Object.hasOwn(STEP_TEXT, step.op) ? STEP_TEXT[step.op]!(step) : undefined;
  const text = own ?? `${step.op} ${JSON.stringify(step).slice(0, 80)}`;
  if (label === undefined) return text;
  return mode === 'python' ? `${text}  # ${label}` : `${text}  — ${label}`;
}

/** An actor's program as lines, in the order of the step ids (an if's `else:` gets a line of its own). */
export function programLines(program: readonly StepLike[], mode: ProgramMode = 'steps', ctx: PythonContext = {}): ProgramLine[] {
  const lines: ProgramLine[] = [];
  const elseOf = new Map<readonly StepLike[], number>();
  walkProgram(program, (step, id, depth) => {
    if (step.op === 'if' && Array.isArray(step.else) && step.else.length > 0) elseOf.set(step.else as StepLike[], depth);
    lines.push({ id, depth, text: stepText(step, mode, ctx) });
  });
  if (elseOf.size === 0) return lines;
  // The `else:` line goes before the first step of its list: found by walking again with the lists' first steps.
  const firstOfElse = new Map<StepLike, number>();
  for (const [list, depth] of elseOf) firstOfElse.set(list[0]!, depth);
  const withElse: ProgramLine[] = [];
  const steps: StepLike[] = [];
  walkProgram(program, (step) => steps.push(step));
  lines.forEach((line, i) => {
    const depth = firstOfElse.get(steps[i]!);
    if (depth !== undefined) withElse.push({ id: null, depth, text: 'else:' });
    withElse.push(line);
  });
  return withElse;
}
