import { runMessage } from '../../model/run-wording';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { PrimitiveAccess } from '../sync/primitive-access';
import { ACTOR_BATCHES_OUT, ACTOR_EVENTS_EMITTED, ACTOR_TRACE_HOLD, actorWord, buildLayout, type SharedLayout } from '../sync/shared-layout';
import { TraceBuffer } from '../trace/trace-buffer';
import { warmTracePath } from '../trace/trace-warmup';
import { RING_SLOTS, type RingBatch } from '../trace/event-columns';
import { ActorFailure, blockThread, Interpreter, type ActorServices, type PrimitiveOps } from './interpreter';
import { ByteLimitError, jsonBytes, limitExceeded } from '../spec/limits';
import { currentUsage, heldValue, type ActorInit, type ActorToRunner, type BrokerRequest, type RunnerToActor } from './protocol';
import { assertNever } from '../../model/assert-never';
import { WordVars } from './var-access';
import { NetClients } from './net-clients';

/**
 * The actor side of a thread or process actor: receives its init, runs its program with the
 * interpreter, and talks to the runner through a channel (a worker port, an IPC channel, or an
 * Electron parentPort). Broker calls are numbered; replies resolve them.
 */

export interface ParentChannel {
  post(message: ActorToRunner): void;
  onMessage(handler: (message: RunnerToActor) => void): void;
  /** Keep the host alive while a reply is awaited; let it go otherwise. */
  hold(): void;
  release(): void;
  /** Ends the actor once everything posted has left (processes exit explicitly). */
  finish(code: number): void;
  /**
   * Sends a batch of events in columns, not encoded (a thread's channel: the columns are in its ring in shared
   * memory, and its host encodes the batch off the thread, see batch-encoder.ts). Without it the actor encodes its batches.
   */
  postColumns?(batch: RingBatch): void;
}

/** Primitive operations served by the runner for process actors, which share no memory with it. */
class BrokeredPrimitives implements PrimitiveOps {
  constructor(private readonly call: (request: BrokerRequest) => Promise<unknown>) {}
  acquire(prim: string, options: { blocking?: boolean | undefined; timeoutMs?: number | undefined }): Promise<boolean> {
    return this.call({ type: 'prim.acquire', prim, blocking: options.blocking ?? true, timeoutMs: options.timeoutMs }) as Promise<boolean>;
  }
  async release(prim: string): Promise<void> {
    await this.call({ type: 'prim.release', prim });
  }
  wait(prim: string, timeoutMs?: number): Promise<{ passed: boolean; index?: number }> {
    return this.call({ type: 'prim.wait', prim, timeoutMs }) as Promise<{ passed: boolean; index?: number }>;
  }
  async set(prim: string): Promise<void> {
    await this.call({ type: 'prim.set', prim });
  }
  async clear(prim: string): Promise<void> {
    await this.call({ type: 'prim.clear', prim });
  }
  async notify(prim: string, count: number): Promise<void> {
    // Infinity does not survive JSON: -1 stands for "all".
    await this.call({ type: 'prim.notify', prim, count: Number.isFinite(count) ? count : -1 });
  }
}

