import type { ActorSpec, CheckSpec, PrimitiveType, Quantity, Spec, Step } from '../../model/spec-schema';
import { declaredInZh, oneOfZh, type SpecIssue } from '../../model/spec-issue';
import { ownValue } from './own-names';
import { runPathProblem, type RunPathKind } from './run-paths';
import type { Bilingual } from '../../model/spec-issue';
import { assertNever } from '../../model/assert-never';

/**
 * Cross-reference checks of a resolved spec: every name a step uses exists and has the right type,
 * and every primitive an actor uses can reach that actor's kind. Pure.
 */

const ACQUIRABLE: readonly PrimitiveType[] = ['mutex', 'rlock', 'semaphore', 'bounded-semaphore', 'condition'];
const WAITABLE: readonly PrimitiveType[] = ['event', 'condition', 'barrier'];
const PROCESS_KINDS = new Set<ActorSpec['kind']>(['process', 'utility']);

function list(types: readonly string[]): string {
  return types.join(', ');
}

export function* walkSteps(steps: readonly Step[], path: string): Generator<{ step: Step; path: string }> {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const here = `${path}[${i}]`;
    yield { step, path: here };
    if (step.op === 'repeat' || step.op === 'section') yield* walkSteps(step.steps, `${here}.steps`);
    if (step.op === 'if') {
      yield* walkSteps(step.then, `${here}.then`);
      if (step.else) yield* walkSteps(step.else, `${here}.else`);
    }
  }
}

