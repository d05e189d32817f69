import { runMessage } from '../../model/run-wording';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { ActorExitReason, ActorKind, ActorRecord, DeadlockEdge, DeadlockReport, RunStatus, RuntimeInfo } from '../../model/run-model';
import { describeCycle } from '../runner/deadlock';
import type { EventBatch } from '../../model/trace-event';
import { groupWatchdog } from '../runner/group-watchdog';
import { RUN_MARKER_ENV } from '../runner/runner-protocol';
import { runnerHeapMb } from '../runner/runner-process';
import { analyzeTrial, TrialEvents } from '../runner/trial-analysis';
import { poolSize } from '../spec/limits';
import type { TrialBaseOptions, TrialOutcome } from '../runner/trial';
import { pythonEnv } from './python-discovery';

/**
 * One trial on CPython: the interpreter runs the whole trial (resources/python/conlab_runtime) in a
 * process group of its own, and this host turns its JSON lines into the engine's EventBatches, actor
 * records and trial record, so the store, the claims and the views cannot tell the runtimes apart
 * except by the run's `environment.runtime`.
 *
 * Lifetime: cancel and the wall limit kill the interpreter's whole process group at once (SIGKILL),
 * and the group is registered with the runner's group watchdog; the interpreter also exits by itself
 * when its stdin closes or its parent pid changes. Clock: both sides read CLOCK_MONOTONIC on Linux; a
 * handshake checks it and hands the interpreter the offset to apply where they differ.
 */

export interface CpythonTrialOptions extends TrialBaseOptions {
  readonly runtime: RuntimeInfo;
  /** The interpreter started (the leader of its own process group): the runner's guard learns about it. */
  readonly onProcessGroup?: ((pid: number) => void) | undefined;
  /** How long the interpreter may stay silent before it counts as stuck (default SILENCE_LIMIT_MS). */
  readonly silenceLimitMs?: number | undefined;
  /** CPUs of this machine: the default size of pools (as on the Node engine). */
  readonly cpuCount?: number | undefined;
}

export interface CpythonTrialOutcome extends TrialOutcome {
  /** The interpreter's pid and main thread: what `runner` means in a claim about a CPython trial. */
  readonly runnerPid: number | null;
  readonly runnerThreadId: number | null;
  readonly clockOffsetNs: number | null;
}

/** One line from the interpreter (only the fields this host reads). */
interface RuntimeLine {
  readonly type: string;
  readonly [key: string]: unknown;
}

interface ActorState {
  readonly name: string;
  readonly group: string;
  readonly kind: ActorKind;
  readonly daemon: boolean;
  pid: number | null;
  ppid: number | null;
  threadId: number | null;
  requestedNs: number | null;
  startedNs: number | null;
  endedNs: number | null;
  exit: ActorExitReason | null;
  error: string | null;
  emitted: number;
  received: number;
  dropped: number;
}

const MAX_LINE_BYTES = 64 * 1024 * 1024;
/**
 * The interpreter sends a line at least every second (a heartbeat, from its hello on): this much silence
 * means it is stuck (its output blocked, or it never booted), and the trial fails saying so at once
 * instead of waiting for the wall-time limit. Generous, for a heavily loaded machine.
 */
