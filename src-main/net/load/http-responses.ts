import { MAX_HEAD_BYTES } from '../http-codec';

/**
 * The load generator's side of HTTP: cuts a kept-alive response stream into responses and gives
 * their status codes, and nothing else. It works on the received Buffers in place (a native search
 * for the head's end and for Content-Length, the status read as three digits), so a response costs
 * no string decoding: the generator must be cheaper per request than the server it measures.
 * Interim 1xx responses are skipped. A stream that is not HTTP/1.x, or a response without a
 * Content-Length, makes `push` return null: the connection is then failed as a protocol error.
 */

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const LENGTH_NAMES = [Buffer.from('\r\nContent-Length:', 'latin1'), Buffer.from('\r\ncontent-length:', 'latin1')];
const PREFIX = Buffer.from('HTTP/1.', 'latin1');
const SP = 0x20;
const ZERO = 0x30;
const NINE = 0x39;

function isDigit(byte: number | undefined): byte is number {
  return byte !== undefined && byte >= ZERO && byte <= NINE;
}

/** Content-Length of the head at [start, end), or -1 when it has none or it is not a number. */
function contentLength(buffer: Buffer, start: number, end: number): number {
  let at = -1;
  for (const name of LENGTH_NAMES) {
    const found = buffer.indexOf(name, start);
    if (found >= 0 && found < end) {
      at = found + name.length;
      break;
    }
  }
  if (at < 0) {
    // Another spelling of the name: the slow way, still without decoding the body.
    const match = /\r\ncontent-length:[ \t]*(\d{1,15})[ \t]*(?:\r\n|$)/i.exec(buffer.toString('latin1', start, end));
    return match ? Number(match[1]) : -1;
  }
  while (buffer[at] === SP || buffer[at] === 0x09) at++;
  let value = 0;
  let digits = 0;
  while (at < end && isDigit(buffer[at])) {
    value = value * 10 + (buffer[at]! - ZERO);
    at++;
    if (++digits > 15) return -1;
  }
  return digits > 0 ? value : -1;
}

export class FastHttpResponseReader {
  private pending: Buffer | null = null;
  /** Body bytes of the current response still to come, and its status. */
  private bodyLeft = 0;
  private status = 0;
  private readonly statuses: number[] = [];

  /** Status codes of the responses completed by this chunk (the array is reused: read it before the next push); null: not HTTP. */
  push(chunk: Buffer): number[] | null {
    const statuses = this.statuses;
    statuses.length = 0;
    let buffer = chunk;
    let pos = 0;
    if (this.bodyLeft > 0) {
      const skip = Math.min(this.bodyLeft, buffer.length);
      this.bodyLeft -= skip;
      pos = skip;
      if (this.bodyLeft > 0) return statuses;
      statuses.push(this.status);
    } else if (this.pending) {
      buffer = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    while (pos < buffer.length) {
      const end = buffer.indexOf(HEAD_END, pos);
      if (end < 0) {
        if (buffer.length - pos > MAX_HEAD_BYTES) return null;
        // A copy: the received buffer may be reused for the next read.
        this.pending = Buffer.from(buffer.subarray(pos));
        return statuses;
      }
      if (buffer.compare(PREFIX, 0, PREFIX.length, pos, pos + PREFIX.length) !== 0 || buffer[pos + 8] !== SP) return null;
      const a = buffer[pos + 9];
      const b = buffer[pos + 10];
      const c = buffer[pos + 11];
      if (!isDigit(a) || !isDigit(b) || !isDigit(c)) return null;
      const status = (a - ZERO) * 100 + (b - ZERO) * 10 + (c - ZERO);
      const bodyStart = end + HEAD_END.length;
      if (status < 200) {
        // 100 Continue and the like: an interim answer, with no body; the final one follows.
        pos = bodyStart;
        continue;
      }
      const length = contentLength(buffer, pos, end + 2);
      if (length < 0) return null;
      const available = buffer.length - bodyStart;
      if (available >= length) {
        pos = bodyStart + length;
        statuses.push(status);
      } else {
        this.status = status;
        this.bodyLeft = length - available;
        return statuses;
      }
    }
    return statuses;
  }
}
