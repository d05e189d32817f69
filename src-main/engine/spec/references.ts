import type { ActorSpec, CheckSpec, PrimitiveType, Quantity, Spec, Step } from '../../model/spec-schema';
import type { SpecIssue } from '../../model/spec-issue';
import { ownValue } from './own-names';
import { runPathProblem, type RunPathKind } from './run-paths';
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
    if (groups.has(actor.name)) issues.push({ path: `actors[${i}].name`, message: 'actor names must be unique', received: JSON.stringify(actor.name) });
    groups.set(actor.name, actor);
    if (actor.kind === 'main') {
      if ((actor.count ?? 1) !== 1) issues.push({ path: `actors[${i}].count`, message: 'the main program runs once', received: String(actor.count), expected: '1' });
      if (actor.daemon) issues.push({ path: `actors[${i}].daemon`, message: 'the main program cannot be a daemon: daemons end when it ends', received: 'true', expected: 'false' });
    }
  });
  const mains = spec.actors.filter((actor) => actor.kind === 'main');
  if (mains.length > 1) issues.push({ path: 'actors', message: 'at most one actor of kind main', received: `${mains.length}`, expected: '0 or 1' });

  for (const [name, prim] of Object.entries(primitives)) {
    if (prim.type === 'condition' && prim.lock !== undefined) {
      const lock = ownValue(primitives, prim.lock);
      if (!lock) issues.push({ path: `primitives.${name}.lock`, message: 'no such primitive', received: JSON.stringify(prim.lock), expected: 'the name of a mutex or rlock' });
      else if (lock.type !== 'mutex' && lock.type !== 'rlock') issues.push({ path: `primitives.${name}.lock`, message: 'a condition needs a mutex or rlock', received: lock.type, expected: 'mutex or rlock' });
    }
    if (prim.type === 'bounded-semaphore' || prim.type === 'semaphore') {
      if (prim.value > 1_000_000) issues.push({ path: `primitives.${name}.value`, message: 'too large', received: String(prim.value), expected: 'at most 1000000' });
    }
  }

  for (const [name, server] of Object.entries(spec.servers ?? {})) {
    if (server.handler.kind === 'file-receive' && server.handler.saveDir !== undefined) checkRunPath(`servers.${name}.handler.saveDir`, server.handler.saveDir, 'folder', issues);
  }

  const spawned = new Set<string>();
  const functions = spec.functions ?? {};
  const pools = spec.pools ?? {};
  for (const name of Object.keys(pools)) {
    if (groups.has(name)) issues.push({ path: `pools.${name}`, message: 'a pool and an actor cannot share a name (the pool\'s workers are actors named after it)', received: JSON.stringify(name) });
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
          issues.push({ path: `${stepPath}.${field}`, message: 'no such primitive', received: JSON.stringify(prim), expected: names.length ? `one of ${list(names)}` : 'a name declared in primitives' });
          return;
        }
        if (!allowed.includes(def.type)) {
          issues.push({ path: `${stepPath}.${field}`, message: `${step.op} does not apply to a ${def.type}`, received: `${prim} (${def.type})`, expected: `a ${list(allowed)}` });
        }
        const lockOf = def.type === 'condition' && def.lock ? ownValue(primitives, def.lock) : undefined;
        const reach = def.reach ?? 'cross-process';
        if (crossProcess && (reach === 'in-process' || lockOf?.reach === 'in-process')) {
          issues.push({
            path: `${stepPath}.${field}`,
            message: `primitive ${prim} is in-process: it lives in memory shared by threads and tasks, which a ${actor.kind} actor (${actor.name}) does not share. Set primitives.${prim}.reach to "cross-process" so the runner brokers it for processes`,
            received: 'reach: in-process',
            expected: 'reach: cross-process',
          });
        }
      };
      const needVar = (field: string, name: string, indexed: boolean): void => {
        const def = ownValue(shared, name);
        if (!def) {
          const names = Object.keys(shared);
          issues.push({ path: `${stepPath}.${field}`, message: 'no such shared variable', received: JSON.stringify(name), expected: names.length ? `one of ${list(names)}` : 'a name declared in shared' });
          return;
        }
        if (indexed && (def.scope === 'shared' || def.scope === 'value') && !Array.isArray(def.initial)) {
          issues.push({ path: `${stepPath}.index`, message: `${name} is a single value, not an array`, received: 'an index', expected: 'no index' });
        }
      };
      const needQueue = (name: string): void => {
        if (!ownValue(queues, name)) {
          const names = Object.keys(queues);
          issues.push({ path: `${stepPath}.queue`, message: 'no such queue', received: JSON.stringify(name), expected: names.length ? `one of ${list(names)}` : 'a name declared in queues' });
        }
      };
      const needActor = (name: string, rawIndex: unknown): void => {
        const index = typeof rawIndex === 'number' ? rawIndex : undefined;
        const group = groups.get(name);
        if (!group) {
          issues.push({ path: `${stepPath}.actor`, message: 'no such actor', received: JSON.stringify(name), expected: `one of ${list([...groups.keys()])}` });
          return;
        }
        if (group.kind === 'main') issues.push({ path: `${stepPath}.actor`, message: 'the main program is not spawned, joined or terminated by steps', received: name });
        if (index !== undefined && index >= (group.count ?? 1)) {
          issues.push({ path: `${stepPath}.index`, message: `actor ${name} has ${group.count ?? 1} instances (indices from 0)`, received: String(index), expected: `at most ${(group.count ?? 1) - 1}` });
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
                message: `${step.var} is a 32-bit shared integer (scope ${target.scope}): ${step.op} cannot give it ${problem}`,
                received: excerptValue(given),
                expected: `an integer from ${INT32_MIN} to ${INT32_MAX}, or an expression that computes one (use scope "managed" for other values)`,
              });
            }
          }
          const def = step.op === 'add' ? target : undefined;
          if (def && (def.scope === 'value' || def.scope === 'array') && def.lock === false) {
            issues.push({ path: `${stepPath}.var`, message: `add is atomic only under the variable's own lock, and ${step.var} was declared without one`, received: `${step.var} (lock: false)`, expected: 'a variable with its lock, or read and write' });
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
            issues.push({ path: stepPath, message: 'join waits for an actor or for a queue', received: step.actor && step.queue ? 'both' : 'neither', expected: 'exactly one of actor, queue' });
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
            });
          }
          break;
        case 'list_actors':
          if (step.group !== undefined && !groups.has(step.group)) issues.push({ path: `${stepPath}.group`, message: 'no such actor', received: JSON.stringify(step.group), expected: `one of ${list([...groups.keys()])}` });
          break;
        case 'submit':
        case 'map':
        case 'shutdown': {
          if (!ownValue(pools, step.pool)) {
            const names = Object.keys(pools);
            issues.push({ path: `${stepPath}.pool`, message: 'no such pool', received: JSON.stringify(step.pool), expected: names.length ? `one of ${list(names)}` : 'a name declared in pools' });
          }
          const named = step.op === 'shutdown' ? [] : [['function', step.function] as const, ...(step.op === 'submit' && step.callback ? [['callback', step.callback] as const] : [])];
          for (const [field, fnName] of named) {
            if (!ownValue(functions, fnName)) {
              const names = Object.keys(functions);
              issues.push({ path: `${stepPath}.${field}`, message: 'no such function', received: JSON.stringify(fnName), expected: names.length ? `one of ${list(names)}` : 'a name declared in functions' });
            }
          }
          break;
        }
        case 'return':
          if (!inFunction) issues.push({ path: `${stepPath}.op`, message: 'return ends a function: it belongs in functions.<name>.steps', received: 'return in an actor program', expected: 'return inside a function' });
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
            issues.push({ path: `${stepPath}.server`, message: 'no such server', received: JSON.stringify(step.server), expected: names.length ? `one of ${list(names)}` : 'a name declared in servers' });
            break;
          }
          const wants: Record<string, readonly string[]> = { connect: ['tcp'], sendto: ['udp'], http_get: ['http'], load: ['tcp', 'http', 'udp'], send_file: ['tcp'] };
          if (!wants[step.op]!.includes(server.protocol)) {
            issues.push({ path: `${stepPath}.server`, message: `${step.op} needs a ${wants[step.op]!.join(' or ')} server; ${step.server} speaks ${server.protocol}`, received: server.protocol, expected: wants[step.op]!.join(' or ') });
          }
          if (step.op === 'send_file' && server.handler.kind !== 'file-receive') {
            issues.push({ path: `${stepPath}.server`, message: `send_file needs a server whose handler is file-receive; ${step.server} runs ${server.handler.kind}`, received: server.handler.kind, expected: 'file-receive' });
          }
          if (step.op === 'load' && (step.durationMs === undefined) === (step.requests === undefined)) {
            issues.push({ path: stepPath, message: 'a load runs for a time or a number of requests', received: step.durationMs !== undefined ? 'both' : 'neither', expected: 'exactly one of durationMs, requests' });
          }
          if (step.op === 'load' && step.httpMethod !== undefined && server.protocol !== 'http') {
            issues.push({ path: `${stepPath}.httpMethod`, message: `httpMethod applies to HTTP loads; ${step.server} speaks ${server.protocol}`, received: step.httpMethod, expected: 'no httpMethod field' });
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
            issues.push({ path: `${stepPath}.pipe`, message: 'no such pipe', received: JSON.stringify(step.pipe), expected: names.length ? `one of ${list(names)}` : 'a name declared in pipes' });
          }
          break;
        case 'var_lock':
        case 'var_unlock': {
          needVar('var', step.var, false);
          const def = ownValue(shared, step.var);
          if (def && (def.scope === 'shared' || def.scope === 'managed' || def.lock === false)) {
            issues.push({ path: `${stepPath}.var`, message: `${step.op} takes the own lock of a shared value or array declared with its lock`, received: `${step.var} (scope ${def.scope}${def.scope === 'value' || def.scope === 'array' ? ', lock: false' : ''})`, expected: 'scope value or array, lock not false' });
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
      issues.push({ path: `actors[${i}].autostart`, message: `actor ${actor.name} never starts: autostart is false and no spawn step names it`, received: 'false', expected: 'true, or a spawn step' });
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
const NON_INTEGER_EXPRESSIONS: Readonly<Record<string, string>> = { concat: 'a text', upper: 'a text', text: 'a text', json: 'a text', list: 'a list' };
const TEXT_SELF_FACTS = new Set(['name', 'group', 'kind']);

/**
 * Why a value written to a 32-bit shared integer cannot be stored, when that is known before the run
 * (a constant, a parameter already substituted, or an expression that always makes text or a list);
 * null when it can be, or when only the run can tell (a local, arithmetic on locals).
 */
export function int32Problem(value: unknown): string | null {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'a fraction';
    if (value < INT32_MIN || value > INT32_MAX) return 'a number outside the 32-bit range';
    return null;
  }
  if (typeof value === 'string') return 'a text';
  if (typeof value === 'boolean') return 'a boolean';
  if (value === null) return 'null';
  if (typeof value === 'object' && !Array.isArray(value)) {
    const [key] = Object.keys(value);
    if (key !== undefined && Object.hasOwn(NON_INTEGER_EXPRESSIONS, key)) return NON_INTEGER_EXPRESSIONS[key]!;
    if (key === 'self' && TEXT_SELF_FACTS.has(String((value as { self: unknown }).self))) return 'a text';
  }
  return null;
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
      message: `${kind === 'file' ? 'files' : 'folders'} live in the run's own folder, and ${problem}`,
      received: JSON.stringify(path),
      expected: kind === 'file' ? 'a relative path inside the run folder, such as "out/log.txt"' : 'a relative folder inside the run folder, such as "uploads" or "."',
    });
  }
}

function checkQuantity(q: Quantity, path: string, spec: Spec, groups: Map<string, ActorSpec>, issues: SpecIssue[]): void {
  if ('shared' in q && !ownValue(spec.shared, q.shared)) issues.push({ path: `${path}.shared`, message: 'no such shared variable', received: JSON.stringify(q.shared) });
  const pools = Object.keys(spec.pools ?? {});
  const known = (name: string): boolean => groups.has(name) || pools.includes(name) || pools.some((pool) => name === `${pool}-callbacks`);
  if ('actors' in q && !known(q.actors)) issues.push({ path: `${path}.actors`, message: 'no such actor or pool', received: JSON.stringify(q.actors) });
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
