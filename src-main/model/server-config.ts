import { z } from 'zod';

/**
 * What a server of the network lab is: protocol × concurrency model × handler, and the schemas that
 * check a server description written by a person or carried in a spec. Pure: no Node imports, so the
 * experiment spec and the renderer's composer can share it.
 */

/**
 * The only addresses the lab binds and connects to. Experiments run on a person's machine, often in
 * a classroom: nothing the lab starts may be reachable from, or reach out to, another machine.
 */
export const LOOPBACK_HOSTS = ['127.0.0.1', '::1'] as const;
export type LoopbackHost = (typeof LOOPBACK_HOSTS)[number];

/** How messages are cut out of a TCP byte stream (net/framing.ts does the cutting). */
export type Framing =
  | { readonly kind: 'none' }
  | { readonly kind: 'delimiter'; readonly delimiter?: string }
  | { readonly kind: 'length-prefix' }
  | { readonly kind: 'acknowledge' };

export const PROTOCOLS = ['tcp', 'udp', 'http'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const SERVER_MODELS = [
  'blocking-serial',
  'thread-per-connection',
  'process-per-connection',
  'event-loop',
  'worker-pool',
  'cluster',
  'scanning',
] as const;
export type ServerModel = (typeof SERVER_MODELS)[number];

export const HANDLER_KINDS = ['echo', 'upper', 'ivr', 'file-receive', 'hello', 'delay'] as const;
export type HandlerKind = (typeof HANDLER_KINDS)[number];

export type IvrLanguage = 'zh' | 'en';

export type HandlerSpec =
  | { readonly kind: 'echo' }
  /** ASCII letters upper-cased; other bytes (UTF-8 included) pass unchanged. */
  | { readonly kind: 'upper' }
  /** The 10086 service-line dialogue, one line in, one or more lines out. */
  | { readonly kind: 'ivr'; readonly language?: IvrLanguage }
  /** `name|size\n` then size bytes; answers `ok <size> <sha256>\n`. Saves into saveDir when given. */
  | { readonly kind: 'file-receive'; readonly saveDir?: string }
  /** HTTP only: a text/plain answer that declares its charset. */
  | { readonly kind: 'hello'; readonly text?: string }
  /**
   * Waits ms per request, then echoes. `blocking: true` blocks the serving thread (Atomics.wait, like
   * time.sleep in a Python thread); the default yields to the event loop (like an awaited IO call).
   */
  | { readonly kind: 'delay'; readonly ms: number; readonly blocking?: boolean };

export interface ServerConfig {
  readonly protocol: Protocol;
  readonly model: ServerModel;
  readonly handler: HandlerSpec;
  /** 127.0.0.1 (default) or ::1; nothing else is ever bound. */
  readonly host?: LoopbackHost;
  /** 0 (default) lets the system choose; the real port is on the running server. */
  readonly port?: number;
  /** TCP only, for echo / upper / delay: how requests are cut out of the stream (default none: one read, one request). */
  readonly framing?: Framing;
  /** Threads of a worker-pool, processes of a cluster (default 2). */
  readonly workers?: number;
  /** thread-per-connection: connections beyond this many live threads are refused (default 128). */
  readonly maxThreads?: number;
  /** process-per-connection: connections beyond this many live processes are refused (default 32). */
  readonly maxProcesses?: number;
  /** The listen backlog: connections the kernel queues before accept (default 511, Node's). */
  readonly backlog?: number;
  /**
   * HTTP only: how long a request head may take to arrive, from the moment the server waits for it
   * (the connection opened, or the previous answer left). Past it the client gets 408 and a close, so
   * one slow client cannot hold a blocking-serial server forever (default 10000 ms; 0: no limit).
   */
  readonly headTimeoutMs?: number;
}

export interface ResolvedServerConfig {
  readonly protocol: Protocol;
  readonly model: ServerModel;
  readonly handler: HandlerSpec;
  readonly host: LoopbackHost;
  readonly port: number;
  readonly framing: Framing;
  readonly workers: number;
  readonly maxThreads: number;
  readonly maxProcesses: number;
  readonly backlog: number;
  /** HTTP: see ServerConfig.headTimeoutMs; 0 for other protocols. */
  readonly headTimeoutMs: number;
}

export const SERVER_DEFAULTS = { workers: 2, maxThreads: 128, maxProcesses: 32, backlog: 511, headTimeoutMs: 10_000 } as const;
/** The longest head timeout a server takes (ten minutes). */
export const MAX_HEAD_TIMEOUT_MS = 600_000;

/** The models a protocol can run under: "per connection" means nothing to a datagram protocol. */
export const MODELS_BY_PROTOCOL: Readonly<Record<Protocol, readonly ServerModel[]>> = {
  tcp: SERVER_MODELS,
  http: SERVER_MODELS,
  udp: ['event-loop', 'blocking-serial', 'worker-pool', 'cluster'],
};

export const HANDLERS_BY_PROTOCOL: Readonly<Record<Protocol, readonly HandlerKind[]>> = {
  tcp: ['echo', 'upper', 'ivr', 'file-receive', 'delay'],
  http: ['hello', 'echo', 'upper', 'delay'],
  udp: ['echo', 'upper', 'delay'],
};

export const framingSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('delimiter'), delimiter: z.string().min(1).max(16).optional() }),
  z.strictObject({ kind: z.literal('length-prefix') }),
  z.strictObject({ kind: z.literal('acknowledge') }),
]);

