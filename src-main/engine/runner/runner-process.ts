import { fork, type ChildProcess } from 'node:child_process';
import { PROCESS_EXEC_ARGV, type ActorHandle, type ActorHost } from '../actors/hosts';
import { assertNever } from '../../model/assert-never';
import { entryPath } from '../entry-paths';
import type { RunProgress, RunStatus } from '../../model/run-model';
import type { EventBatch } from '../../model/trace-event';
import type { ByteLimit, EffectiveLimits } from '../spec/limits';
import { killMarkedProcesses, killProcessTree } from './process-tree';
import { RUN_MARKER_ENV, type ParentToRunner, type RelayToActor, type RunnerError, type RunnerStart, type RunnerToParent } from './runner-protocol';

/**
 * The parent's handle on a runner process (runner-entry.ts): forks it, relays its progress and live
 * batches, and ends it out of band. The runner is forked `detached`, the leader of a process group
 * of its own, and every process of its tree inherits an environment marker naming the run, so the
 * parent can always kill the whole tree, whatever the runner's own loop is doing.
 *
 * Guarantees:
 * - `cancel()` asks first; without a confirmation within `cancelConfirmMs` (the runner's loop is
 *   stuck, e.g. in a task's synchronous compute) the tree is killed; once confirmed, a runner that
 *   has not ended within `cancelFinishMs` is killed too;
 * - a trial that the runner reports started and not ended within its wall limit + `wallGraceMs` gets
 *   the tree killed and the run ends `timed-out`;
 * - `ended` resolves exactly once, after the runner process has exited and a last sweep has killed
 *   whatever of its tree was left; it never rejects;
 * - the parent's death ends the runner too (its guard thread watches the parent pid);
 * - with a `utilityHost`, utility actors are started here, on the runner's request, and relayed (see
 *   RelayedHost): this process owns them, so a kill of the tree, the runner's end, however it ends, and
 *   `ended` include them — `ended` resolves after they are gone too.
 */

export type RunnerEnd =
  /** The runner recorded and finished the run itself. */
  | { readonly kind: 'done'; readonly status: RunStatus }
  /** The runner reported an error before it could finish the run. */
  | { readonly kind: 'failed'; readonly error: RunnerError }
  /** The tree was killed, or the runner died: the run row is the parent's to finalize. */
  | { readonly kind: 'killed'; readonly status: Extract<RunStatus, 'cancelled' | 'timed-out' | 'failed'>; readonly reason: string };

export interface RunnerProcessOptions {
  readonly start: Omit<RunnerStart, 'parentPid' | 'relayBatches' | 'relayedUtility'>;
  /** Starts the run's utility actors in this process (the Electron main process: utilityProcess); else the runner forks them. */
  readonly utilityHost?: ActorHost;
  /** The trial wall limit the spec resolved to (limits.wallTimeMs). */
  readonly wallTimeMs: number;
  readonly onProgress?: (progress: RunProgress) => void;
  /**
   * A live batch from the runner. The runner counts it in its backlog until it is taken: when this returns,
   * or, if it returns a promise, once that settles (a consumer that forwards in its own time bounds what it
   * holds this way: the runner's actors wait while too much is untaken).
   */
  readonly onBatch?: (batch: EventBatch) => unknown;
  readonly cancelConfirmMs?: number;
  readonly cancelFinishMs?: number;
  readonly wallGraceMs?: number;
  /** The runner's V8 heap cap in MB; by default CONLAB_RUNNER_HEAP_MB, else derived from the run's limits (runnerHeapMb). */
  readonly heapMb?: number;
}

const MB = 1024 * 1024;
/** The heap a runner gets at the least: its own code, the store's writer, a trial's bookkeeping and copies in flight. */
const RUNNER_HEAP_FLOOR_MB = 2_048;
/** Above this a cap no longer protects the machine; limits that large get the most this allows. */
const RUNNER_HEAP_CEILING_MB = 16_384;

/**
 * The runner's heap cap, from what a trial's limits let it hold: every byte limit at once, twice over (a value
 * and its copy in flight), a few values built at the cap by tasks, and room for the runner itself; never below
 * 2 GB (the default caps come to less). Whatever escapes the limits then ends the runner as a recorded failure
 * ("ran out of memory") instead of growing until the machine swaps.
 */
