import net from 'node:net';
import { once } from 'node:events';
import { ByteQueue } from './byte-queue';
import { connectError, NetError } from './errors';
import { assertNever } from '../model/assert-never';
import { ACK, ACK_BYTE, delimiterOf, encodeFrame, lengthHeader, MAX_MESSAGE_BYTES } from './framing';
import type { Framing, LoopbackHost } from '../model/server-config';
import { formatEndpoint, loopbackHost, checkPort } from './loopback';

/**
 * A TCP connection with the operations of the classic socket lessons: connect, send, sendall,
 * recv (up to n bytes, exactly n, until a delimiter, or one framed message), close. Each operation
 * can report what really happened on the wire through `onEvent`, which the engine turns into trace
 * events: a write the kernel did not take at once (`accepted: false`), the wait for 'drain', reads.
 *
 * One receive at a time: like a blocking socket, a connection has one reader.
 */

export type ConnectionCloseReason = 'local' | 'peer' | 'reset' | 'error';

export type ClientEvent =
  | { readonly op: 'connect'; readonly local: string; readonly remote: string; readonly ms: number }
  /** One write. accepted: false when the data did not all go to the kernel at once and waits in Node's buffer (`buffered` bytes). */
  | { readonly op: 'write'; readonly bytes: number; readonly accepted: boolean; readonly buffered: number }
  | { readonly op: 'drain'; readonly waitedMs: number }
  | { readonly op: 'read'; readonly bytes: number }
  | { readonly op: 'ack'; readonly direction: 'sent' | 'received' }
  | { readonly op: 'close'; readonly reason: ConnectionCloseReason };

export type ClientEventListener = (event: ClientEvent) => void;

export interface ConnectOptions {
  readonly host?: LoopbackHost;
  readonly port: number;
  /** Connect timeout (default 5000 ms). */
  readonly timeoutMs?: number;
  /** How sendMessage and recvMessage cut messages (default none). */
  readonly framing?: Framing;
  readonly onEvent?: ClientEventListener;
}

export interface WrapOptions {
  readonly framing?: Framing;
  readonly onEvent?: ClientEventListener;
}

export interface ReceiveOptions {
  /** Default 5000 ms; a receive that waits longer fails with NetError 'timeout'. */
  readonly timeoutMs?: number;
}

export interface SendResult {
  readonly bytes: number;
  /** False when the kernel did not take it all at once: the rest waits in Node's buffer (a partial send). */
  readonly accepted: boolean;
}

export interface SendAllResult {
  readonly bytes: number;
  readonly writes: number;
  /** Writes the kernel did not take at once, each followed by a wait for 'drain'. */
  readonly refusedWrites: number;
  readonly drainWaitMs: number;
}

export const DEFAULT_RECEIVE_TIMEOUT_MS = 5_000;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** Above this many unread bytes the connection stops reading, and TCP flow control slows the sender. */
const READ_AHEAD_BYTES = 1024 * 1024;

type Waiter = () => void;

export class Connection {
  private readonly queue = new ByteQueue();
  private eof = false;
  private failure: NetError | null = null;
  private waiter: Waiter | null = null;
  private closing: Promise<void> | null = null;
  private closeReason: ConnectionCloseReason = 'peer';
  /** Bytes the waiting receive needs at once (recvExactly of more than the read-ahead). */
  private wanted = 0;
  readonly framing: Framing;
  readonly local: string;
  readonly remote: string;
  /** Settles when the socket is closed, with why. */
  readonly closed: Promise<ConnectionCloseReason>;
  private readonly emit: ClientEventListener | null;

