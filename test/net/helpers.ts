import dgram from 'node:dgram';
import net from 'node:net';
import { Connection } from '../../src-main/net/connection';
import type { ServerEvent } from '../../src-main/net/server-events';

/** Whether a process exists (signal 0 tests without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Whether a port on a loopback address can be bound right now, TCP or UDP (then releases it). */
export function canBind(port: number, host = '127.0.0.1', protocol: 'tcp' | 'udp' = 'tcp'): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const probe = dgram.createSocket(host === '::1' ? 'udp6' : 'udp4');
      probe.once('error', () => resolve(false));
      probe.bind({ port, address: host, exclusive: true }, () => probe.close(() => resolve(true)));
      return;
    }
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Records a server's events for later assertions. */
export function eventLog(): { events: ServerEvent[]; onEvent: (event: ServerEvent) => void } {
  const events: ServerEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}

/** Reads n newline-terminated lines. */
export async function lines(connection: Connection, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await connection.recvUntil('\n')).toString('utf8'));
  return out;
}
