// The trace encoder: a worker thread of the process that hosts thread actors, writing the JSON of their
// batches in columns (see batch-encoder.ts).
import { parentPort } from 'node:worker_threads';
import { ColumnEncoder } from './event-columns';
import type { EncoderReply, EncoderRequest } from './batch-encoder';

if (!parentPort) throw new Error('the trace encoder runs inside a worker thread');
const port = parentPort;

/** Each actor's encoder, which knows its templates. */
const encoders = new Map<number, ColumnEncoder>();

port.on('message', (request: EncoderRequest) => {
  if (request.type === 'forget') {
    encoders.delete(request.actor);
    return;
  }
  let encoder = encoders.get(request.actor);
  if (!encoder) encoders.set(request.actor, (encoder = new ColumnEncoder()));
  encoder.add(request.batch.templates);
  let reply: EncoderReply;
  try {
    reply = { id: request.id, payload: encoder.encode(request.batch) };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