export function runnerHeapMb(limits: Pick<EffectiveLimits, ByteLimit>, override = process.env['CONLAB_RUNNER_HEAP_MB']): number {
  const asked = override === undefined ? NaN : Number(override);
  if (Number.isInteger(asked) && asked >= 64 && asked <= 1_048_576) return asked;
  const held = limits.maxEventBytes + limits.maxRecordBytes + limits.maxManagedBytes + limits.maxQueueBytes;
  const derived = Math.ceil((2 * held + 8 * limits.maxValueBytes) / MB) + 512;
  return Math.min(RUNNER_HEAP_CEILING_MB, Math.max(RUNNER_HEAP_FLOOR_MB, derived));
}

/** V8's own words when a heap reaches its cap (printed on stderr just before it aborts). */
const OUT_OF_MEMORY = /heap out of memory|Reached heap limit|Ineffective mark-compacts near heap limit/i;

export const CANCEL_CONFIRM_MS = 200;
/** Cancel inside a responsive runner ends within half a second; twice that is the backstop. */
export const CANCEL_FINISH_MS = 1_000;
/** Room for a trial's own teardown after its wall timer fired inside the runner. */
export const WALL_GRACE_MS = 1_500;
/** How long the runner's end waits for its relayed actors to be gone (a kill that hangs must not hold the run). */
const RELAYED_KILL_WAIT_MS = 3_000;

interface RelayedActor {
  readonly handle: ActorHandle;
  /** Resolves once the actor's exit has been passed on (after its last message). */
  readonly exitSent: Promise<void>;
  killing: Promise<void> | null;
}

export class RunnerProcess {
  readonly pid: number;
  readonly ended: Promise<RunnerEnd>;
  private readonly child: ChildProcess;
  private readonly marker: string;
  private readonly groups = new Set<number>();
  private readonly relayed = new Map<number, RelayedActor>();
  private result: RunnerEnd | null = null;
  private wallTimer: NodeJS.Timeout | null = null;
  private cancelTimer: NodeJS.Timeout | null = null;
  private cancelRequested = false;
  private exited = false;
  private stderrTail = '';
  private outOfMemory = false;
  private takenBytes = 0;
  private takenScheduled = false;
  /** The runner's V8 heap cap (--max-old-space-size), in MB. */
  readonly heapMb: number;

