import { LOOPBACK_HOSTS, type LoopbackHost } from '../model/server-config';
import { NetError } from './errors';

export function isLoopbackHost(host: string): host is LoopbackHost {
  return (LOOPBACK_HOSTS as readonly string[]).includes(host);
}

/** Checks a host given by a person or a spec; `localhost` is refused because it may resolve to either family. */
export function loopbackHost(host: string | undefined, field = 'host'): LoopbackHost {
  const chosen = host ?? '127.0.0.1';
  if (isLoopbackHost(chosen)) return chosen;
  throw new NetError('address-not-loopback', `${field}: "${chosen}" is not allowed; the lab only uses the loopback addresses 127.0.0.1 and ::1`);
}

export function checkPort(port: number | undefined, field = 'port'): number {
  const chosen = port ?? 0;
  if (!Number.isInteger(chosen) || chosen < 0 || chosen > 65_535) {
    throw new NetError('invalid-config', `${field}: ${String(port)} is not a port; expected an integer from 0 (any free port) to 65535`);
  }
  return chosen;
}

/** "127.0.0.1:8080" or "[::1]:8080". */
export function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface Endpoint {
  readonly host: LoopbackHost;
  readonly port: number;
}
