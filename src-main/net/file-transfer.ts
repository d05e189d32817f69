import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { Connection, type ClientEventListener } from './connection';
import { NetError } from './errors';
import type { LoopbackHost } from '../model/server-config';
import { checkFileName } from './session';

/**
 * File upload, the lesson's way: a `name|size` header line, then the bytes in chunks, then the
 * receiver's `ok <size> <sha256>` (the file-receive handler). The sender writes chunk after chunk
 * without yielding until the kernel refuses one (a partial write: Node keeps the rest and write()
 * returns false), then waits for 'drain'. Those refusals and waits are the back-pressure a trace
 * shows (onEvent: {op:'write', accepted:false}, {op:'drain'}).
 */

export interface GeneratedFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

const MB = 1024 * 1024;
/** A symbolic link where a file is expected is refused, never followed (absent on Windows). */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/** Writes `megabytes` of deterministic pseudo-random bytes (xorshift32 from `seed`); returns its SHA-256. */
export function generateFile(path: string, megabytes: number, seed = 1): GeneratedFile {
  if (!(megabytes > 0) || megabytes > 4096) throw new NetError('invalid-config', `file size: ${megabytes} MB; expected more than 0 and at most 4096`);
  const total = Math.round(megabytes * MB);
  const hash = createHash('sha256');
  const fd = openNoFollow(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
  let state = seed >>> 0 || 1;
  try {
    for (let written = 0; written < total; ) {
      const size = Math.min(MB, total - written);
      const chunk = Buffer.allocUnsafe(size);
      for (let i = 0; i + 4 <= size; i += 4) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        chunk.writeUInt32LE(state, i);
      }
      for (let i = size - (size % 4); i < size; i++) chunk[i] = i & 0xff;
      writeSync(fd, chunk);
      hash.update(chunk);
      written += size;
    }
  } finally {
    closeSync(fd);
  }
  return { path, bytes: total, sha256: hash.digest('hex') };
}

/** Opens a regular file without following a symbolic link in its last part. */
function openNoFollow(path: string, flags: number): number {
  let fd: number;
  try {
    fd = openSync(path, flags | NO_FOLLOW | (constants.O_NONBLOCK ?? 0), 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new NetError('invalid-config', `${path} is a symbolic link; it is not followed`);
    throw error;
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new NetError('invalid-config', `${path} is not a regular file`);
  }
  return fd;
}

export interface TransferProgress {
  readonly sentBytes: number;
  readonly totalBytes: number;
}

export interface SendFileOptions {
  readonly host?: LoopbackHost;
  readonly port: number;
  readonly path: string;
  /** The name announced in the header (default: the file's base name). */
  readonly name?: string;
  /** Bytes per write (default 64 KiB). */
  readonly chunkBytes?: number;
  /** How long to wait for the receiver's verdict once everything is sent (default 10 s). */
  readonly timeoutMs?: number;
  readonly onProgress?: (progress: TransferProgress) => void;
  readonly onEvent?: ClientEventListener;
}

export interface SendFileResult {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  /** What the receiver computed over what it received. */
  readonly remoteSha256: string;
  readonly remoteBytes: number;
  /** Sizes and checksums agree. */
  readonly verified: boolean;
  readonly writes: number;
  /** Writes the kernel did not take at once (partial writes), each followed by a wait for 'drain'. */
  readonly refusedWrites: number;
  readonly drainWaitMs: number;
  readonly durationMs: number;
}

export async function sendFile(options: SendFileOptions): Promise<SendFileResult> {
  const name = options.name ?? basename(options.path);
  const badName = checkFileName(name);
  if (badName) throw new NetError('invalid-config', `sendFile name: ${badName}`);
  const fd = openNoFollow(options.path, constants.O_RDONLY);
  const size = fstatSync(fd).size;
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const started = performance.now();
  let connection: Connection;
  try {
    connection = await Connection.connect({ host: options.host, port: options.port, ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const hash = createHash('sha256');
  let writes = 0;
  let refusedWrites = 0;
  let drainWaitMs = 0;
  try {
    connection.send(`${name}|${size}\n`);
    let sentBytes = 0;
    while (sentBytes < size) {
      // A fresh Buffer per chunk: write() is asynchronous and may still hold the previous one.
      const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, size - sentBytes));
      const read = readSync(fd, chunk, 0, chunk.length, sentBytes);
      if (read === 0) throw new NetError('protocol', `${options.path} shrank while it was being sent`);
      const piece = read === chunk.length ? chunk : chunk.subarray(0, read);
      hash.update(piece);
      const { accepted } = connection.send(piece);
      writes++;
      sentBytes += read;
      options.onProgress?.({ sentBytes, totalBytes: size });
      if (!accepted) {
        refusedWrites++;
        drainWaitMs += await connection.drained();
      }
    }
    const verdict = (await connection.recvUntil('\n', { timeoutMs: options.timeoutMs ?? 10_000 })).toString('utf8');
    const match = /^ok (\d+) ([0-9a-f]{64})$/.exec(verdict);
    if (!match) throw new NetError('protocol', `the receiver answered ${JSON.stringify(verdict.slice(0, 200))}`);
    const sha256 = hash.digest('hex');
    const remoteBytes = Number(match[1]);
    return {
      name,
      bytes: size,
      sha256,
      remoteSha256: match[2]!,
      remoteBytes,
      verified: remoteBytes === size && match[2] === sha256,
      writes,
      refusedWrites,
      drainWaitMs,
      durationMs: performance.now() - started,
    };
  } finally {
    closeSync(fd);
    await connection.close();
  }
}
