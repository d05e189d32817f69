// Entry of a load-generator thread: opens its share of the connections, primes them, runs the
// measured phase (closed or open loop) when told to go, and reports counts and an hdr histogram.
// Bundled to out/net/load-worker.mjs.
import dgram from 'node:dgram';
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { CpuMeter } from '../cpu-time';
import { errorData, messageOf } from '../errors';
import { assertNever } from '../../model/assert-never';
import { FastHttpResponseReader } from './http-responses';
import { UDP_SEQUENCE_DIGITS } from './load-config';
import {
  CONNECT_FAILURE_KINDS,
  emptyTally,
  REQUEST_ERROR_KINDS,
  type ConnectFailureKind,
  type LoadWorkerData,
  type LoadWorkerToMain,
  type MainToLoadWorker,
  type RequestErrorKind,
} from './load-protocol';

if (!parentPort) throw new Error('the load worker runs inside a worker thread');
const port = parentPort;
const { config, indexes, quotas } = workerData as LoadWorkerData;
const post = (message: LoadWorkerToMain): void => port.postMessage(message);

const S = config.messageBytes;
/** Bytes of one answer: S, plus the 4-byte length prefix when the load frames its requests. */
const ANSWER_BYTES = config.framing === 'length-prefix' ? S + 4 : S;
const CONNECT_CONCURRENCY = 256;
/** Latency from the scheduled send time (coordinated omission corrected in an open loop). */
const histogram = build({ numberOfSignificantValueDigits: 3 });
/** Latency from the actual send; in a closed loop the two are the same, and only the first is kept. */
const sendHistogram = config.mode.kind === 'open' ? build({ numberOfSignificantValueDigits: 3 }) : null;
/** Connection set-up: from the connect call to the connection's first answer (priming or measured), and to connected. */
const firstAnswerHistogram = build({ numberOfSignificantValueDigits: 3 });
const connectHistogram = build({ numberOfSignificantValueDigits: 3 });
/** When the first connect was asked for, and when the last connection had its first answer. */
let setupStartedAt = 0;
let lastFirstAnswerAt = 0;

type Phase = 'connecting' | 'priming' | 'ready' | 'running' | 'draining' | 'finished';
let phase: Phase = 'connecting';
let sent = 0;
let answered = 0;
let errors = 0;
let notSent = 0;
let bytesOut = 0;
let bytesIn = 0;
let inflight = 0;
let primed = 0;
let primesPending = 0;
let issuing = false;
/** Unprimed: the connections are still being opened in the measured phase. */
let opening = false;
/** Requests the live channels may still send (Infinity under a duration plan). */
let quotaLeft = 0;
let endAt = Number.POSITIVE_INFINITY;
let goAt = 0;
let lastSettledAt = 0;
let meter: CpuMeter | null = null;
const errorsByKind = emptyTally(REQUEST_ERROR_KINDS);
const connectFailures = emptyTally(CONNECT_FAILURE_KINDS);
const connectFailureExamples: Partial<Record<ConnectFailureKind, string>> = {};

/** One connection (UDP: one socket) as the generator drives it. */
interface Channel {
  readonly slot: number;
  alive: boolean;
  /** When its connect was asked for; set to 0 once its first answer has been counted in the set-up figures. */
  connectStartedAt: number;
  /** Requests still to send (Infinity under a duration plan). */
  quota: number;
  send(scheduledAt: number, now: number): void;
  /** The scheduled time of the oldest unanswered request, or undefined. */
  oldest(): number | undefined;
  /** Ends the channel: every unanswered request becomes an error of this kind. */
  fail(kind: RequestErrorKind): void;
  /** UDP only: unanswered requests scheduled before `before` are lost. */
  expire?(before: number): void;
  close(): Promise<void>;
}

const channels: Channel[] = [];

function connectFailureKind(error: unknown): ConnectFailureKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EMFILE' || code === 'ENFILE') return 'descriptors';
  if (code === 'EADDRNOTAVAIL' || code === 'EADDRINUSE') return 'address';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'other';
}

