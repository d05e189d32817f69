import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, createWriteStream, fstatSync, openSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { ByteQueue } from './byte-queue';
import type { HandlerSpec, Protocol, Framing } from '../model/server-config';
import { messageOf } from './errors';
import { assertNever } from '../model/assert-never';
import { ACK, ACK_BYTE, encodeFrame, FrameDecoder, lengthHeader } from './framing';
import { DEFAULT_HELLO_TEXT, messageHandler, upperAscii, type MessageHandler } from './handlers';
import { CONTINUE_RESPONSE, httpResponse, HttpParseError, HttpRequestParser, type HttpRequest } from './http-codec';
import { IvrDialogue } from './ivr';

/**
 * A session is one connection's conversation, without the socket: bytes in, bytes out through a sink.
 * Every concurrency model runs the same sessions; only who owns the socket and where the session
 * runs (this thread, a worker thread, a child process) changes. Sessions are plain data to build, so
 * a worker or child can rebuild one from its SessionSpec.
 *
 * The connection that drives a session feeds it chunks in order and, when `receive` returns a
 * promise, waits for it before feeding the next chunk: answers leave in the order requests came.
 */

export interface SessionSink {
  write(data: Buffer): void;
  /** Close the connection once what was written has been sent. */
  end(): void;
  /** Counts a request refused before it was served (a file-receive header: see ServerMetrics.filesRefused). */
  refused(): void;
}

export interface StreamSession {
  /** The connection is open; the server may speak first (the IVR greets). */
  open(sink: SessionSink): void;
  /** Bytes from the peer; returns how many requests were answered, or a promise of that count. */
  receive(chunk: Buffer, sink: SessionSink): number | Promise<number>;
  /** The connection is gone: drop timers (optional; sessions without any need not say). */
  close?(): void;
}

export interface SessionSpec {
  readonly protocol: Exclude<Protocol, 'udp'>;
  readonly handler: HandlerSpec;
  readonly framing: Framing;
  /** HTTP: a request head not complete this long after the server began waiting for it gets 408 and a close (0: never). */
  readonly headTimeoutMs?: number;
}

type MaybePromise<T> = T | Promise<T>;

function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Answers messages one by one; stays synchronous until a handler returns a promise. */
function answerAll<M>(messages: readonly M[], answer: (message: M) => MaybePromise<void>, from = 0): MaybePromise<number> {
  for (let i = from; i < messages.length; i++) {
    const result = answer(messages[i]!);
    if (isPromise(result)) return result.then(() => answerAll(messages, answer, i + 1)).then(() => messages.length);
  }
  return messages.length;
}

/** One write per answer: a framed answer's header and body leave in one segment. */
function writeAll(sink: SessionSink, chunks: readonly Buffer[]): void {
  sink.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
}

/** Raw stream: one read is one request (what a naive server assumes). */
function rawSession(handle: MessageHandler): StreamSession {
  return {
    open: () => {},
    receive(chunk, sink) {
      const answer = handle(chunk);
      if (isPromise(answer)) {
        return answer.then((bytes) => {
          sink.write(bytes);
          return 1;
        });
      }
      sink.write(answer);
      return 1;
    },
  };
}

function framedSession(handle: MessageHandler, framing: Framing): StreamSession {
  const decoder = new FrameDecoder(framing);
  const reply = (sink: SessionSink) => (message: Buffer): MaybePromise<void> => {
    const answer = handle(message);
    if (isPromise(answer)) return answer.then((bytes) => writeAll(sink, encodeFrame(framing, bytes)));
    writeAll(sink, encodeFrame(framing, answer));
  };
  return {
    open: () => {},
    receive: (chunk, sink) => answerAll(decoder.push(chunk), reply(sink)),
  };
}

type AckState =
  | { readonly kind: 'header' }
  | { readonly kind: 'body'; readonly bytes: number }
  | { readonly kind: 'await-header-ack'; readonly answer: Buffer }
  | { readonly kind: 'await-body-ack' }
  | { readonly kind: 'broken' };

/**
 * Stop-and-wait framing, both directions: the server ACKs the client's header and body, then sends
 * its answer the same way and waits for the client's two ACKs before reading the next request.
 */
