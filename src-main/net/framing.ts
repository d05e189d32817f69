import type { Framing } from '../model/server-config';
import { ByteQueue } from './byte-queue';
import { NetError } from './errors';
import { assertNever } from '../model/assert-never';

/**
 * How messages are cut out of a TCP byte stream. TCP keeps no message boundaries: two sends may
 * arrive as one read ("sticky packets") and one send may arrive as several reads. Each framing is one
 * answer to that:
 * - `none`: no boundaries; a read is whatever the stream delivered (what naive code assumes is a message);
 * - `delimiter`: every message ends with a delimiter (a newline by default) that must not occur inside it;
 * - `length-prefix`: every message starts with its length as a 4-byte big-endian integer;
 * - `acknowledge`: stop-and-wait. The sender sends a 4-byte length header, waits for the receiver's
 *   ACK byte, sends the body, and waits for a second ACK before its next message; the header thus
 *   always travels alone, and the sender knows each message was taken.
 */
export type FramingKind = Framing['kind'];
export const FRAMING_KINDS: readonly FramingKind[] = ['none', 'delimiter', 'length-prefix', 'acknowledge'];

/** The ASCII ACK control character: the acknowledge framing's one-byte answer. */
export const ACK = 0x06;
export const ACK_BYTE = Buffer.from([ACK]);
/** Larger messages are refused: a corrupt or hostile length must not make the lab allocate gigabytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_DELIMITER = '\n';

export function delimiterOf(framing: Framing): Buffer {
  if (framing.kind !== 'delimiter') throw new Error(`framing ${framing.kind} has no delimiter`);
  const text = framing.delimiter ?? DEFAULT_DELIMITER;
  if (text.length === 0) throw new NetError('invalid-config', 'framing.delimiter: an empty delimiter cannot end a message; expected at least one character');
  return Buffer.from(text, 'utf8');
}

export function lengthHeader(bytes: number): Buffer {
  if (bytes > MAX_MESSAGE_BYTES) throw new NetError('protocol', `a message of ${bytes} bytes exceeds the lab's limit of ${MAX_MESSAGE_BYTES} bytes`);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(bytes, 0);
  return header;
}

/** The bytes to write for one message (acknowledge: the header only; the body goes after the ACK). */
export function encodeFrame(framing: Framing, message: Buffer): Buffer[] {
  switch (framing.kind) {
    case 'none':
      return [message];
    case 'delimiter': {
      const delimiter = delimiterOf(framing);
      if (message.includes(delimiter)) {
        throw new NetError('protocol', `the message contains its own delimiter ${JSON.stringify(delimiter.toString())}; choose another delimiter or length-prefix framing`);
      }
      return [message, delimiter];
    }
    case 'length-prefix':
      return [lengthHeader(message.length), message];
    case 'acknowledge':
      return [lengthHeader(message.length)];
    default:
      return assertNever(framing, 'framing');
  }
}

/**
 * Cuts complete messages out of a byte stream for `delimiter` and `length-prefix` framing. Bytes of
 * an incomplete message wait for the next chunk.
 */
export class FrameDecoder {
  private readonly queue = new ByteQueue();
  private readonly delimiter: Buffer | null;

  constructor(private readonly framing: Framing) {
    if (framing.kind !== 'delimiter' && framing.kind !== 'length-prefix') {
      throw new Error(`FrameDecoder cuts delimiter or length-prefix frames, not ${framing.kind}`);
    }
    this.delimiter = framing.kind === 'delimiter' ? delimiterOf(framing) : null;
  }

  get buffered(): number {
    return this.queue.length;
  }

  push(chunk: Buffer): Buffer[] {
    this.queue.push(chunk);
    const messages: Buffer[] = [];
    for (;;) {
      const message = this.next();
      if (message === null) return messages;
      messages.push(message);
    }
  }

  private next(): Buffer | null {
    if (this.delimiter) {
      const at = this.queue.indexOf(this.delimiter);
      if (at < 0) {
        if (this.queue.length > MAX_MESSAGE_BYTES) throw new NetError('protocol', `no delimiter within ${MAX_MESSAGE_BYTES} bytes`);
        return null;
      }
      const message = this.queue.take(at);
      this.queue.take(this.delimiter.length);
      return message;
    }
    if (this.queue.length < 4) return null;
    const size = this.queue.peekUInt32BE();
    if (size > MAX_MESSAGE_BYTES) throw new NetError('protocol', `a length prefix announced ${size} bytes, more than the lab's limit of ${MAX_MESSAGE_BYTES}`);
    if (this.queue.length < 4 + size) return null;
    this.queue.take(4);
    return this.queue.take(size);
  }
}