export function checkReferences(spec: Spec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const shared = spec.shared ?? {};
  const primitives = spec.primitives ?? {};
  const queues = spec.queues ?? {};
  const groups = new Map<string, ActorSpec>();

  spec.actors.forEach((actor, i) => {
    if (groups.has(actor.name)) issues.push({ path: `actors[${i}].name`, message: 'actor names must be unique', received: JSON.stringify(actor.name), zh: { message: '参与者的名字不能重复' } });
    groups.set(actor.name, actor);
    if (actor.kind === 'main') {
      if ((actor.count ?? 1) !== 1) issues.push({ path: `actors[${i}].count`, message: 'the main program runs once', received: String(actor.count), expected: '1', zh: { message: '主程序只运行一次' } });
      if (actor.daemon) issues.push({ path: `actors[${i}].daemon`, message: 'the main program cannot be a daemon: daemons end when it ends', received: 'true', expected: 'false', zh: { message: '主程序不能是守护者：守护者在主程序结束时结束' } });
    }
  });
  const mains = spec.actors.filter((actor) => actor.kind === 'main');
  if (mains.length > 1) issues.push({ path: 'actors', message: 'at most one actor of kind main', received: `${mains.length}`, expected: '0 or 1', zh: { message: '类型为 main 的参与者至多一个', expected: '0 或 1' } });

  for (const [name, prim] of Object.entries(primitives)) {
    if (prim.type === 'condition' && prim.lock !== undefined) {
      const lock = ownValue(primitives, prim.lock);
      if (!lock) issues.push({ path: `primitives.${name}.lock`, message: 'no such primitive', received: JSON.stringify(prim.lock), expected: 'the name of a mutex or rlock', zh: { message: '没有这个同步原语', expected: '一个 mutex 或 rlock 的名字' } });
      else if (lock.type !== 'mutex' && lock.type !== 'rlock') issues.push({ path: `primitives.${name}.lock`, message: 'a condition needs a mutex or rlock', received: lock.type, expected: 'mutex or rlock', zh: { message: '条件变量需要一个 mutex 或 rlock', expected: 'mutex 或 rlock' } });
    }
    if (prim.type === 'bounded-semaphore' || prim.type === 'semaphore') {
      if (prim.value > 1_000_000) issues.push({ path: `primitives.${name}.value`, message: 'too large', received: String(prim.value), expected: 'at most 1000000', zh: { message: '太大', expected: '至多 1000000' } });
    }
  }

  for (const [name, server] of Object.entries(spec.servers ?? {})) {
    if (server.handler.kind === 'file-receive' && server.handler.saveDir !== undefined) checkRunPath(`servers.${name}.handler.saveDir`, server.handler.saveDir, 'folder', issues);
  }

  const spawned = new Set<string>();
  const functions = spec.functions ?? {};
  const pools = spec.pools ?? {};
  for (const name of Object.keys(pools)) {
    if (groups.has(name)) issues.push({ path: `pools.${name}`, message: 'a pool and an actor cannot share a name (the pool\'s workers are actors named after it)', received: JSON.stringify(name), zh: { message: '池和参与者不能同名（池的工作者是以池命名的参与者）' } });
  }
  // A function may run in any pool's workers: check it against the strictest kind present.
  const functionKind: ActorSpec['kind'] = Object.values(pools).some((pool) => pool.kind === 'process') ? 'process' : 'thread';
  const programs: { actor: Pick<ActorSpec, 'name' | 'kind'>; steps: readonly Step[]; path: string; inFunction: boolean }[] = [
    ...spec.actors.map((actor, i) => ({ actor, steps: actor.program, path: `actors[${i}].program`, inFunction: false })),
    ...Object.entries(functions).map(([name, fn]) => ({ actor: { name: `function ${name}`, kind: functionKind }, steps: fn.steps, path: `functions.${name}.steps`, inFunction: true })),
  ];
  programs.forEach(({ actor, steps: programSteps, path: programPath, inFunction }) => {
    const crossProcess = PROCESS_KINDS.has(actor.kind);
    for (const { step, path: stepPath } of walkSteps(programSteps, programPath)) {
      const needPrim = (field: string, prim: string, allowed: readonly PrimitiveType[]): void => {
        const def = ownValue(primitives, prim);
        if (!def) {
          const names = Object.keys(primitives);
          issues.push({ path: `${stepPath}.${field}`, message: 'no such primitive', received: JSON.stringify(prim), expected: names.length ? `one of ${list(names)}` : 'a name declared in primitives', zh: { message: '没有这个同步原语', expected: names.length ? oneOfZh(names) : declaredInZh('primitives') } });
          return;
        }
        if (!allowed.includes(def.type)) {
          issues.push({ path: `${stepPath}.${field}`, message: `${step.op} does not apply to a ${def.type}`, received: `${prim} (${def.type})`, expected: `a ${list(allowed)}`, zh: { message: `${step.op} 不适用于 ${def.type}`, expected: oneOfZh(allowed) } });
        }
        const lockOf = def.type === 'condition' && def.lock ? ownValue(primitives, def.lock) : undefined;
        const reach = def.reach ?? 'cross-process';
        if (crossProcess && (reach === 'in-process' || lockOf?.reach === 'in-process')) {
          issues.push({
            path: `${stepPath}.${field}`,
            message: `primitive ${prim} is in-process: it lives in memory shared by threads and tasks, which a ${actor.kind} actor (${actor.name}) does not share. Set primitives.${prim}.reach to "cross-process" so the runner brokers it for processes`,
            received: 'reach: in-process',
            expected: 'reach: cross-process',
            zh: {
              message: `同步原语 ${prim} 是进程内的：它在线程和任务共享的内存里，而 ${actor.kind} 参与者（${actor.name}）不共享这块内存。把 primitives.${prim}.reach 设为 "cross-process"，由运行器为进程代理它`,
            },
          });
        }
      };
      const needVar = (field: string, name: string, indexed: boolean): void => {
        const def = ownValue(shared, name);
        if (!def) {
          const names = Object.keys(shared);
          issues.push({ path: `${stepPath}.${field}`, message: 'no such shared variable', received: JSON.stringify(name), expected: names.length ? `one of ${list(names)}` : 'a name declared in shared', zh: { message: '没有这个共享变量', expected: names.length ? oneOfZh(names) : declaredInZh('shared') } });
          return;
        }
        if (indexed && (def.scope === 'shared' || def.scope === 'value') && !Array.isArray(def.initial)) {
          issues.push({ path: `${stepPath}.index`, message: `${name} is a single value, not an array`, received: 'an index', expected: 'no index', zh: { message: `${name} 是单个值，不是数组`, received: '一个下标', expected: '不带下标' } });
        }
      };
      const needQueue = (name: string): void => {
        if (!ownValue(queues, name)) {
          const names = Object.keys(queues);
          issues.push({ path: `${stepPath}.queue`, message: 'no such queue', received: JSON.stringify(name), expected: names.length ? `one of ${list(names)}` : 'a name declared in queues', zh: { message: '没有这个队列', expected: names.length ? oneOfZh(names) : declaredInZh('queues') } });
        }
      };
      const needActor = (name: string, rawIndex: unknown): void => {
        const index = typeof rawIndex === 'number' ? rawIndex : undefined;
        const group = groups.get(name);
        if (!group) {
          issues.push({ path: `${stepPath}.actor`, message: 'no such actor', received: JSON.stringify(name), expected: `one of ${list([...groups.keys()])}`, zh: { message: '没有这个参与者', expected: oneOfZh([...groups.keys()]) } });
          return;
        }
        if (group.kind === 'main') issues.push({ path: `${stepPath}.actor`, message: 'the main program is not spawned, joined or terminated by steps', received: name, zh: { message: '主程序不由步骤启动、等待或终止' } });
        if (index !== undefined && index >= (group.count ?? 1)) {
          issues.push({
            path: `${stepPath}.index`,
            message: `actor ${name} has ${group.count ?? 1} instances (indices from 0)`,
            received: String(index),
            expected: `at most ${(group.count ?? 1) - 1}`,
            zh: { message: `参与者 ${name} 有 ${group.count ?? 1} 个实例（下标从 0 开始）`, expected: `至多 ${(group.count ?? 1) - 1}` },
          });
        }
      };
      switch (step.op) {
        case 'read':
        case 'write':
        case 'add': {
          needVar('var', step.var, step.index !== undefined);
          const target = ownValue(shared, step.var);
          if (target && target.scope !== 'managed' && step.op !== 'read') {
            const field = step.op === 'write' ? 'value' : 'delta';
            const given = step.op === 'write' ? step.value : step.delta;
            const problem = int32Problem(given);
            if (problem !== null) {
              issues.push({
                path: `${stepPath}.${field}`,
                message: `${step.var} is a 32-bit shared integer (scope ${target.scope}): ${step.op} cannot give it ${problem.en}`,
                received: excerptValue(given),
                expected: `an integer from ${INT32_MIN} to ${INT32_MAX}, or an expression that computes one (use scope "managed" for other values)`,
                zh: {
                  message: `${step.var} 是 32 位共享整数（作用域 ${target.scope}）：${step.op} 不能给它${problem.zh}`,
                  expected: `${INT32_MIN} 到 ${INT32_MAX} 之间的整数，或算出这样一个整数的表达式（其他值请用作用域 "managed"）`,
                },
              });
            }
          }
          const def = step.op === 'add' ? target : undefined;
          if (def && (def.scope === 'value' || def.scope === 'array') && def.lock === false) {
            issues.push({
              path: `${stepPath}.var`,
              message: `add is atomic only under the variable's own lock, and ${step.var} was declared without one`,
              received: `${step.var} (lock: false)`,
              expected: 'a variable with its lock, or read and write',
              zh: { message: `add 只有在变量自带的锁下才是原子的，而 ${step.var} 声明时没有锁`, expected: '一个带锁的变量，或改用 read 和 write' },
            });
          }
          break;
        }
        case 'acquire':
        case 'release':
          needPrim('prim', step.prim, ACQUIRABLE);
          break;
        case 'wait':
          needPrim('prim', step.prim, WAITABLE);
          break;
        case 'set':
        case 'clear':
          needPrim('prim', step.prim, ['event']);
          break;
        case 'notify':
          needPrim('prim', step.prim, ['condition']);
          break;
        case 'put':
        case 'get':
        case 'task_done':
          needQueue(step.queue);
          break;
        case 'spawn':
          needActor(step.actor, step.index);
          spawned.add(step.actor);
          break;
        case 'terminate':
        case 'is_alive':
          needActor(step.actor, step.index);
          break;
        case 'join':
          if ((step.actor === undefined) === (step.queue === undefined)) {
            issues.push(exactlyOneOf(stepPath, ['actor', 'queue'], Boolean(step.actor && step.queue), { en: 'join waits for an actor or for a queue', zh: 'join 等待一个参与者或一个队列' }));
          } else if (step.actor !== undefined) needActor(step.actor, step.index);
          else if (step.queue !== undefined) needQueue(step.queue);
          break;
        case 'os_child':
          if (!crossProcess) {
            issues.push({
              path: `${stepPath}.op`,
              message: `os_child runs in a process actor: the OS children it starts belong to that actor's process group, which the runner ends with it; ${actor.name} is a ${actor.kind} actor`,
              received: actor.kind,
              expected: 'an actor of kind process or utility',
              zh: {
                message: `os_child 在进程参与者里运行：它启动的操作系统子进程属于该参与者的进程组，运行器会把它们一起结束；${actor.name} 是 ${actor.kind} 参与者`,
                expected: '类型为 process 或 utility 的参与者',
              },
            });
          }
          break;
        case 'list_actors':
          if (step.group !== undefined && !groups.has(step.group)) {
            issues.push({ path: `${stepPath}.group`, message: 'no such actor', received: JSON.stringify(step.group), expected: `one of ${list([...groups.keys()])}`, zh: { message: '没有这个参与者', expected: oneOfZh([...groups.keys()]) } });
          }
          break;
        case 'submit':
        case 'map':
        case 'shutdown': {
          if (!ownValue(pools, step.pool)) {
            const names = Object.keys(pools);
            issues.push({ path: `${stepPath}.pool`, message: 'no such pool', received: JSON.stringify(step.pool), expected: names.length ? `one of ${list(names)}` : 'a name declared in pools', zh: { message: '没有这个池', expected: names.length ? oneOfZh(names) : declaredInZh('pools') } });
          }
          const named = step.op === 'shutdown' ? [] : [['function', step.function] as const, ...(step.op === 'submit' && step.callback ? [['callback', step.callback] as const] : [])];
          for (const [field, fnName] of named) {
            if (!ownValue(functions, fnName)) {
              const names = Object.keys(functions);
              issues.push({ path: `${stepPath}.${field}`, message: 'no such function', received: JSON.stringify(fnName), expected: names.length ? `one of ${list(names)}` : 'a name declared in functions', zh: { message: '没有这个函数', expected: names.length ? oneOfZh(names) : declaredInZh('functions') } });
            }
          }
          break;
        }
        case 'return':
          if (!inFunction) {
            issues.push({
              path: `${stepPath}.op`,
              message: 'return ends a function: it belongs in functions.<name>.steps',
              received: 'return in an actor program',
              expected: 'return inside a function',
              zh: { message: 'return 用来结束函数：它应写在 functions.<名字>.steps 里', received: '参与者程序里的 return', expected: '函数里的 return' },
            });
          }
          break;
        case 'result':
          break;
        case 'connect':
        case 'sendto':
        case 'http_get':
        case 'load':
        case 'send_file': {
          const server = ownValue(spec.servers, step.server);
          if (!server) {
            const names = Object.keys(spec.servers ?? {});
            issues.push({ path: `${stepPath}.server`, message: 'no such server', received: JSON.stringify(step.server), expected: names.length ? `one of ${list(names)}` : 'a name declared in servers', zh: { message: '没有这个服务器', expected: names.length ? oneOfZh(names) : declaredInZh('servers') } });
            break;
          }
          const wants: Record<string, readonly string[]> = { connect: ['tcp'], sendto: ['udp'], http_get: ['http'], load: ['tcp', 'http', 'udp'], send_file: ['tcp'] };
          if (!wants[step.op]!.includes(server.protocol)) {
            const wanted = wants[step.op]!;
            issues.push({
              path: `${stepPath}.server`,
              message: `${step.op} needs a ${wanted.join(' or ')} server; ${step.server} speaks ${server.protocol}`,
              received: server.protocol,
              expected: wanted.join(' or '),
              zh: { message: `${step.op} 需要 ${wanted.join(' 或 ')} 服务器；${step.server} 用的是 ${server.protocol}`, expected: wanted.join(' 或 ') },
            });
          }
          if (step.op === 'send_file' && server.handler.kind !== 'file-receive') {
            issues.push({
              path: `${stepPath}.server`,
              message: `send_file needs a server whose handler is file-receive; ${step.server} runs ${server.handler.kind}`,
              received: server.handler.kind,
              expected: 'file-receive',
              zh: { message: `send_file 需要处理方式为 file-receive 的服务器；${step.server} 的处理方式是 ${server.handler.kind}` },
            });
          }
          if (step.op === 'load' && (step.durationMs === undefined) === (step.requests === undefined)) {
            issues.push(exactlyOneOf(stepPath, ['durationMs', 'requests'], step.durationMs !== undefined, { en: 'a load runs for a time or a number of requests', zh: '负载按时长或按请求数运行' }));
          }
          if (step.op === 'load' && step.httpMethod !== undefined && server.protocol !== 'http') {
            issues.push({
              path: `${stepPath}.httpMethod`,
              message: `httpMethod applies to HTTP loads; ${step.server} speaks ${server.protocol}`,
              received: step.httpMethod,
              expected: 'no httpMethod field',
              zh: { message: `httpMethod 只用于 HTTP 负载；${step.server} 用的是 ${server.protocol}`, expected: '不写 httpMethod 字段' },
            });
          }
          break;
        }
        case 'send':
        case 'recv':
        case 'close':
        case 'recvfrom':
        case 'sticky_demo':
          break;
        case 'proc_state':
        case 'generator_pingpong':
          break;
        case 'file_append':
        case 'file_write':
        case 'file_read':
          checkRunPath(`${stepPath}.path`, step.path, 'file', issues);
          break;
        case 'pipe_send':
        case 'pipe_recv':
        case 'pipe_close':
          if (!ownValue(spec.pipes ?? {}, step.pipe)) {
            const names = Object.keys(spec.pipes ?? {});
            issues.push({ path: `${stepPath}.pipe`, message: 'no such pipe', received: JSON.stringify(step.pipe), expected: names.length ? `one of ${list(names)}` : 'a name declared in pipes', zh: { message: '没有这个管道', expected: names.length ? oneOfZh(names) : declaredInZh('pipes') } });
          }
          break;
        case 'var_lock':
        case 'var_unlock': {
          needVar('var', step.var, false);
          const def = ownValue(shared, step.var);
          if (def && (def.scope === 'shared' || def.scope === 'managed' || def.lock === false)) {
            issues.push({
              path: `${stepPath}.var`,
              message: `${step.op} takes the own lock of a shared value or array declared with its lock`,
              received: `${step.var} (scope ${def.scope}${def.scope === 'value' || def.scope === 'array' ? ', lock: false' : ''})`,
              expected: 'scope value or array, lock not false',
              zh: { message: `${step.op} 获取的是声明时带锁的共享 value 或 array 自带的锁`, expected: '作用域为 value 或 array，且 lock 不是 false' },
            });
          }
          break;
        }
        case 'fd_select':
        case 'epoll_drain':
        case 'rebind_probe':
        case 'recv_timeout':
        case 'backlog_probe':
        case 'compute':
        case 'sleep':
        case 'block':
        case 'let':
        case 'log':
        case 'record':
        case 'mark':
        case 'fail':
        case 'repeat':
        case 'if':
        case 'section':
          break;
        default:
          assertNever(step, 'step');
      }
    }
  });

  spec.actors.forEach((actor, i) => {
    if (actor.kind !== 'main' && actor.autostart === false && !spawned.has(actor.name)) {
      issues.push({
        path: `actors[${i}].autostart`,
        message: `actor ${actor.name} never starts: autostart is false and no spawn step names it`,
        received: 'false',
        expected: 'true, or a spawn step',
        zh: { message: `参与者 ${actor.name} 永远不会启动：autostart 是 false，也没有 spawn 步骤提到它`, expected: 'true，或一个 spawn 步骤' },
      });
    }
  });

  (spec.claims ?? []).forEach((claim, i) => {
    checkClaim(claim.check, `claims[${i}].check`, spec, groups, issues);
    if (claim.given) checkClaim(claim.given, `claims[${i}].given`, spec, groups, issues);
  });
  return issues;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
/** Expressions whose result is never an integer: text, lists, JSON text. */
const A_TEXT: Bilingual = { en: 'a text', zh: '一段文字' };
const NON_INTEGER_EXPRESSIONS: Readonly<Record<string, Bilingual>> = { concat: A_TEXT, upper: A_TEXT, text: A_TEXT, json: A_TEXT, list: { en: 'a list', zh: '一个列表' } };
const TEXT_SELF_FACTS = new Set(['name', 'group', 'kind']);

/**
 * Why a value written to a 32-bit shared integer cannot be stored, when that is known before the run
 * (a constant, a parameter already substituted, or an expression that always makes text or a list);
 * null when it can be, or when only the run can tell (a local, arithmetic on locals).
 */
export function int32Problem(value: unknown): Bilingual | null {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { en: 'a fraction', zh: '一个小数' };
    if (value < INT32_MIN || value > INT32_MAX) return { en: 'a number outside the 32-bit range', zh: '一个超出 32 位范围的数' };
    return null;
  }
  if (typeof value === 'string') return A_TEXT;
  if (typeof value === 'boolean') return { en: 'a boolean', zh: '一个布尔值' };
  if (value === null) return { en: 'null', zh: 'null' };
  if (typeof value === 'object' && !Array.isArray(value)) {
    const [key] = Object.keys(value);
    if (key !== undefined && Object.hasOwn(NON_INTEGER_EXPRESSIONS, key)) return NON_INTEGER_EXPRESSIONS[key]!;
    if (key === 'self' && TEXT_SELF_FACTS.has(String((value as { self: unknown }).self))) return A_TEXT;
  }
  return null;
}

