/**
 * The composer's structured builder, without Vue: new steps from the step catalog (contract), the
 * fields each may take, and edits on a spec draft by path (set, remove, move, insert, rename).
 * The engine's validation stays the judge: the builder only makes well-shaped JSON easy to write,
 * and shows the engine's issues next to the field they name.
 */

import { STEP_COMMON_OPTIONAL, STEP_GROUPS, type Json, type JsonObject, type OpShape } from '@contract/dto';

export { STEP_GROUPS, type Json, type JsonObject };
export type PathPart = string | number;
export type Path = readonly PathPart[];

const OPS: Readonly<Record<string, OpShape>> = Object.assign({}, ...STEP_GROUPS.map((group) => group.ops));

export const STEP_OPS: readonly string[] = Object.keys(OPS);

const COMMON_OPTIONAL = STEP_COMMON_OPTIONAL;

/** Fields that hold a list of steps: the builder shows them as nested lists. */
export const NESTED_FIELDS = ['steps', 'then', 'else'] as const;

/** Fields with a closed set of values: shown as a select. */
export const FIELD_CHOICES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  os_child: { mode: ['exit', 'sleep'] },
  sticky_demo: { mode: ['naive', 'acknowledge', 'length-prefix'] },
  fd_select: { api: ['select', 'poll', 'epoll'] },
  epoll_drain: { mode: ['level', 'edge'] },
  repeat: { trace: ['each', 'summary'] },
};

/** Fields that name something declared elsewhere in the spec: offered as suggestions. */
export const NAME_FIELDS: Readonly<Record<string, keyof DeclaredNames>> = {
  prim: 'prims',
  var: 'vars',
  queue: 'queues',
  actor: 'actors',
  pool: 'pools',
  server: 'servers',
  function: 'functions',
  callback: 'functions',
};

/** A deep copy of JSON data (also of a Vue proxy over it, which structuredClone refuses). */
export function cloneJson<T extends Json>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function newStep(op: string): JsonObject {
  const shape = OPS[op];
  if (!shape) throw new RangeError(`no step op ${op}`);
  return { op, ...cloneJson(shape.fields) };
}

/** Fields the step does not have yet and may take. */
export function addableFields(step: JsonObject): string[] {
  const shape = OPS[String(step['op'])];
  const optional = { ...(shape?.optional ?? {}), ...COMMON_OPTIONAL };
  return Object.keys(optional).filter((field) => !(field in step));
}

export function optionalDefault(op: string, field: string): Json {
  const value = OPS[op]?.optional?.[field] ?? COMMON_OPTIONAL[field];
  return value === undefined ? '' : cloneJson(value);
}

/** A field the step may drop (it is optional for its op). */
export function isOptionalField(op: string, field: string): boolean {
  return field in (OPS[op]?.optional ?? {}) || field in COMMON_OPTIONAL;
}

/** Changing a step's op keeps the fields the new op also starts with, and its label. */
export function changeOp(step: JsonObject, op: string): JsonObject {
  const next = newStep(op);
  for (const [field, value] of Object.entries(step)) {
    if (field === 'op') continue;
    if (field in next || field === 'label') next[field] = cloneJson(value);
  }
  return next;
}

export const PRIMITIVE_TYPES = ['mutex', 'rlock', 'semaphore', 'bounded-semaphore', 'event', 'condition', 'barrier'] as const;

/** A primitive of `type`, keeping its reach. */
export function newPrimitive(type: string, reach?: Json): JsonObject {
  const base: JsonObject = { type };
  if (type === 'semaphore' || type === 'bounded-semaphore') base['value'] = 1;
  if (type === 'barrier') base['parties'] = 2;
  if (reach !== undefined) base['reach'] = reach;
  return base;
}

export const ACTOR_KINDS = ['thread', 'process', 'utility', 'task', 'main'] as const;

export function newActor(taken: readonly string[]): JsonObject {
  return { name: freeName('worker', taken), kind: 'thread', program: [newStep('log')] };
}

