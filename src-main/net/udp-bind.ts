import dgram from 'node:dgram';
import { listenError } from './errors';
import type { LoopbackHost } from '../model/server-config';
import type { BoundAddress } from './tcp-listener';

/** Binds a UDP socket on a loopback address; a busy port becomes a NetError that names it. */
export function bindUdp(host: LoopbackHost, port: number): Promise<{ socket: dgram.Socket; address: BoundAddress }> {
  const socket = dgram.createSocket({ type: host === '::1' ? 'udp6' : 'udp4', ipv6Only: host === '::1' });
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.close();
      reject(listenError(error, host, port, 'UDP'));
    };
    socket.once('error', onError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve({ socket, address: { host, port: socket.address().port, family: host === '::1' ? 'IPv6' : 'IPv4' } });
    });
  });
}

export function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
