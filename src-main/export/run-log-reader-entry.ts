/**
 * The run-log reader worker thread (bundled to out/engine/run-log-reader.mjs): parses and validates one run
 * log off the thread that must keep answering (the browser-mode server, the Electron main process), inside
 * a heap of its own, so that a log nobody foresaw cannot take that thread or its process down.
 *
 * Protocol: workerData is a ReaderInit; it posts exactly one ReaderReply and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseRunLog, RunLogError } from './run-log';
import type { ReaderInit, ReaderReply } from './run-log-reader';

const PART_BYTES = 1024 * 1024;

async function read(init: ReaderInit): Promise<ReaderReply> {
  try {
    const { bytes } = init;
    const input = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const log = await parseRunLog(input, { maxBytes: init.maxBytes });
    // The events in parts of about PART_BYTES, so the thread receiving them copies a little at a time.
    let start = 0;
    let partBytes = 0;
    for (let i = 0; i < log.events.length; i++) {
      partBytes += log.events[i]!.payload.length;
      if (partBytes >= PART_BYTES) {
        port.postMessage({ type: 'events', batches: log.events.slice(start, i + 1) } satisfies ReaderReply);
        start = i + 1;
        partBytes = 0;
      }
    }
    return { type: 'parsed', log: { ...log, events: log.events.slice(start) } };
  } catch (error) {
    if (error instanceof RunLogError) return { type: 'refused', message: error.message, issues: error.issues };
    return { type: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

if (!parentPort) throw new Error('run-log-reader runs as a worker thread');
const port = parentPort;
void read(workerData as ReaderInit).then((reply) => port.postMessage(reply));