/** `base`, or `base2`, `base3`, … : the first name not taken. */
export function freeName(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base}${i}`)) return `${base}${i}`;
}

export interface DeclaredNames {
  readonly params: string[];
  /** Names the spec's record steps record under (what a claim's `record` quantity reads). */
  readonly records: string[];
  readonly pipes: string[];
  readonly prims: string[];
  readonly vars: string[];
  readonly queues: string[];
  readonly actors: string[];
  readonly pools: string[];
  readonly servers: string[];
  readonly functions: string[];
}

const keysOf = (value: Json | undefined): string[] => (value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : []);

export function declaredNames(spec: JsonObject): DeclaredNames {
  const actors = Array.isArray(spec['actors']) ? spec['actors'] : [];
  const records = new Set<string>();
  const visit = (steps: Json | undefined, depth: number): void => {
    if (!Array.isArray(steps) || depth > 32) return;
    for (const step of steps) {
      if (step === null || typeof step !== 'object' || Array.isArray(step)) continue;
      if (step['op'] === 'record' && typeof step['name'] === 'string') records.add(step['name']);
      for (const field of NESTED_FIELDS) visit(step[field], depth + 1);
    }
  };
  for (const actor of actors) if (actor !== null && typeof actor === 'object' && !Array.isArray(actor)) visit(actor['program'], 0);
  const functions = spec['functions'];
  if (functions !== null && typeof functions === 'object' && !Array.isArray(functions)) {
    for (const fn of Object.values(functions)) if (fn !== null && typeof fn === 'object' && !Array.isArray(fn)) visit(fn['steps'], 0);
  }
  return {
    params: keysOf(spec['params']),
    records: [...records],
    pipes: keysOf(spec['pipes']),
    prims: keysOf(spec['primitives']),
    vars: keysOf(spec['shared']),
    queues: keysOf(spec['queues']),
    actors: actors.flatMap((actor) => (actor !== null && typeof actor === 'object' && !Array.isArray(actor) && typeof actor['name'] === 'string' ? [actor['name']] : [])),
    pools: keysOf(spec['pools']),
    servers: keysOf(spec['servers']),
    functions: keysOf(spec['functions']),
  };
}

/** The validation path of a place in the spec, as the engine writes it: `actors[0].program[2].ms`. */
export function pathText(path: Path): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

// ---- edits on a draft (the draft is a structuredClone the caller owns) ----

function container(root: Json, path: Path): Json {
  let node: Json = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') throw new RangeError(`no ${pathText(path)} in the spec`);
    node = (node as Record<PathPart, Json>)[part] as Json;
  }
  return node;
}

function list(root: Json, path: Path): Json[] {
  const node = container(root, path);
  if (!Array.isArray(node)) throw new RangeError(`${pathText(path)} is not a list`);
  return node;
}

function record(root: Json, path: Path): JsonObject {
  const node = container(root, path);
  if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new RangeError(`${pathText(path)} is not an object`);
  return node;
}

/** Sets the value at `path` (the parent must exist); `undefined` removes the field. */
export function setAt(root: Json, path: Path, value: Json | undefined): void {
  const parent = container(root, path.slice(0, -1)) as Record<PathPart, Json>;
  const key = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else parent[key] = value;
}

/** Moves item `index` of the list at `path` by `delta` places; nothing happens at either end. */
export function moveItem(root: Json, path: Path, index: number, delta: -1 | 1): void {
  const items = list(root, path);
  const target = index + delta;
  if (target < 0 || target >= items.length) return;
  [items[index], items[target]] = [items[target]!, items[index]!];
}

export function insertItem(root: Json, path: Path, index: number, item: Json): void {
  list(root, path).splice(index, 0, item);
}

/** Ensures `path` holds an object (creating it), for sections such as primitives that may be absent. */
export function ensureRecord(root: JsonObject, key: string): JsonObject {
  const existing = root[key];
  if (existing !== null && typeof existing === 'object' && !Array.isArray(existing)) return existing;
  const created: JsonObject = {};
  root[key] = created;
  return created;
}

/** Renames a key of the object at `path`, keeping the order of its keys. False when the new name is taken or empty. */
export function renameKey(root: Json, path: Path, from: string, to: string): boolean {
  const target = record(root, path);
  if (to === from) return true;
  if (!to || to in target || !(from in target)) return false;
  const entries = Object.entries(target).map(([key, value]): [string, Json] => [key === from ? to : key, value]);
  for (const key of Object.keys(target)) delete target[key];
  for (const [key, value] of entries) target[key] = value;
  return true;
}

/** What a text box holds for a value, and back: numbers and strings as typed, anything else as JSON. */
export type FieldKind = 'number' | 'text' | 'boolean' | 'json';

export function fieldKind(value: Json): FieldKind {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'boolean') return 'boolean';
  return 'json';
}

export type Parsed = { readonly ok: true; readonly value: Json } | { readonly ok: false; readonly error: string };

export function parseField(kind: FieldKind, input: string): Parsed {
  if (kind === 'text') return { ok: true, value: input };
  if (kind === 'number') {
    const trimmed = input.trim();
    // A number field may be switched to a parameter or an expression by typing JSON into it.
    if (trimmed.startsWith('{')) return parseField('json', trimmed);
    const value = Number(trimmed);
    return trimmed !== '' && Number.isFinite(value) ? { ok: true, value } : { ok: false, error: 'a number, or JSON such as {"param": "n"}' };
  }
  try {
    return { ok: true, value: JSON.parse(input) as Json };
  } catch {
    return { ok: false, error: 'JSON, for instance {"ref": "x"} or [1, 2]' };
  }
}

export function fieldText(value: Json): string {
  const kind = fieldKind(value);
  if (kind === 'text') return value as string;
  if (kind === 'number') return String(value);
  return JSON.stringify(value);
}

// ---- parameters and claims ----

export const PARAM_TYPES = ['integer', 'number', 'boolean', 'choice'] as const;

/** A parameter of `type` with a usable default (and the choices a choice needs). */
export function newParam(type: string): JsonObject {
  if (type === 'boolean') return { type, default: false };
  if (type === 'choice') return { type, default: 'a', choices: ['a', 'b'] };
  return { type, default: 1 };
}

/** Fields a parameter of `type` may add, with their starting values. */
export function paramOptional(type: string): JsonObject {
  const numeric = type === 'integer' || type === 'number';
  return { ...(numeric ? { min: 0, max: 100 } : {}), description: '' };
}

export function newClaim(taken: readonly string[]): JsonObject {
  return { id: freeName('claim', taken), text: 'what should hold', check: { compare: [{ metric: 'wallMs' }, '>', { const: 0 }] } };
}

/** Fields a claim may add: when it applies, what it needs of the machine or the run, and the statuses it is judged under. */
export const CLAIM_OPTIONAL: JsonObject = {
  when: { compare: [{ param: 'n' }, '>', 1] },
  requires: { minCores: 2 },
  given: { compare: [{ metric: 'wallMs' }, '>', { const: 0 }] },
  statuses: ['ok'],
};