function connectFailed(kind: ConnectFailureKind, message: string): void {
  connectFailures[kind]++;
  connectFailureExamples[kind] ??= message;
}

// ---- accounting: every request ends exactly once, answered or as one error -----------------------

const micros = (ms: number): number => (ms > 0 ? Math.round(ms * 1_000) : 0);

function settle(channel: Channel, scheduledAt: number, sentAt: number, error: RequestErrorKind | null): void {
  inflight--;
  const now = performance.now();
  if (error === null && channel.connectStartedAt > 0) {
    firstAnswerHistogram.recordValue(micros(now - channel.connectStartedAt));
    channel.connectStartedAt = 0;
    if (now > lastFirstAnswerAt) lastFirstAnswerAt = now;
  }
  if (phase === 'priming') {
    primesPending--;
    if (error === null) primed++;
    else {
      connectFailed('prime', `the priming request ended as ${error}`);
      channel.alive = false;
      void channel.close();
    }
    if (primesPending === 0) primingDone();
    return;
  }
  lastSettledAt = now;
  if (error === null) {
    answered++;
    histogram.recordValue(micros(now - scheduledAt));
    sendHistogram?.recordValue(micros(now - sentAt));
  } else {
    errors++;
    errorsByKind[error]++;
  }
  if (error === null && config.mode.kind === 'closed' && channel.alive && mayIssue(channel, now)) {
    issue(channel, now);
  }
  // Nothing left to send, or (closed loop) nothing in flight that could lead to a next request.
  if (issuing && (quotaLeft <= 0 || (config.mode.kind === 'closed' && inflight === 0 && !opening))) stopIssuing();
  maybeFinish();
}

function mayIssue(channel: Channel, now: number): boolean {
  return issuing && channel.quota > 0 && now < endAt;
}

function issue(channel: Channel, scheduledAt: number): void {
  channel.quota--;
  quotaLeft--;
  sent++;
  inflight++;
  channel.send(scheduledAt, performance.now());
}

/** A channel died: what it was still to send is counted as never sent. */
function retire(channel: Channel): void {
  if (!channel.alive) return;
  channel.alive = false;
  if (phase === 'running' && Number.isFinite(channel.quota)) notSent += channel.quota;
  if (Number.isFinite(quotaLeft)) quotaLeft -= channel.quota;
  channel.quota = 0;
}

// ---- channels ------------------------------------------------------------------------------------

const letters = Buffer.alloc(Math.max(S, 1), 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(Math.max(S, 1) / 26)));
/** Never modified after this line, so one Buffer can go out in every write. */
const streamPayload = config.framing === 'length-prefix' ? Buffer.concat([Buffer.from([S >>> 24, (S >>> 16) & 0xff, (S >>> 8) & 0xff, S & 0xff]), letters]) : letters;

function httpRequestBytes(): Buffer {
  const head = `${config.httpMethod} ${config.httpPath} HTTP/1.1\r\nHost: ${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}\r\n`;
  const withBody = config.httpMethod === 'POST';
  const body = withBody ? `Content-Length: ${S}\r\n\r\n` : '\r\n';
  return Buffer.concat([Buffer.from(head + body, 'latin1'), withBody ? letters.subarray(0, S) : Buffer.alloc(0)]);
}

/**
 * Where each connection's received bytes go. Reads land in one buffer this thread reuses (net's
 * `onread`): no Buffer is allocated per read and the stream machinery of 'data' events is skipped,
 * which the generator, measured against wrk, needs. A reader keeps nothing of a chunk past its call
 * (the HTTP reader copies a partial head it holds on to).
 */
const readers = new WeakMap<net.Socket, (chunk: Buffer) => void>();
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

