/**
 * Errors of the network lab: a closed set of codes a caller can switch on, each with a message a
 * person can act on (which port, which limit, what to do instead).
 */

export type NetErrorCode =
  | 'port-in-use'
  | 'port-privileged'
  | 'address-not-loopback'
  | 'address-unavailable'
  | 'invalid-config'
  | 'unsupported-combination'
  | 'descriptor-limit'
  | 'connect-refused'
  | 'connect-timeout'
  | 'timeout'
  | 'connection-closed'
  | 'connection-reset'
  | 'protocol'
  | 'entry-missing'
  | 'host-failed';

export class NetError extends Error {
  override readonly name = 'NetError';
  constructor(
    readonly code: NetErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An error as plain data: what crosses a thread or process boundary. */
export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

export function errorData(error: unknown): ErrorData {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}), ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/** Rebuilds an error that crossed a boundary; NetError codes survive the trip. */
export function errorFromData(data: ErrorData): Error {
  const error = data.name === 'NetError' && data.code ? new NetError(data.code as NetErrorCode, data.message) : new Error(data.message);
  if (data.stack) error.stack = data.stack;
  return error;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Turns a listen/bind failure into a message that names the port and says what to do. */
export function listenError(error: unknown, host: string, port: number, what: 'TCP' | 'UDP'): Error {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return new NetError('port-in-use', `port ${port} on ${host} is already in use (${what}); stop whatever holds it or use port 0 to get a free one`);
    case 'EACCES':
      return new NetError('port-privileged', `port ${port} on ${host} needs privileges (ports below 1024 are reserved); use port 0 or a port of 1024 or more`);
    case 'EADDRNOTAVAIL':
      return new NetError('address-unavailable', `${host} is not available on this machine${host === '::1' ? ' (IPv6 may be disabled)' : ''}; use 127.0.0.1`);
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}

/** Failures of a connection as a closed set (what a load report counts and a trace shows). */
export function connectError(error: unknown, host: string, port: number): NetError {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof NetError) return error;
  if (code === 'ECONNREFUSED') return new NetError('connect-refused', `nothing listens on port ${port} of ${host} (connection refused)`);
  if (code === 'ECONNRESET') return new NetError('connection-reset', `the connection to ${host}:${port} was reset by the server`);
  if (code === 'EMFILE' || code === 'ENFILE') {
    return new NetError('descriptor-limit', `out of file descriptors while connecting to ${host}:${port} (${String(code)}); raise the open-file limit (ulimit -n) or use fewer connections`);
  }
  if (code === 'EADDRNOTAVAIL') return new NetError('address-unavailable', `no local port left to connect to ${host}:${port} (EADDRNOTAVAIL): too many connections for the ephemeral port range`);
  return new NetError('connection-closed', `connecting to ${host}:${port} failed: ${messageOf(error)}`);
}

