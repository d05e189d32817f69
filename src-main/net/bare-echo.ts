import net from 'node:net';
import type { LoopbackHost } from '../model/server-config';
import { listenTcp, type BoundAddress } from './tcp-listener';

/**
 * The benchmark's baseline: the plainest echo server Node allows, with none of the lab's machinery
 * (no sessions, no counters). The lab's event-loop model is judged against it in the same run.
 * Nagle's algorithm is off on both, so the comparison is of the code, not of socket options.
 */
export async function startBareEcho(host: LoopbackHost, port: number): Promise<{
  server: net.Server;
  address: BoundAddress;
  sockets: readonly net.Socket[];
  onSocket(listener: (socket: net.Socket) => void): void;
}> {
  const listeners: ((socket: net.Socket) => void)[] = [];
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {});
    socket.on('data', (chunk) => socket.write(chunk));
    for (const listener of listeners) listener(socket);
  });
  const address = await listenTcp(server, host, port, 4_096);
  return { server, address, sockets: [], onSocket: (listener) => listeners.push(listener) };
}