function streamChannel(socket: net.Socket, slot: number, quota: number, connectStartedAt: number): Channel {
  // Unanswered requests' scheduled and send times, two numbers each, oldest first; TCP answers come
  // back in request order.
  let queue: number[] = [];
  let head = 0;
  let partialBytes = 0;
  /** The send time of the request take() returned last. */
  let takenSentAt = 0;
  const http = config.protocol === 'http' ? new FastHttpResponseReader() : null;
  const request = http ? httpRequestBytes() : streamPayload;

  const take = (): number | undefined => {
    if (head >= queue.length) return undefined;
    const scheduledAt = queue[head]!;
    takenSentAt = queue[head + 1]!;
    head += 2;
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1_024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    return scheduledAt;
  };

  const channel: Channel = {
    slot,
    alive: true,
    connectStartedAt,
    quota,
    send(scheduledAt, now) {
      queue.push(scheduledAt, now);
      bytesOut += request.length;
      socket.write(request);
    },
    oldest: () => (head < queue.length ? queue[head] : undefined),
    fail(kind) {
      retire(channel);
      socket.destroy();
      for (let at = take(); at !== undefined; at = take()) settle(channel, at, takenSentAt, kind);
    },
    close: () => closeSocket(socket),
  };

  readers.set(socket, (chunk: Buffer) => {
    bytesIn += chunk.length;
    if (http) {
      const statuses = http.push(chunk);
      if (statuses === null) {
        channel.fail('protocol');
        return;
      }
      for (let i = 0; i < statuses.length; i++) {
        const at = take();
        if (at === undefined) continue;
        const status = statuses[i]!;
        settle(channel, at, takenSentAt, status >= 200 && status < 300 ? null : 'status');
      }
      return;
    }
    partialBytes += chunk.length;
    while (partialBytes >= ANSWER_BYTES) {
      const at = take();
      if (at === undefined) break;
      partialBytes -= ANSWER_BYTES;
      settle(channel, at, takenSentAt, null);
    }
  });
  let resetSeen = false;
  socket.on('error', (error: NodeJS.ErrnoException) => {
    resetSeen = error.code === 'ECONNRESET' || error.code === 'EPIPE';
  });
  socket.on('close', () => channel.fail(resetSeen ? 'reset' : 'closed'));
  return channel;
}

function datagramChannel(socket: dgram.Socket, slot: number, quota: number, connectStartedAt: number): Channel {
  // Answers may be lost or reordered: match them by sequence number. Map keeps insertion order.
  const waiting = new Map<number, number>();
  const sentAts = new Map<number, number>();
  const sentAt = (seq: number): number => {
    const at = sentAts.get(seq) ?? 0;
    sentAts.delete(seq);
    return at;
  };
  let nextSeq = 1;
  const channel: Channel = {
    slot,
    alive: true,
    connectStartedAt,
    quota,
    send(scheduledAt, now) {
      const seq = nextSeq++;
      waiting.set(seq, scheduledAt);
      sentAts.set(seq, now);
      // A fresh Buffer per datagram: send is asynchronous, and refilling one Buffer corrupts datagrams in flight.
      const datagram = Buffer.alloc(S, 0x78);
      datagram.write(String(seq % 10 ** UDP_SEQUENCE_DIGITS).padStart(UDP_SEQUENCE_DIGITS, '0'), 0, 'latin1');
      bytesOut += S;
      socket.send(datagram);
    },
    oldest: () => waiting.values().next().value,
    expire(before) {
      for (const [seq, at] of waiting) {
        if (at >= before) break;
        waiting.delete(seq);
        settle(channel, at, sentAt(seq), 'timeout');
      }
    },
    fail(kind) {
      retire(channel);
      for (const [seq, at] of waiting) {
        waiting.delete(seq);
        settle(channel, at, sentAt(seq), kind);
      }
      void closeDatagram(socket);
    },
    close: () => closeDatagram(socket),
  };
  socket.on('message', (answer) => {
    bytesIn += answer.length;
    const seq = Number(answer.toString('latin1', 0, UDP_SEQUENCE_DIGITS));
    const at = waiting.get(seq);
    if (at === undefined) return; // late: already counted as lost
    waiting.delete(seq);
    settle(channel, at, sentAt(seq), null);
  });
  socket.on('error', () => channel.fail('closed'));
  return channel;
}