/** A step that takes exactly one of two fields and was given both or neither. */
function exactlyOneOf(path: string, fields: readonly [string, string], both: boolean, message: Bilingual): SpecIssue {
  return {
    path,
    message: message.en,
    received: both ? 'both' : 'neither',
    expected: `exactly one of ${fields.join(', ')}`,
    zh: { message: message.zh, received: both ? '两个都有' : '两个都没有', expected: `${fields[0]} 和 ${fields[1]} 恰好一个` },
  };
}

function excerptValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A path a spec names must stay in the run folder (see run-paths.ts). */
function checkRunPath(at: string, path: string, kind: RunPathKind, issues: SpecIssue[]): void {
  const problem = runPathProblem(path, kind);
  if (problem !== null) {
    issues.push({
      path: at,
      message: `${kind === 'file' ? 'files' : 'folders'} live in the run's own folder, and ${problem.en}`,
      received: JSON.stringify(path),
      expected: kind === 'file' ? 'a relative path inside the run folder, such as "out/log.txt"' : 'a relative folder inside the run folder, such as "uploads" or "."',
      zh: {
        message: `${kind === 'file' ? '文件' : '文件夹'}都在这次运行自己的文件夹里，而这个路径${problem.zh}`,
        expected: kind === 'file' ? '运行文件夹内的相对路径，例如 "out/log.txt"' : '运行文件夹内的相对文件夹，例如 "uploads" 或 "."',
      },
    });
  }
}

