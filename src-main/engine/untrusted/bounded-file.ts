import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { UntrustedInputError } from './untrusted-error';

/**
 * Reads a whole regular file of at most `maxBytes` bytes, or refuses it. Guarantees: never blocks on a FIFO
 * (opened non-blocking), never reads a device, socket or directory (the opened descriptor is checked, so
 * nothing can be swapped in between a check and the read), and never holds more than `maxBytes` + 1 bytes
 * even when the file grows while it is read or reports a size of 0 (as /proc files do).
 */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (error) {
    throw new UntrustedInputError(`cannot read ${path}: ${openProblem(error)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UntrustedInputError(`cannot read ${path}: it is ${kindOf(stat)}, not a regular file`);
    if (stat.size > maxBytes) {
      throw new UntrustedInputError(`cannot read ${path}: it holds ${stat.size} bytes, more than the limit of ${maxBytes} bytes`);
    }
    return readAll(fd, path, stat.size, maxBytes);
  } finally {
    closeSync(fd);
  }
}

/**
 * readRegularFile with the same guarantees, read off the calling thread in parts of READ_PART_BYTES, so a
 * large file (a run log of 100 MB) does not hold up a thread that must keep answering.
 */
export async function readRegularFileAsync(path: string, maxBytes: number): Promise<Buffer> {
  let file;
  try {
    file = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (error) {
    throw new UntrustedInputError(`cannot read ${path}: ${openProblem(error)}`);
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new UntrustedInputError(`cannot read ${path}: it is ${kindOf(stat)}, not a regular file`);
    if (stat.size > maxBytes) {
      throw new UntrustedInputError(`cannot read ${path}: it holds ${stat.size} bytes, more than the limit of ${maxBytes} bytes`);
    }
    let buffer = Buffer.allocUnsafe(Math.min(maxBytes, stat.size) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw new UntrustedInputError(`cannot read ${path}: it holds more than the limit of ${maxBytes} bytes`);
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(64 * 1024, buffer.length * 2)));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      let read: number;
      try {
        ({ bytesRead: read } = await file.read(buffer, length, Math.min(READ_PART_BYTES, buffer.length - length), null));
      } catch (error) {
        throw new UntrustedInputError(`cannot read ${path}: ${(error as Error).message}`);
      }
      if (read === 0) break;
      length += read;
    }
    if (length > maxBytes) throw new UntrustedInputError(`cannot read ${path}: it holds more than the limit of ${maxBytes} bytes`);
    return buffer.subarray(0, length);
  } finally {
    await file.close();
  }
}

const READ_PART_BYTES = 4 * 1024 * 1024;

function readAll(fd: number, path: string, expected: number, maxBytes: number): Buffer {
  // One more byte than the limit is room enough to tell "at the limit" from "past it".
  let buffer = Buffer.allocUnsafe(Math.min(maxBytes, expected) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > maxBytes) {
        throw new UntrustedInputError(`cannot read ${path}: it holds more than the limit of ${maxBytes} bytes`);
      }
      const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(64 * 1024, buffer.length * 2)));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    let read: number;
    try {
      read = readSync(fd, buffer, length, buffer.length - length, null);
    } catch (error) {
      throw new UntrustedInputError(`cannot read ${path}: ${(error as Error).message}`);
    }
    if (read === 0) break;
    length += read;
  }
  if (length > maxBytes) throw new UntrustedInputError(`cannot read ${path}: it holds more than the limit of ${maxBytes} bytes`);
  return buffer.subarray(0, length);
}

function openProblem(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENXIO':
      return 'it is a FIFO or socket with nothing on the other end, not a regular file';
    default:
      return (error as Error).message;
  }
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}
