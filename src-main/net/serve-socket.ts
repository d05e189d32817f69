import type { Socket } from 'node:net';
import type { SessionSink, StreamSession } from './session';

/** Counters a served connection adds to (a ServerCounters, or a child's own). */
export interface StreamTally {
  requests: number;
  bytesIn: number;
  bytesOut: number;
  filesRefused: number;
}

export interface ServedConnection {
  readonly socket: Socket;
  /** Settles once the socket is closed, whoever closed it. */
  readonly closed: Promise<void>;
}

/** More chunks than this waiting behind a slow answer, and the socket stops reading (TCP flow control takes over). */
const BACKLOG_PAUSE = 16;

/**
 * Runs a session over a socket this thread owns. Chunks are fed in order; while the session works on
 * an answer (a promise), later chunks wait, so answers leave in the order requests came. The server
 * must create sockets with allowHalfOpen: a peer that sends its last request and half-closes still
 * gets its answers; this side ends once the session has answered everything it read.
 */
export function serveSocket(socket: Socket, session: StreamSession, tally: StreamTally): ServedConnection {
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      session.close?.();
      resolve();
    }),
  );
  socket.setNoDelay(true);
  // A reset by the peer arrives as 'error' and is followed by 'close': nothing more to do here.
  socket.on('error', () => {});

  let busy = false;
  let peerEnded = false;
  /** The peer reads slower than it sends: stop reading until our answers have drained. */
  let writeBlocked = false;
  const backlog: Buffer[] = [];

  const sink: SessionSink = {
    write(data) {
      if (socket.destroyed || socket.writableEnded) return;
      tally.bytesOut += data.length;
      if (!socket.write(data) && !writeBlocked) {
        writeBlocked = true;
        socket.pause();
        socket.once('drain', () => {
          writeBlocked = false;
          if (!busy && backlog.length < BACKLOG_PAUSE && !socket.destroyed) socket.resume();
        });
      }
    },
    end() {
      if (!socket.destroyed) socket.end();
    },
    refused() {
      tally.filesRefused++;
    },
  };

  const afterAnswer = (): void => {
    busy = false;
    while (!busy && backlog.length > 0) feed(backlog.shift()!);
    if (busy) return;
    if (socket.isPaused() && !writeBlocked && !socket.destroyed) socket.resume();
    if (peerEnded && !socket.writableEnded) socket.end();
  };

  const feed = (chunk: Buffer): void => {
    // No cork() around this: sessions write each answer in one piece, and cork/uncork would turn
    // every answer's write into a writev, measurably slower on the echo hot path.
    let result: number | Promise<number>;
    try {
      result = session.receive(chunk, sink);
    } catch (error) {
      socket.destroy(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (typeof result === 'number') {
      tally.requests += result;
      return;
    }
    busy = true;
    result.then(
      (count) => {
        tally.requests += count;
        afterAnswer();
      },
      (error: unknown) => socket.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  };

  socket.on('data', (chunk: Buffer) => {
    tally.bytesIn += chunk.length;
    if (busy) {
      backlog.push(chunk);
      if (backlog.length >= BACKLOG_PAUSE) socket.pause();
      return;
    }
    feed(chunk);
  });
  socket.on('end', () => {
    peerEnded = true;
    if (!busy && backlog.length === 0 && !socket.writableEnded) socket.end();
  });

  session.open(sink);
  socket.resume();
  return { socket, closed };
}