function closeSocket(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) {
      resolve();
      return;
    }
    socket.once('close', () => resolve());
    socket.end();
    socket.resume();
  });
}

function closeDatagram(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

function openStream(slot: number, quota: number): Promise<Channel | null> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const socket: net.Socket = net.connect({
      host: config.host,
      port: config.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array): boolean => {
          readers.get(socket)?.(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
          return true; // false would pause the socket
        },
      },
    });
    const timer = setTimeout(() => {
      socket.destroy();
      connectFailed('timeout', `no connection to ${config.host}:${config.port} within ${config.connectTimeoutMs} ms`);
      resolve(null);
    }, config.connectTimeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      connectFailed(connectFailureKind(error), messageOf(error));
      resolve(null);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      if (phase === 'finished') {
        socket.destroy(); // stopped while connecting
        resolve(null);
        return;
      }
      connectHistogram.recordValue(micros(performance.now() - startedAt));
      resolve(streamChannel(socket, slot, quota, startedAt));
    });
  });
}

function openDatagram(slot: number, quota: number): Promise<Channel | null> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const socket = dgram.createSocket(config.host === '::1' ? 'udp6' : 'udp4');
    socket.once('error', (error) => {
      connectFailed(connectFailureKind(error), messageOf(error));
      resolve(null);
    });
    socket.connect(config.port, config.host, () => {
      socket.removeAllListeners('error');
      if (phase === 'finished') {
        void closeDatagram(socket); // stopped while connecting
        resolve(null);
        return;
      }
      connectHistogram.recordValue(micros(performance.now() - startedAt));
      resolve(datagramChannel(socket, slot, quota, startedAt));
    });
  });
}

/** Opens this thread's connections; `opened` sees each as it opens (unprimed loads start sending on it at once). */
async function openAll(opened?: (channel: Channel) => void): Promise<void> {
  let next = 0;
  setupStartedAt = performance.now();
  const open = config.protocol === 'udp' ? openDatagram : openStream;
  const lane = async (): Promise<void> => {
    while (next < indexes.length) {
      const slot = next++;
      const channel = await open(slot, quotas ? quotas[slot]! : Number.POSITIVE_INFINITY);
      if (channel) {
        channels.push(channel);
        opened?.(channel);
      } else if (opening && quotas) {
        // Unprimed, in the measured phase: a connection that never opened never sends its quota.
        notSent += quotas[slot]!;
        quotaLeft -= quotas[slot]!;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, indexes.length) }, lane));
  channels.sort((a, b) => a.slot - b.slot);
}

// ---- phases ---------------------------------------------------------------------------------------

let sweepTimer: NodeJS.Timeout | null = null;
let progressTimer: NodeJS.Timeout | null = null;
let drainTimer: NodeJS.Timeout | null = null;
let scheduleTimer: NodeJS.Timeout | null = null;
let durationTimer: NodeJS.Timeout | null = null;
const sweepMs = Math.min(250, Math.max(10, config.timeoutMs / 4));

function sweep(): void {
  const before = performance.now() - config.timeoutMs;
  for (const channel of channels) {
    if (!channel.alive && channel.oldest() === undefined) continue;
    const oldest = channel.oldest();
    if (oldest === undefined || oldest >= before) continue;
    if (channel.expire) channel.expire(before);
    else channel.fail('timeout');
  }
}

function primingDone(): void {
  if (phase === 'finished') return;
  phase = 'ready';
  const opened = channels.filter((channel) => channel.alive).length;
  post({ type: 'connected', opened, failed: indexes.length - opened });
}

function prime(): void {
  if (phase === 'finished') {
    for (const channel of channels) void channel.close();
    return;
  }
  phase = 'priming';
  const live = channels.filter((channel) => channel.alive);
  if (!config.prime || live.length === 0) {
    primingDone();
    return;
  }
  primesPending = live.length;
  const now = performance.now();
  for (const channel of live) {
    inflight++;
    channel.send(now, now);
  }
}

