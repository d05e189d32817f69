import { mkdirSync } from 'node:fs';
import { runMessage } from '../../model/run-wording';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import type { ActorHandle, ActorHosts } from '../actors/hosts';
import { ActorFailure, blockThread, Interpreter, type ActorServices } from '../actors/interpreter';
import { serializeError, type ActorIdentity, type ActorToRunner, type ActorUsage, type BrokerRequest } from '../actors/protocol';
import { assertNever } from '../../model/assert-never';
import { WordVars } from '../actors/var-access';
import type { ActorExitReason, ActorRecord, DeadlockReport, RunStatus, TrialRecord } from '../../model/run-model';
import {
  BATCH_OVERHEAD_BYTES,
  BYTE_LIMITS,
  ByteLimitError,
  formatBytes,
  ITEM_OVERHEAD_BYTES,
  jsonBytes,
  limitExceeded,
  poolSize,
  type ByteLimit,
  type EffectiveLimits,
} from '../spec/limits';
import type { ActorSpec, Spec } from '../../model/spec-schema';
import { setOwnValue } from '../spec/own-names';
import { runFolderDir } from '../run-folder';
import { PrimitiveAccess } from '../sync/primitive-access';
import { ACTOR_BATCHES_OUT, ACTOR_EVENTS_EMITTED, ACTOR_TRACE_HOLD, actorWord, buildLayout, createSharedMemory, type SharedLayout } from '../sync/shared-layout';
import { TraceBuffer, type BatchInfo } from '../trace/trace-buffer';
import { tracedLoopEvents, WARM_FROM_EVENTS } from '../trace/trace-warmup';
import type { EventBatch } from '../../model/trace-event';
import { BrokerQueue } from './broker-queue';
import { PoolScheduler, type FutureOutcome } from './pool-scheduler';
import { NetClients, type ServerAddress } from '../actors/net-clients';
import type { ProcessServer } from '../../net/index';
import { DeadlockDetector, describeCycle } from './deadlock';
import { groupWatchdog } from './group-watchdog';
import { analyzeTrial, TrialEvents } from './trial-analysis';
import type { EventQuery } from '../claims/evaluate';

/**
 * One trial of an experiment: starts the actors on their real mechanisms, serves their broker
 * requests, enforces limits, detects deadlock, ends on completion, failure, deadlock, timeout or
 * cancel, and leaves nothing running behind it.
 *
 * End of a trial: when the main program has ended (at once, without one), running daemons are
 * stopped and non-daemons are awaited; the trial ends when none is left. The first actor to fail
 * ends the trial as failed (the others are stopped), so a failure is never buried under a hang.
 *
 * Memory: event batches are not kept: each goes on to `onBatch` (the store, live views) as it arrives,
 * and only what the analysis and the claims read is taken from it (TrialEvents). The byte limits are
 * checked as each value arrives — event batches recorded (maxEventBytes), records among them, which
 * the trial keeps (maxRecordBytes), managed state (maxManagedBytes) and queue items with pool tasks
 * and results (maxQueueBytes). The actor whose value would go over is
 * stopped and the trial fails naming the limit and the actor; what was received before stays.
 */

/** What every runtime's trial is given: which trial of which run, the spec and its limits, where, and to whom events go. */
export interface TrialBaseOptions {
  readonly runId: string;
  readonly index: number;
  readonly warmup: boolean;
  readonly spec: Spec;
  readonly limits: EffectiveLimits;
  readonly workDir: string;
  readonly signal?: AbortSignal | undefined;
  readonly onBatch?: ((batch: EventBatch) => void) | undefined;
  /** The event quantities the trial's claims read: followed as the events pass (see TrialEvents). */
  readonly eventQueries?: readonly EventQuery[] | undefined;
}

export interface TrialOptions extends TrialBaseOptions {
  readonly hosts: ActorHosts;
  /** How often the wait-for graph is sampled; a deadlock is confirmed on the second sample. */
  readonly deadlockSampleMs?: number | undefined;
  /** CPUs of this machine: the default size of pools. */
  readonly cpuCount?: number | undefined;
  /**
   * Bytes of batches handed to `onBatch` and not yet taken further (stored, relayed). Above
   * BACKLOG_HOLD_BYTES thread actors wait after their next batch until it is under BACKLOG_RESUME_BYTES:
   * a thread that traces faster than the store writes cannot pile its events up in the runner.
   */
  readonly backlog?: (() => number) | undefined;
}

export interface TrialOutcome {
  readonly record: TrialRecord;
  /** What the trial's events say for its claims (the batches themselves went to onBatch and were not kept). */
  readonly events: TrialEvents;
}

type InstanceState = 'pending' | 'running' | 'ended';

interface Instance {
  readonly identity: ActorIdentity;
  readonly spec: ActorSpec;
  state: InstanceState;
  handle: ActorHandle | null;
  abort: AbortController | null;
  requestedNs: number | null;
  startedNs: number | null;
  endedNs: number | null;
  pid: number | null;
  ppid: number | null;
  threadId: number | null;
  exit: ActorExitReason;
  /** Set when the runner decided how the actor ends (stopped, terminated) before it actually exits. */
  stopReason: ActorExitReason | null;
  error: string | null;
  doneReported: boolean;
  emitted: number;
  /** An actor on the runner's loop: its trace, which counts what it recorded (its emitted count). */
  trace: TraceBuffer | null;
  received: number;
  dropped: number;
  /** Events that arrived after a byte limit was reached and were not kept. */
  refused: number;
  usage: ActorUsage | null;
  ended: Promise<void>;
  markEnded: () => void;
  brokerPrims: PrimitiveAccess | null;
  /** For a pool worker: the pool it serves. */
  readonly pool: string | null;
  /** A thread whose program traces many events in loops: it warms its trace before it starts (see trace-warmup.ts). */
  readonly warmTrace: boolean;
  /** Sockets of an actor that runs on the runner's loop, closed when it ends. */
  net: NetClients | null;
}

