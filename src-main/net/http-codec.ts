import { ByteQueue } from './byte-queue';
import { NetError } from './errors';

/**
 * Just enough HTTP/1.1 (RFC 9110 / 9112) for the lab: a web server is a TCP server that speaks this
 * text protocol, so every concurrency model serves HTTP by running this parser over its byte stream.
 *
 * Requests carry a Content-Length body or none; chunked bodies are answered 501. The head is checked
 * as it arrives, so a client that sends binary garbage, bare-LF line endings or an HTTP/2 preface is
 * answered 400 (or 505) at once instead of being waited on. Responses always carry a Content-Length
 * (a HEAD answer declares the length it would have sent, and sends no body) and a Date.
 */

export const MAX_HEAD_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const CR = 0x0d;
const LF = 0x0a;
const HT = 0x09;
const SP = 0x20;
/** The longest method name taken (the registered ones are at most 7 letters). */
const MAX_METHOD = 32;

/** The methods the lab's handlers answer; another well-formed one gets 501. */
export const HTTP_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

export interface HttpRequest {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  /** Header names lower-cased; a repeated header keeps its last value. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  /** Whether the connection stays open after the answer (HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`). */
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
  readonly expectContinue: boolean;
}

/** tchar of RFC 9110 §5.6.2, by byte. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let b = 0x30; b <= 0x39; b++) TCHAR[b] = 1;
for (let b = 0x41; b <= 0x5a; b++) TCHAR[b] = 1;
for (let b = 0x61; b <= 0x7a; b++) TCHAR[b] = 1;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const shown = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);

/** Connection header: a comma-separated list of tokens, compared without case. */
function connectionTokens(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((token) => token.trim().toLowerCase());
}

function parseRequestLine(line: string): { method: string; target: string; version: '1.0' | '1.1' } {
  const match = /^(\S+) (\S+) HTTP\/(\d)\.(\d)$/.exec(line);
  if (!match) {
    const version = / HTTP\/(\d+)(?:\.\d+)?$/.exec(line);
    if (version && version[1] !== '1') throw new HttpParseError(505, `HTTP/${version[1]} is not served here; this server speaks HTTP/1.1 (request line ${shown(line)})`);
    throw new HttpParseError(400, `not an HTTP/1.x request line: ${shown(line)}; expected "METHOD /target HTTP/1.1"`);
  }
  const [, method, target, major, minor] = match as unknown as [string, string, string, string, string];
  if (major !== '1') throw new HttpParseError(505, `HTTP/${major}.${minor} is not served here; this server speaks HTTP/1.1`);
  if (!TOKEN.test(method)) throw new HttpParseError(400, `the method ${shown(method)} is not a token`);
  if (!/^[\x21-\x7e]+$/.test(target)) throw new HttpParseError(400, `the request target ${shown(target)} holds bytes a URI may not`);
  // HTTP/1.2 and later minor versions are answered as 1.1 (RFC 9110 §6.2).
  return { method, target, version: minor === '0' ? '1.0' : '1.1' };
}

function parseHead(text: string): Head {
  const lines = text.split('\r\n');
  const { method, target, version } = parseRequestLine(lines[0] ?? '');
  const headers = new Map<string, string>();
  let lengths: string[] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith(' ') || line.startsWith('\t')) throw new HttpParseError(400, `a folded header line (obsolete line folding is refused): ${shown(line)}`);
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw new HttpParseError(400, `a header line without a valid name (no space before the colon): ${shown(line)}`);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-length') lengths = lengths.concat(value.split(',').map((part) => part.trim()));
    headers.set(key, value);
  }
  if (version === '1.1' && !headers.has('host')) throw new HttpParseError(400, 'an HTTP/1.1 request without a Host header');
  if (headers.has('transfer-encoding')) throw new HttpParseError(501, 'chunked request bodies are not supported by the lab server; send a Content-Length');
  if (new Set(lengths).size > 1) throw new HttpParseError(400, `Content-Length given with different values: ${shown(lengths.join(', '))}`);
  const length = lengths[0];
  if (length !== undefined && !/^\d{1,16}$/.test(length)) throw new HttpParseError(400, `Content-Length ${shown(length)} is not a byte count`);
  const bodyBytes = length === undefined ? 0 : Number(length);
  if (bodyBytes > MAX_BODY_BYTES) throw new HttpParseError(413, `a body of ${bodyBytes} bytes exceeds the lab's limit of ${MAX_BODY_BYTES}`);
  if (!HTTP_METHODS.includes(method)) throw new HttpParseError(501, `the method ${shown(method)} is not served here; expected one of ${HTTP_METHODS.join(', ')}`);
  const expectContinue = version === '1.1' && bodyBytes > 0 && headers.get('expect')?.toLowerCase() === '100-continue';
  return { method, target, version, headers, bodyBytes, expectContinue };
}

/**
 * Checks the bytes of a head still arriving, from `from` on: a control byte, a CR not followed by LF or
 * an LF without its CR, or a request line that cannot be one (a method that is not a token), is refused
 * now rather than when the head completes (which garbage never does). Returns where the head ends
 * (after its empty line) or -1, and how far it checked.
 */