export async function runActor(init: ActorInit, channel: ParentChannel): Promise<void> {
  const layout: SharedLayout = buildLayout(init.spec, init.actorCount);
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextCallId = 1;

  channel.onMessage((message) => {
    switch (message.type) {
      case 'reply': {
        const waiter = pending.get(message.id);
        if (!waiter) return;
        pending.delete(message.id);
        if (pending.size === 0) channel.release();
        if (message.ok) waiter.resolve(message.value);
        else waiter.reject(new ActorFailure(message.error.message));
        return;
      }
      case 'stop':
        trace.flush();
        channel.post({ type: 'done', ok: false, error: 'stopped by the runner', emitted: trace.emitted, dropped: trace.dropped, t: trace.now(), usage: currentUsage() });
        channel.finish(0);
        return;
      case 'init':
        return; // already initialised
      default:
        assertNever(message);
    }
  });

  /** A value larger than its whole byte limit is refused here, before a copy of it crosses to the runner. */
  const oversized = (request: BrokerRequest): ByteLimitError | null => {
    const held = heldValue(request);
    if (!held) return null;
    const limit = init.byteLimits[held.limit];
    if (jsonBytes(held.value, limit) <= limit) return null;
    return new ByteLimitError(held.limit, limitExceeded(init.actor.name, held.limit, limit, runMessage('where-one-value', { where: held.where })));
  };

  const call = (request: BrokerRequest): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const refusal = oversized(request);
      if (refusal) return reject(refusal);
      const id = nextCallId++;
      if (pending.size === 0) channel.hold();
      pending.set(id, { resolve, reject });
      trace.flush(); // the runner sees events up to the request before it answers
      channel.post({ type: 'call', id, request });
    });

  const shared = init.memory ? new Int32Array(init.memory) : null;
  const emittedWord = shared ? actorWord(layout, init.actor.id, ACTOR_EVENTS_EMITTED) : -1;
  const holdWord = shared ? actorWord(layout, init.actor.id, ACTOR_TRACE_HOLD) : -1;
  const outWord = shared ? actorWord(layout, init.actor.id, ACTOR_BATCHES_OUT) : -1;
  /** A thread traces faster than batches can be stored: while the runner holds it, it waits here (in short waits, so that a stop or a terminate is never kept waiting). */
  const heldBack = (): void => {
    if (shared) while (Atomics.load(shared, holdWord) === 1) Atomics.wait(shared, holdWord, 1, 50);
  };
  const postColumns = channel.postColumns?.bind(channel);
  const trace = new TraceBuffer({
    actor: init.actor.name,
    trial: init.trial,
    runStartNs: BigInt(init.runStartNs),
    budget: init.eventBudget,
    limits: init.byteLimits,
    // An actor with a trace window sends batches of at most half of it, so that each one is counted in it.
    ...(init.traceWindowBytes !== undefined ? { batchBytes: Math.max(1024, Math.floor(init.traceWindowBytes / 2)) } : {}),
    sink: (batch, info) => {
      channel.post({ type: 'events', batch, recordBytes: info.recordBytes });
      heldBack();
    },
    ...(postColumns && shared && init.traceRing
      ? {
          columns: {
            ring: init.traceRing,
            sink: (batch: RingBatch) => {
              postColumns(batch);
              // The next slot is free once no more than RING_SLOTS - 1 batches are out: until then the thread waits its turn.
              let out = Atomics.add(shared, outWord, 1) + 1;
              while (out > RING_SLOTS - 1) {
                Atomics.wait(shared, outWord, out, 50);
                out = Atomics.load(shared, outWord);
              }
              heldBack();
            },
          },
        }
      : {}),
    ...(shared ? { countWord: { words: shared, at: emittedWord } } : {}),
  });

  let words: Int32Array;
  let prims: PrimitiveOps;
  if (shared) {
    words = shared;
    prims = new PrimitiveAccess(shared, layout, init.actor.id, 'blocking', () => trace.flush());
  } else {
    words = new Int32Array(layout.words);
    words.set(init.privateWords ?? []);
    prims = new BrokeredPrimitives(call);
  }

  const services: ActorServices = {
    self: { ...init.actor, pid: process.pid, ppid: process.ppid, threadId },
    trace,
    prims,
    vars: new WordVars(words, layout, call),
    workDir: init.workDir,
    call,
    block: blockThread,
    sleep: (ms) => sleep(ms),
    net: new NetClients(init.servers ?? {}, trace, init.workDir),
    maxValueBytes: init.byteLimits.maxValueBytes,
  };

  // A thread whose program traces loops of many events: the trace's methods are run until optimised first (see trace-warmup.ts).
  if (init.warmTrace) warmTracePath();
  channel.post({ type: 'started', pid: process.pid, ppid: process.ppid, threadId, t: trace.now() });
  trace.emit('actor', 'B', { kind: init.actor.kind, pid: process.pid, ppid: process.ppid, threadId });
  let error: string | null = null;
  try {
    // A thread or process actor has its thread to itself: steps that complete at once run back to back.
    const interpreter = new Interpreter(services, init.spec.functions ?? {}, { ownThread: true });
    if (init.pool !== undefined) await interpreter.servePool(init.pool);
    else await interpreter.run(init.spec.actors.find((a) => a.name === init.actor.group)!.program);
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  await services.net.closeAll();
  trace.emit('actor', 'E', { ok: error === null, ...(error ? { error } : {}) });
  trace.flush();
  channel.post({ type: 'done', ok: error === null, error, emitted: trace.emitted, dropped: trace.dropped, t: trace.now(), usage: currentUsage() });
  channel.finish(0);
}