export const SILENCE_LIMIT_MS = 20_000;
const STDERR_KEEP = 4_096;
const EXIT_REASONS: ReadonlySet<string> = new Set<ActorExitReason>(['completed', 'failed', 'terminated', 'daemon-stopped', 'cancelled', 'timed-out', 'deadlocked', 'never-started']);

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export class CpythonTrial {
  private readonly startNs = process.hrtime.bigint();
  private readonly actors = new Map<string, ActorState>();
  private readonly events: TrialEvents;
  private child: ChildProcess | null = null;
  private status: RunStatus | null = null;
  private failure: string | null = null;
  private endNs: number | null = null;
  private result: RuntimeLine | null = null;
  private stderrTail = '';
  private handshakeSentNs = 0n;
  private clockOffsetNs: number | null = null;
  private runnerPid: number | null = null;
  private runnerThreadId: number | null = null;
  private bootMs: number | null = null;
  private deadlock: DeadlockReport | null = null;
  /** Each pool's worker count, sent to the interpreter so both sides name the same workers. */
  private readonly poolSizes: Record<string, number> = {};

  constructor(private readonly options: CpythonTrialOptions) {
    const addGroup = (actor: { name: string; kind: ActorKind; count?: number | undefined; daemon?: boolean | undefined }): void => {
      const count = actor.count ?? 1;
      for (let index = 0; index < count; index++) {
        const name = count === 1 ? actor.name : `${actor.name}-${index}`;
        this.actors.set(name, {
          name,
          group: actor.name,
          kind: actor.kind,
          daemon: actor.daemon ?? false,
          pid: null,
          ppid: null,
          threadId: null,
          requestedNs: null,
          startedNs: null,
          endedNs: null,
          exit: null,
          error: null,
          emitted: 0,
          received: 0,
          dropped: 0,
        });
      }
    };
    for (const actor of options.spec.actors) addGroup(actor);
    // A pool's workers are daemon actors named after it; a process pool's callbacks run on the
    // executor's result-handler thread, traced as the lane `<pool>-callbacks` (a thread pool's run on its workers).
    for (const [name, pool] of Object.entries(options.spec.pools ?? {})) {
      const size = poolSize(pool, options.cpuCount ?? availableParallelism());
      this.poolSizes[name] = size;
      addGroup({ name, kind: pool.kind, count: size, daemon: true });
      if (pool.kind === 'process') addGroup({ name: `${name}-callbacks`, kind: 'thread', daemon: true });
    }
    this.events = new TrialEvents(options.eventQueries ?? [], new Map([...this.actors.values()].map((a) => [a.name, a.group])));
  }

  /**
   * The interpreter's data-segment cap (RLIMIT_DATA, per process: each forked child has its own), in MB:
   * what the Node runner's heap may hold for the same limits, plus a thread stack per actor. A value that
   * grows past it fails its actor with a MemoryError instead of taking the machine's memory.
   */
  private memoryMb(): number {
    return runnerHeapMb(this.options.limits) + 16 * this.actors.size;
  }

  private now(): number {
    return Number(process.hrtime.bigint() - this.startNs);
  }

  async run(): Promise<CpythonTrialOutcome> {
    mkdirSync(this.options.workDir, { recursive: true });
    const startedAt = new Date().toISOString();
    const { signal, limits } = this.options;
    const eventBudget = Math.max(1_000, Math.floor(limits.maxEvents / Math.max(1, this.actors.size)));
    const child = spawn(this.options.runtime.path, ['-m', 'conlab_runtime'], {
      cwd: this.options.workDir,
      env: { ...pythonEnv(), [RUN_MARKER_ENV]: this.options.runId },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (error) => {
        this.finish('failed', runMessage('cpython-start-failed', { path: this.options.runtime.path, error: error.message }));
        resolve();
      });
    });
    if (child.pid !== undefined) {
      groupWatchdog.watch(child.pid);
      this.options.onProcessGroup?.(child.pid);
    }
    child.stdin!.on('error', () => {}); // EPIPE once it has exited: 'exit' says what happened
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEEP);
    });
    this.readLines(child);

    const onAbort = (): void => this.finish('cancelled', runMessage('cancelled'));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const wallTimer = setTimeout(() => this.finish('timed-out', runMessage('wall-time', { ms: limits.wallTimeMs })), limits.wallTimeMs);
    const silenceLimitMs = this.options.silenceLimitMs ?? SILENCE_LIMIT_MS;
    const onSilence = (): void => {
      const waitingFor = runMessage(this.runnerPid === null ? 'waiting-hello' : this.result === null ? 'waiting-line' : 'waiting-exit');
      const said = { ms: silenceLimitMs, waitingFor };
      this.finish('failed', this.stderrTail ? runMessage('cpython-silent-stderr', { ...said, stderr: lastLine(this.stderrTail) }) : runMessage('cpython-silent', said));
      this.killGroup();
    };
    let silenceTimer = setTimeout(onSilence, silenceLimitMs);
    child.stdout!.on('data', () => {
      clearTimeout(silenceTimer);
      silenceTimer = setTimeout(onSilence, silenceLimitMs);
    });

    this.handshakeSentNs = process.hrtime.bigint();
    child.stdin!.write(`${JSON.stringify({ type: 'trial', spec: this.options.spec, trial: this.options.index, originNs: this.startNs.toString(), eventBudget, poolSizes: this.poolSizes, memoryMb: this.memoryMb() })}\n`);
    try {
      await exited;
    } finally {
      clearTimeout(wallTimer);
      clearTimeout(silenceTimer);
      signal?.removeEventListener('abort', onAbort);
      child.stdin!.destroy();
      if (child.pid !== undefined) {
        this.killGroup();
        groupWatchdog.forget(child.pid);
      }
    }
    if (this.status === null) {
      if (this.result) this.finish(this.resultStatus(), str(this.result['error']));
      else {
        const exit = { code: String(child.exitCode), signal: String(child.signalCode) };
        this.finish('failed', this.stderrTail ? runMessage('cpython-exited-stderr', { ...exit, stderr: lastLine(this.stderrTail) }) : runMessage('cpython-exited', exit));
      }
    }
    return this.outcome(startedAt);
  }

  /** Ends the trial (idempotent; the first reason wins). Anything but a reported result kills the interpreter. */
  private finish(status: RunStatus, detail: string | null): void {
    if (this.status !== null) return;
    this.status = status;
    this.failure = detail;
    this.endNs = this.now();
    if (status === 'cancelled' || status === 'timed-out' || (status === 'failed' && this.result === null)) this.killGroup();
  }

  private killGroup(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is gone already, or this platform has no process groups (Windows): the interpreter at least.
      if (this.child?.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
  }

  private resultStatus(): RunStatus {
    const status = str(this.result?.['status']);
    return status === 'ok' || status === 'failed' || status === 'deadlocked' ? status : 'failed';
  }

  private readLines(child: ChildProcess): void {
    let pending = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        this.onLine(line);
        newline = pending.indexOf('\n');
      }
      if (pending.length > MAX_LINE_BYTES) {
        pending = '';
        this.finish('failed', runMessage('cpython-long-line', { bytes: MAX_LINE_BYTES }));
      }
    });
  }

  private onLine(text: string): void {
    if (text === '') return; // the runtime ends a line a killed process left unfinished with one
    let line: RuntimeLine;
    try {
      line = JSON.parse(text) as RuntimeLine;
    } catch {
      this.stderrTail = `${this.stderrTail}\n${text.slice(0, 200)}`.slice(-STDERR_KEEP);
      return;
    }
    const actor = typeof line['actor'] === 'string' ? this.actors.get(line['actor']) : undefined;
    switch (line.type) {
      case 'hello':
        return this.onHello(line);
      case 'batch':
        return this.onBatch(line['batch'] as EventBatch);
      case 'requested':
        if (actor) actor.requestedNs = num(line['t']);
        return;
      case 'started':
        if (!actor) return;
        actor.pid = num(line['pid']);
        actor.ppid = num(line['ppid']);
        actor.threadId = num(line['threadId']);
        actor.startedNs = num(line['t']);
        return;
      case 'done':
        if (!actor) return;
        actor.emitted = num(line['emitted']) ?? actor.emitted;
        actor.dropped = num(line['dropped']) ?? actor.dropped;
        if (line['ok'] === false && str(line['error']) !== 'stopped') actor.error = str(line['error']);
        return;
      case 'ended': {
        if (!actor) return;
        const exit = str(line['exit']);
        actor.exit = exit !== null && EXIT_REASONS.has(exit) ? (exit as ActorExitReason) : 'failed';
        actor.error ??= str(line['error']);
        actor.endedNs = num(line['t']);
        return;
      }
      case 'result':
        this.result = line;
        return;
      case 'alive':
        return;
      case 'deadlock':
        return this.onDeadlock(line);
      case 'refused':
        this.finish('failed', runMessage('cpython-refused', { error: str(line['message']) ?? 'no reason given' }));
        return;
      default:
        // A line this host does not know is a version mismatch between the two sides: say so once.
        this.stderrTail = `${this.stderrTail}\nunknown line type ${JSON.stringify(line.type)}`.slice(-STDERR_KEEP);
    }
  }

  private onHello(line: RuntimeLine): void {
    const receivedNs = process.hrtime.bigint();
    const theirs = num(line['monotonicNs']);
    this.runnerPid = num(line['pid']);
    this.runnerThreadId = num(line['threadId']);
    this.bootMs = Number(receivedNs - this.startNs) / 1e6;
    let offset = 0;
    if (theirs !== null) {
      // Their reading was taken between our send and our receipt: on one clock it lies inside that window.
      const sent = Number(this.handshakeSentNs);
      const received = Number(receivedNs);
      offset = theirs >= sent && theirs <= received ? 0 : Math.round(theirs - (sent + received) / 2);
    }
    this.clockOffsetNs = offset;
    this.child?.stdin?.write(`${JSON.stringify({ type: 'go', clockOffsetNs: offset })}\n`);
  }

  /** The interpreter's own detector saw a cycle of owned locks twice in a row (as the engine's does). */
  private onDeadlock(line: RuntimeLine): void {
    const raw = Array.isArray(line['cycle']) ? (line['cycle'] as unknown[]) : [];
    const cycle: DeadlockEdge[] = [];
    for (const edge of raw.slice(0, this.actors.size)) {
      const fields = (edge ?? {}) as Record<string, unknown>;
      const actor = str(fields['actor']);
      const waitsFor = str(fields['waitsFor']);
      const heldBy = str(fields['heldBy']);
      if (actor !== null && waitsFor !== null && heldBy !== null) cycle.push({ actor, waitsFor, heldBy });
    }
    if (cycle.length === 0) return;
    this.deadlock = { detectedAtMs: (num(line['t']) ?? this.now()) / 1e6, cycle, description: describeCycle(cycle) };
  }

  private onBatch(batch: EventBatch): void {
    const actor = this.actors.get(batch?.actor);
    if (!actor || typeof batch.payload !== 'string' || !Number.isSafeInteger(batch.count)) return;
    if (this.status === 'cancelled' || this.status === 'timed-out') return;
    const own: EventBatch = { trial: this.options.index, actor: actor.name, firstSeq: batch.firstSeq, count: batch.count, tFirst: batch.tFirst, tLast: batch.tLast, payload: batch.payload };
    actor.received += own.count;
    this.events.add(own);
    this.options.onBatch?.(own);
  }

  private outcome(startedAt: string): CpythonTrialOutcome {
    const status = this.status ?? 'ok';
    const cutShort: ActorExitReason = status === 'timed-out' ? 'timed-out' : 'cancelled';
    const actors: ActorRecord[] = [...this.actors.values()].map((a) => ({
      name: a.name,
      group: a.group,
      kind: a.kind,
      daemon: a.daemon,
      pid: a.pid,
      threadId: a.threadId,
      ppid: a.ppid,
      requestedNs: a.requestedNs,
      startedNs: a.startedNs,
      endedNs: a.endedNs ?? (a.requestedNs !== null ? this.endNs : null),
      spawnLatencyMs: a.requestedNs !== null && a.startedNs !== null ? (a.startedNs - a.requestedNs) / 1e6 : null,
      exit: a.exit ?? (a.requestedNs === null ? 'never-started' : status === 'ok' ? 'daemon-stopped' : cutShort),
      error: a.error,
      eventsEmitted: Math.max(a.emitted, a.received),
      eventsReceived: a.received,
      eventsDropped: a.dropped,
    }));
    const cpu = (this.result?.['cpu'] ?? {}) as Record<string, unknown>;
    const switchIntervalMs = num(this.result?.['switchIntervalMs']);
    const record = analyzeTrial({
      index: this.options.index,
      warmup: this.options.warmup,
      status,
      startedAt,
      wallMs: (this.endNs ?? this.now()) / 1e6,
      actors,
      events: this.events,
      finalShared: (this.result?.['finalShared'] as Record<string, unknown> | undefined) ?? {},
      deadlock: this.deadlock,
      error: status === 'ok' ? null : this.failure,
      cpu: { userMs: num(cpu['userMs']) ?? 0, systemMs: num(cpu['systemMs']) ?? 0 },
      runnerPeakRssMb: num(this.result?.['peakRssMb']) ?? 0,
      processPeakRssMb: num(this.result?.['processPeakRssMb']) ?? 0,
      extraMetrics: {
        ...serverMetrics(this.result?.['metrics']),
        ...this.poolMetrics(),
        ...(this.bootMs !== null ? { 'cpython.bootMs': this.bootMs } : {}),
        ...(this.clockOffsetNs !== null ? { 'cpython.clockOffsetNs': this.clockOffsetNs } : {}),
        // The GIL's switch interval the trial ran with (the spec's cpython.switchIntervalMs, else CPython's default).
        ...(switchIntervalMs !== null ? { 'cpython.switchIntervalMs': switchIntervalMs } : {}),
      },
    });
    return { record, events: this.events, runnerPid: this.runnerPid, runnerThreadId: this.runnerThreadId, clockOffsetNs: this.clockOffsetNs };
  }

  /** `pool.<name>.size`, `.maxRunning` and `.tasks`, as the Node engine reports them. */
  private poolMetrics(): Record<string, number> {
    const reported = (this.result?.['pools'] ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const metrics: Record<string, number> = {};
    for (const name of Object.keys(this.poolSizes)) {
      const pool = reported[name];
      if (!pool || typeof pool !== 'object') continue;
      for (const field of ['size', 'maxRunning', 'tasks']) {
        const value = num(pool[field]);
        if (value !== null) metrics[`pool.${name}.${field}`] = value;
      }
    }
    return metrics;
  }
}

/** The figures of the trial's servers (`server.<name>.<figure>`), numbers only. */
function serverMetrics(raw: unknown): Record<string, number> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key.startsWith('server.') && key.length <= 200 && typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 300) ?? '';
}