function checkQuantity(q: Quantity, path: string, spec: Spec, groups: Map<string, ActorSpec>, issues: SpecIssue[]): void {
  if ('shared' in q && !ownValue(spec.shared, q.shared)) issues.push({ path: `${path}.shared`, message: 'no such shared variable', received: JSON.stringify(q.shared), zh: { message: '没有这个共享变量' } });
  const pools = Object.keys(spec.pools ?? {});
  const known = (name: string): boolean => groups.has(name) || pools.includes(name) || pools.some((pool) => name === `${pool}-callbacks`);
  if ('actors' in q && !known(q.actors)) issues.push({ path: `${path}.actors`, message: 'no such actor or pool', received: JSON.stringify(q.actors), zh: { message: '没有这个参与者或池' } });
}

function checkClaim(check: CheckSpec, path: string, spec: Spec, groups: Map<string, ActorSpec>, issues: SpecIssue[]): void {
  if ('compare' in check) {
    checkQuantity(check.compare[0], `${path}.compare[0]`, spec, groups, issues);
    checkQuantity(check.compare[2], `${path}.compare[2]`, spec, groups, issues);
  } else if ('before' in check) {
    checkQuantity(check.before[0], `${path}.before[0]`, spec, groups, issues);
    checkQuantity(check.before[1], `${path}.before[1]`, spec, groups, issues);
  } else if ('all' in check) check.all.forEach((c, i) => checkClaim(c, `${path}.all[${i}]`, spec, groups, issues));
  else if ('any' in check) check.any.forEach((c, i) => checkClaim(c, `${path}.any[${i}]`, spec, groups, issues));
  else checkClaim(check.not, `${path}.not`, spec, groups, issues);
}