function acknowledgeSession(handle: MessageHandler): StreamSession {
  const queue = new ByteQueue();
  let state: AckState = { kind: 'header' };
  let answered = 0;

  const expectAck = (sink: SessionSink): boolean => {
    const byte = queue.take(1)[0];
    if (byte === ACK) return true;
    state = { kind: 'broken' };
    sink.end();
    return false;
  };

  const pump = (sink: SessionSink): MaybePromise<number> => {
    for (;;) {
      switch (state.kind) {
        case 'header':
          if (queue.length < 4) return settle();
          state = { kind: 'body', bytes: queue.take(4).readUInt32BE(0) };
          sink.write(ACK_BYTE);
          break;
        case 'body': {
          if (queue.length < state.bytes) return settle();
          const message = queue.take(state.bytes);
          sink.write(ACK_BYTE);
          const answer = handle(message);
          const send = (bytes: Buffer): void => {
            sink.write(lengthHeader(bytes.length));
            state = { kind: 'await-header-ack', answer: bytes };
            answered++;
          };
          if (isPromise(answer)) return answer.then(send).then(() => pump(sink));
          send(answer);
          break;
        }
        case 'await-header-ack': {
          if (queue.length < 1) return settle();
          const { answer } = state;
          if (!expectAck(sink)) return settle();
          sink.write(answer);
          state = { kind: 'await-body-ack' };
          break;
        }
        case 'await-body-ack':
          if (queue.length < 1) return settle();
          if (!expectAck(sink)) return settle();
          state = { kind: 'header' };
          break;
        case 'broken':
          queue.takeAll();
          return settle();
        default:
          return assertNever(state, 'acknowledge state');
      }
    }
  };
  const settle = (): number => {
    const count = answered;
    answered = 0;
    return count;
  };
  return {
    open: () => {},
    receive(chunk, sink) {
      queue.push(chunk);
      return pump(sink);
    },
  };
}

function ivrSession(language: 'zh' | 'en'): StreamSession {
  const dialogue = new IvrDialogue(language);
  const lines = new FrameDecoder({ kind: 'delimiter', delimiter: '\n' });
  const say = (sink: SessionSink, replies: readonly string[]): void => {
    if (replies.length > 0) sink.write(Buffer.from(replies.map((reply) => `${reply}\n`).join(''), 'utf8'));
  };
  return {
    open: (sink) => say(sink, dialogue.greeting()),
    receive(chunk, sink) {
      let count = 0;
      for (const line of lines.push(chunk)) {
        if (dialogue.state === 'ended') break;
        const turn = dialogue.answer(line.toString('utf8').replace(/\r$/, ''));
        say(sink, turn.replies);
        count++;
        if (turn.hangUp) sink.end();
      }
      return count;
    },
  };
}

const MAX_FILE_HEADER = 4096;

/** The longest file name a sender may announce, in UTF-8 bytes (what Linux file systems take). */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * Checks a file name a sender announces: a bare name (no folder, no `..`, no separator, no NUL or other
 * control character) of at most MAX_FILE_NAME_BYTES bytes, so it can only name a file directly in
 * saveDir. Returns why it is refused, or null. The name is quoted with JSON escapes in the answer.
 */
export function checkFileName(name: string): string | null {
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
  if (name.length === 0) return 'the file name is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_FILE_NAME_BYTES) return `the file name ${shown} is longer than ${MAX_FILE_NAME_BYTES} bytes`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return `the file name ${shown} holds a control character`;
  if (/[/\\]/.test(name) || name === '.' || name === '..') return `the file name ${shown} is not a bare name`;
  return null;
}

/** Opens saveDir/name for writing: never through a symbolic link there, never a FIFO or device. */
const SAVE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

type FileState =
  | { readonly kind: 'header' }
  | { readonly kind: 'body'; readonly name: string; readonly size: number; left: number; readonly hash: Hash; readonly file: WriteStream | null }
  | { readonly kind: 'failed' };

