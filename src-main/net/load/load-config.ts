import { z } from 'zod';
import type { LoopbackHost } from '../../model/server-config';

/** How a load generator drives a server. */

export const LOAD_PROTOCOLS = ['tcp', 'http', 'udp'] as const;
export type LoadProtocol = (typeof LOAD_PROTOCOLS)[number];

export type LoadMode =
  /** Closed loop: each connection sends its next request as soon as the last is answered. */
  | { readonly kind: 'closed' }
  /**
   * Open loop: each connection sends ratePerConnection requests per second on a fixed schedule,
   * answered or not; latency counts from the scheduled time, so a stall shows up as the latency every
   * scheduled request really saw (no coordinated omission).
   */
  | { readonly kind: 'open'; readonly ratePerConnection: number };

export interface LoadConfig {
  readonly protocol?: LoadProtocol;
  readonly host?: LoopbackHost;
  readonly port: number;
  /** C: connections (UDP: sockets) held open for the whole run. */
  readonly connections: number;
  /** S: bytes per request; the server must answer as many (echo, upper, delay). HTTP: the POST body (0: a GET). Default 64. */
  readonly messageBytes?: number;
  /** D: how long the measured phase lasts. Exactly one of durationMs and requests. */
  readonly durationMs?: number;
  /** R: requests in all, spread evenly over the connections. */
  readonly requests?: number;
  readonly mode?: LoadMode;
  /** K: worker threads the connections are spread over (default 2, never more than connections). */
  readonly threads?: number;
  /** A request unanswered this long (from its scheduled time) is an error (default 5000 ms). */
  readonly timeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /**
   * Each connection completes one request before the measured phase starts (default true), so that
   * start-up costs (a process forked per connection, a thread started) are not measured as latency.
   * false: the connections open in the measured phase, and each one's set-up is part of its first
   * request's latency (the report's `setup` gives the connect times and the first answers apart).
   */
  readonly prime?: boolean;
  readonly progressIntervalMs?: number;
  /** Descriptors something else in this process will need at the same time (a server here: C more). */
  readonly extraDescriptors?: number;
  /** HTTP: the request target (default "/"). */
  readonly httpPath?: string;
  /** HTTP: GET (no body) or POST (a body of messageBytes); default POST when messageBytes > 0, else GET. */
  readonly httpMethod?: HttpLoadMethod;
  /**
   * TCP: none (default) sends S raw bytes and expects S back; length-prefix sends each request with
   * a 4-byte length, for a server with length-prefix framing that then counts pipelined requests exactly.
   */
  readonly framing?: 'none' | 'length-prefix';
}

export interface ResolvedLoadConfig {
  readonly protocol: LoadProtocol;
  readonly host: LoopbackHost;
  readonly port: number;
  readonly connections: number;
  readonly messageBytes: number;
  readonly plan: { readonly kind: 'duration'; readonly ms: number } | { readonly kind: 'requests'; readonly total: number };
  readonly mode: LoadMode;
  readonly threads: number;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly prime: boolean;
  readonly progressIntervalMs: number;
  readonly extraDescriptors: number;
  readonly httpPath: string;
  readonly httpMethod: HttpLoadMethod;
  readonly framing: 'none' | 'length-prefix';
}

export const HTTP_LOAD_METHODS = ['GET', 'POST'] as const;
export type HttpLoadMethod = (typeof HTTP_LOAD_METHODS)[number];

/** UDP requests carry a 10-digit sequence number, so answers can be matched after a loss. */
export const UDP_SEQUENCE_DIGITS = 10;
export const MAX_LOAD_CONNECTIONS = 50_000;

export const loadConfigSchema = z.strictObject({
  protocol: z.enum(LOAD_PROTOCOLS).optional(),
  host: z.enum(['127.0.0.1', '::1']).optional(),
  port: z.number().int().min(1).max(65_535),
  connections: z.number().int().min(1).max(MAX_LOAD_CONNECTIONS),
  messageBytes: z.number().int().min(0).max(16 * 1024 * 1024).optional(),
  durationMs: z.number().min(1).max(3_600_000).optional(),
  requests: z.number().int().min(1).max(1e9).optional(),
  mode: z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('closed') }), z.strictObject({ kind: z.literal('open'), ratePerConnection: z.number().gt(0).max(1_000_000) })]).optional(),
  threads: z.number().int().min(1).max(64).optional(),
  timeoutMs: z.number().min(1).max(600_000).optional(),
  connectTimeoutMs: z.number().min(1).max(600_000).optional(),
  prime: z.boolean().optional(),
  progressIntervalMs: z.number().min(10).max(60_000).optional(),
  extraDescriptors: z.number().int().min(0).optional(),
  httpPath: z.string().regex(/^\/[\x21-\x7e]*$/, 'a request target starting with / (printable ASCII, no spaces)').max(2_000).optional(),
  httpMethod: z.enum(HTTP_LOAD_METHODS).optional(),
  framing: z.enum(['none', 'length-prefix']).optional(),
});

export class LoadConfigError extends Error {
  override readonly name = 'LoadConfigError';
  readonly code = 'invalid-config';
}

export function resolveLoadConfig(input: LoadConfig): ResolvedLoadConfig {
  const parsed = loadConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new LoadConfigError(parsed.error.issues.map((issue) => `load.${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; '));
  }
  const config = parsed.data;
  if ((config.durationMs === undefined) === (config.requests === undefined)) {
    throw new LoadConfigError(`load: give exactly one of durationMs (run for D ms) and requests (send R requests); got ${config.durationMs === undefined ? 'neither' : 'both'}`);
  }
  const protocol = config.protocol ?? 'tcp';
  const messageBytes = config.messageBytes ?? 64;
  if (protocol === 'udp' && messageBytes < UDP_SEQUENCE_DIGITS) {
    throw new LoadConfigError(`load.messageBytes: UDP requests carry a ${UDP_SEQUENCE_DIGITS}-digit sequence number; expected at least ${UDP_SEQUENCE_DIGITS} bytes, got ${messageBytes}`);
  }
  if (config.framing === 'length-prefix' && protocol !== 'tcp') throw new LoadConfigError(`load.framing: length-prefix applies to TCP; ${protocol} brings its own message boundaries`);
  if (config.httpMethod !== undefined && protocol !== 'http') throw new LoadConfigError(`load.httpMethod: applies to HTTP loads; this load is ${protocol}`);
  if (config.httpMethod === 'POST' && messageBytes === 0) throw new LoadConfigError('load.httpMethod: POST sends a body of messageBytes; expected messageBytes of at least 1, or GET');
  if (protocol === 'tcp' && messageBytes === 0) throw new LoadConfigError('load.messageBytes: a TCP request of 0 bytes cannot be answered; expected at least 1');
  return {
    protocol,
    host: config.host ?? '127.0.0.1',
    port: config.port,
    connections: config.connections,
    messageBytes,
    plan: config.durationMs !== undefined ? { kind: 'duration', ms: config.durationMs } : { kind: 'requests', total: config.requests! },
    mode: config.mode ?? { kind: 'closed' },
    threads: Math.min(config.threads ?? 2, config.connections),
    timeoutMs: config.timeoutMs ?? 5_000,
    connectTimeoutMs: config.connectTimeoutMs ?? 5_000,
    prime: config.prime ?? true,
    progressIntervalMs: config.progressIntervalMs ?? 250,
    extraDescriptors: config.extraDescriptors ?? 0,
    httpPath: config.httpPath ?? '/',
    httpMethod: config.httpMethod ?? (messageBytes > 0 ? 'POST' : 'GET'),
    framing: config.framing ?? 'none',
  };
}
