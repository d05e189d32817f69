import { runMessage } from '../../model/run-wording';
import { oneOfZh, type SpecIssue } from '../../model/spec-issue';
import type { Spec, Step, StepOp, Value } from '../../model/spec-schema';

/**
 * What the CPython runtime supports of the spec language, checked before anything starts: a spec that
 * asks for more is refused with the JSON path of each part and "not supported on cpython". The Python
 * side keeps the same lists (its step table, resources/python/conlab_runtime/ops/, and steps.py) and refuses too, as a second line.
 */

// One op a line, in order: every op here has a handler in resources/python/conlab_runtime/ops/.
export const CPYTHON_STEPS: ReadonlySet<StepOp> = new Set<StepOp>([
  'acquire',
  'add',
  'backlog_probe',
  'block',
  'clear',
  'close',
  'compute',
  'epoll_drain',
  'connect',
  'fail',
  'fd_select',
  'file_append',
  'file_read',
  'file_write',
  'generator_pingpong',
  'get',
  'http_get',
  'if',
  'is_alive',
  'join',
  'let',
  'list_actors',
  'load',
  'log',
  'map',
  'mark',
  'notify',
  'os_child',
  'proc_state',
  'pipe_close',
  'pipe_recv',
  'pipe_send',
  'put',
  'read',
  'rebind_probe',
  'record',
  'recv_timeout',
  'recv',
  'recvfrom',
  'release',
  'repeat',
  'result',
  'return',
  'section',
  'send',
  'send_file',
  'sendto',
  'set',
  'shutdown',
  'sleep',
  'spawn',
  'sticky_demo',
  'submit',
  'task_done',
  'terminate',
  'var_lock',
  'var_unlock',
  'wait',
  'write',
]);
/** A utility actor (Electron's utilityProcess) runs as a multiprocessing.Process on CPython: a substitution the run records. */
export const CPYTHON_KINDS: ReadonlySet<string> = new Set(['main', 'thread', 'process', 'task', 'utility']);
export const CPYTHON_UTILITY_SUBSTITUTION = {
  kind: 'utility',
  ranAs: 'multiprocessing.Process (CPython)',
  reason: runMessage('cpython-utility-substitution'),
} as const;
export const CPYTHON_PRIMITIVES: ReadonlySet<string> = new Set(['mutex', 'rlock', 'semaphore', 'bounded-semaphore', 'event', 'condition', 'barrier']);
/** Steps a process actor may not take on CPython yet (they need the orchestrator, which is its parent). */
const ORCHESTRATOR_STEPS: ReadonlySet<StepOp> = new Set<StepOp>(['spawn', 'join', 'is_alive', 'terminate', 'list_actors']);
/** Steps that reach a pool: its executor lives in the interpreter, out of a process actor's reach. */
const POOL_STEPS: ReadonlySet<StepOp> = new Set<StepOp>(['submit', 'result', 'map', 'shutdown']);

const UNSUPPORTED = 'not supported on cpython';
const UNSUPPORTED_ZH = '在 CPython 上不支持';

function valueIssues(value: Value | undefined, path: string, issues: SpecIssue[]): void {
  if (value === null || value === undefined || typeof value !== 'object') return;
  for (const inner of Object.values(value)) {
    if (Array.isArray(inner)) inner.forEach((item, i) => valueIssues(item as Value, `${path}[${i}]`, issues));
    else if (inner !== null && typeof inner === 'object') valueIssues(inner as Value, path, issues);
  }
}

function stepIssues(steps: readonly Step[], path: string, inProcess: boolean, kinds: ReadonlyMap<string, string>, issues: SpecIssue[]): void {
  steps.forEach((step, index) => {
    const at = `${path}[${index}]`;
    if (!CPYTHON_STEPS.has(step.op)) {
      issues.push({ path: at, message: `step "${step.op}" is ${UNSUPPORTED}`, expected: [...CPYTHON_STEPS].join(', '), zh: { message: `步骤 "${step.op}" ${UNSUPPORTED_ZH}`, expected: oneOfZh([...CPYTHON_STEPS]) } });
      return;
    }
    if (inProcess && ORCHESTRATOR_STEPS.has(step.op) && !(step.op === 'join' && step.queue !== undefined)) {
      issues.push({
        path: at,
        message: `step "${step.op}" inside a process actor is ${UNSUPPORTED} (only main, threads and tasks start, join and list actors there)`,
        zh: { message: `进程参与者里的步骤 "${step.op}" ${UNSUPPORTED_ZH}（那里只有主程序、线程和任务能启动、等待和列出参与者）` },
      });
    }
    if (inProcess && POOL_STEPS.has(step.op)) {
      issues.push({
        path: at,
        message: `step "${step.op}" inside a process actor is ${UNSUPPORTED} (a pool's executor lives in the interpreter: main, threads and tasks use it)`,
        zh: { message: `进程参与者里的步骤 "${step.op}" ${UNSUPPORTED_ZH}（池的执行器在解释器里：主程序、线程和任务使用它）` },
      });
    }
    if (step.op === 'load') {
      // The CPython runtime's own generator always primes its connections and sends what its messageBytes say.
      if (step.prime !== undefined) {
        issues.push({ path: `${at}.prime`, message: `load.prime is ${UNSUPPORTED} (its generator always primes its connections)`, expected: 'no prime field', zh: { message: `load.prime ${UNSUPPORTED_ZH}（它的负载生成器总会预先建立连接）`, expected: '不写 prime 字段' } });
      }
      if (step.httpMethod !== undefined) {
        issues.push({ path: `${at}.httpMethod`, message: `load.httpMethod is ${UNSUPPORTED}`, expected: 'no httpMethod field', zh: { message: `load.httpMethod ${UNSUPPORTED_ZH}`, expected: '不写 httpMethod 字段' } });
      }
    }
    if (step.op === 'terminate' && kinds.get(step.actor) === 'thread') {
      issues.push({ path: `${at}.actor`, message: `terminating a thread is ${UNSUPPORTED} (a CPython thread cannot be killed)`, zh: { message: `终止线程${UNSUPPORTED_ZH}（CPython 的线程无法被强行结束）` } });
    }
    for (const [key, field] of Object.entries(step)) {
      if (key !== 'steps' && key !== 'then' && key !== 'else') valueIssues(field as Value, `${at}.${key}`, issues);
    }
    if (step.op === 'repeat' || step.op === 'section') stepIssues(step.steps, `${at}.steps`, inProcess, kinds, issues);
    if (step.op === 'if') {
      stepIssues(step.then, `${at}.then`, inProcess, kinds, issues);
      if (step.else) stepIssues(step.else, `${at}.else`, inProcess, kinds, issues);
    }
  });
}

