import type { HandlerSpec } from '../model/server-config';

/**
 * The request → answer functions of the simple handlers (echo, upper, delay). They run wherever a
 * model runs its sessions: the server's own thread, a worker thread, a child process.
 */

export type MessageHandler = (message: Buffer) => Buffer | Promise<Buffer>;

const A = 0x61;
const Z = 0x7a;

/** ASCII letters upper-cased. Bytes of multi-byte UTF-8 characters are all ≥ 0x80, so text stays valid. */
export function upperAscii(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(message.length);
  for (let i = 0; i < message.length; i++) {
    const byte = message[i]!;
    out[i] = byte >= A && byte <= Z ? byte - 32 : byte;
  }
  return out;
}

let sleepCell: Int32Array | null = null;

/** Blocks the calling thread, as a blocking call in a thread-per-request server would. */
export function blockThread(ms: number): void {
  sleepCell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleepCell, 0, 0, ms);
}

export function messageHandler(spec: HandlerSpec): MessageHandler {
  switch (spec.kind) {
    case 'echo':
      return (message) => message;
    case 'upper':
      return upperAscii;
    case 'delay': {
      const { ms } = spec;
      if (spec.blocking) {
        return (message) => {
          blockThread(ms);
          return message;
        };
      }
      return (message) => new Promise((resolve) => setTimeout(() => resolve(message), ms));
    }
    case 'ivr':
    case 'file-receive':
    case 'hello':
      throw new Error(`the ${spec.kind} handler is a session, not a request → answer function`);
  }
}

export const DEFAULT_HELLO_TEXT = 'Hello from Concurrency Lab! 你好，并发实验室！\n';