function go(atEpochMs: number): void {
  const startAt = atEpochMs - performance.timeOrigin;
  const begin = (): void => {
    phase = 'running';
    issuing = true;
    // Bytes of the priming requests are not part of the measured phase.
    bytesOut = 0;
    bytesIn = 0;
    goAt = performance.now();
    lastSettledAt = goAt;
    meter = new CpuMeter();
    if (config.plan.kind === 'duration') {
      endAt = goAt + config.plan.ms;
      // An open loop's schedule ends itself at endAt, so every slot before it is sent, exactly.
      if (config.mode.kind === 'closed') durationTimer = setTimeout(stopIssuing, config.plan.ms);
    }
    progressTimer = setInterval(() => post({ type: 'progress', counts: { sent, answered, errors } }), config.progressIntervalMs);
    if (!config.prime) {
      beginUnprimed();
      return;
    }
    const live = channels.filter((channel) => channel.alive);
    quotaLeft = live.reduce((sum, channel) => sum + channel.quota, 0);
    if (config.mode.kind === 'closed') {
      for (const channel of live) if (mayIssue(channel, goAt)) issue(channel, goAt);
      if (inflight === 0) stopIssuing();
    } else {
      runSchedule(live, config.mode.ratePerConnection, goAt);
    }
  };
  const wait = startAt - performance.now();
  if (wait > 0) setTimeout(begin, wait);
  else begin();
}

/**
 * Unprimed: the connections open now, in the measured phase, so each one's set-up (the connect, and
 * whatever the server does for a new connection: a thread or a process started) is part of its first
 * request's latency. Closed loop: each connection sends its first request as soon as it is open, that
 * request scheduled at 'go'. Open loop: the schedule starts at 'go'; what came due while the
 * connections opened is sent once they are, with its scheduled time.
 */
function beginUnprimed(): void {
  quotaLeft = quotas ? quotas.reduce((sum, quota) => sum + quota, 0) : Number.POSITIVE_INFINITY;
  opening = true;
  const closed = config.mode.kind === 'closed';
  void openAll((channel) => {
    if (closed && mayIssue(channel, performance.now())) issue(channel, goAt);
  }).then(() => {
    opening = false;
    if (phase !== 'running') return;
    const live = channels.filter((channel) => channel.alive);
    if (closed) {
      if (inflight === 0 || quotaLeft <= 0) stopIssuing();
    } else {
      runSchedule(live, (config.mode as { ratePerConnection: number }).ratePerConnection, goAt);
    }
  });
}

/**
 * Open loop: connection i of C sends at start + (i / C + k) × period, k = 0, 1, 2, ...: the whole
 * load is spread evenly over each period. The connections of this thread, in index order, come due
 * in a fixed rotation, so one pointer walks the schedule; each timer turn sends everything now due.
 * A request sent late (this thread was busy) still carries its scheduled time.
 */
function runSchedule(live: Channel[], ratePerConnection: number, start: number): void {
  if (live.length === 0) {
    stopIssuing();
    return;
  }
  const periodMs = 1_000 / ratePerConnection;
  const phases = live.map((channel) => (indexes[channel.slot]! / config.connections) * periodMs);
  let pointer = 0;
  let round = 0;
  const due = (): number => start + phases[pointer]! + round * periodMs;
  const turn = (): void => {
    scheduleTimer = null;
    if (!issuing) return;
    const now = performance.now();
    for (let at = due(); at <= now; at = due()) {
      if (at >= endAt || quotaLeft <= 0) {
        stopIssuing();
        return;
      }
      const channel = live[pointer]!;
      if (channel.alive) {
        if (channel.quota > 0) issue(channel, at);
      } else if (config.plan.kind === 'duration') {
        // A dead connection's slot in the schedule: a request that should have gone and did not.
        // (Under a requests plan its whole remaining quota was counted when it died.)
        notSent++;
      }
      pointer++;
      if (pointer === live.length) {
        pointer = 0;
        round++;
      }
    }
    // The next slot falls after the end: the schedule is over now, not when that slot comes.
    if (due() >= endAt || quotaLeft <= 0) {
      stopIssuing();
      return;
    }
    scheduleTimer = setTimeout(turn, Math.max(0, due() - performance.now()));
  };
  turn();
}

