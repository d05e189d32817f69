import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { LIVE_WINDOW_MESSAGES, LiveGapGate } from '../contract/live-batcher';
import { clientMessageSchema, PROTOCOL_VERSION, TOKEN_PARAM, WS_PATH, type ServerMessage } from '../contract/messages';
import { appVersion } from '../engine/entry-paths';
import type { LabService } from '../service/lab-service';
import { cancelAllSweeps } from '../service/sweeps';
import { createContractHandlers, dispatchRequest, type ContractHandlers } from './contract-handlers';
import { RunHub, type LiveSubscriber } from './run-hub';
import { contentTypeOf, lookupStatic, realRoot } from './static-files';

/**
 * Browser mode: the built renderer and a WebSocket transport to LabService, on 127.0.0.1 only.
 *
 * Who may talk to it: a page served by this very server, holding this session's token. The token
 * (random per start) is in the page URL and must be repeated on the WebSocket URL; the WebSocket's
 * Origin must be this server's own origin, and every request's Host must name it too, so that a web
 * page elsewhere — including one reached through DNS rebinding — can neither connect nor read.
 */

export const LOOPBACK_HOST = '127.0.0.1';
/** Requests and imports travel as JSON; an imported run log (base64) is the largest thing sent. */
const MAX_MESSAGE_BYTES = 96 * 2 ** 20;
/**
 * A connection that does not read its answers stops being read: while more than this waits to be sent to it,
 * or REQUESTS_IN_FLIGHT of its requests are unanswered, its next requests wait in the kernel (its own socket),
 * not here. A single answer larger than this is still sent whole.
 */
const RESPONSE_BUFFER_LIMIT_BYTES = 8 * 2 ** 20;
const REQUESTS_IN_FLIGHT = 16;
/** How long closing waits for cancelled runs to end and be recorded (a cancel takes well under a second). */
const RUN_STOP_TIMEOUT_MS = 10_000;

export interface LabServerOptions {
  readonly service: LabService;
  /** The folder of the built renderer (out/renderer). */
  readonly rendererRoot: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Fixed only in tests; otherwise random per start. */
  readonly token?: string;
  /** Bytes waiting on one connection past which its live messages are skipped (LIVE_BUFFER_LIMIT_BYTES by default). */
  readonly liveBufferBytes?: number;
}

export interface LabServer {
  /** The page to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly hub: RunHub;
  /** Bytes waiting to be sent on the most backed-up connection, now (diagnostics: bounded by liveBufferBytes plus one message). */
  queuedBytes(): number;
  /** Cancels the runs started here and waits (bounded) for them to be recorded, then stops serving. Idempotent. */
  close(): Promise<void>;
}

function tokensEqual(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
}

