import net from 'node:net';
import type { Socket } from 'node:net';
import { listenError } from './errors';
import type { LoopbackHost } from '../model/server-config';

export interface BoundAddress {
  readonly host: LoopbackHost;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

/** Listens on a loopback address; a busy port becomes a NetError that names it. */
export function listenTcp(server: net.Server, host: LoopbackHost, port: number, backlog: number): Promise<BoundAddress> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(listenError(error, host, port, 'TCP'));
    server.once('error', onError);
    server.listen({ host, port, backlog, ipv6Only: host === '::1' }, () => {
      server.off('error', onError);
      const address = server.address() as net.AddressInfo;
      resolve({ host, port: address.port, family: host === '::1' ? 'IPv6' : 'IPv4' });
    });
  });
}

/** The sockets a model holds, so that stopping can end them all. */
export class SocketSet {
  private readonly sockets = new Set<Socket>();

  get size(): number {
    return this.sockets.size;
  }

  add(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /**
   * Ends every socket (a FIN: peers see an orderly close), waits up to graceMs for them to close,
   * then destroys the rest. Returns how many had to be destroyed.
   */
  async endAll(graceMs: number): Promise<number> {
    const open = [...this.sockets];
    if (open.length === 0) return 0;
    for (const socket of open) socket.end();
    // Every socket still in the set has yet to emit 'close' (its `closed` flag turns true a tick earlier).
    const allClosed = Promise.all(open.map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()))));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([allClosed.then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'closed') return 0;
    let forced = 0;
    for (const socket of this.sockets) {
      forced++;
      socket.destroy();
    }
    await allClosed;
    return forced;
  }
}

/**
 * Stops accepting at once, without waiting for anything. For a server whose connections were handed
 * to child processes: Node's close() then waits for each such child to report its connections gone,
 * and (Node 20) never calls back at all when every child that was handed one has already exited.
 * Those children are stopped, and their connections ended, by their owner.
 */
export function stopAccepting(server: net.Server): void {
  if (server.listening) server.close();
}

/** Stops accepting; resolves once the listening socket is closed (connections are ended separately). */
export function closeListener(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}
