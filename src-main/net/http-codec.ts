import { ByteQueue } from './byte-queue';
import { NetError } from './errors';

/**
 * Just enough HTTP/1.1 for the lab: a web server is a TCP server that speaks this text protocol, so
 * every concurrency model serves HTTP by running this parser over its byte stream. Requests carry a
 * Content-Length body or none; chunked bodies are answered 501. Responses always carry a
 * Content-Length, so a keep-alive client knows where each one ends.
 */

export const MAX_HEAD_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

export interface HttpRequest {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  /** Header names lower-cased; a repeated header keeps its last value. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  /** Whether the connection stays open after the answer (HTTP/1.1 default, or an explicit keep-alive). */
  readonly keepAlive: boolean;
}

/** A request the server refuses, with the status to answer before closing. */
export class HttpParseError extends NetError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('protocol', message);
  }
}

interface Head {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  readonly headers: Map<string, string>;
  readonly bodyBytes: number;
}

function parseHead(text: string): Head {
  const lines = text.split('\r\n');
  const requestLine = lines[0] ?? '';
  const match = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(requestLine);
  if (!match) throw new HttpParseError(400, `not an HTTP/1.x request line: ${JSON.stringify(requestLine.slice(0, 80))}`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpParseError(400, `a header line without a name: ${JSON.stringify(line.slice(0, 80))}`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.has('transfer-encoding')) throw new HttpParseError(501, 'chunked request bodies are not supported by the lab server; send a Content-Length');
  const length = headers.get('content-length');
  const bodyBytes = length === undefined ? 0 : Number(length);
  if (!Number.isInteger(bodyBytes) || bodyBytes < 0) throw new HttpParseError(400, `Content-Length ${JSON.stringify(length)} is not a byte count`);
  if (bodyBytes > MAX_BODY_BYTES) throw new HttpParseError(413, `a body of ${bodyBytes} bytes exceeds the lab's limit of ${MAX_BODY_BYTES}`);
  return { method: match[1]!, target: match[2]!, version: match[3] === '1' ? '1.1' : '1.0', headers, bodyBytes };
}

export class HttpRequestParser {
  private readonly queue = new ByteQueue();
  private head: Head | null = null;

  /** Complete requests in the bytes so far; throws HttpParseError for a request to refuse. */
  push(chunk: Buffer): HttpRequest[] {
    this.queue.push(chunk);
    const requests: HttpRequest[] = [];
    for (;;) {
      if (!this.head) {
        const end = this.queue.indexOf(HEAD_END);
        if (end < 0) {
          if (this.queue.length > MAX_HEAD_BYTES) throw new HttpParseError(431, `request head longer than ${MAX_HEAD_BYTES} bytes`);
          return requests;
        }
        const text = this.queue.take(end).toString('latin1');
        this.queue.take(HEAD_END.length);
        this.head = parseHead(text);
      }
      if (this.queue.length < this.head.bodyBytes) return requests;
      const head = this.head;
      this.head = null;
      const connection = head.headers.get('connection')?.toLowerCase();
      const keepAlive = head.version === '1.1' ? connection !== 'close' : connection === 'keep-alive';
      requests.push({ method: head.method, target: head.target, version: head.version, headers: head.headers, body: this.queue.take(head.bodyBytes), keepAlive });
    }
  }
}

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

/** One complete response; `body` is sent as is and its type declared with a charset. */
export function httpResponse(status: number, body: Buffer, options: { readonly keepAlive: boolean; readonly contentType?: string }): Buffer {
  const head =
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}\r\n` +
    `Content-Type: ${options.contentType ?? 'text/plain; charset=utf-8'}\r\n` +
    `Content-Length: ${body.length}\r\n` +
    `Connection: ${options.keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

export interface HttpResponseHead {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
}

/** Counts complete responses in a keep-alive stream (the load generator's side). */
export class HttpResponseParser {
  private readonly queue = new ByteQueue();
  private bodyLeft = -1;
  private current: HttpResponseHead | null = null;

  push(chunk: Buffer): { head: HttpResponseHead; body: Buffer }[] {
    this.queue.push(chunk);
    const done: { head: HttpResponseHead; body: Buffer }[] = [];
    for (;;) {
      if (!this.current) {
        const end = this.queue.indexOf(HEAD_END);
        if (end < 0) {
          if (this.queue.length > MAX_HEAD_BYTES) throw new NetError('protocol', `response head longer than ${MAX_HEAD_BYTES} bytes`);
          return done;
        }
        const lines = this.queue.take(end).toString('latin1').split('\r\n');
        this.queue.take(HEAD_END.length);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
        if (!status) throw new NetError('protocol', `not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
        const headers = new Map<string, string>();
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        }
        const length = Number(headers.get('content-length'));
        if (!Number.isInteger(length) || length < 0) throw new NetError('protocol', 'a response without a Content-Length cannot be delimited on a kept-alive connection');
        this.current = { status: Number(status[1]), headers };
        this.bodyLeft = length;
      }
      if (this.queue.length < this.bodyLeft) return done;
      done.push({ head: this.current, body: this.queue.take(this.bodyLeft) });
      this.current = null;
    }
  }
}
