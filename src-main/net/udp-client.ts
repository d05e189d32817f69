import dgram from 'node:dgram';
import { NetError } from './errors';
import { checkPort, formatEndpoint, loopbackHost } from './loopback';
import type { LoopbackHost } from '../model/server-config';

/**
 * A UDP socket with sendto / recvfrom. Datagrams keep their boundaries: one sendto is one recvfrom
 * on the other side, whole, or nothing at all (UDP may drop; on loopback it drops only when a
 * receive buffer overflows).
 */

export interface Datagram {
  readonly data: Buffer;
  readonly from: { readonly host: string; readonly port: number };
}

export interface UdpOpenOptions {
  /** The family to use, as the address it will talk to (default 127.0.0.1). */
  readonly host?: LoopbackHost;
}

export class UdpClient {
  private readonly inbox: Datagram[] = [];
  private waiter: (() => void) | null = null;
  private closing: Promise<void> | null = null;
  private closedFlag = false;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly host: LoopbackHost,
  ) {
    socket.on('message', (data, from) => {
      this.inbox.push({ data, from: { host: from.address, port: from.port } });
      this.waiter?.();
    });
    socket.on('error', () => {});
  }

  static async open(options: UdpOpenOptions = {}): Promise<UdpClient> {
    const host = loopbackHost(options.host);
    const socket = dgram.createSocket(host === '::1' ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpClient(socket, host);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /**
   * Sends one datagram. The bytes are copied first: dgram.send is asynchronous, and a Buffer the
   * caller refills before the send completes would corrupt the datagram (ANCHORS.md).
   */
  sendto(data: Buffer | string, to: { readonly host?: LoopbackHost; readonly port: number }): Promise<number> {
    const host = loopbackHost(to.host ?? this.host, 'sendto host');
    const port = checkPort(to.port, 'sendto port');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    return new Promise((resolve, reject) => {
      this.socket.send(bytes, port, host, (error) => (error ? reject(new NetError('connection-closed', `sendto ${formatEndpoint(host, port)} failed: ${error.message}`)) : resolve(bytes.length)));
    });
  }

  /** The next datagram, whole; fails with NetError 'timeout' after timeoutMs (default 5000). */
  recvfrom(options: { readonly timeoutMs?: number } = {}): Promise<Datagram> {
    const ready = this.inbox.shift();
    if (ready) return Promise.resolve(ready);
    if (this.waiter) return Promise.reject(new Error('another recvfrom is already waiting on this socket'));
    if (this.closedFlag) return Promise.reject(new NetError('connection-closed', 'recvfrom on a closed UDP socket'));
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new NetError('timeout', `recvfrom: no datagram within ${timeoutMs} ms on port ${this.port}`));
      }, timeoutMs);
      this.waiter = () => {
        const next = this.inbox.shift();
        if (!next) return;
        clearTimeout(timer);
        this.waiter = null;
        resolve(next);
      };
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.closedFlag = true;
      this.socket.close(() => resolve());
    });
    return this.closing;
  }
}