function scanHead(head: Buffer, from: number, lineStart: number): { end: number; scanned: number; lineStart: number } {
  if (lineStart === 0 && from <= MAX_METHOD) {
    // Still at the request line's start: its method must be a token, ended by one space.
    const window = head.subarray(0, MAX_METHOD + 1);
    const space = window.indexOf(SP);
    const methodEnd = space < 0 ? window.length : space;
    for (let i = 0; i < methodEnd; i++) {
      if (!TCHAR[head[i]!]) throw new HttpParseError(400, `the request starts with ${shown(head.subarray(0, Math.min(i + 1, 40)).toString('latin1'))}, not a method name`);
    }
    if (space === 0 || (space < 0 && window.length > MAX_METHOD)) throw new HttpParseError(400, `no method name within ${MAX_METHOD} bytes: not an HTTP request`);
  }
  for (let i = from; i < head.length; i++) {
    const byte = head[i]!;
    if (byte === LF) {
      if (i === 0 || head[i - 1] !== CR) throw new HttpParseError(400, 'a line ending in LF without CR (bare LF is refused: lines end in CRLF)');
      if (i - 1 === lineStart && lineStart > 0) return { end: i + 1, scanned: i + 1, lineStart: i + 1 };
      lineStart = i + 1;
      continue;
    }
    if (byte === CR) {
      if (i + 1 < head.length && head[i + 1] !== LF) throw new HttpParseError(400, 'a CR not followed by LF in the request head');
      continue;
    }
    if ((byte < SP && byte !== HT) || byte === 0x7f) throw new HttpParseError(400, `a control byte 0x${byte.toString(16).padStart(2, '0')} in the request head (binary data is not HTTP)`);
  }
  // A CR at the very end is checked again once its next byte has come.
  const scanned = head.length > 0 && head[head.length - 1] === CR ? head.length - 1 : head.length;
  return { end: -1, scanned, lineStart };
}

export class HttpRequestParser {
  private readonly queue = new ByteQueue();
  private head: Head | null = null;
  /** How far the pending head was checked, and where its current line starts. */
  private scanned = 0;
  private lineStart = 0;
  private continueDue = false;

  /** Whether a request head is still awaited (none begun, or one incomplete). */
  get awaitingHead(): boolean {
    return this.head === null;
  }

  /** Bytes received and not yet part of a complete request. */
  get pendingBytes(): number {
    return this.queue.length;
  }

  /** True once after a head announcing `Expect: 100-continue` completes: answer `100 Continue` before the body. */
  takeContinue(): boolean {
    const due = this.continueDue;
    this.continueDue = false;
    return due;
  }

  /** Complete requests in the bytes so far; throws HttpParseError for a request to refuse. */
  push(chunk: Buffer): HttpRequest[] {
    this.queue.push(chunk);
    const requests: HttpRequest[] = [];
    for (;;) {
      if (!this.head) {
        // Empty lines before a request line are skipped (RFC 9112 §2.2).
        while (this.scanned === 0 && this.queue.length >= 2 && this.queue.byteAt(0) === CR && this.queue.byteAt(1) === LF) this.queue.take(2);
        if (this.queue.length === 0) return requests;
        const pending = this.queue.peekAll();
        const scan = scanHead(pending, this.scanned, this.lineStart);
        if (scan.end < 0) {
          this.scanned = scan.scanned;
          this.lineStart = scan.lineStart;
          if (this.queue.length > MAX_HEAD_BYTES) throw new HttpParseError(431, `request head longer than ${MAX_HEAD_BYTES} bytes`);
          return requests;
        }
        if (scan.end > MAX_HEAD_BYTES + HEAD_END.length) throw new HttpParseError(431, `request head longer than ${MAX_HEAD_BYTES} bytes`);
        const text = this.queue.take(scan.end - HEAD_END.length).toString('latin1');
        this.queue.take(HEAD_END.length);
        this.scanned = 0;
        this.lineStart = 0;
        this.head = parseHead(text);
        if (this.head.expectContinue && this.queue.length < this.head.bodyBytes) this.continueDue = true;
      }
      if (this.queue.length < this.head.bodyBytes) return requests;
      const head = this.head;
      this.head = null;
      const tokens = connectionTokens(head.headers.get('connection'));
      const keepAlive = head.version === '1.1' ? !tokens.includes('close') : tokens.includes('keep-alive');
      requests.push({ method: head.method, target: head.target, version: head.version, headers: head.headers, body: this.queue.take(head.bodyBytes), keepAlive });
    }
  }
}

const REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

let dateSecond = -1;
let dateText = '';

/** The Date header's value (IMF-fixdate), computed at most once a second. */
export function httpDate(nowMs = Date.now()): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

export interface ResponseOptions {
  readonly keepAlive: boolean;
  readonly contentType?: string;
  /** The request's version: an HTTP/1.0 client is told `Connection: keep-alive` when the connection stays open. */
  readonly version?: '1.0' | '1.1';
  /** A HEAD answer: the headers (Content-Length of the body a GET would get), no body. */
  readonly headOnly?: boolean;
}

/** One complete response; `body` is sent as is and its type declared with a charset. */
export function httpResponse(status: number, body: Buffer, options: ResponseOptions): Buffer {
  // HTTP/1.1 connections persist unless told otherwise; HTTP/1.0 ones close unless told they stay.
  const connection = !options.keepAlive ? 'Connection: close\r\n' : options.version === '1.0' ? 'Connection: keep-alive\r\n' : '';
  const head =
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}\r\n` +
    `Date: ${httpDate()}\r\n` +
    `Content-Type: ${options.contentType ?? 'text/plain; charset=utf-8'}\r\n` +
    `Content-Length: ${body.length}\r\n` +
    connection +
    '\r\n';
  if (options.headOnly) return Buffer.from(head, 'latin1');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** The interim answer to `Expect: 100-continue`. */
export const CONTINUE_RESPONSE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

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