/** `name|size\n`, then size bytes; answers `ok <size> <sha256>\n` per file, `error <why>\n` and closes on a bad header. */
function fileReceiveSession(saveDir: string | undefined): StreamSession {
  const queue = new ByteQueue();
  const newline = Buffer.from('\n');
  let state: FileState = { kind: 'header' };

  const fail = (sink: SessionSink, why: string): void => {
    state = { kind: 'failed' };
    sink.write(Buffer.from(`error ${why}\n`, 'utf8'));
    sink.end();
  };
  /** An upload refused at its header: answered, counted, nothing saved. */
  const refuse = (sink: SessionSink, why: string): void => {
    sink.refused();
    fail(sink, why);
  };

  const pump = (sink: SessionSink, done: number): MaybePromise<number> => {
    for (;;) {
      if (state.kind === 'failed') {
        queue.takeAll();
        return done;
      }
      if (state.kind === 'header') {
        const end = queue.indexOf(newline);
        if (end < 0) {
          if (queue.length > MAX_FILE_HEADER) refuse(sink, `no header line within ${MAX_FILE_HEADER} bytes`);
          else return done;
          continue;
        }
        const header = queue.take(end).toString('utf8');
        queue.take(1);
        const bar = header.lastIndexOf('|');
        const name = bar >= 0 ? header.slice(0, bar) : '';
        const size = bar >= 0 ? Number(header.slice(bar + 1)) : Number.NaN;
        const badName = checkFileName(name);
        if (bar < 0 || !Number.isSafeInteger(size) || size < 0) {
          refuse(sink, `expected a header "name|size", got ${JSON.stringify(header.slice(0, 80))}`);
          continue;
        }
        if (badName) {
          refuse(sink, badName);
          continue;
        }
        let file: WriteStream | null = null;
        if (saveDir !== undefined) {
          // Opened here, before a byte of the body is taken: a symbolic link planted under the name
          // (ELOOP), a folder or a FIFO is refused with an error answer.
          let fd: number;
          try {
            fd = openSync(join(saveDir, name), SAVE_FLAGS, 0o644);
            if (!fstatSync(fd).isFile()) {
              closeSync(fd);
              throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
            }
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            refuse(sink, `could not save ${JSON.stringify(name)}: ${code === 'ELOOP' ? 'a symbolic link is in its place' : code === 'ENOTFILE' || code === 'EISDIR' || code === 'ENXIO' ? 'something other than a file is in its place' : messageOf(error)}`);
            continue;
          }
          file = createWriteStream('', { fd, autoClose: true });
          file.on('error', () => {}); // a write that fails is reported when the file is finished
        }
        state = { kind: 'body', name, size, left: size, hash: createHash('sha256'), file };
        continue;
      }
      const body = state;
      const take = Math.min(body.left, queue.length);
      let mustDrain = false;
      if (take > 0) {
        const bytes = queue.take(take);
        body.hash.update(bytes);
        body.left -= take;
        if (body.file && !body.file.destroyed && !body.file.write(bytes)) mustDrain = true;
      }
      if (body.left > 0) {
        // Back-pressure from the disk reaches the socket: the caller stops feeding until we resolve.
        if (mustDrain && body.file) {
          const file = body.file;
          // A file that failed never drains: its error ends the wait too, and is reported at the end.
          return new Promise<void>((resolve) => {
            if (file.destroyed) return resolve();
            file.once('drain', resolve);
            file.once('close', resolve);
          }).then(() => pump(sink, done));
        }
        return done;
      }
      const reply = `ok ${body.size} ${body.hash.digest('hex')}\n`;
      state = { kind: 'header' };
      if (body.file) {
        const file = body.file;
        // A stream destroyed by a failed write has nothing left to finish (end would not call back).
        const finished = file.destroyed ? Promise.resolve() : new Promise<void>((resolve) => file.end(() => resolve()));
        return finished
          .then(() => {
            if (file.errored) throw file.errored;
            sink.write(Buffer.from(reply));
          })
          .catch((error: unknown) => fail(sink, `could not save ${body.name}: ${messageOf(error)}`))
          .then(() => pump(sink, done + 1));
      }
      sink.write(Buffer.from(reply));
      done++;
    }
  };
  return {
    open: () => {},
    receive(chunk, sink) {
      queue.push(chunk);
      return pump(sink, 0);
    },
  };
}

