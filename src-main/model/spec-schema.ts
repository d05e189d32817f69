import { z } from 'zod';
import { ACTOR_KINDS } from './run-model';
import { framingSchema, handlerSchema, serverConfigSchema } from './server-config';

/**
 * The experiment spec, version 1: the JSON a person writes, the composer edits and a run log carries.
 *
 * One factory builds two schemas. The *authored* schema accepts `{"param": "name"}` wherever a value
 * may come from a parameter; it is what `conlab schema` prints for editors. The *resolved* schema is
 * the same shape after parameters were substituted, and is what the engine runs. Pure: no Node imports.
 */

export const SPEC_VERSION = 1;

/** `__proto__` is no name: assigned as a key of a plain object, it replaces the object's prototype. */
const NAME_PATTERN = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** What a name must look like, as a refused name's issue says it (engine/spec/validate.ts words it in Chinese too). */
export const NAME_PATTERN_TEXT = 'a name: a letter or _, then letters, digits, _ or -, at most 64 (not __proto__)';
/** What a claim's id must look like, as its issue says it. */
export const ID_PATTERN_TEXT = 'lower-case letters, digits and -';
const name = () => z.string().regex(NAME_PATTERN, NAME_PATTERN_TEXT);

const localizedText = z.strictObject({ en: z.string().max(20_000), zh: z.string().max(20_000) });
const text = z.union([z.string().max(20_000), localizedText]);

export type SchemaMode = 'authored' | 'resolved';

const paramRef = z.strictObject({ param: name() });

