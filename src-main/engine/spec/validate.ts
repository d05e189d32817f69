import type { z } from 'zod';
import { authoredSpecSchema, ID_PATTERN_TEXT, NAME_PATTERN_TEXT, resolvedSpecSchema, type Spec, type Step, type PrimitiveType } from '../../model/spec-schema';
import { checkReferences } from './references';
import { DEFAULT_LIMIT_CAPS, type LimitCaps } from '../../model/limit-caps';
import { formatSpecIssues, oneOfZh, type ParamValues, type SpecIssue } from '../../model/spec-issue';
import { resolveLimits, type EffectiveLimits } from './limits';
import { hasOwnName, isBuiltInName, ownValue, setOwnValue } from './own-names';

/**
 * Validation of experiment specs: a bad spec is refused before anything starts, with every error
 * naming its JSON path, what was given and what was expected. Pure: no Node imports.
 */

export class SpecError extends Error {
  constructor(readonly issues: readonly SpecIssue[]) {
    super(formatSpecIssues(issues));
    this.name = 'SpecError';
  }
}


export interface ValidatedSpec {
  readonly spec: Spec;
  readonly params: ParamValues;
  readonly limits: EffectiveLimits;
}

export interface ValidateOptions {
  /** `--set name=value` overrides, as text (the CLI) or typed values (the UI). */
  readonly overrides?: Readonly<Record<string, string | number | boolean>>;
  readonly caps?: LimitCaps;
  /** CPUs of the machine that will run the spec (default pool sizes depend on it). */
  readonly cpuCount?: number;
}