function httpSession(handler: HandlerSpec, headTimeoutMs: number): StreamSession {
  const parser = new HttpRequestParser();
  let answer: (request: HttpRequest) => MaybePromise<Buffer>;
  switch (handler.kind) {
    case 'hello': {
      const body = Buffer.from(handler.text ?? DEFAULT_HELLO_TEXT, 'utf8');
      answer = () => body;
      break;
    }
    case 'echo':
    case 'upper':
    case 'delay': {
      const handle = messageHandler(handler);
      // A GET has no body: echo its target, so that a browser sees something.
      answer = (request) => handle(request.body.length > 0 ? request.body : Buffer.from(request.target, 'utf8'));
      break;
    }
    case 'ivr':
    case 'file-receive':
      throw new Error(`the ${handler.kind} handler does not answer HTTP`);
    default:
      return assertNever(handler, 'handler');
  }
  let closed = false;
  let answered = 0;
  // One timer per connection, re-armed with refresh() (no allocation per request); while no head is
  // awaited it may still fire, and then does nothing.
  let timer: NodeJS.Timeout | null = null;
  let awaiting = false;
  let timerSink: SessionSink | null = null;
  const fire = (): void => {
    if (!awaiting || closed || !timerSink) return;
    awaiting = false;
    closed = true;
    if (answered === 0 || parser.pendingBytes > 0) {
      timerSink.write(httpResponse(408, Buffer.from(`no complete request head within ${headTimeoutMs} ms\n`, 'utf8'), { keepAlive: false }));
    }
    timerSink.end();
  };
  const disarm = (): void => {
    awaiting = false;
  };
  /** The wait for the next request head starts now: past headTimeoutMs, 408 (or, on an idle kept-alive connection, a plain close). */
  const arm = (sink: SessionSink): void => {
    if (headTimeoutMs <= 0 || closed) return;
    awaiting = true;
    timerSink = sink;
    if (timer) timer.refresh();
    else {
      timer = setTimeout(fire, headTimeoutMs);
      timer.unref?.();
    }
  };
  const refuse = (sink: SessionSink, error: unknown): void => {
    disarm();
    const status = error instanceof HttpParseError ? error.status : 400;
    closed = true;
    sink.write(httpResponse(status, Buffer.from(`${messageOf(error)}\n`, 'utf8'), { keepAlive: false }));
    sink.end();
  };
  const respond = (sink: SessionSink) => (request: HttpRequest): MaybePromise<void> => {
    if (closed) return;
    const send = (body: Buffer): void => {
      if (closed) return;
      sink.write(httpResponse(200, body, { keepAlive: request.keepAlive, version: request.version, headOnly: request.method === 'HEAD' }));
      answered++;
      if (!request.keepAlive) {
        closed = true;
        disarm();
        sink.end();
      }
    };
    const body = answer(request);
    if (isPromise(body)) return body.then(send);
    send(body);
  };
  /** After the answers: waiting for the next head, unless a complete head already waits on its body. */
  const afterAnswers = (sink: SessionSink): void => {
    if (!closed && parser.awaitingHead) arm(sink);
  };
  return {
    open: (sink) => arm(sink),
    receive(chunk, sink) {
      if (closed) return 0;
      let requests: HttpRequest[];
      try {
        requests = parser.push(chunk);
      } catch (error) {
        refuse(sink, error);
        return 0;
      }
      if (parser.takeContinue()) sink.write(CONTINUE_RESPONSE);
      if (requests.length === 0) {
        // A head complete and its body still coming: the head timer has done its part.
        if (!parser.awaitingHead) disarm();
        return 0;
      }
      disarm();
      const result = answerAll(requests, respond(sink));
      if (isPromise(result)) {
        return result.then((count) => {
          afterAnswers(sink);
          return count;
        });
      }
      afterAnswers(sink);
      return result;
    },
    close: () => {
      awaiting = false;
      if (timer) clearTimeout(timer);
    },
  };
}

export function createStreamSession(spec: SessionSpec): StreamSession {
  if (spec.protocol === 'http') return httpSession(spec.handler, spec.headTimeoutMs ?? 0);
  const { handler, framing } = spec;
  switch (handler.kind) {
    case 'ivr':
      return ivrSession(handler.language ?? 'zh');
    case 'file-receive':
      return fileReceiveSession(handler.saveDir);
    case 'echo':
    case 'upper':
    case 'delay': {
      const handle = messageHandler(handler);
      switch (framing.kind) {
        case 'none':
          return rawSession(handle);
        case 'delimiter':
        case 'length-prefix':
          return framedSession(handle, framing);
        case 'acknowledge':
          return acknowledgeSession(handle);
        default:
          return assertNever(framing, 'framing');
      }
    }
    case 'hello':
      throw new Error('the hello handler answers HTTP only');
    default:
      return assertNever(handler, 'handler');
  }
}

/** UDP: one datagram in, one datagram out; boundaries are the protocol's own. */
export function createDatagramHandler(handler: HandlerSpec): MessageHandler {
  if (handler.kind === 'upper') return upperAscii;
  return messageHandler(handler);
}