  constructor(private readonly options: RunnerProcessOptions) {
    const { runId } = options.start;
    this.heapMb = options.heapMb ?? runnerHeapMb(options.start.validated.limits);
    this.marker = `${RUN_MARKER_ENV}=${runId}`;
    this.child = fork(entryPath('runner'), [], {
      execArgv: [...PROCESS_EXEC_ARGV, `--max-old-space-size=${this.heapMb}`],
      // Its own process group: the parent kills the runner and everything in that group at once.
      detached: true,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // In the app this is Electron's binary run as Node (the runAsNode fuse is on); Electron's fork sets
      // ELECTRON_RUN_AS_NODE itself, and setting it here keeps that true for an env given explicitly.
      env: { ...process.env, [RUN_MARKER_ENV]: runId, ...(process.versions['electron'] ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
    });
    if (this.child.pid === undefined) throw new Error('could not start the runner process');
    this.pid = this.child.pid;
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const joined = this.stderrTail + chunk;
      // Seen as it arrives: V8's native stack trace follows its message and can push it out of the tail.
      if (OUT_OF_MEMORY.test(joined)) this.outOfMemory = true;
      this.stderrTail = joined.slice(-2_000);
    });
    this.child.on('message', (message: RunnerToParent) => this.onMessage(message));
    this.child.on('error', () => undefined); // a failed send to a runner already gone; 'exit' reports it
    this.ended = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.clearTimers();
        // Whatever of the tree outlived the runner (adopted by init by now) carries the run's marker.
        killMarkedProcesses(this.marker, this.groups);
        // The relayed actors are this process's children: nobody is left to end them but us.
        const relayedGone = this.endRelayed();
        const settle = (): void => {
          const stderr = this.stderrTail.trim().split('\n').slice(-3).join(' ');
          const end: RunnerEnd = this.result ?? {
            kind: 'killed',
            status: 'failed',
            reason: this.outOfMemory
              ? `the runner ran out of memory (heap cap ${this.heapMb} MB): a value escaped the run's byte limits`
              : `the runner process ended unexpectedly (exit code ${code}, signal ${signal})${stderr ? `: ${stderr}` : ''}`,
          };
          void relayedGone.then(() => resolve(end));
        };
        // 'exit' can come before the runner's last messages ('done', 'failed') have been read; the
        // channel's 'disconnect' comes after them (bounded: a killed runner's channel just closes).
        if (!this.child.connected) return settle();
        const timer = setTimeout(settle, 1_000);
        this.child.once('disconnect', () => {
          clearTimeout(timer);
          settle();
        });
      });
    });
    this.post({
      type: 'start',
      start: { ...options.start, relayBatches: options.onBatch !== undefined, parentPid: process.pid, relayedUtility: options.utilityHost?.mechanism ?? null },
    });
  }

  /** Cancels the run (idempotent). */
  cancel(): void {
    if (this.cancelRequested || this.exited) return;
    this.cancelRequested = true;
    this.post({ type: 'cancel' });
    this.cancelTimer = setTimeout(
      () => this.kill('cancelled', `cancelled by the user; the runner did not answer within ${this.options.cancelConfirmMs ?? CANCEL_CONFIRM_MS} ms, so its processes were killed`),
      this.options.cancelConfirmMs ?? CANCEL_CONFIRM_MS,
    );
  }

  /** Kills the whole tree now; the first reason given is the one recorded. */
  kill(status: Extract<RunStatus, 'cancelled' | 'timed-out' | 'failed'>, reason: string): void {
    if (this.exited) return;
    this.result ??= { kind: 'killed', status, reason };
    this.clearTimers();
    killProcessTree(this.pid, { marker: this.marker, groups: this.groups });
    void this.endRelayed();
  }

  private post(message: ParentToRunner): void {
    if (this.child.connected) this.child.send(message);
  }

  private onBatch(batch: EventBatch): void {
    const bytes = batch.payload.length;
    let taken: unknown;
    try {
      taken = this.options.onBatch?.(batch);
    } catch {
      taken = undefined; // the consumer's failure is its own; the runner must not wait for it
    }
    if (taken instanceof Promise) taken.then(() => this.taken(bytes), () => this.taken(bytes));
    else this.taken(bytes);
  }

  /** Answers taken batches in one message per turn of the loop. */
  private taken(bytes: number): void {
    this.takenBytes += bytes;
    if (this.takenScheduled) return;
    this.takenScheduled = true;
    setImmediate(() => {
      this.takenScheduled = false;
      const taken = this.takenBytes;
      this.takenBytes = 0;
      if (taken > 0 && !this.exited) this.post({ type: 'batches-taken', bytes: taken });
    });
  }

  private clearTimers(): void {
    if (this.wallTimer) clearTimeout(this.wallTimer);
    if (this.cancelTimer) clearTimeout(this.cancelTimer);
    this.wallTimer = null;
    this.cancelTimer = null;
  }

  private onMessage(message: RunnerToParent): void {
    switch (message.type) {
      case 'progress':
        this.onProgress(message.progress);
        return;
      case 'batch':
        this.onBatch(message.batch);
        return;
      case 'actor-started':
        this.groups.add(message.pid);
        return;
      case 'cancelling':
        if (this.cancelTimer) clearTimeout(this.cancelTimer);
        this.cancelTimer = setTimeout(
          () => this.kill('cancelled', `cancelled by the user; the runner did not finish within ${this.options.cancelFinishMs ?? CANCEL_FINISH_MS} ms, so its processes were killed`),
          this.options.cancelFinishMs ?? CANCEL_FINISH_MS,
        );
        return;
      case 'done':
        this.result ??= { kind: 'done', status: message.status };
        return;
      case 'failed':
        this.result ??= { kind: 'failed', error: message.error };
        return;
      case 'actor-start':
      case 'actor-post':
      case 'actor-kill':
        this.onRelay(message);
        return;
      default:
        assertNever(message, 'message from a runner process');
    }
  }

  private onRelay(message: RelayToActor): void {
    switch (message.type) {
      case 'actor-start':
        this.startRelayed(message.id, message.init, message.options);
        return;
      case 'actor-post':
        try {
          this.relayed.get(message.id)?.handle.post(message.message);
        } catch {
          // the actor is ending; its exit is on its way to the runner
        }
        return;
      case 'actor-kill':
        this.killRelayed(message.id);
        return;
      default:
        assertNever(message, 'relay request from a runner process');
    }
  }

  private startRelayed(id: number, init: Extract<RelayToActor, { type: 'actor-start' }>['init'], options: { readonly memoryMb: number }): void {
    const refuse = (error: string): void => this.post({ type: 'actor-exit', id, exit: { code: null, signal: null, error } });
    const host = this.options.utilityHost;
    if (!Number.isSafeInteger(id) || this.relayed.has(id)) return; // not a request this side ever answers twice
    if (!host) return refuse('this runner has no utility host to relay to');
    // A tree being killed starts nothing more; the runner is about to go.
    if (this.exited || this.result?.kind === 'killed') return refuse('the run is ending: the utility actor was not started');
    // A trial kills each of its actors as it ends, so no more than the spec's actors are ever held here.
    const maxActors = this.options.start.validated.limits.maxActors;
    if (this.relayed.size >= maxActors) return refuse(`the run already holds ${this.relayed.size} relayed utility actors, its limit (limits.maxActors is ${maxActors})`);
    let pidSent = false;
    let handle: ActorHandle;
    const sendPid = (): void => {
      if (pidSent || handle.pid === null) return;
      pidSent = true;
      this.post({ type: 'actor-pid', id, pid: handle.pid });
    };
    try {
      handle = host.start(
        init,
        (message) => {
          sendPid();
          this.post({ type: 'actor-message', id, message });
        },
        options,
      );
    } catch (error) {
      return refuse(`could not start the utility process: ${(error as Error).message}`);
    }
    sendPid();
    // Registered before any kill: the exit is passed on before a kill's answer.
    const exitSent = handle.exited.then((exit) => {
      sendPid();
      this.post({ type: 'actor-exit', id, exit });
    });
    this.relayed.set(id, { handle, exitSent, killing: null });
  }

  private killRelayed(id: number): void {
    const actor = this.relayed.get(id);
    if (!actor) return this.post({ type: 'actor-killed', id });
    // A host whose kill throws (a process already gone) still answers: the exit is what the runner waits on.
    actor.killing ??= Promise.resolve()
      .then(() => actor.handle.kill())
      .catch(() => undefined)
      .then(() => actor.exitSent)
      .then(() => {
        this.relayed.delete(id);
        this.post({ type: 'actor-killed', id });
      });
  }

  /** Kills every relayed actor still known; resolves once they are gone (bounded). */
  private endRelayed(): Promise<void> {
    if (this.relayed.size === 0) return Promise.resolve();
    const gone = Promise.all([...this.relayed.keys()].map((id) => (this.killRelayed(id), this.relayed.get(id)?.killing))).then(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, RELAYED_KILL_WAIT_MS)));
    return Promise.race([gone, bound]).finally(() => clearTimeout(timer));
  }

  private onProgress(progress: RunProgress): void {
    if (progress.phase === 'started') {
      if (this.wallTimer) clearTimeout(this.wallTimer);
      const limit = this.options.wallTimeMs;
      const grace = this.options.wallGraceMs ?? WALL_GRACE_MS;
      this.wallTimer = setTimeout(
        () => this.kill('timed-out', `the trial exceeded its wall-time limit of ${limit} ms (the runner was still busy ${grace} ms later, so its processes were killed)`),
        limit + grace,
      );
    } else if (this.wallTimer) {
      clearTimeout(this.wallTimer);
      this.wallTimer = null;
    }
    this.options.onProgress?.(progress);
  }
}
