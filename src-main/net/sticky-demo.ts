import net from 'node:net';
import { once } from 'node:events';
import { Connection } from './connection';
import { assertNever } from '../model/assert-never';
import { closeListener, listenTcp } from './tcp-listener';

/**
 * The sticky-packet demonstration. TCP is a byte stream: a header and the data sent right after it
 * can arrive as one read. A naive receiver reads "the header" with one recv(1024), gets header and
 * data merged, and misreads the size. Two fixes: the receiver acknowledges the header before the
 * sender sends the data (the header then travels alone), or every message carries its length.
 *
 * Deterministic by construction: the naive sender writes header and data in one corked write, so
 * they leave in one segment and the receiver's first read holds both, every time.
 */

export type StickyMode = 'naive' | 'acknowledge' | 'length-prefix';
export const STICKY_MODES: readonly StickyMode[] = ['naive', 'acknowledge', 'length-prefix'];

export interface StickyResult {
  readonly mode: StickyMode;
  /** What the receiver took for the header. */
  readonly headerSeen: string;
  readonly name: string | null;
  readonly size: number | null;
  readonly data: string | null;
  /** The receiver got the name, the size and the data right. */
  readonly correct: boolean;
  /** Why not, in words. */
  readonly problem: string | null;
}

const NAIVE_HEADER_READ = 1024;

function parseHeader(text: string): { name: string; size: number } | null {
  const match = /^([^|]+)\|(\d+)$/.exec(text);
  return match ? { name: match[1]!, size: Number(match[2]) } : null;
}

export async function runStickyDemo(mode: StickyMode, file: { readonly name?: string; readonly content?: string } = {}): Promise<StickyResult> {
  const name = file.name ?? 'report.txt';
  const content = Buffer.from(file.content ?? 'hello, sticky packets', 'utf8');
  const header = `${name}|${content.length}`;
  const server = net.createServer({ noDelay: true });
  const { port } = await listenTcp(server, '127.0.0.1', 0, 8);
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const sender = await Connection.connect({ port, framing: mode === 'length-prefix' ? { kind: 'length-prefix' } : { kind: 'none' } });
  const [socket] = await accepted;
  const receiver = Connection.wrap(socket, { framing: mode === 'length-prefix' ? { kind: 'length-prefix' } : { kind: 'none' } });
  try {
    switch (mode) {
      case 'naive': {
        sender.socket.cork();
        sender.send(header);
        sender.send(content);
        sender.socket.uncork();
        const headerSeen = (await receiver.recv(NAIVE_HEADER_READ)).toString('utf8');
        const parsed = parseHeader(headerSeen);
        if (!parsed) {
          const extra = Buffer.byteLength(headerSeen) - Buffer.byteLength(header);
          return {
            mode,
            headerSeen,
            name: null,
            size: null,
            data: null,
            correct: false,
            problem: `recv(${NAIVE_HEADER_READ}) returned ${Buffer.byteLength(headerSeen)} bytes: the ${Buffer.byteLength(header)}-byte header and ${extra} bytes of data stuck together, so the size field reads ${JSON.stringify(headerSeen.slice(headerSeen.indexOf('|') + 1))}`,
          };
        }
        const data = (await receiver.recvExactly(parsed.size, { timeoutMs: 1_000 })).toString('utf8');
        return { mode, headerSeen, ...parsed, data, correct: parsed.name === name && data === content.toString('utf8'), problem: null };
      }
      case 'acknowledge': {
        sender.send(header);
        const headerSeen = (await receiver.recv(NAIVE_HEADER_READ)).toString('utf8');
        const parsed = parseHeader(headerSeen);
        if (!parsed) return { mode, headerSeen, name: null, size: null, data: null, correct: false, problem: 'the header did not parse' };
        receiver.sendAck();
        await sender.expectAck();
        sender.send(content);
        const data = (await receiver.recvExactly(parsed.size)).toString('utf8');
        return { mode, headerSeen, ...parsed, data, correct: parsed.name === name && data === content.toString('utf8'), problem: null };
      }
      case 'length-prefix': {
        // Back to back, even in one write: the lengths say where each message ends.
        sender.socket.cork();
        void sender.sendMessage(header);
        void sender.sendMessage(content);
        sender.socket.uncork();
        const headerSeen = (await receiver.recvMessage()).toString('utf8');
        const parsed = parseHeader(headerSeen);
        if (!parsed) return { mode, headerSeen, name: null, size: null, data: null, correct: false, problem: 'the header did not parse' };
        const data = (await receiver.recvMessage()).toString('utf8');
        const correct = parsed.name === name && parsed.size === content.length && data === content.toString('utf8');
        return { mode, headerSeen, ...parsed, data, correct, problem: correct ? null : 'the data did not match' };
      }
      default:
        return assertNever(mode, 'sticky mode');
    }
  } finally {
    await Promise.all([sender.close({ graceMs: 200 }), receiver.close({ graceMs: 200 })]);
    await closeListener(server);
  }
}