export function buildSpecSchema(mode: SchemaMode) {
  /** A number that may come from a parameter in authored specs. */
  const num = <T extends z.ZodType>(schema: T) => (mode === 'authored' ? z.union([schema, paramRef]) : schema);

  const msValue = z.number().min(0).max(86_400_000);

  // Values: constants, locals, parameters (authored only), facts about the actor, arithmetic.
  const selfFact = z.enum(['index', 'name', 'group', 'kind', 'pid', 'ppid', 'threadId']);
  type ValueShape =
    | number
    | string
    | boolean
    | null
    | { ref: string }
    | { param: string }
    | { self: z.infer<typeof selfFact> }
    | { now: 'ms' }
    | { add: [ValueShape, ValueShape] }
    | { sub: [ValueShape, ValueShape] }
    | { mul: [ValueShape, ValueShape] }
    | { div: [ValueShape, ValueShape] }
    | { mod: [ValueShape, ValueShape] }
    | { concat: ValueShape[] }
    | { upper: ValueShape }
    | { list: ValueShape[] }
    | { len: ValueShape }
    | { at: [ValueShape, ValueShape] }
    | { json: ValueShape }
    | { text: ValueShape }
    | { floor: ValueShape }
    | { cpu: 'ms' }
    | { port: string };
  const value: z.ZodType<ValueShape> = z.lazy(() => {
    const pair = z.tuple([value, value]);
    const members: z.ZodType<ValueShape>[] = [
      z.number(),
      z.string().max(100_000),
      z.boolean(),
      z.null(),
      z.strictObject({ ref: name() }),
      z.strictObject({ self: selfFact }),
      z.strictObject({ now: z.literal('ms') }),
      z.strictObject({ add: pair }),
      z.strictObject({ sub: pair }),
      z.strictObject({ mul: pair }),
      z.strictObject({ div: pair }),
      z.strictObject({ mod: pair }),
      z.strictObject({ concat: z.array(value).max(64) }),
      z.strictObject({ upper: value }),
      z.strictObject({ list: z.array(value).max(10_000) }),
      z.strictObject({ len: value }),
      z.strictObject({ at: pair }),
      z.strictObject({ json: value }),
      z.strictObject({ text: value }),
      z.strictObject({ floor: value }),
      z.strictObject({ cpu: z.literal('ms') }),
      z.strictObject({ port: name() }),
    ];
    if (mode === 'authored') members.push(paramRef);
    return z.union(members as unknown as [z.ZodType<ValueShape>, z.ZodType<ValueShape>, ...z.ZodType<ValueShape>[]]);
  });

  const comparison = z.enum(['<', '<=', '==', '!=', '>=', '>']);
  type CondShape =
    | { compare: [ValueShape, z.infer<typeof comparison>, ValueShape] }
    | { not: CondShape }
    | { all: CondShape[] }
    | { any: CondShape[] }
    | { truthy: ValueShape };
  const cond: z.ZodType<CondShape> = z.lazy(() =>
    z.union([
      z.strictObject({ compare: z.tuple([value, comparison, value]) }),
      z.strictObject({ not: cond }),
      z.strictObject({ all: z.array(cond).min(1).max(32) }),
      z.strictObject({ any: z.array(cond).min(1).max(32) }),
      z.strictObject({ truthy: value }),
    ]),
  );

  const timeoutMs = num(msValue).optional();
  /** A bounded number, or an expression computed when the step runs (e.g. {mul: [{self: 'index'}, 100]}). */
  const computed = z.custom<Exclude<ValueShape, number | string | boolean | null>>((v) => v !== null && typeof v === 'object' && value.safeParse(v).success, {
    message: 'an expression such as {"mul": [{"self": "index"}, 100]}',
  });
  const dynamic = <T extends z.ZodType>(schema: T) => z.union([num(schema), computed]);
  const common = { label: z.string().max(200).optional() };

  /** A pipe's two ends: 0 and 1 (in a one-way pipe, 0 receives and 1 sends, as multiprocessing.Pipe(duplex=False)). */
  const pipeEnd = z.union([z.literal(0), z.literal(1)]);
  const leafSteps = [
    z.strictObject({ op: z.literal('compute'), iterations: dynamic(z.number().int().min(0).max(1e12)), ...common }),
    z.strictObject({ op: z.literal('sleep'), ms: dynamic(msValue), ...common }),
    z.strictObject({ op: z.literal('block'), ms: dynamic(msValue), ...common }),
    z.strictObject({ op: z.literal('let'), name: name(), value, ...common }),
    z.strictObject({ op: z.literal('read'), var: name(), index: value.optional(), into: name(), ...common }),
    z.strictObject({ op: z.literal('write'), var: name(), index: value.optional(), value, ...common }),
    z.strictObject({ op: z.literal('add'), var: name(), index: value.optional(), delta: value, into: name().optional(), ...common }),
    z.strictObject({
      op: z.literal('acquire'),
      prim: name(),
      blocking: z.boolean().optional(),
      timeoutMs,
      into: name().optional(),
      ...common,
    }),
    z.strictObject({ op: z.literal('release'), prim: name(), ...common }),
    z.strictObject({ op: z.literal('wait'), prim: name(), timeoutMs, into: name().optional(), ...common }),
    z.strictObject({ op: z.literal('set'), prim: name(), ...common }),
    z.strictObject({ op: z.literal('clear'), prim: name(), ...common }),
    z.strictObject({ op: z.literal('notify'), prim: name(), all: z.boolean().optional(), n: num(z.number().int().min(1)).optional(), ...common }),
    z.strictObject({
      op: z.literal('put'),
      queue: name(),
      value,
      priority: value.optional(),
      blocking: z.boolean().optional(),
      timeoutMs,
      into: name().optional(),
      ...common,
    }),
    z.strictObject({ op: z.literal('get'), queue: name(), blocking: z.boolean().optional(), timeoutMs, into: name().optional(), ...common }),
    z.strictObject({ op: z.literal('task_done'), queue: name(), ...common }),
    z.strictObject({ op: z.literal('spawn'), actor: name(), index: value.optional(), ...common }),
    z.strictObject({
      op: z.literal('join'),
      actor: name().optional(),
      queue: name().optional(),
      index: value.optional(),
      timeoutMs,
      ...common,
    }),
    z.strictObject({ op: z.literal('terminate'), actor: name(), index: value.optional(), ...common }),
    z.strictObject({ op: z.literal('is_alive'), actor: name(), index: value.optional(), into: name(), ...common }),
    z.strictObject({ op: z.literal('file_append'), path: z.string().min(1).max(200), text: value, ...common }),
    z.strictObject({ op: z.literal('file_read'), path: z.string().min(1).max(200), into: name(), ...common }),
    z.strictObject({ op: z.literal('file_write'), path: z.string().min(1).max(200), text: value, ...common }),
    z.strictObject({ op: z.literal('list_actors'), group: name().optional(), into: name(), ...common }),
    z.strictObject({ op: z.literal('os_child'), mode: z.enum(['exit', 'sleep']), ms: num(msValue).optional(), into: name(), ...common }),
    z.strictObject({ op: z.literal('proc_state'), pid: value, into: name(), ...common }),
    z.strictObject({
      op: z.literal('submit'),
      pool: name(),
      function: name(),
      arg: value.optional(),
      callback: name().optional(),
      into: name().optional(),
      ...common,
    }),
    z.strictObject({ op: z.literal('result'), future: value, timeoutMs, into: name().optional(), ...common }),
    z.strictObject({ op: z.literal('map'), pool: name(), function: name(), args: value, into: name().optional(), ...common }),
    z.strictObject({ op: z.literal('shutdown'), pool: name(), wait: z.boolean().optional(), ...common }),
    z.strictObject({ op: z.literal('return'), value: value.optional(), ...common }),
    // Network steps: clients of the run's servers (see `servers`), on loopback only.
    z.strictObject({ op: z.literal('connect'), server: name(), framing: framingSchema.optional(), timeoutMs, into: name(), ...common }),
    z.strictObject({ op: z.literal('send'), conn: value, data: value, all: z.boolean().optional(), ...common }),
    z.strictObject({
      op: z.literal('recv'),
      conn: value,
      bytes: num(z.number().int().min(1).max(64 * 2 ** 20)).optional(),
      until: z.string().min(1).max(64).optional(),
      message: z.boolean().optional(),
      timeoutMs,
      into: name(),
      ...common,
    }),
    z.strictObject({ op: z.literal('close'), conn: value, ...common }),
    z.strictObject({ op: z.literal('sendto'), server: name(), data: value, ...common }),
    z.strictObject({ op: z.literal('recvfrom'), timeoutMs, into: name(), ...common }),
    z.strictObject({ op: z.literal('http_get'), server: name(), path: z.string().max(2_000).optional(), into: name(), ...common }),
    z.strictObject({
      op: z.literal('load'),
      server: name(),
      connections: num(z.number().int().min(1).max(10_000)),
      messageBytes: num(z.number().int().min(1).max(2 ** 20)).optional(),
      durationMs: num(z.number().int().min(1).max(600_000)).optional(),
      requests: num(z.number().int().min(1).max(100_000_000)).optional(),
      ratePerConnection: num(z.number().min(0.001).max(100_000)).optional(),
      threads: num(z.number().int().min(1).max(16)).optional(),
      /** false: connections open inside the measured phase, so their set-up counts (default true: primed first). */
      prime: z.boolean().optional(),
      /** An HTTP load's request: GET, or POST with a body of messageBytes (default POST when messageBytes > 0). */
      httpMethod: z.enum(['GET', 'POST']).optional(),
      into: name().optional(),
      ...common,
    }),
    z.strictObject({ op: z.literal('send_file'), server: name(), mb: num(z.number().min(0.001).max(1_024)), chunkBytes: num(z.number().int().min(1).max(16 * 2 ** 20)).optional(), into: name().optional(), ...common }),
    z.strictObject({ op: z.literal('sticky_demo'), mode: z.enum(['naive', 'acknowledge', 'length-prefix']), into: name(), ...common }),
    z.strictObject({ op: z.literal('generator_pingpong'), switches: num(z.number().int().min(1).max(1e9)), into: name().optional(), ...common }),
    z.strictObject({ op: z.literal('log'), message: z.string().max(2_000), values: z.record(name(), value).optional(), ...common }),
    z.strictObject({ op: z.literal('record'), name: name(), value, ...common }),
    z.strictObject({ op: z.literal('mark'), name: name(), ...common }),
    z.strictObject({ op: z.literal('fail'), message: z.string().max(2_000), ...common }),
    // CPython-only steps (the step catalog marks them; the Node engine refuses a spec with one before it starts).
    z.strictObject({ op: z.literal('pipe_send'), pipe: name(), end: pipeEnd, value, ...common }),
    z.strictObject({ op: z.literal('pipe_recv'), pipe: name(), end: pipeEnd, into: name(), status: name().optional(), timeoutMs, ...common }),
    z.strictObject({ op: z.literal('pipe_close'), pipe: name(), end: pipeEnd, ...common }),
    z.strictObject({ op: z.literal('var_lock'), var: name(), ...common }),
    z.strictObject({ op: z.literal('var_unlock'), var: name(), ...common }),
    z.strictObject({ op: z.literal('fd_select'), api: z.enum(['select', 'poll', 'epoll']), idle: num(z.number().int().min(0).max(5_000)), into: name(), ...common }),
    z.strictObject({ op: z.literal('epoll_drain'), mode: num(z.enum(['level', 'edge'])), bytes: num(z.number().int().min(1).max(65_536)), chunk: num(z.number().int().min(1).max(65_536)), into: name(), ...common }),
    z.strictObject({ op: z.literal('rebind_probe'), reuse: num(z.boolean()), into: name(), ...common }),
    z.strictObject({ op: z.literal('recv_timeout'), timeoutMs: num(z.number().min(1).max(10_000)), into: name(), ...common }),
    z.strictObject({ op: z.literal('backlog_probe'), backlog: num(z.number().int().min(0).max(64)), clients: num(z.number().int().min(1).max(128)), into: name(), ...common }),
  ] as const;

  type StepShape = z.infer<(typeof leafSteps)[number]> | RepeatShape | IfShape | SectionShape;
  interface RepeatShape {
    op: 'repeat';
    times: number | { param: string };
    steps: StepShape[];
    trace?: 'each' | 'summary' | undefined;
    label?: string | undefined;
  }
  interface IfShape {
    op: 'if';
    cond: CondShape;
    then: StepShape[];
    else?: StepShape[] | undefined;
    label?: string | undefined;
  }
  interface SectionShape {
    op: 'section';
    name: string;
    steps: StepShape[];
    label?: string | undefined;
  }
  const steps: z.ZodType<StepShape[]> = z.lazy(() => z.array(step).max(10_000));
  const step: z.ZodType<StepShape> = z.lazy(() =>
    z.discriminatedUnion('op', [
      ...leafSteps,
      z.strictObject({
        op: z.literal('repeat'),
        times: num(z.number().int().min(0).max(1e9)),
        steps,
        trace: z.enum(['each', 'summary']).optional(),
        ...common,
      }),
      z.strictObject({ op: z.literal('if'), cond, then: steps, else: steps.optional(), ...common }),
      z.strictObject({ op: z.literal('section'), name: name(), steps, ...common }),
    ]),
  ) as z.ZodType<StepShape>;

  const reach = z.enum(['in-process', 'cross-process']).optional();
  const primitive = z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('mutex'), reach }),
    z.strictObject({ type: z.literal('rlock'), reach }),
    z.strictObject({ type: z.literal('semaphore'), value: num(z.number().int().min(0).max(1_000_000)), reach }),
    z.strictObject({ type: z.literal('bounded-semaphore'), value: num(z.number().int().min(0).max(1_000_000)), reach }),
    z.strictObject({ type: z.literal('event'), reach }),
    z.strictObject({ type: z.literal('condition'), lock: name().optional(), reach }),
    z.strictObject({ type: z.literal('barrier'), parties: num(z.number().int().min(1).max(10_000)), reach }),
  ]);

  const int32 = z.number().int().min(-2_147_483_648).max(2_147_483_647);
  const jsonValue: z.ZodType<unknown> = z.lazy(() =>
    z.union([z.number(), z.string().max(100_000), z.boolean(), z.null(), z.array(jsonValue).max(100_000), z.record(z.string(), jsonValue)]),
  );
  const sharedVar = z.discriminatedUnion('scope', [
    z.strictObject({
      scope: z.literal('shared'),
      initial: z.union([num(int32), z.array(int32).min(1).max(1_000_000)]),
      description: text.optional(),
    }),
    z.strictObject({ scope: z.literal('managed'), initial: jsonValue, description: text.optional() }),
    // CPython only: multiprocessing.Value / Array in shared memory (lock: false is the lock-free RawValue / RawArray).
    z.strictObject({ scope: z.literal('value'), initial: num(int32), lock: num(z.boolean()).optional(), description: text.optional() }),
    z.strictObject({ scope: z.literal('array'), initial: z.array(int32).min(1).max(100_000), lock: num(z.boolean()).optional(), description: text.optional() }),
  ]);

  const queue = z.strictObject({
    order: z.enum(['fifo', 'lifo', 'priority']),
    maxsize: num(z.number().int().min(0).max(1_000_000)).optional(),
  });

  const pool = z.strictObject({
    kind: z.enum(['thread', 'process']),
    /** Default: the CPU count for process pools (as multiprocessing.Pool), min(32, CPUs + 4) for thread pools (as ThreadPoolExecutor). */
    size: num(z.number().int().min(1).max(1_000)).optional(),
  });
  const fn = z.strictObject({ steps, description: text.optional() });

  const actor = z.strictObject({
    name: name(),
    kind: z.enum(ACTOR_KINDS),
    count: num(z.number().int().min(1).max(100_000)).optional(),
    daemon: z.boolean().optional(),
    autostart: z.boolean().optional(),
    program: steps,
  });

  const param = z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('integer'),
      default: z.number().int(),
      min: z.number().int().optional(),
      max: z.number().int().optional(),
      description: text.optional(),
    }),
    z.strictObject({
      type: z.literal('number'),
      default: z.number(),
      min: z.number().optional(),
      max: z.number().optional(),
      description: text.optional(),
    }),
    z.strictObject({ type: z.literal('boolean'), default: z.boolean(), description: text.optional() }),
    z.strictObject({
      type: z.literal('choice'),
      default: z.string(),
      choices: z.array(z.string().max(200)).min(1).max(100),
      description: text.optional(),
    }),
  ]);

  const limits = z.strictObject({
    maxActors: num(z.number().int().min(1)).optional(),
    wallTimeMs: num(z.number().int().min(1)).optional(),
    memoryMbPerActor: num(z.number().int().min(16)).optional(),
    maxEvents: num(z.number().int().min(0)).optional(),
    /** Byte limits of one trial (see limits.ts); a spec may lower them, never raise them above the caps. */
    maxEventBytes: num(z.number().int().min(1_024)).optional(),
    maxRecordBytes: num(z.number().int().min(0)).optional(),
    maxManagedBytes: num(z.number().int().min(0)).optional(),
    maxQueueBytes: num(z.number().int().min(0)).optional(),
    maxValueBytes: num(z.number().int().min(1_024)).optional(),
  });

  // Claims: structured checks, evaluated after each counted trial. Never code.
  const recordAgg = z.enum(['first', 'last', 'min', 'max', 'sum', 'count', 'distinct', 'all']);
  const quantity = z.union([
    z.strictObject({ const: num(z.union([z.number(), z.string(), z.boolean(), z.null()])) }),
    z.strictObject({ metric: z.string().max(200) }),
    z.strictObject({ record: name(), agg: recordAgg.optional(), actor: z.string().max(100).optional() }),
    z.strictObject({ shared: name(), index: z.number().int().min(0).optional() }),
    z.strictObject({ status: z.literal(true) }),
    z.strictObject({ actor: z.string().max(100), field: z.enum(['pid', 'ppid', 'threadId', 'exit', 'startedMs', 'endedMs', 'spawnLatencyMs']) }),
    z.strictObject({ actors: name(), field: z.enum(['pid', 'ppid', 'threadId', 'exit', 'spawnLatencyMs']), agg: recordAgg }),
    z.strictObject({
      event: z.strictObject({ op: z.string().max(64), ph: z.enum(['B', 'E', 'I']).optional(), actor: z.string().max(100).optional(), name: z.string().max(100).optional() }),
      pick: z.enum(['first', 'last', 'count']),
    }),
    z.strictObject({ runner: z.enum(['pid', 'threadId', 'cpuCount']) }),
  ]);
  type CheckShape =
    | { compare: [z.infer<typeof quantity>, z.infer<typeof comparison>, z.infer<typeof quantity>]; factor?: number | undefined; plus?: number | undefined }
    | { before: [z.infer<typeof quantity>, z.infer<typeof quantity>] }
    | { all: CheckShape[] }
    | { any: CheckShape[] }
    | { not: CheckShape };
  const check: z.ZodType<CheckShape> = z.lazy(() =>
    z.union([
      z.strictObject({ compare: z.tuple([quantity, comparison, quantity]), factor: z.number().optional(), plus: z.number().optional() }),
      z.strictObject({ before: z.tuple([quantity, quantity]) }),
      z.strictObject({ all: z.array(check).min(1).max(32) }),
      z.strictObject({ any: z.array(check).min(1).max(32) }),
      z.strictObject({ not: check }),
    ]),
  );
  const claim = z.strictObject({
    id: name(),
    text,
    check,
    requires: z
      .strictObject({
        minCores: z.number().int().min(1).optional(),
        procfs: z.boolean().optional(),
        platform: z.enum(['linux', 'darwin', 'win32']).optional(),
        /** The claim describes one runtime's behaviour (e.g. Node's worker start-up); on another it is inconclusive. */
        runtime: z.enum(['node', 'cpython']).optional(),
        /** A Python package the claim is about (CPython only): inconclusive where the interpreter cannot import it. */
        pythonModule: z.enum(['greenlet', 'gevent']).optional(),
        /** The claim describes an interpreter with (true) or without (false) a global interpreter lock; inconclusive elsewhere (Node has none to report). */
        gil: z.boolean().optional(),
      })
      .optional(),
    /** Only checked when this holds for the run's parameters (e.g. a claim about the lock-free variant). */
    when: cond.optional(),
    /**
     * What the machine must have given the run for the claim to be decidable (e.g. "the threads got at
     * least 1.6 cores of CPU"). When it does not hold, the claim is inconclusive with this detail.
     */
    given: check.optional(),
    /** When the run ended deadlocked, a claim about the deadlock may still hold: name the statuses it is evaluated under. */
    statuses: z.array(z.enum(['ok', 'failed', 'deadlocked', 'timed-out'])).optional(),
  });

  // A server's settings may come from parameters in authored specs (a lesson's model or worker count),
  // all but the handler's and the framing's kind, which choose the shape of the rest.
  const settings = serverConfigSchema.shape;
  const fixedHandlers = handlerSchema.options.filter((option) => option.shape.kind.value !== 'delay');
  const server =
    mode === 'resolved'
      ? serverConfigSchema
      : z.strictObject({
          protocol: num(settings.protocol),
          model: num(settings.model),
          handler: z.discriminatedUnion('kind', [
            z.strictObject({ kind: z.literal('delay'), ms: num(z.number().min(0).max(60_000)), blocking: num(z.boolean()).optional() }),
            ...fixedHandlers,
          ]),
          host: num(settings.host.unwrap()).optional(),
          port: num(settings.port.unwrap()).optional(),
          framing: settings.framing,
          workers: num(settings.workers.unwrap()).optional(),
          maxThreads: num(settings.maxThreads.unwrap()).optional(),
          maxProcesses: num(settings.maxProcesses.unwrap()).optional(),
          backlog: num(settings.backlog.unwrap()).optional(),
          headTimeoutMs: num(settings.headTimeoutMs.unwrap()).optional(),
        });

  return z.strictObject({
    version: z.literal(SPEC_VERSION),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, ID_PATTERN_TEXT).optional(),
    title: text.optional(),
    description: text.optional(),
    params: z.record(name(), param).optional(),
    limits: limits.optional(),
    shared: z.record(name(), sharedVar).optional(),
    primitives: z.record(name(), primitive).optional(),
    queues: z.record(name(), queue).optional(),
    functions: z.record(name(), fn).optional(),
    /** Servers the runner starts before the actors (each in its own process) and stops after them; port 0 picks a free port. */
    servers: z.record(name(), server).optional(),
    pools: z.record(name(), pool).optional(),
    /** CPython only: multiprocessing.Pipe()s, both ends reachable by every actor (a process holds its own copies of the ends). */
    pipes: z.record(name(), z.strictObject({ duplex: num(z.boolean()).optional() })).optional(),
    actors: z.array(actor).min(1).max(1_000),
    claims: z.array(claim).max(100).optional(),
    /**
     * How the CPython runtime runs this spec (the Node engine ignores it): task actors as asyncio tasks
     * (default) or as gevent greenlets, whether gevent's monkey-patching replaces time.sleep, and the
     * interpreter's switch interval (sys.setswitchinterval).
     */
    cpython: z
      .strictObject({
        tasks: z.enum(['asyncio', 'gevent']).optional(),
        monkeyPatch: num(z.boolean()).optional(),
        switchIntervalMs: num(z.number().min(0.001).max(1_000)).optional(),
      })
      .optional(),
  });
}