export async function startLabServer(options: LabServerOptions): Promise<LabServer> {
  const root = await realRoot(options.rendererRoot);
  const token = options.token ?? randomBytes(24).toString('base64url');
  const hub = new RunHub(options.service);
  const handlers: ContractHandlers = createContractHandlers(options.service, hub, 'browser');
  let port = 0;
  const allowedHosts = (): string[] => [`${LOOPBACK_HOST}:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((host) => `http://${host}`);

  const securityHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': [
      "default-src 'self'",
      `connect-src 'self' ws://${LOOPBACK_HOST}:${port} ws://localhost:${port}`,
      "img-src 'self' data: blob:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });

  const plain = (response: ServerResponse, status: number, text: string): void => {
    response.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    response.end(text);
  };

  async function serveStatic(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!allowedHosts().includes(request.headers.host ?? '')) return plain(response, 403, 'forbidden host');
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(response, 405, 'method not allowed');
    const rawUrl = request.url ?? '/';
    const rawPath = rawUrl.split('?')[0]!.split('#')[0]!;
    if (rawPath === WS_PATH) return plain(response, 426, 'upgrade required');
    const found = await lookupStatic(root, rawPath);
    if (found.kind === 'refused') return plain(response, 403, 'forbidden path');
    if (found.kind === 'missing') return plain(response, 404, 'not found');
    response.writeHead(200, {
      ...securityHeaders(),
      'Content-Type': contentTypeOf(found.path),
      'Content-Length': String(found.size),
      // Built assets carry a content hash in their names; the page itself must always be fresh.
      'Cache-Control': found.path.endsWith('.html') ? 'no-store' : 'public, max-age=31536000, immutable',
    });
    if (request.method === 'HEAD') return void response.end();
    createReadStream(found.path).on('error', () => response.destroy()).pipe(response);
  }

  const server = createServer((request, response) => {
    serveStatic(request, response).catch(() => {
      if (!response.headersSent) plain(response, 500, 'internal error');
      else response.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}:${port}`);
    if (url.pathname !== WS_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (!allowedHosts().includes(request.headers.host ?? '')) return refuseUpgrade(socket, 403, 'Forbidden host');
    if (!allowedOrigins().includes(request.headers.origin ?? '')) return refuseUpgrade(socket, 403, 'Forbidden origin');
    if (!tokensEqual(url.searchParams.get(TOKEN_PARAM), token)) return refuseUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  wss.on('connection', (ws: WebSocket) => {
    let inFlight = 0;
    // Requests read while the connection was full (one read can carry many): started, in order, as room comes.
    const waiting: (() => void)[] = [];
    const full = (): boolean => inFlight >= REQUESTS_IN_FLIGHT || ws.bufferedAmount > RESPONSE_BUFFER_LIMIT_BYTES;
    // Checked as requests are answered and as sends complete: reading resumes once what waits is down again.
    const pace = (): void => {
      if (ws.readyState !== ws.OPEN) return;
      while (waiting.length > 0 && !full()) waiting.shift()!();
      const stop = waiting.length > 0 || full();
      if (stop && !ws.isPaused) ws.pause();
      else if (!stop && ws.isPaused) ws.resume();
    };
    const send = (message: ServerMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message), pace);
    };
    // A tab that does not read (stalled, backgrounded, a client that never reads) must not make this
    // process hold every live message for it: past a bound its live messages are skipped and it is told so.
    const gate = new LiveGapGate(options.liveBufferBytes);
    // A page that acknowledges what it has taken in (live-ack) is also kept within a window of messages per run.
    let acknowledges = false;
    const unacknowledged = new Map<string, number[]>();
    const subscriber: LiveSubscriber = {
      send: (event) => {
        if (ws.readyState !== ws.OPEN) throw new Error('socket closed');
        const ahead = acknowledges ? (unacknowledged.get(event.runId)?.length ?? 0) : 0;
        for (const passed of gate.pass(event, ws.bufferedAmount, ahead)) {
          send({ type: 'event', event: passed });
          if (passed.type !== 'run-live') continue;
          // Kept before the first acknowledgement too (it may be on its way), but no more than a window of them.
          const seqs = unacknowledged.get(passed.runId) ?? [];
          seqs.push(passed.seq);
          if (seqs.length > LIVE_WINDOW_MESSAGES) seqs.shift();
          unacknowledged.set(passed.runId, seqs);
        }
        if (event.type === 'run-ended') unacknowledged.delete(event.runId);
      },
    };
    const acknowledge = (runId: string, seq: number): void => {
      acknowledges = true;
      const seqs = unacknowledged.get(runId);
      if (!seqs) return;
      let taken = 0;
      while (taken < seqs.length && seqs[taken]! <= seq) taken++;
      seqs.splice(0, taken);
    };
    send({ type: 'hello', protocol: PROTOCOL_VERSION, version: appVersion() });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return send({ type: 'response', id: 0, ok: false, error: { name: 'BadRequest', message: 'messages are JSON text', code: 'bad-request' } });
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        return send({ type: 'response', id: 0, ok: false, error: { name: 'BadRequest', message: 'a message must be JSON', code: 'bad-request' } });
      }
      const envelope = clientMessageSchema.safeParse(parsed);
      if (!envelope.success) {
        const id = typeof (parsed as { id?: unknown } | null)?.id === 'number' ? (parsed as { id: number }).id : 0;
        return send({ type: 'response', id, ok: false, error: { name: 'BadRequest', message: 'a message must be {type: "request", id, method, params} or {type: "live-ack", runId, seq}', code: 'bad-request' } });
      }
      if (envelope.data.type === 'live-ack') return acknowledge(envelope.data.runId, envelope.data.seq);
      const { id, method, params } = envelope.data;
      waiting.push(() => {
        inFlight++;
        void dispatchRequest(handlers, id, method, params, { subscriber }).then((response) => {
          inFlight--;
          send(response);
          pace();
        });
      });
      pace();
    });
    ws.on('close', () => hub.drop(subscriber));
    ws.on('error', () => hub.drop(subscriber));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${LOOPBACK_HOST}:${port}/?${TOKEN_PARAM}=${token}`,
    port,
    token,
    hub,
    queuedBytes: () => Math.max(0, ...[...wss.clients].map((client) => client.bufferedAmount)),
    close() {
      closing ??= (async () => {
        // Runs started from here end with the server: cancelled, their trees gone and their records
        // final (bounded), before the connections and the port go.
        cancelAllSweeps(options.service);
        const stopped = hub.stop(RUN_STOP_TIMEOUT_MS);
        for (const client of wss.clients) client.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await stopped;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}