export const handlerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('echo') }),
  z.strictObject({ kind: z.literal('upper') }),
  z.strictObject({ kind: z.literal('ivr'), language: z.enum(['zh', 'en']).optional() }),
  z.strictObject({ kind: z.literal('file-receive'), saveDir: z.string().min(1).optional() }),
  z.strictObject({ kind: z.literal('hello'), text: z.string().max(10_000).optional() }),
  z.strictObject({ kind: z.literal('delay'), ms: z.number().min(0).max(60_000), blocking: z.boolean().optional() }),
]);

export const serverConfigSchema = z.strictObject({
  protocol: z.enum(PROTOCOLS),
  model: z.enum(SERVER_MODELS),
  handler: handlerSchema,
  host: z.enum(LOOPBACK_HOSTS).optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  framing: framingSchema.optional(),
  workers: z.number().int().min(1).max(64).optional(),
  maxThreads: z.number().int().min(1).max(10_000).optional(),
  maxProcesses: z.number().int().min(1).max(1_000).optional(),
  backlog: z.number().int().min(1).max(65_535).optional(),
  headTimeoutMs: z.number().int().min(0).max(MAX_HEAD_TIMEOUT_MS).optional(),
});

/** A server description that cannot run, with the field at fault and what was expected. */
export class ServerConfigError extends Error {
  override readonly name = 'ServerConfigError';
  readonly code = 'invalid-config';
}

function issueText(error: z.ZodError): string {
  return error.issues.map((issue) => `server.${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/** Checks a server description and fills in the defaults; throws ServerConfigError naming the field. */
export function resolveServerConfig(input: unknown): ResolvedServerConfig {
  const parsed = serverConfigSchema.safeParse(input);
  if (!parsed.success) throw new ServerConfigError(issueText(parsed.error));
  const config = parsed.data as ServerConfig;
  const { protocol, model, handler } = config;
  if (!MODELS_BY_PROTOCOL[protocol].includes(model)) {
    throw new ServerConfigError(
      `server.model: ${model} needs connections, and ${protocol} has none; expected one of ${MODELS_BY_PROTOCOL[protocol].join(', ')}`,
    );
  }
  if (!HANDLERS_BY_PROTOCOL[protocol].includes(handler.kind)) {
    const hint = handler.kind === 'hello' ? ' (hello answers HTTP: use protocol http)' : handler.kind === 'ivr' || handler.kind === 'file-receive' ? ' (it is a conversation over a TCP stream: use protocol tcp)' : '';
    throw new ServerConfigError(`server.handler.kind: ${handler.kind} does not run over ${protocol}${hint}; expected one of ${HANDLERS_BY_PROTOCOL[protocol].join(', ')}`);
  }
  const framing: Framing = config.framing ?? { kind: 'none' };
  if (framing.kind !== 'none' && (protocol !== 'tcp' || !['echo', 'upper', 'delay'].includes(handler.kind))) {
    throw new ServerConfigError(
      `server.framing: ${framing.kind} framing applies to TCP echo, upper and delay servers; ${protocol === 'tcp' ? `the ${handler.kind} handler has its own protocol` : `${protocol} brings its own message boundaries`}, so leave framing out`,
    );
  }
  // 0 (no limit) is what a resolved non-HTTP config carries, and it may be resolved again (in a child process).
  if (config.headTimeoutMs !== undefined && config.headTimeoutMs !== 0 && protocol !== 'http') {
    throw new ServerConfigError(`server.headTimeoutMs: ${config.headTimeoutMs} was given for a ${protocol} server; the request head timeout applies to HTTP servers only, so leave it out`);
  }
  return {
    protocol,
    model,
    handler,
    host: config.host ?? '127.0.0.1',
    port: config.port ?? 0,
    framing,
    workers: config.workers ?? SERVER_DEFAULTS.workers,
    maxThreads: config.maxThreads ?? SERVER_DEFAULTS.maxThreads,
    maxProcesses: config.maxProcesses ?? SERVER_DEFAULTS.maxProcesses,
    backlog: config.backlog ?? SERVER_DEFAULTS.backlog,
    headTimeoutMs: protocol === 'http' ? (config.headTimeoutMs ?? SERVER_DEFAULTS.headTimeoutMs) : 0,
  };
}