function stopIssuing(): void {
  if (!issuing && phase !== 'running') return;
  issuing = false;
  if (scheduleTimer) clearTimeout(scheduleTimer);
  if (phase === 'running') phase = 'draining';
  // What is still unanswered gets the request timeout to come back, then counts as timed out.
  drainTimer ??= setTimeout(() => {
    for (const channel of channels) if (channel.oldest() !== undefined) channel.fail('timeout');
    maybeFinish();
  }, config.timeoutMs + sweepMs);
  maybeFinish();
}

function cancel(): void {
  if (phase === 'finished') return;
  if (phase !== 'running' && phase !== 'draining') {
    // Not started: nothing was sent, nothing to count.
    void finish();
    return;
  }
  stopIssuing();
  if (drainTimer) clearTimeout(drainTimer);
  drainTimer = setTimeout(() => {
    for (const channel of channels) if (channel.oldest() !== undefined) channel.fail('cancelled');
    maybeFinish();
  }, Math.min(config.timeoutMs, 1_000));
}

function maybeFinish(): void {
  if (phase === 'draining' && inflight === 0) void finish();
}

async function finish(): Promise<void> {
  if (phase === 'finished') return;
  phase = 'finished';
  for (const timer of [sweepTimer, progressTimer, drainTimer, scheduleTimer, durationTimer]) if (timer) clearTimeout(timer);
  const cpu = meter && meter.scope === 'thread' ? meter.elapsed() : null;
  post({
    type: 'done',
    report: {
      sent,
      answered,
      errors,
      opened: channels.filter((channel) => channel.alive).length,
      connectFailures,
      connectFailureExamples,
      primed,
      errorsByKind,
      notSent,
      bytesOut,
      bytesIn,
      histogram: encodeIntoCompressedBase64(histogram),
      sendHistogram: sendHistogram ? encodeIntoCompressedBase64(sendHistogram) : null,
      connectHistogram: encodeIntoCompressedBase64(connectHistogram),
      firstAnswerHistogram: encodeIntoCompressedBase64(firstAnswerHistogram),
      allFirstAnswersMs: lastFirstAnswerAt > 0 ? lastFirstAnswerAt - setupStartedAt : null,
      activeMs: goAt > 0 ? lastSettledAt - goAt : 0,
      cpu,
    },
  });
  // Close every connection before the thread ends, a FIN each; whatever lingers past a second is destroyed with the thread.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(channels.map((channel) => channel.close())), new Promise((resolve) => (timer = setTimeout(resolve, 1_000)))]);
  clearTimeout(timer);
  for (const channel of channels) if (channel.alive) channel.alive = false;
  // Nothing keeps the thread alive now: it ends by itself (the generator terminates it if it lingers).
  port.close();
}

port.on('message', (message: MainToLoadWorker) => {
  switch (message.type) {
    case 'go':
      go(message.atEpochMs);
      break;
    case 'stop':
      cancel();
      break;
    default:
      assertNever(message, 'load message');
  }
});

if (config.prime) {
  openAll()
    .then(() => {
      if (phase !== 'finished') sweepTimer = setInterval(sweep, sweepMs);
      prime();
    })
    .catch((error: unknown) => post({ type: 'failed', error: errorData(error) }));
} else {
  // Unprimed: nothing opens before 'go' (see beginUnprimed).
  sweepTimer = setInterval(sweep, sweepMs);
  phase = 'ready';
  post({ type: 'connected', opened: indexes.length, failed: 0 });
}