/** Steps that wait on another actor: a greenlet would block the thread every greenlet shares. */
const GREENLET_WAITS: ReadonlySet<StepOp> = new Set<StepOp>(['acquire', 'wait', 'get', 'put', 'join']);

function greenletWaitIssues(steps: readonly Step[], path: string, issues: SpecIssue[]): void {
  steps.forEach((step, index) => {
    const at = `${path}[${index}]`;
    if (GREENLET_WAITS.has(step.op)) {
      issues.push({ path: at, message: `step "${step.op}" in a gevent task is ${UNSUPPORTED} yet (its wait would block every greenlet)`, zh: { message: `gevent 任务里的步骤 "${step.op}" 暂时${UNSUPPORTED_ZH}（它的等待会阻塞所有 greenlet）` } });
    }
    if (step.op === 'repeat' || step.op === 'section') greenletWaitIssues(step.steps, `${at}.steps`, issues);
    if (step.op === 'if') {
      greenletWaitIssues(step.then, `${at}.then`, issues);
      if (step.else) greenletWaitIssues(step.else, `${at}.else`, issues);
    }
  });
}

/** Every part of a resolved spec the CPython runtime cannot run, with its JSON path (empty: it can run all of it). */
export function cpythonIssues(spec: Spec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const forks = spec.actors.some((actor) => actor.kind === 'process') || Object.values(spec.pools ?? {}).some((pool) => pool.kind === 'process');
  for (const [name, def] of Object.entries(spec.queues ?? {})) {
    if (forks && def.order !== 'fifo') {
      issues.push({ path: `queues.${name}.order`, message: `a ${def.order} queue reached by process actors is ${UNSUPPORTED} (multiprocessing queues are FIFO)`, expected: 'fifo', zh: { message: `进程参与者能用到的 ${def.order} 队列${UNSUPPORTED_ZH}（multiprocessing 的队列是先进先出的）` } });
    }
  }
  for (const [name, def] of Object.entries(spec.servers ?? {})) {
    // Servers run as Python processes of the trial (resources/python/conlab_runtime/netservers/), every model.
    if (def.port !== undefined && def.port !== 0) {
      issues.push({
        path: `servers.${name}.port`,
        message: `a fixed port (${def.port}) is ${UNSUPPORTED}: its servers bind port 0 and the system chooses`,
        expected: '0 or no port',
        zh: { message: `固定端口（${def.port}）${UNSUPPORTED_ZH}：它的服务器绑定端口 0，由系统选择`, expected: '0，或不写端口' },
      });
    }
  }
  for (const [name, def] of Object.entries(spec.primitives ?? {})) {
    if (!CPYTHON_PRIMITIVES.has(def.type)) {
      issues.push({ path: `primitives.${name}.type`, message: `a ${def.type} is ${UNSUPPORTED} yet`, expected: [...CPYTHON_PRIMITIVES].join(', '), zh: { message: `${def.type} 暂时${UNSUPPORTED_ZH}`, expected: oneOfZh([...CPYTHON_PRIMITIVES]) } });
    }
  }
  // Both scopes run: shared (one dict, a private copy in a process actor) and managed (a multiprocessing.Manager).
  if (spec.cpython?.tasks === 'gevent' && forks) {
    issues.push({ path: 'cpython.tasks', message: `gevent tasks beside process actors are ${UNSUPPORTED} (a forked child would inherit the hub)`, expected: 'asyncio', zh: { message: `gevent 任务与进程参与者同时使用${UNSUPPORTED_ZH}（fork 出的子进程会继承 hub）` } });
  }
  if (spec.cpython?.tasks === 'gevent') {
    spec.actors.forEach((actor, index) => {
      if (actor.kind === 'task') greenletWaitIssues(actor.program, `actors[${index}].program`, issues);
    });
  }
  const kinds = new Map(spec.actors.map((actor) => [actor.name, actor.kind]));
  spec.actors.forEach((actor, index) => {
    if (!CPYTHON_KINDS.has(actor.kind)) {
      issues.push({ path: `actors[${index}].kind`, message: `actor kind "${actor.kind}" is ${UNSUPPORTED}`, expected: [...CPYTHON_KINDS].join(', '), zh: { message: `参与者类型 "${actor.kind}" ${UNSUPPORTED_ZH}`, expected: oneOfZh([...CPYTHON_KINDS]) } });
      return;
    }
    stepIssues(actor.program, `actors[${index}].program`, actor.kind === 'process' || actor.kind === 'utility', kinds, issues);
  });
  // A function runs in a pool's worker, a callback or a thread: a process pool's worker refuses, when it runs, what needs the interpreter.
  for (const [name, fn] of Object.entries(spec.functions ?? {})) stepIssues(fn.steps, `functions.${name}.steps`, false, kinds, issues);
  return issues;
}