  private constructor(
    readonly socket: net.Socket,
    options: WrapOptions,
  ) {
    this.framing = options.framing ?? { kind: 'none' };
    this.emit = options.onEvent ?? null;
    this.local = formatEndpoint(socket.localAddress ?? '?', socket.localPort ?? 0);
    this.remote = formatEndpoint(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.eof = true;
        this.emit?.({ op: 'close', reason: this.closeReason });
        this.wake();
        resolve(this.closeReason);
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      this.emit?.({ op: 'read', bytes: chunk.length });
      if (this.queue.length > Math.max(READ_AHEAD_BYTES, this.wanted)) socket.pause();
      this.wake();
    });
    socket.on('end', () => {
      this.eof = true;
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.closeReason = error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : 'error';
      this.failure = connectError(error, socket.remoteAddress ?? '?', socket.remotePort ?? 0);
      this.wake();
    });
  }

  /** Connects to a loopback address; fails with a NetError saying why (refused, timeout, out of descriptors). */
  static async connect(options: ConnectOptions): Promise<Connection> {
    const host = loopbackHost(options.host);
    const port = checkPort(options.port);
    const timeoutMs = options.timeoutMs ?? DEFAULT_RECEIVE_TIMEOUT_MS;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new NetError('connect-timeout', `no connection to ${formatEndpoint(host, port)} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(connectError(error, host, port));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        const connection = new Connection(socket, options);
        connection.emit?.({ op: 'connect', local: connection.local, remote: connection.remote, ms: performance.now() - started });
        resolve(connection);
      });
    });
  }

  /** Wraps a socket this side accepted (a server's view of a connection), with the same operations. */
  static wrap(socket: net.Socket, options: WrapOptions = {}): Connection {
    const connection = new Connection(socket, options);
    socket.resume();
    return connection;
  }

  /** Unread bytes already received. */
  get buffered(): number {
    return this.queue.length;
  }

  private wake(): void {
    this.waiter?.();
  }

  private wait<T>(attempt: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    if (this.waiter) return Promise.reject(new Error('another receive is already waiting on this connection; receive one at a time'));
    try {
      const now = attempt();
      if (now !== undefined) return Promise.resolve(now);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new NetError('timeout', `${what}: nothing within ${timeoutMs} ms from ${this.remote}`));
      }, timeoutMs);
      this.waiter = () => {
        let value: T | undefined;
        try {
          value = attempt();
        } catch (error) {
          clearTimeout(timer);
          this.waiter = null;
          reject(error as Error);
          return;
        }
        if (value === undefined) return;
        clearTimeout(timer);
        this.waiter = null;
        resolve(value);
      };
    });
  }

  private taken(n: number): Buffer {
    const bytes = this.queue.take(n);
    this.resumeIfRoom();
    return bytes;
  }

  private resumeIfRoom(): void {
    if (this.socket.isPaused() && this.queue.length <= Math.max(READ_AHEAD_BYTES, this.wanted) && !this.socket.destroyed) this.socket.resume();
  }

  private ended(what: string, need: string): never {
    if (this.failure) throw this.failure;
    throw new NetError('connection-closed', `${what}: ${this.remote} closed the connection with ${this.queue.length} bytes unread, ${need}`);
  }

  /** One write, as Python's send: reports whether the kernel took everything at once. */
  send(data: Buffer | string): SendResult {
    if (this.failure) throw this.failure;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const accepted = this.socket.write(bytes);
    this.emit?.({ op: 'write', bytes: bytes.length, accepted, buffered: this.socket.writableLength });
    return { bytes: bytes.length, accepted };
  }

  /**
   * Sends everything, in chunks, respecting back-pressure: after a write the kernel did not take at
   * once, waits for 'drain' before the next, so Node's buffer never holds more than one chunk.
   */
  async sendAll(data: Buffer | string, options: { readonly chunkBytes?: number } = {}): Promise<SendAllResult> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    let writes = 0;
    let refusedWrites = 0;
    let drainWaitMs = 0;
    for (let offset = 0; offset < bytes.length || (offset === 0 && bytes.length === 0); offset += chunkBytes) {
      const result = this.send(bytes.subarray(offset, offset + chunkBytes));
      writes++;
      if (!result.accepted) {
        refusedWrites++;
        drainWaitMs += await this.drained();
      }
      if (bytes.length === 0) break;
    }
    return { bytes: bytes.length, writes, refusedWrites, drainWaitMs };
  }

  /** Waits until Node's write buffer has emptied into the kernel; returns how long that took. */
  async drained(): Promise<number> {
    if (this.socket.writableLength === 0 || !this.socket.writableNeedDrain) return 0;
    const started = performance.now();
    await Promise.race([once(this.socket, 'drain'), this.closed.then(() => this.ended('sendall', 'before the data was sent'))]);
    const waitedMs = performance.now() - started;
    this.emit?.({ op: 'drain', waitedMs });
    return waitedMs;
  }

  /** Like recv(n): waits for at least one byte, returns up to maxBytes; an empty Buffer means the peer closed. */
  recv(maxBytes: number, options: ReceiveOptions = {}): Promise<Buffer> {
    return this.wait(
      () => {
        if (this.queue.length > 0) return this.taken(Math.min(maxBytes, this.queue.length));
        if (this.failure) throw this.failure;
        if (this.eof) return Buffer.alloc(0);
        return undefined;
      },
      options.timeoutMs ?? DEFAULT_RECEIVE_TIMEOUT_MS,
      `recv(${maxBytes})`,
    );
  }

  /** Exactly n bytes, however many reads that takes. */
  recvExactly(n: number, options: ReceiveOptions = {}): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error('another receive is already waiting on this connection; receive one at a time'));
    // Read ahead as far as this receive needs, or it would wait for bytes the paused socket never reads.
    this.wanted = n;
    this.resumeIfRoom();
    const received = this.wait(
      () => {
        if (this.queue.length >= n) return this.taken(n);
        if (this.failure || this.eof) this.ended(`recvExactly(${n})`, `${n} were expected`);
        return undefined;
      },
      options.timeoutMs ?? DEFAULT_RECEIVE_TIMEOUT_MS,
      `recvExactly(${n})`,
    );
    const done = (): void => {
      this.wanted = 0;
    };
    received.then(done, done);
    return received;
  }

  /** Bytes up to a delimiter (the delimiter is consumed, not returned). */
  recvUntil(delimiter: Buffer | string, options: ReceiveOptions & { readonly maxBytes?: number } = {}): Promise<Buffer> {
    const needle = typeof delimiter === 'string' ? Buffer.from(delimiter, 'utf8') : delimiter;
    const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
    return this.wait(
      () => {
        const at = this.queue.indexOf(needle);
        if (at >= 0) {
          const message = this.taken(at);
          this.taken(needle.length);
          return message;
        }
        if (this.queue.length > maxBytes) throw new NetError('protocol', `no delimiter within ${maxBytes} bytes from ${this.remote}`);
        if (this.failure || this.eof) this.ended('recvUntil', `the delimiter ${JSON.stringify(needle.toString())} never came`);
        return undefined;
      },
      options.timeoutMs ?? DEFAULT_RECEIVE_TIMEOUT_MS,
      'recvUntil',
    );
  }

  /** Sends one message framed as this connection's framing; under acknowledge, resolves once the peer has ACKed it. */
  async sendMessage(data: Buffer | string, options: ReceiveOptions = {}): Promise<void> {
    const message = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const framing = this.framing;
    switch (framing.kind) {
      case 'none':
        await this.sendAll(message);
        return;
      case 'delimiter':
      case 'length-prefix':
        // One write: header (or delimiter) and body leave together.
        await this.sendAll(Buffer.concat(encodeFrame(framing, message)));
        return;
      case 'acknowledge':
        this.send(lengthHeader(message.length));
        await this.expectAck(options);
        await this.sendAll(message);
        await this.expectAck(options);
        return;
      default:
        assertNever(framing, 'framing');
    }
  }

  /** Receives one message framed as this connection's framing (none: one read, as naive code does). */
  async recvMessage(options: ReceiveOptions = {}): Promise<Buffer> {
    const framing = this.framing;
    switch (framing.kind) {
      case 'none':
        return this.recv(DEFAULT_CHUNK_BYTES, options);
      case 'delimiter':
        return this.recvUntil(delimiterOf(framing), options);
      case 'length-prefix': {
        const size = (await this.recvExactly(4, options)).readUInt32BE(0);
        if (size > MAX_MESSAGE_BYTES) throw new NetError('protocol', `a length prefix announced ${size} bytes, more than the lab's limit of ${MAX_MESSAGE_BYTES}`);
        return this.recvExactly(size, options);
      }
      case 'acknowledge': {
        const size = (await this.recvExactly(4, options)).readUInt32BE(0);
        if (size > MAX_MESSAGE_BYTES) throw new NetError('protocol', `a length header announced ${size} bytes, more than the lab's limit of ${MAX_MESSAGE_BYTES}`);
        this.sendAck();
        const body = await this.recvExactly(size, options);
        this.sendAck();
        return body;
      }
      default:
        return assertNever(framing, 'framing');
    }
  }

  /** The acknowledge framing's answer; also usable by hand (a receiver that acknowledges a header). */
  sendAck(): void {
    this.send(ACK_BYTE);
    this.emit?.({ op: 'ack', direction: 'sent' });
  }

  async expectAck(options: ReceiveOptions = {}): Promise<void> {
    const byte = (await this.recvExactly(1, options))[0];
    if (byte !== ACK) throw new NetError('protocol', `expected an ACK (0x06) from ${this.remote}, got 0x${(byte ?? 0).toString(16).padStart(2, '0')}`);
    this.emit?.({ op: 'ack', direction: 'received' });
  }

  /** Half-close: no more sends from this side (a FIN); receiving goes on. */
  end(): void {
    this.socket.end();
  }

  /** Closes: a FIN, then up to graceMs for the peer to close its side, then destroy. Idempotent. */
  close(options: { readonly graceMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      if (this.socket.destroyed) return;
      this.closeReason = this.failure ? this.closeReason : 'local';
      this.socket.end();
      this.socket.resume(); // read to the peer's FIN so that the close completes
      const timer = setTimeout(() => this.socket.destroy(), options.graceMs ?? 1_000);
      await this.closed;
      clearTimeout(timer);
    })();
    return this.closing;
  }
}

/** Connects (the "connect" step). */
export function connectTcp(options: ConnectOptions): Promise<Connection> {
  return Connection.connect(options);
}
