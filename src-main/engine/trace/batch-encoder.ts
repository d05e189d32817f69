import { Worker } from 'node:worker_threads';
import { entryPath } from '../entry-paths';
import type { ActorToRunner, ThreadToHost } from '../actors/protocol';
import { ColumnEncoder, eventBatch, type ColumnBatch, type TemplateText } from './event-columns';

/**
 * Where thread actors' batches are encoded: a thread actor records its events in columns and sends them as they
 * are (see event-columns.ts); its host hands them to the encoder, one worker thread per process, which writes
 * their JSON. The actor's thread then spends no time on JSON, and neither does the runner's loop, which must stay
 * free to answer a cancel at once. A small batch (a thread flushes before every broker call) is encoded on the
 * loop instead: the call it comes with then waits for no other thread.
 *
 * Each thread's messages still reach the runner in the order the thread sent them (ColumnRelay): a message
 * after a batch waits until the batch is encoded. Should the encoder fail, the host encodes on its own loop:
 * a batch's columns are copied to the encoder, not moved, so the host still has them.
 */

export type EncoderRequest =
  | { readonly type: 'encode'; readonly id: number; readonly actor: number; readonly batch: ColumnBatch }
  | { readonly type: 'forget'; readonly actor: number };

export type EncoderReply = { readonly id: number; readonly payload: string } | { readonly id: number; readonly error: string };

/** Encodes batches of actors known by a number (the encoder thread, or a stand-in in tests). */
export interface BatchEncoder {
  /** The batch's payload; the batch brings the templates the encoder has not seen yet. */
  encode(actor: number, batch: ColumnBatch): Promise<string>;
  /** None of the actor's batches is left: its templates may go. */
  forget(actor: number): void;
}

/** Batches of at most this many events are encoded on the loop (see above). */
export const INLINE_EVENTS = 64;

class EncoderThread implements BatchEncoder {
  private worker: Worker | null = null;
  private failed = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (payload: string) => void; reject: (error: Error) => void }>();

  encode(actor: number, batch: ColumnBatch): Promise<string> {
    const worker = this.started();
    if (!worker) return Promise.reject(new Error('the trace encoder is not running'));
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ type: 'encode', id, actor, batch } satisfies EncoderRequest);
    });
  }

  forget(actor: number): void {
    this.worker?.postMessage({ type: 'forget', actor } satisfies EncoderRequest);
  }

  private started(): Worker | null {
    if (this.worker || this.failed) return this.worker;
    const worker = new Worker(entryPath('trace-encoder'));
    // Held only while a batch is out: an idle encoder never keeps its process alive.
    worker.unref();
    worker.on('message', (reply: EncoderReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if ('payload' in reply) waiter.resolve(reply.payload);
      else waiter.reject(new Error(reply.error));
    });
    const fail = (error: Error): void => {
      this.failed = true;
      this.worker = null;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the trace encoder exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

let encoderThread: EncoderThread | null = null;
let nextActor = 1;

/** The process's encoder thread, started with its first batch. */
export function sharedEncoder(): BatchEncoder {
  return (encoderThread ??= new EncoderThread());
}

/**
 * A thread actor's messages on their way to the runner: batches in columns are encoded off the loop, and every
 * message is delivered in the order the thread sent it. `answered` is called once per batch delivered, in order.
 */
export class ColumnRelay {
  private readonly actor = nextActor++;
  /** The actor's templates, for the batches encoded here. */
  private readonly local = new ColumnEncoder();
  /** Templates the encoder has not been sent yet (they came with batches encoded here). */
  private unsent: TemplateText[] = [];
  /** Messages waiting for a batch before them; a batch's entry is filled once it is encoded. */
  private readonly queue: { message: ActorToRunner | null; readonly batch: boolean }[] = [];
  private whenDrained: (() => void) | null = null;

  /** `ring`: the thread's ring of columns, where the batches it sends are. */
  constructor(
    private readonly ring: SharedArrayBuffer,
    private readonly deliver: (message: ActorToRunner) => void,
    private readonly answered: () => void,
    private readonly encoder: () => BatchEncoder = sharedEncoder,
  ) {}

  receive(message: ThreadToHost): void {
    if (message.type !== 'event-columns') {
      if (this.queue.length === 0) this.deliver(message);
      else this.queue.push({ message, batch: false });
      return;
    }
    const batch: ColumnBatch = { ...message.batch, buffer: this.ring };
    this.local.add(batch.templates);
    for (const template of batch.templates) this.unsent.push(template);
    if (batch.count <= INLINE_EVENTS) {
      const encoded = eventsMessage(batch, this.local.encode(batch));
      if (this.queue.length > 0) {
        this.queue.push({ message: encoded, batch: true });
        return;
      }
      this.deliver(encoded);
      this.answered();
      return;
    }
    const entry: { message: ActorToRunner | null; readonly batch: boolean } = { message: null, batch: true };
    this.queue.push(entry);
    const templates = this.unsent;
    this.unsent = [];
    this.encoder()
      .encode(this.actor, { ...batch, templates })
      .catch(() => this.local.encode(batch))
      .then((payload) => {
        entry.message = eventsMessage(batch, payload);
        this.drain();
      });
  }

  /** Resolves once every message received so far has been delivered; the encoder then forgets the actor. */
  drained(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      if (this.queue.length === 0) resolve();
      else this.whenDrained = resolve;
    });
    return done.then(() => this.encoder().forget(this.actor));
  }

  /** Delivers what is ready at the head of the queue; a batch's slot is freed as it is delivered, so slots free in the order they were filled. */
  private drain(): void {
    while (this.queue.length > 0 && this.queue[0]!.message !== null) {
      const entry = this.queue.shift()!;
      this.deliver(entry.message!);
      if (entry.batch) this.answered();
    }
    if (this.queue.length === 0 && this.whenDrained) {
      const resolve = this.whenDrained;
      this.whenDrained = null;
      resolve();
    }
  }
}

function eventsMessage(batch: ColumnBatch, payload: string): ActorToRunner {
  return { type: 'events', batch: eventBatch(batch, payload), recordBytes: batch.recordBytes };
}