interface PoolRuntime {
  readonly scheduler: PoolScheduler;
  readonly workers: readonly Instance[];
  readonly callbacks: Instance;
  started: boolean;
  callbackChain: Promise<void>;
  callbackInterpreter: Interpreter | null;
  callbackTrace: TraceBuffer | null;
}

const STOP_GRACE_MS = 150;
export const BACKLOG_HOLD_BYTES = 8 * 1024 * 1024;
export const BACKLOG_RESUME_BYTES = 2 * 1024 * 1024;
const BACKLOG_POLL_MS = 5;
/** A new element or key of a managed array or object costs this beyond its JSON (its slot, its key's string). */
const MANAGED_SLOT_BYTES = 16;

export class Trial {
  private readonly startNs = process.hrtime.bigint();
  private readonly layout: SharedLayout;
  private readonly memory: Int32Array;
  private readonly instances: Instance[] = [];
  private readonly byGroup = new Map<string, Instance[]>();
  private readonly queues = new Map<string, BrokerQueue>();
  private readonly managed = new Map<string, unknown>();
  private readonly pools = new Map<string, PoolRuntime>();
  private readonly servers = new Map<string, ProcessServer>();
  private readonly serverAddresses: Record<string, ServerAddress> = {};
  private readonly serverMetrics: Record<string, number> = {};
  private readonly events: TrialEvents;
  private readonly eventBudget: number;
  /** Bytes held per byte limit (managed and queue bytes go up and down; events and records only up). */
  private eventBytes = 0;
  private recordBytes = 0;
  private managedBytes = 0;
  /** Once events or records went over their limit, further batches (of records) are refused. */
  private eventsFull = false;
  private recordsFull = false;
  private status: RunStatus | null = null;
  private failure: string | null = null;
  private deadlock: DeadlockReport | null = null;
  private daemonsStopped = false;
  private mainEnded: boolean;
  private finished!: () => void;
  private readonly finishedPromise = new Promise<void>((resolve) => (this.finished = resolve));
  private endNs: number | null = null;
  /** While thread actors are held (their trace hold word set), the timer that lets them go on. */
  private holdTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: TrialOptions) {
    const { spec } = options;
    let id = 0;
    const addGroup = (actor: ActorSpec, pool: string | null): Instance[] => {
      const count = actor.count ?? 1;
      // Decided once for the group, here, not by each of its threads as it starts.
      const warmTrace = actor.kind === 'thread' && pool === null && tracedLoopEvents(actor.program) >= WARM_FROM_EVENTS;
      const group: Instance[] = [];
      for (let index = 0; index < count; index++) {
        let markEnded!: () => void;
        const ended = new Promise<void>((resolve) => (markEnded = resolve));
        const instance: Instance = {
          identity: { id: id++, name: count === 1 ? actor.name : `${actor.name}-${index}`, group: actor.name, index, kind: actor.kind, daemon: actor.daemon ?? false },
          spec: actor,
          state: 'pending',
          handle: null,
          abort: null,
          requestedNs: null,
          startedNs: null,
          endedNs: null,
          pid: null,
          ppid: null,
          threadId: null,
          exit: 'never-started',
          stopReason: null,
          error: null,
          doneReported: false,
          emitted: 0,
          trace: null,
          received: 0,
          dropped: 0,
          refused: 0,
          usage: null,
          ended,
          markEnded,
          brokerPrims: null,
          pool,
          warmTrace,
          net: null,
        };
        group.push(instance);
        this.instances.push(instance);
      }
      this.byGroup.set(actor.name, group);
      return group;
    };
    for (const actor of spec.actors) addGroup(actor, null);
    // A pool is real actors: `size` daemon workers named after it, and a lane where its callbacks run.
    for (const [name, pool] of Object.entries(spec.pools ?? {})) {
      const size = poolSize(pool, options.cpuCount ?? availableParallelism());
      const workers = addGroup({ name, kind: pool.kind, count: size, daemon: true, autostart: false, program: [] }, name);
      const [callbacks] = addGroup({ name: `${name}-callbacks`, kind: 'task', count: 1, daemon: true, autostart: false, program: [] }, null);
      const scheduler = new PoolScheduler(name, size, (callback, outcome) => this.runCallback(name, callback, outcome));
      this.pools.set(name, { scheduler, workers, callbacks: callbacks!, started: false, callbackChain: Promise.resolve(), callbackInterpreter: null, callbackTrace: null });
    }
    this.events = new TrialEvents(options.eventQueries ?? [], new Map(this.instances.map((i) => [i.identity.name, i.identity.group])));
    this.layout = buildLayout(spec, this.instances.length);
    this.memory = createSharedMemory(spec, this.layout);
    for (const [name, def] of Object.entries(spec.queues ?? {})) this.queues.set(name, new BrokerQueue(name, def));
    for (const [name, def] of Object.entries(spec.shared ?? {})) {
      if (def.scope === 'managed') {
        this.managed.set(name, structuredClone(def.initial));
        this.managedBytes += jsonBytes(def.initial);
      }
    }
    this.eventBudget = Math.max(1_000, Math.floor(options.limits.maxEvents / Math.max(1, this.instances.length)));
    this.mainEnded = !spec.actors.some((actor) => actor.kind === 'main');
  }

  private now(): number {
    return Number(process.hrtime.bigint() - this.startNs);
  }

  async run(): Promise<TrialOutcome> {
    mkdirSync(this.options.workDir, { recursive: true });
    const startedAt = new Date().toISOString();
    const cpuBefore = process.cpuUsage();
    const { signal } = this.options;
    const onAbort = (): void => this.finish('cancelled', runMessage('cancelled'));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const wallTimer = setTimeout(() => this.finish('timed-out', runMessage('wall-time', { ms: this.options.limits.wallTimeMs })), this.options.limits.wallTimeMs);
    const detector = new DeadlockDetector(this.memory, this.layout, this.instances.map((i) => i.identity.name), (id) => this.instances[id]?.state === 'running');
    const deadlockTimer = setInterval(() => {
      const cycle = detector.sample();
      if (cycle) {
        this.deadlock = { detectedAtMs: this.now() / 1e6, cycle, description: describeCycle(cycle) };
        this.finish('deadlocked', this.deadlock.description);
      }
    }, this.options.deadlockSampleMs ?? 200);

    try {
      await this.startServers();
      if (this.status === null) {
        for (const instance of this.instances) {
          if (instance.spec.kind === 'main') this.start(instance);
        }
        for (const instance of this.instances) {
          if (instance.spec.kind !== 'main' && instance.spec.autostart !== false && this.status === null) this.start(instance);
        }
        this.checkEnd();
      }
      await this.finishedPromise;
    } finally {
      clearTimeout(wallTimer);
      clearInterval(deadlockTimer);
      signal?.removeEventListener('abort', onAbort);
      await this.teardown();
    }
    const cpu = process.cpuUsage(cpuBefore);
    return this.outcome(startedAt, cpu);
  }

  /** Ends the trial (idempotent): the first reason wins. */
  private finish(status: RunStatus, detail: string | null): void {
    if (this.status !== null) return;
    // A synchronous compute on the runner's loop can hold back the wall timer past the limit: a trial
    // that ran longer than its limit is timed out, however it reached its end.
    const { wallTimeMs } = this.options.limits;
    if (status === 'ok' && this.now() / 1e6 > wallTimeMs) {
      status = 'timed-out';
      detail = runMessage('wall-time', { ms: wallTimeMs });
    }
    this.status = status;
    this.failure = detail;
    this.endNs = this.now();
    // Held threads go on: a stopped one must see its stop, a finishing one hand on its last events.
    this.releaseThreads();
    this.finished();
  }

  private start(instance: Instance): void {
    instance.state = 'running';
    instance.requestedNs = this.now();
    const { kind } = instance.identity;
    if (kind === 'task' || kind === 'main') {
      this.startInRunner(instance);
      return;
    }
    const init = {
      runId: this.options.runId,
      trial: this.options.index,
      runStartNs: this.startNs.toString(),
      spec: this.options.spec,
      actor: instance.identity,
      actorCount: this.instances.length,
      workDir: this.options.workDir,
      eventBudget: this.eventBudget,
      byteLimits: this.byteLimits(),
      runnerPid: process.pid,
      ...(instance.pool !== null ? { pool: instance.pool } : {}),
      servers: this.serverAddresses,
      ...(kind === 'thread'
        ? { memory: this.memory.buffer as SharedArrayBuffer, batchesOutWord: actorWord(this.layout, instance.identity.id, ACTOR_BATCHES_OUT), ...(instance.warmTrace ? { warmTrace: true } : {}) }
        : { privateWords: Array.from(this.memory.subarray(0, this.layout.actorTableOffset)) }),
    };
    try {
      const handle = this.options.hosts[kind].start(init, (message) => this.onActorMessage(instance, message), { memoryMb: this.options.limits.memoryMbPerActor });
      instance.handle = handle;
      instance.pid = handle.pid;
      void handle.exited.then((exit) => this.onActorExit(instance, exit.code, exit.signal, exit.error));
    } catch (error) {
      instance.error = runMessage('start-failed', { actor: instance.identity.name, error: (error as Error).message });
      this.endInstance(instance, 'failed');
    }
  }

  /** What an actor running on the runner's own loop (a task, main, a pool's callbacks) works with. */
  private runnerServices(instance: Instance): { services: ActorServices; trace: TraceBuffer; isAborted: () => boolean } {
    const abort = new AbortController();
    instance.abort = abort;
    instance.pid = process.pid;
    instance.ppid = process.ppid;
    instance.threadId = threadId;
    const trace = new TraceBuffer({
      actor: instance.identity.name,
      trial: this.options.index,
      runStartNs: this.startNs,
      budget: this.eventBudget,
      limits: this.options.limits,
      sink: (batch, info) => this.receiveBatch(instance, batch, info),
    });
    instance.trace = trace;
    const isAborted = (): boolean => abort.signal.aborted;
    const call = (request: BrokerRequest): Promise<unknown> => {
      if (isAborted()) return Promise.reject(new ActorFailure('stopped'));
      trace.flush();
      return this.handleRequest(instance, request);
    };
    const services: ActorServices = {
      self: { ...instance.identity, pid: process.pid, ppid: process.ppid, threadId },
      trace,
      prims: new PrimitiveAccess(this.memory, this.layout, instance.identity.id, 'awaiting', () => trace.flush(), isAborted),
      vars: new WordVars(this.memory, this.layout, call),
      workDir: this.options.workDir,
      call,
      block: blockThread,
      sleep: (ms) => sleepFor(ms, undefined, { signal: abort.signal }),
      net: new NetClients(this.serverAddresses, trace, this.options.workDir),
      maxValueBytes: this.options.limits.maxValueBytes,
    };
    instance.net = services.net;
    return { services, trace, isAborted };
  }

  private startInRunner(instance: Instance): void {
    const { services, trace, isAborted } = this.runnerServices(instance);
    instance.startedNs = this.now();
    trace.emit('actor', 'B', { kind: instance.identity.kind, pid: process.pid, ppid: process.ppid, threadId });
    // Start on a later turn of the loop (a macrotask), as a new task does: the starter goes on with its
    // next steps first, until it waits for something. A microtask would run before the starter resumes.
    void new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => new Interpreter(services, this.options.spec.functions ?? {}).run(instance.spec.program))
      .then(
        () => null,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      )
      .then((error) => {
        if (!isAborted()) trace.emit('actor', 'E', { ok: error === null, ...(error ? { error } : {}) });
        trace.flush();
        instance.doneReported = true;
        if (isAborted()) return this.endInstance(instance, instance.stopReason ?? 'cancelled');
        instance.error = error;
        this.endInstance(instance, error === null ? 'completed' : 'failed');
      });
  }

  private pool(name: string): PoolRuntime {
    const pool = this.pools.get(name);
    if (!pool) throw new ActorFailure(`no pool named ${name}`);
    return pool;
  }

  /** Pools start their workers at the first submission, as a process pool forks at creation. */
  private ensurePoolStarted(pool: PoolRuntime): void {
    if (pool.started) return;
    if (this.status !== null) throw new ActorFailure('the trial is ending');
    pool.started = true;
    const lane = pool.callbacks;
    lane.state = 'running';
    lane.requestedNs = this.now();
    const { services, trace } = this.runnerServices(lane);
    lane.startedNs = this.now();
    trace.emit('actor', 'B', { kind: 'task', pid: process.pid, ppid: process.ppid, threadId, role: 'pool callbacks' });
    pool.callbackInterpreter = new Interpreter(services, this.options.spec.functions ?? {});
    pool.callbackTrace = trace;
    for (const worker of pool.workers) this.start(worker);
  }

  /** Callbacks run one after another on the runner, in the order their tasks finished. */
  private runCallback(poolName: string, callback: string, outcome: FutureOutcome): void {
    const pool = this.pools.get(poolName)!;
    const lane = pool.callbacks;
    pool.callbackChain = pool.callbackChain.then(async () => {
      const interpreter = pool.callbackInterpreter;
      const trace = pool.callbackTrace;
      if (!interpreter || !trace || lane.state !== 'running' || lane.abort?.signal.aborted) return;
      trace.emit('callback', 'B', { callback, future: outcome.id });
      try {
        await interpreter.runFunction(callback, outcome.value, { future: { ...outcome } });
        trace.emit('callback', 'E', { callback, future: outcome.id, ok: true });
      } catch (error) {
        trace.emit('callback', 'E', { callback, future: outcome.id, ok: false });
        lane.error = runMessage('callback-failed', { callback, id: outcome.id, error: (error as Error).message });
        trace.flush();
        this.endInstance(lane, 'failed');
      }
      trace.flush();
    });
  }

  private async shutdownPool(pool: PoolRuntime, wait: boolean): Promise<void> {
    await pool.scheduler.shutdown(wait);
    if (!wait) return;
    await Promise.all(pool.workers.filter((w) => w.state !== 'pending').map((w) => w.ended));
    await pool.callbackChain;
    if (pool.callbacks.state === 'running') {
      pool.callbackTrace?.emit('actor', 'E', { ok: true });
      pool.callbackTrace?.flush();
      pool.callbacks.doneReported = true;
      this.endInstance(pool.callbacks, 'completed');
    }
  }

  /** The spec's servers, each in its own process, listening before any actor starts. */
  private async startServers(): Promise<void> {
    const entries = Object.entries(this.options.spec.servers ?? {});
    if (entries.length === 0) return;
    const net = await import('../../net/index');
    for (const [name, config] of entries) {
      if (this.status !== null) return;
      try {
        const server = await net.startServerProcess(await this.inRunFolder(config));
        // A server leads its own process group (its per-connection children are in it): should the
        // runner die, the watchdog ends it too. Until here its own loop notices the runner's death.
        groupWatchdog.watch(server.pid);
        this.servers.set(name, server);
        setOwnValue(this.serverAddresses, name, { host: server.address.host as ServerAddress['host'], port: server.address.port, protocol: config.protocol });
      } catch (error) {
        this.finish('failed', runMessage('server-start-failed', { server: name, error: (error as Error).message }));
        return;
      }
    }
  }

  /**
   * A server as it runs: a file-receive server's saveDir (relative in the spec) becomes its folder
   * inside this trial's folder, created and checked part by part (no symbolic link on the way).
   */
  private async inRunFolder(config: NonNullable<Spec['servers']>[string]): Promise<NonNullable<Spec['servers']>[string]> {
    const { handler } = config;
    if (handler.kind !== 'file-receive' || handler.saveDir === undefined) return config;
    return { ...config, handler: { ...handler, saveDir: await runFolderDir(this.options.workDir, handler.saveDir) } };
  }

  /** Stops every server (its port is free again afterwards) and keeps its figures as trial metrics. */
  private async stopServers(): Promise<void> {
    await Promise.all(
      [...this.servers].map(async ([name, server]) => {
        let metrics: Awaited<ReturnType<ProcessServer['metrics']>> | null = null;
        try {
          metrics = await server.metrics();
        } catch {
          // a server that crashed has no figures to give; its stop result says why
        }
        const result = await server.stop();
        groupWatchdog.forget(server.pid);
        const m = metrics ?? result.metrics;
        Object.assign(this.serverMetrics, {
          [`server.${name}.port`]: server.address.port,
          [`server.${name}.connectionsAccepted`]: m.connectionsAccepted,
          [`server.${name}.maxConcurrentConnections`]: m.maxConcurrentConnections,
          [`server.${name}.requests`]: m.requests,
          [`server.${name}.bytesIn`]: m.bytesIn,
          [`server.${name}.bytesOut`]: m.bytesOut,
          [`server.${name}.cpuMs`]: m.cpu.userMs + m.cpu.systemMs,
          [`server.${name}.threadsUsed`]: m.threadsUsed,
          [`server.${name}.processesUsed`]: m.processesUsed,
          ...(server.config.handler.kind === 'file-receive' ? { [`server.${name}.filesRefused`]: m.filesRefused } : {}),
        });
      }),
    );
    this.servers.clear();
  }

  private byteLimits(): Pick<EffectiveLimits, ByteLimit> {
    const limits = this.options.limits;
    return Object.fromEntries(BYTE_LIMITS.map((key) => [key, limits[key]])) as Record<ByteLimit, number>;
  }

  /**
   * An actor went over a byte limit: the trial fails with that as its error (unless it already ended
   * for another reason) and the actor is stopped; teardown stops the rest as for any failure.
   */
  private overLimit(instance: Instance, message: string): void {
    this.finish('failed', message);
    if (instance.state !== 'running') return;
    instance.error ??= message;
    void this.stop(instance, 'failed');
  }

  private receiveBatch(instance: Instance, batch: EventBatch, info: BatchInfo): void {
    instance.received += batch.count;
    const { maxEventBytes, maxRecordBytes } = this.options.limits;
    if (this.eventsFull || (this.recordsFull && info.recordBytes > 0)) {
      instance.refused += batch.count;
      return;
    }
    const bytes = batch.payload.length + BATCH_OVERHEAD_BYTES;
    if (this.eventBytes + bytes > maxEventBytes) {
      this.eventsFull = true;
      instance.refused += batch.count;
      this.overLimit(instance, limitExceeded(instance.identity.name, 'maxEventBytes', maxEventBytes, runMessage('where-event-batch', { size: formatBytes(bytes), held: formatBytes(this.eventBytes) })));
      return;
    }
    if (this.recordBytes + info.recordBytes > maxRecordBytes) {
      this.recordsFull = true;
      instance.refused += batch.count;
      this.overLimit(instance, limitExceeded(instance.identity.name, 'maxRecordBytes', maxRecordBytes, runMessage('where-record-batch', { size: formatBytes(info.recordBytes), held: formatBytes(this.recordBytes) })));
      return;
    }
    this.eventBytes += bytes;
    this.recordBytes += info.recordBytes;
    this.events.add(batch);
    this.options.onBatch?.(batch);
    if (this.holdTimer === null && this.status === null && this.options.backlog && this.options.backlog() > BACKLOG_HOLD_BYTES) this.holdThreads();
  }

  /** Sets every thread actor's trace hold until the backlog is down again (or the trial ends). */
  private holdThreads(): void {
    const backlog = this.options.backlog!;
    this.setTraceHold(1);
    this.holdTimer = setInterval(() => {
      if (this.status === null && backlog() > BACKLOG_RESUME_BYTES) return;
      this.releaseThreads();
    }, BACKLOG_POLL_MS);
  }

  private releaseThreads(): void {
    if (this.holdTimer === null) return;
    clearInterval(this.holdTimer);
    this.holdTimer = null;
    this.setTraceHold(0);
  }

  private setTraceHold(value: 0 | 1): void {
    for (const instance of this.instances) {
      if (instance.identity.kind !== 'thread') continue;
      const word = actorWord(this.layout, instance.identity.id, ACTOR_TRACE_HOLD);
      Atomics.store(this.memory, word, value);
      if (value === 0) Atomics.notify(this.memory, word);
    }
  }

  private onActorMessage(instance: Instance, message: ActorToRunner): void {
    switch (message.type) {
      case 'started':
        instance.startedNs = message.t;
        instance.pid = message.pid;
        instance.ppid = message.ppid;
        instance.threadId = message.threadId;
        return;
      case 'events':
        this.receiveBatch(instance, message.batch, { recordBytes: message.recordBytes });
        return;
      case 'call':
        this.handleRequest(instance, message.request).then(
          (value) => instance.handle?.post({ type: 'reply', id: message.id, ok: true, value: value ?? null }),
          (error: unknown) => instance.handle?.post({ type: 'reply', id: message.id, ok: false, error: serializeError(error) }),
        );
        return;
      case 'done':
        instance.doneReported = true;
        instance.emitted = message.emitted;
        instance.dropped = message.dropped;
        instance.endedNs = message.t;
        instance.usage = message.usage;
        if (!message.ok && instance.stopReason === null) instance.error = message.error;
        return;
      default:
        assertNever(message);
    }
  }

  private onActorExit(instance: Instance, code: number | null, signal: string | null, hostError: string | null): void {
    if (instance.state === 'ended') return;
    if (instance.stopReason) return this.endInstance(instance, instance.stopReason);
    if (!instance.doneReported) {
      instance.error = hostError ?? runMessage('exited-early', { actor: instance.identity.name, code: String(code), signal: String(signal) });
      return this.endInstance(instance, 'failed');
    }
    this.endInstance(instance, instance.error ? 'failed' : 'completed');
  }

  private endInstance(instance: Instance, exit: ActorExitReason): void {
    if (instance.state === 'ended') return;
    instance.state = 'ended';
    if (instance.net) void instance.net.closeAll();
    instance.exit = exit;
    instance.endedNs ??= this.now();
    if (instance.identity.kind === 'thread' && !instance.doneReported) {
      // A thread ended from outside still counted every event it emitted in shared memory.
      instance.emitted = Atomics.load(this.memory, actorWord(this.layout, instance.identity.id, ACTOR_EVENTS_EMITTED));
    }
    instance.markEnded();
    if (exit === 'failed' && this.status === null) {
      const error = instance.error ?? runMessage('unknown-error');
      // A byte limit's refusal already names the actor ("actor w exceeded limits.…"): it is the trial's error as it is.
      this.finish('failed', error.startsWith(`actor ${instance.identity.name} exceeded limits.`) ? error : runMessage('actor-failed', { actor: instance.identity.name, error }));
      return;
    }
    if (instance.spec.kind === 'main') this.mainEnded = true;
    this.checkEnd();
  }

  private checkEnd(): void {
    if (this.status !== null || !this.mainEnded) return;
    if (!this.daemonsStopped) {
      const nonDaemonsLeft = this.instances.some((i) => i.state === 'running' && !i.identity.daemon);
      if (!nonDaemonsLeft) {
        this.daemonsStopped = true;
        for (const instance of this.instances) {
          if (instance.state === 'running' && instance.identity.daemon) void this.stop(instance, 'daemon-stopped');
        }
      }
    }
    if (this.instances.every((i) => i.state !== 'running' || i.identity.daemon)) this.finish('ok', null);
  }

  /** Stops one actor: a polite stop for processes (they flush their events), then its process group is killed. */
  private async stop(instance: Instance, reason: ActorExitReason): Promise<void> {
    if (instance.state !== 'running') return;
    instance.stopReason ??= reason;
    const { kind } = instance.identity;
    if (kind === 'task' || kind === 'main') {
      instance.abort?.abort();
      return;
    }
    const handle = instance.handle;
    if (!handle) return this.endInstance(instance, reason);
    if (kind === 'process' || kind === 'utility') {
      handle.post({ type: 'stop' });
      const exited = await Promise.race([handle.exited.then(() => true), sleepFor(STOP_GRACE_MS).then(() => false)]);
      if (exited) return;
    }
    await handle.kill();
  }

  private async teardown(): Promise<void> {
    const reason: ActorExitReason =
      this.status === 'cancelled' ? 'cancelled' : this.status === 'timed-out' ? 'timed-out' : this.status === 'deadlocked' ? 'deadlocked' : 'daemon-stopped';
    for (const queue of this.queues.values()) queue.close();
    await Promise.all(this.instances.filter((i) => i.state === 'running').map((i) => this.stop(i, i.identity.daemon && this.status === 'ok' ? 'daemon-stopped' : reason)));
    // Wake every awaiting wait so that stopped tasks observe their abort and settle.
    for (let index = 0; index < this.memory.length; index++) Atomics.notify(this.memory, index);
    const settled = Promise.all(this.instances.filter((i) => i.state === 'running' && i.handle).map((i) => i.ended));
    await Promise.race([settled, sleepFor(1_000)]);
    for (const instance of this.instances) {
      if (instance.state === 'running') this.endInstance(instance, instance.stopReason ?? reason);
    }
    // Whatever a process actor left in its process group (children it started) ends with the trial.
    await Promise.all(this.instances.filter((i) => (i.identity.kind === 'process' || i.identity.kind === 'utility') && i.handle).map((i) => i.handle!.kill()));
    await this.stopServers();
  }

  private select(group: string, index: number | undefined): Instance[] {
    const instances = this.byGroup.get(group);
    if (!instances) throw new ActorFailure(`no actor named ${group}`);
    if (index === undefined) return instances;
    const one = instances[index];
    if (!one) throw new ActorFailure(`actor ${group} has no instance ${index}`);
    return [one];
  }

  private queue(name: string): BrokerQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new ActorFailure(`no queue named ${name}`);
    return queue;
  }

  private brokerPrims(instance: Instance): PrimitiveAccess {
    instance.brokerPrims ??= new PrimitiveAccess(this.memory, this.layout, instance.identity.id, 'awaiting', () => {}, () => instance.state !== 'running' || this.status !== null);
    return instance.brokerPrims;
  }

  private managedKey(name: string, index: unknown): { container: Record<string, unknown> | unknown[] | null; key: string | number | null } {
    if (!this.managed.has(name)) throw new ActorFailure(`no shared variable named ${name}`);
    if (index === undefined) return { container: null, key: null };
    const value = this.managed.get(name);
    if (Array.isArray(value)) {
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > value.length) throw new ActorFailure(`index ${JSON.stringify(index)} is outside ${name}`);
      return { container: value, key: index };
    }
    if (value !== null && typeof value === 'object') {
      if (typeof index !== 'string' && typeof index !== 'number') throw new ActorFailure(`key ${JSON.stringify(index)} of ${name} must be a string or number`);
      return { container: value as Record<string, unknown>, key: String(index) };
    }
    throw new ActorFailure(`${name} holds a single value, not an array or object`);
  }

  /** The broker: requests from any actor kind, answered by the runner. Errors become the actor's failure. */
  async handleRequest(instance: Instance, request: BrokerRequest): Promise<unknown> {
    switch (request.type) {
      case 'queue.put': {
        const queue = this.queue(request.queue);
        const bytes = jsonBytes(request.value, this.options.limits.maxQueueBytes);
        this.admit(instance, 'maxQueueBytes', this.queuedBytes() + bytes + ITEM_OVERHEAD_BYTES, runMessage('where-queue', { queue: request.queue }));
        return queue.put(request.value, request.priority, request.blocking, request.timeoutMs, bytes);
      }
      case 'queue.get':
        return this.queue(request.queue).get(request.blocking, request.timeoutMs);
      case 'queue.task_done':
        try {
          this.queue(request.queue).taskDone();
        } catch (error) {
          throw new ActorFailure((error as Error).message);
        }
        return null;
      case 'queue.join':
        return this.queue(request.queue).join(request.timeoutMs);
      case 'actor.spawn': {
        const targets = this.select(request.group, request.index);
        for (const target of targets) {
          if (target.state !== 'pending') throw new ActorFailure(`${target.identity.name} was already started: an actor starts once`);
        }
        if (this.status !== null) throw new ActorFailure('the trial is ending');
        for (const target of targets) this.start(target);
        return targets.map((t) => t.identity.name);
      }
      case 'actor.join': {
        const targets = this.select(request.group, request.index);
        for (const target of targets) {
          if (target.state === 'pending') throw new ActorFailure(`cannot join ${target.identity.name}: it was never started`);
          if (target === instance) throw new ActorFailure(`${instance.identity.name} cannot join itself`);
        }
        const all = Promise.all(targets.map((t) => t.ended)).then(() => true);
        if (request.timeoutMs === undefined) return all;
        return Promise.race([all, sleepFor(request.timeoutMs).then(() => false)]);
      }
      case 'actor.terminate': {
        // As with Python's terminate(), the call returns at once; the actor is gone shortly after.
        for (const target of this.select(request.group, request.index)) {
          if (target.state === 'running') {
            target.stopReason = 'terminated';
            if (target.handle) void target.handle.kill();
            else void this.stop(target, 'terminated');
          }
        }
        return null;
      }
      case 'actor.is_alive':
        return this.select(request.group, request.index).some((t) => t.state === 'running');
      case 'pool.submit': {
        const pool = this.pool(request.pool);
        const bytes = jsonBytes(request.arg, this.options.limits.maxQueueBytes);
        this.admit(instance, 'maxQueueBytes', this.queuedBytes() + bytes + ITEM_OVERHEAD_BYTES, runMessage('where-pool-submit', { pool: request.pool }));
        const future = pool.scheduler.submit(request.function, request.arg, request.callback, bytes);
        this.ensurePoolStarted(pool);
        return future;
      }
      case 'pool.map': {
        const pool = this.pool(request.pool);
        const sizes = request.args.map((arg) => jsonBytes(arg, this.options.limits.maxQueueBytes));
        const total = sizes.reduce((sum, bytes) => sum + bytes + ITEM_OVERHEAD_BYTES, 0);
        this.admit(instance, 'maxQueueBytes', this.queuedBytes() + total, runMessage('where-pool-map', { pool: request.pool }));
        const futures = request.args.map((arg, index) => pool.scheduler.submit(request.function, arg, undefined, sizes[index]));
        this.ensurePoolStarted(pool);
        return Promise.all(futures.map((future) => pool.scheduler.result(future, undefined)));
      }
      case 'pool.result': {
        const pool = [...this.pools.values()].find((p) => p.scheduler.owns(request.future));
        if (!pool) throw new ActorFailure(`no future ${request.future}`);
        return pool.scheduler.result(request.future, request.timeoutMs);
      }
      case 'pool.shutdown':
        await this.shutdownPool(this.pool(request.pool), request.wait);
        return null;
      case 'pool.next':
        if (instance.pool !== request.pool) throw new ActorFailure(`${instance.identity.name} is not a worker of pool ${request.pool}`);
        return this.pool(request.pool).scheduler.next();
      case 'pool.done': {
        const pool = this.pool(request.pool);
        const bytes = jsonBytes(request.value, this.options.limits.maxQueueBytes);
        // Results stay for `result` until the trial ends (the task's argument goes): counted while held.
        this.admit(instance, 'maxQueueBytes', this.queuedBytes() + bytes, runMessage('where-pool-result', { pool: request.pool }));
        pool.scheduler.done(request.task, request.ok, request.value, request.error, bytes);
        return null;
      }
      case 'actor.list':
        return this.instances.filter((t) => t.state === 'running' && (request.group === undefined || t.identity.group === request.group)).map((t) => t.identity.name);
      case 'managed.read': {
        const { container, key } = this.managedKey(request.name, request.index);
        const value = container === null ? this.managed.get(request.name) : managedEntry(container, key!);
        return value === undefined ? null : structuredClone(value);
      }
      case 'managed.write': {
        const { container, key } = this.managedKey(request.name, request.index);
        const old = container === null ? this.managed.get(request.name) : (container as Record<string | number, unknown>)[key!];
        this.chargeManaged(instance, request.name, key, old, request.value);
        if (container === null) this.managed.set(request.name, structuredClone(request.value));
        else setManagedEntry(container, key!, structuredClone(request.value));
        return null;
      }
      case 'managed.add': {
        const { container, key } = this.managedKey(request.name, request.index);
        const current = container === null ? this.managed.get(request.name) : managedEntry(container, key!);
        const base = current === undefined || current === null ? 0 : current;
        if (typeof base !== 'number') throw new ActorFailure(`cannot add to ${request.name}${key === null ? '' : `[${JSON.stringify(key)}]`}: it holds ${JSON.stringify(base)}`);
        const next = base + request.delta;
        this.chargeManaged(instance, request.name, key, current, next);
        if (container === null) this.managed.set(request.name, next);
        else setManagedEntry(container, key!, next);
        return next;
      }
      case 'prim.acquire':
        return this.brokerPrims(instance).acquire(request.prim, { blocking: request.blocking, timeoutMs: request.timeoutMs });
      case 'prim.release':
        this.brokerPrims(instance).release(request.prim);
        return null;
      case 'prim.wait':
        return this.brokerPrims(instance).wait(request.prim, request.timeoutMs);
      case 'prim.set':
        this.brokerPrims(instance).set(request.prim);
        return null;
      case 'prim.clear':
        this.brokerPrims(instance).clear(request.prim);
        return null;
      case 'prim.notify':
        this.brokerPrims(instance).notify(request.prim, request.count < 0 ? Infinity : request.count);
        return null;
      default:
        return assertNever(request, 'broker request');
    }
  }

  /** Bytes held for limits.maxQueueBytes: every queue's items and every pool's pending arguments and results. */
  private queuedBytes(): number {
    let held = 0;
    for (const queue of this.queues.values()) held += queue.bytes;
    for (const pool of this.pools.values()) held += pool.scheduler.bytes;
    return held;
  }

  /** Refuses what would take `limit` to `held` bytes: the actor is stopped and the trial fails. */
  private admit(instance: Instance, limit: ByteLimit, held: number, where: string): void {
    const allowed = this.options.limits[limit];
    if (held <= allowed) return;
    const message = limitExceeded(instance.identity.name, limit, allowed, where);
    this.overLimit(instance, message);
    throw new ByteLimitError(limit, message);
  }

  /**
   * Counts a managed write against maxManagedBytes before it is applied: the JSON length of the new value
   * less the old one's (a new key or element also adds its key and the slot's own overhead).
   */
  private chargeManaged(instance: Instance, name: string, key: string | number | null, old: unknown, value: unknown): void {
    const slot = old === undefined ? (typeof key === 'string' ? key.length : 0) + MANAGED_SLOT_BYTES : -jsonBytes(old);
    const delta = jsonBytes(value, this.options.limits.maxManagedBytes) + slot;
    if (delta > 0) this.admit(instance, 'maxManagedBytes', this.managedBytes + delta, runMessage('where-write', { name }));
    this.managedBytes += delta;
  }

  private finalShared(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, slot] of Object.entries(this.layout.vars)) {
      setOwnValue(out, name, slot.array ? Array.from(this.memory.subarray(slot.offset, slot.offset + slot.length)) : this.memory[slot.offset]);
    }
    for (const [name, value] of this.managed) setOwnValue(out, name, value);
    return out;
  }

  private outcome(startedAt: string, cpu: NodeJS.CpuUsage): TrialOutcome {
    const end = this.endNs ?? this.now();
    const actors: ActorRecord[] = this.instances.map((i) => ({
      name: i.identity.name,
      group: i.identity.group,
      kind: i.identity.kind,
      daemon: i.identity.daemon,
      pid: i.pid,
      threadId: i.threadId,
      ppid: i.ppid,
      requestedNs: i.requestedNs,
      startedNs: i.startedNs,
      endedNs: i.endedNs,
      spawnLatencyMs: i.requestedNs !== null && i.startedNs !== null ? (i.startedNs - i.requestedNs) / 1e6 : null,
      exit: i.exit,
      error: i.error,
      eventsEmitted: Math.max(i.trace?.emitted ?? i.emitted, i.received),
      eventsReceived: i.received,
      // Events that arrived after a byte limit was reached are counted as not recorded.
      eventsDropped: i.dropped + i.refused,
    }));
    const status = this.status ?? 'ok';
    const processUsage = this.instances.filter((i) => i.usage && (i.identity.kind === 'process' || i.identity.kind === 'utility')).map((i) => i.usage!);
    const record = analyzeTrial({
      index: this.options.index,
      warmup: this.options.warmup,
      status,
      startedAt,
      wallMs: end / 1e6,
      actors,
      events: this.events,
      finalShared: this.finalShared(),
      deadlock: this.deadlock,
      error: status === 'ok' ? null : this.failure,
      cpu: {
        userMs: (cpu.user + processUsage.reduce((sum, u) => sum + u.userUs, 0)) / 1_000,
        systemMs: (cpu.system + processUsage.reduce((sum, u) => sum + u.systemUs, 0)) / 1_000,
      },
      runnerPeakRssMb: process.resourceUsage().maxRSS / 1024,
      processPeakRssMb: processUsage.length ? Math.max(...processUsage.map((u) => u.maxRssKb)) / 1024 : 0,
      extraMetrics: Object.fromEntries([
        ...Object.entries(this.serverMetrics),
        ...[...this.pools.values()].flatMap(({ scheduler }) => [
          [`pool.${scheduler.name}.size`, scheduler.size],
          [`pool.${scheduler.name}.maxRunning`, scheduler.maxRunning],
          [`pool.${scheduler.name}.tasks`, scheduler.completed],
        ]),
      ]),
    });
    return { record, events: this.events };
  }
}

/** An entry of a managed list or object: own entries only (a key such as `constructor` is just a key). */
function managedEntry(container: Record<string, unknown> | unknown[], key: string | number): unknown {
  return Object.hasOwn(container, key) ? (container as Record<string | number, unknown>)[key] : undefined;
}

function setManagedEntry(container: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (Array.isArray(container)) container[key as number] = value;
  else setOwnValue(container, String(key), value);
}

export function trialWorkDir(root: string, runId: string, index: number): string {
  return join(root, runId, `trial-${index}`);
}