export const authoredSpecSchema = buildSpecSchema('authored');
export const resolvedSpecSchema = buildSpecSchema('resolved');

/** Removes `{param}` references from a type: what remains once parameters are substituted. */
type Resolved<T> = T extends { param: string }
  ? never
  : T extends readonly unknown[]
    ? { [K in keyof T]: Resolved<T[K]> }
    : T extends object
      ? { [K in keyof T]: Resolved<T[K]> }
      : T;

/**
 * A spec as written, parameters not yet substituted: `{"param": name}` is allowed exactly where the
 * authored schema allows it. The schema has no defaults or transforms, so what it accepts and what it
 * returns are the same shape (its output type is used: the recursive parts declare only that one).
 * Lessons are written against it, so the compiler checks every lesson's spec.
 */
export type AuthoredSpec = z.infer<typeof authoredSpecSchema>;
export type AuthoredActor = AuthoredSpec['actors'][number];
export type AuthoredStep = AuthoredActor['program'][number];
export type AuthoredValue = Extract<AuthoredStep, { op: 'let' }>['value'];
export type AuthoredCond = Extract<AuthoredStep, { op: 'if' }>['cond'];
export type AuthoredClaim = NonNullable<AuthoredSpec['claims']>[number];
export type AuthoredCheck = AuthoredClaim['check'];
export type AuthoredQuantity = Extract<AuthoredCheck, { compare: unknown }>['compare'][0];
export type AuthoredServer = NonNullable<AuthoredSpec['servers']>[string];
/** A spec after parameters were substituted: what the engine runs. */
export type Spec = Resolved<AuthoredSpec>;
export type Step = Spec['actors'][number]['program'][number];
export type StepOp = Step['op'];
export type ActorSpec = Spec['actors'][number];
export type PrimitiveSpec = NonNullable<Spec['primitives']>[string];
export type PrimitiveType = PrimitiveSpec['type'];
export type SharedVarSpec = NonNullable<Spec['shared']>[string];
export type QueueSpec = NonNullable<Spec['queues']>[string];
export type PoolSpec = NonNullable<Spec['pools']>[string];
export type ParamSpec = NonNullable<Spec['params']>[string];
export type ClaimSpec = NonNullable<Spec['claims']>[number];
export type CheckSpec = ClaimSpec['check'];
export type Quantity = Extract<CheckSpec, { compare: unknown }>['compare'][0];
/** A comparison operator of conditions and checks: <, <=, ==, !=, >=, >. */
export type ComparisonOp = Extract<CheckSpec, { compare: unknown }>['compare'][1];
export type Value = Extract<Step, { op: 'let' }>['value'];
export type Cond = Extract<Step, { op: 'if' }>['cond'];

/** The JSON Schema (draft 2020-12) of authored specs, for editors. */
export function specJsonSchema(): unknown {
  return z.toJSONSchema(authoredSpecSchema, { unrepresentable: 'any' });
}