export function pathToString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    // A key that is not a plain name (control characters, spaces, a whole sentence) is shown quoted
    // with JSON's escapes and cut short: paths are printed to terminals.
    else if (typeof key === 'string' && !/^[A-Za-z_$][\w$-]{0,63}$/.test(key)) out += `[${excerpt(key)}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function excerpt(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

const STEP_OPS = [
  'compute', 'sleep', 'block', 'let', 'read', 'write', 'add', 'acquire', 'release', 'wait', 'set', 'clear', 'notify',
  'put', 'get', 'task_done', 'spawn', 'join', 'terminate', 'is_alive', 'file_append', 'file_read', 'file_write', 'list_actors',
  'os_child', 'proc_state', 'generator_pingpong', 'submit', 'result', 'map', 'shutdown', 'return', 'connect', 'send', 'recv', 'close', 'sendto', 'recvfrom',
  'http_get', 'load', 'send_file', 'sticky_demo', 'log', 'record',
  'mark', 'fail', 'repeat', 'if', 'section', 'pipe_send', 'pipe_recv', 'pipe_close', 'var_lock', 'var_unlock', 'fd_select', 'epoll_drain',
  'rebind_probe', 'recv_timeout', 'backlog_probe',
] as const satisfies readonly Step['op'][];
const PRIMITIVE_TYPES = ['mutex', 'rlock', 'semaphore', 'bounded-semaphore', 'event', 'condition', 'barrier'] as const satisfies readonly PrimitiveType[];

/** Turns zod issues into ours: one line per problem, the deepest useful path, the value that was given. */
export function zodIssues(error: z.ZodError, input: unknown, prefix: readonly PropertyKey[] = []): SpecIssue[] {
  return convertIssues(error.issues, input, prefix);
}

function convertIssues(issues: readonly z.core.$ZodIssue[], input: unknown, prefix: readonly PropertyKey[]): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const received = excerpt(valueAt(input, issue.path));
    const at = pathToString(path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push({ path: pathToString([...path, key]), message: 'unknown field', received: excerpt(valueAt(input, [...issue.path, key])), expected: 'no such field', zh: { message: '未知字段', expected: '这里没有这个字段' } });
        }
        break;
      case 'invalid_union': {
        const node = valueAt(input, issue.path);
        const discriminator = 'note' in issue && issue.note === 'No matching discriminator';
        // zod 4 puts the discriminating key itself at the end of the path and lists the accepted values.
        const key = issue.discriminator;
        const options = 'options' in issue ? issue.options : undefined;
        if (discriminator && key !== undefined && options && issue.path[issue.path.length - 1] === key) {
          const what = key === 'op' ? 'step' : key;
          const zhWhat = key === 'op' ? '步骤' : key === 'type' ? '类型' : key === 'scope' ? '作用域' : key;
          out.push({
            path: at,
            message: node === undefined ? `missing ${key}` : `unknown ${what}`,
            received,
            expected: `one of ${options.map(String).join(', ')}`,
            zh: { message: node === undefined ? `缺少 ${key}` : `未知的${zhWhat}`, expected: oneOfZh(options.map(String)) },
          });
        } else if (discriminator && node && typeof node === 'object' && 'op' in node) {
          out.push({ path: pathToString([...path, 'op']), message: 'unknown step', received: excerpt((node as { op: unknown }).op), expected: `one of ${STEP_OPS.join(', ')}`, zh: { message: '未知的步骤', expected: oneOfZh(STEP_OPS) } });
        } else if (discriminator && node && typeof node === 'object' && 'type' in node) {
          out.push({
            path: pathToString([...path, 'type']),
            message: 'unknown type',
            received: excerpt((node as { type: unknown }).type),
            expected: `one of ${PRIMITIVE_TYPES.join(', ')} (primitives) or integer, number, boolean, choice (params)`,
            zh: { message: '未知的类型', expected: `同步原语为${oneOfZh(PRIMITIVE_TYPES)}；参数为 integer、number、boolean、choice 之一` },
          });
        } else if (discriminator && node && typeof node === 'object' && 'scope' in node) {
          out.push({ path: pathToString([...path, 'scope']), message: 'unknown scope', received: excerpt((node as { scope: unknown }).scope), expected: 'shared, managed, value or array', zh: { message: '未知的作用域', expected: oneOfZh(['shared', 'managed', 'value', 'array']) } });
        } else if (discriminator) {
          const isObject = Array.isArray(issue.path) && node && typeof node === 'object';
          const field = isObject ? 'a discriminating field (op, type or scope)' : 'an object';
          out.push({ path: at, message: 'missing or unknown kind', received, expected: field, zh: { message: '缺少表明类别的字段，或类别未知', expected: isObject ? '一个表明类别的字段（op、type 或 scope）' : '一个对象' } });
        } else {
          // Report the branch that got furthest: the one whose first issue has the longest path.
          const branches = issue.errors.filter((branch) => branch.length > 0);
          const best = branches.sort((a, b) => (b[0]?.path.length ?? 0) - (a[0]?.path.length ?? 0))[0];
          const deepest = best?.[0];
          if (deepest && deepest.path.length > 0 && deepest.code !== 'invalid_type') {
            out.push(...convertIssues([deepest], node, path));
          } else {
            const wanted = describeUnion(issue.path, issue.errors);
            out.push(node === undefined ? missingField(at, wanted) : { path: at, message: 'not an accepted form', received, expected: wanted.en, zh: { message: '不是可接受的写法', expected: wanted.zh } });
          }
        }
        break;
      }
      case 'invalid_type': {
        const wanted = { en: issue.expected, zh: TYPE_ZH[issue.expected] ?? issue.expected };
        out.push(valueAt(input, issue.path) === undefined ? missingField(at, wanted) : { path: at, message: 'wrong type', received, expected: wanted.en, zh: { message: '类型不对', expected: wanted.zh } });
        break;
      }
      case 'too_small': {
        const items = issue.origin === 'array';
        out.push({ path: at, message: 'too small', received, expected: `at least ${String(issue.minimum)}${items ? ' items' : ''}`, zh: { message: '太小', expected: `至少 ${String(issue.minimum)}${items ? ' 项' : ''}` } });
        break;
      }
      case 'too_big': {
        const items = issue.origin === 'array';
        out.push({ path: at, message: 'too large', received, expected: `at most ${String(issue.maximum)}${items ? ' items' : ''}`, zh: { message: '太大', expected: `至多 ${String(issue.maximum)}${items ? ' 项' : ''}` } });
        break;
      }
      case 'invalid_value':
        out.push({ path: at, message: 'not an accepted value', received, expected: `one of ${issue.values.map(String).join(', ')}`, zh: { message: '不是可接受的值', expected: oneOfZh(issue.values.map(String)) } });
        break;
      case 'invalid_format': {
        // The schema's patterns say what they want in English; their Chinese by the text they give.
        const zh = FORMAT_ZH[issue.message];
        out.push({ path: at, message: issue.message, received, ...(zh ? { zh: { message: zh } } : {}) });
        break;
      }
      default:
        out.push({ path: at, message: issue.message, received });
    }
  }
  return out;
}

/** A field the spec must have and does not: named as missing, with what it takes. */
function missingField(path: string, wanted: { readonly en: string; readonly zh: string }): SpecIssue {
  return { path, message: 'missing field', received: 'nothing', expected: wanted.en, zh: { message: '缺少这个字段', received: '没有', expected: wanted.zh } };
}

/** zod's type names as the Chinese issue says them. */
const TYPE_ZH: Readonly<Record<string, string>> = {
  number: '一个数',
  int: '一个整数',
  string: '文字',
  boolean: 'true（是）或 false（否）',
  object: '一个对象',
  array: '一个列表',
  null: 'null',
};

/** The schema's pattern messages (model/spec-schema.ts), in Chinese. */
const FORMAT_ZH: Readonly<Record<string, string>> = {
  [NAME_PATTERN_TEXT]: '一个名字：以字母或 _ 开头，后面是字母、数字、_ 或 -，至多 64 个字符（不能是 __proto__）',
  [ID_PATTERN_TEXT]: '小写字母、数字和 -',
};

function describeUnion(path: readonly PropertyKey[], branches: readonly (readonly z.core.$ZodIssue[])[]): { en: string; zh: string } {
  const last = path[path.length - 1];
  // A number that a parameter may supply (ms, iterations, count, ...): its two branches want a number or an object.
  const wanted = branches.map((branch) => (branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0 ? branch[0]!.expected : null));
  if (wanted.length === 2 && wanted.includes('number') && wanted.includes('object')) return { en: 'a number, or {"param": name}', zh: '一个数，或 {"param": 参数名}' };
  // sleep/block/compute amounts also take an expression evaluated when the step runs.
  if (wanted.length === 2 && wanted[0] === null && wanted[1] === null && branches.some((b) => b[0]?.message.includes('an expression such as'))) {
    return { en: 'a number, {"param": name}, or an expression such as {"mul": [{"self": "index"}, 100]}', zh: '一个数、{"param": 参数名}，或一个表达式，例如 {"mul": [{"self": "index"}, 100]}' };
  }
  if (last === 'cond') return { en: 'a condition: {compare: [a, op, b]}, {not}, {all}, {any} or {truthy}', zh: '一个条件：{compare: [a, op, b]}、{not}、{all}、{any} 或 {truthy}' };
  if (last === 'check') return { en: 'a check: {compare: [q, op, q]}, {before: [q, q]}, {all}, {any} or {not}', zh: '一个检查：{compare: [q, op, q]}、{before: [q, q]}、{all}、{any} 或 {not}' };
  return {
    en: 'a number, string, boolean, null, {ref}, {param}, {self}, {now}, {add|sub|mul|div|mod: [a, b]}, {concat}, {upper} or {list}',
    zh: '数、文字、布尔值、null、{ref}、{param}、{self}、{now}、{add|sub|mul|div|mod: [a, b]}、{concat}、{upper} 或 {list}',
  };
}

function coerceOverride(name: string, raw: string | number | boolean, def: NonNullable<Spec['params']>[string]): { value?: number | boolean | string; issue?: SpecIssue } {
  const path = `--set ${name}`;
  switch (def.type) {
    case 'integer':
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n) || (def.type === 'integer' && !Number.isInteger(n))) {
        return { issue: { path, message: 'not a valid value', received: excerpt(raw), expected: def.type === 'integer' ? 'an integer' : 'a number', zh: { message: '不是有效的值', expected: def.type === 'integer' ? '一个整数' : '一个数' } } };
      }
      if (def.min !== undefined && n < def.min) return { issue: { path, message: 'too small', received: String(n), expected: `at least ${def.min}`, zh: { message: '太小', expected: `至少 ${def.min}` } } };
      if (def.max !== undefined && n > def.max) return { issue: { path, message: 'too large', received: String(n), expected: `at most ${def.max}`, zh: { message: '太大', expected: `至多 ${def.max}` } } };
      return { value: n };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const text = String(raw).toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(text)) return { value: true };
      if (['false', '0', 'no', 'off'].includes(text)) return { value: false };
      return { issue: { path, message: 'not a valid value', received: excerpt(raw), expected: 'true or false', zh: { message: '不是有效的值', expected: 'true（是）或 false（否）' } } };
    }
    case 'choice': {
      const text = String(raw);
      if (!def.choices.includes(text)) return { issue: { path, message: 'not one of the choices', received: excerpt(raw), expected: def.choices.join(', '), zh: { message: '不是可选的值之一', expected: oneOfZh(def.choices) } } };
      return { value: text };
    }
  }
}

/** Replaces every `{"param": name}` object with the parameter's value; unknown names become issues. */
function substitute(node: unknown, params: ParamValues, path: PropertyKey[], issues: SpecIssue[]): unknown {
  if (Array.isArray(node)) return node.map((item, i) => substitute(item, params, [...path, i], issues));
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === 'param' && typeof record['param'] === 'string') {
    const name = record['param'];
    if (!hasOwnName(params, name)) {
      const names = Object.keys(params);
      issues.push({
        path: pathToString(path),
        message: 'unknown parameter',
        received: excerpt(name),
        expected: names.length ? `one of ${names.join(', ')}` : 'a parameter declared in params',
        zh: { message: '未知的参数', expected: names.length ? oneOfZh(names) : '在 params 中声明的参数' },
      });
      return node;
    }
    return params[name];
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    // Parameter declarations hold defaults, not references.
    setOwnValue(out, key, path.length === 0 && key === 'params' ? record[key] : substitute(record[key], params, [...path, key], issues));
  }
  return out;
}

/** How deep repeat, if and section may nest inside each other (a program at the top is level 1). */
export const MAX_STEP_NESTING = 32;
/** How deep any JSON of a spec may nest (objects and arrays): expressions, conditions, managed values. */
export const MAX_JSON_DEPTH = 256;

interface RawFrame {
  readonly node: unknown;
  readonly key: PropertyKey | null;
  readonly parent: RawFrame | null;
  readonly depth: number;
  /** Steps enclosing this node, itself included. */
  readonly steps: number;
}

function rawPath(frame: RawFrame): string {
  const keys: PropertyKey[] = [];
  for (let at: RawFrame | null = frame; at !== null && at.key !== null; at = at.parent) keys.push(at.key);
  return pathToString(keys.reverse());
}

/**
 * Checks the raw JSON before anything walks it recursively (zod's parsing included): nesting depth
 * of steps and of JSON as a whole, and no `__proto__` key anywhere (assigning one to a plain object
 * replaces its prototype instead of adding a key). Iterative, so a 100,000-deep input cannot exhaust
 * the stack; it stops at the first nesting problem.
 */
export function checkRawSpec(input: unknown): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const stack: RawFrame[] = [{ node: input, key: null, parent: null, depth: 0, steps: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { node } = frame;
    if (node === null || typeof node !== 'object') continue;
    if (frame.depth > MAX_JSON_DEPTH) {
      issues.push({
        path: rawPath(frame),
        message: `nested more than ${MAX_JSON_DEPTH} levels deep`,
        received: `more than ${MAX_JSON_DEPTH} levels of objects and arrays`,
        expected: `at most ${MAX_JSON_DEPTH} levels`,
        zh: { message: `嵌套超过 ${MAX_JSON_DEPTH} 层`, received: `超过 ${MAX_JSON_DEPTH} 层对象和列表`, expected: `至多 ${MAX_JSON_DEPTH} 层` },
      });
      return issues;
    }
    if (Array.isArray(node)) {
      // Only containers are pushed: a shared array of a million integers costs no frames.
      for (let i = node.length - 1; i >= 0; i--) {
        const item: unknown = node[i];
        if (item !== null && typeof item === 'object') stack.push({ node: item, key: i, parent: frame, depth: frame.depth + 1, steps: frame.steps });
      }
      continue;
    }
    const record = node as Record<string, unknown>;
    const steps = frame.steps + (Object.hasOwn(record, 'op') && typeof record['op'] === 'string' ? 1 : 0);
    if (steps > MAX_STEP_NESTING) {
      issues.push({
        path: rawPath(frame),
        message: `steps nested more than ${MAX_STEP_NESTING} levels deep (repeat, if and section inside each other)`,
        received: `a step at level ${steps}`,
        expected: `at most ${MAX_STEP_NESTING} levels`,
        zh: { message: `步骤嵌套超过 ${MAX_STEP_NESTING} 层（repeat、if 和 section 互相嵌套）`, received: `第 ${steps} 层的步骤`, expected: `至多 ${MAX_STEP_NESTING} 层` },
      });
      return issues;
    }
    const keys = Object.keys(record);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      if (key === '__proto__') {
        const here = rawPath(frame);
        issues.push({
          path: here ? `${here}.${key}` : key,
          message: 'a key a spec may not use: it names the prototype of every JavaScript object',
          received: JSON.stringify(key),
          expected: 'another name',
          zh: { message: '规格里不能用这个键：它指的是每个 JavaScript 对象的原型', expected: '换一个名字' },
        });
        continue;
      }
      const child = record[key];
      if (child !== null && typeof child === 'object') stack.push({ node: child, key, parent: frame, depth: frame.depth + 1, steps });
    }
  }
  return issues;
}

const DECLARING_SECTIONS = ['params', 'shared', 'primitives', 'queues', 'functions', 'servers', 'pools', 'pipes'] as const;

/** Names a spec declares that are built into every JavaScript object (`constructor`, `toString`, ...): refused. */
function builtInDeclarations(input: Readonly<Record<string, unknown>>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const section of DECLARING_SECTIONS) {
    const declared = ownValue(input, section);
    if (declared === null || typeof declared !== 'object' || Array.isArray(declared)) continue;
    for (const name of Object.keys(declared)) {
      if (isBuiltInName(name)) {
        issues.push({
          path: `${section}.${name}`,
          message: `${JSON.stringify(name)} is a name every JavaScript object has built in; choose another name`,
          received: JSON.stringify(name),
          expected: 'a name that is not constructor, toString, valueOf, hasOwnProperty, __proto__ or another property of Object.prototype',
          zh: {
            message: `${JSON.stringify(name)} 是每个 JavaScript 对象都自带的名字，请换一个`,
            expected: '不是 constructor、toString、valueOf、hasOwnProperty、__proto__ 或 Object.prototype 其他属性的名字',
          },
        });
      }
    }
  }
  return issues;
}

/**
 * Validates an authored spec and resolves it: parameters (defaults, then overrides), substitution,
 * the resolved schema, cross-references (names, primitive types, reach across processes) and limits.
 * Throws SpecError listing every problem found; nothing has started when it throws.
 */
export function validateSpec(input: unknown, options: ValidateOptions = {}): ValidatedSpec {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SpecError([
      { path: '', message: 'a spec is a JSON object', received: excerpt(input), expected: 'an object with version and actors', zh: { message: '实验规格是一个 JSON 对象', expected: '一个带 version 和 actors 的对象' } },
    ]);
  }
  const raw = checkRawSpec(input);
  if (raw.length) throw new SpecError(raw);
  const authored = authoredSpecSchema.safeParse(input);
  if (!authored.success) throw new SpecError(zodIssues(authored.error, input));

  const issues: SpecIssue[] = builtInDeclarations(input as Record<string, unknown>);
  if (issues.length) throw new SpecError(issues);
  const declared = authored.data.params ?? {};
  const params: ParamValues = {};
  for (const [name, def] of Object.entries(declared)) {
    if ((def.type === 'integer' || def.type === 'number') && ((def.min !== undefined && def.default < def.min) || (def.max !== undefined && def.default > def.max))) {
      const bounds = { min: def.min ?? '-∞', max: def.max ?? '∞' };
      issues.push({
        path: `params.${name}.default`,
        message: 'default outside its own bounds',
        received: String(def.default),
        expected: `between ${bounds.min} and ${bounds.max}`,
        zh: { message: '默认值超出了它自己的范围', expected: `${bounds.min} 到 ${bounds.max} 之间` },
      });
    }
    if (def.type === 'choice' && !def.choices.includes(def.default)) {
      issues.push({ path: `params.${name}.default`, message: 'default is not one of the choices', received: excerpt(def.default), expected: def.choices.join(', '), zh: { message: '默认值不是可选的值之一', expected: oneOfZh(def.choices) } });
    }
    params[name] = def.default;
  }
  // Overrides come from a command line or a message: their names are checked like the spec's, own keys only.
  const overrides: unknown = options.overrides ?? {};
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new SpecError([
      {
        path: '--set',
        message: 'parameter overrides are an object of name: value',
        received: excerpt(overrides),
        expected: 'an object such as {"threads": 4}',
        zh: { message: '参数覆盖值是一个“名字: 值”的对象', expected: '一个对象，例如 {"threads": 4}' },
      },
    ]);
  }
  for (const name of Object.keys(overrides)) {
    const raw = (overrides as Record<string, unknown>)[name];
    const def = ownValue(declared, name);
    // A name that is not a plain name is shown quoted (JSON escapes control characters), and cut short.
    const shown = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(name) ? name : excerpt(name);
    if (!def) {
      const names = Object.keys(declared);
      issues.push({
        path: `--set ${shown}`,
        message: 'no such parameter',
        received: excerpt(raw),
        expected: names.length ? `one of ${names.join(', ')}` : 'nothing: this spec has no parameters',
        zh: { message: '没有这个参数', expected: names.length ? oneOfZh(names) : '无：这个规格没有参数' },
      });
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      issues.push({ path: `--set ${name}`, message: 'not a valid value', received: excerpt(raw), expected: 'a number, a string or true/false', zh: { message: '不是有效的值', expected: '一个数、一段文字或 true/false' } });
      continue;
    }
    const coerced = coerceOverride(name, raw, def);
    if (coerced.issue) issues.push(coerced.issue);
    else if (coerced.value !== undefined) params[name] = coerced.value;
  }
  if (issues.length) throw new SpecError(issues);

  const substituted = substitute(input, params, [], issues);
  if (issues.length) throw new SpecError(issues);
  const resolved = resolvedSpecSchema.safeParse(substituted);
  if (!resolved.success) throw new SpecError(zodIssues(resolved.error, substituted));
  const spec = resolved.data as Spec;

  issues.push(...checkReferences(spec));
  const { limits, issues: limitIssues } = resolveLimits(spec, options.caps ?? DEFAULT_LIMIT_CAPS, options.cpuCount);
  issues.push(...limitIssues);
  if (issues.length) throw new SpecError(issues);
  return { spec, params, limits };
}
