import { runMessage } from '../../model/run-wording';
import { fork, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { entryPath } from '../entry-paths';
import { groupWatchdog } from '../runner/group-watchdog';
import type { RelayFromActor, RelayToActor } from '../runner/runner-protocol';
import type { ActorKind } from '../../model/run-model';
import { type ActorInit, type ActorToRunner, type RunnerToActor, type ThreadToHost } from './protocol';
import { ColumnRelay } from '../trace/batch-encoder';
import { BATCH_EVENTS, ringBytes } from '../trace/event-columns';
import { assertNever } from '../../model/assert-never';

/**
 * Hosts start actors on real mechanisms and end them. One interface, several implementations:
 * worker threads, forked child processes, and (inside Electron, provided by the app shell)
 * utility processes. Outside Electron the engine hosts utility actors as forked children and the
 * run records that substitution.
 */

export interface ActorExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** A host-level failure (the thread ran out of memory, the binary could not start, ...). */
  readonly error: string | null;
}

export interface ActorHandle {
  readonly pid: number | null;
  post(message: RunnerToActor): void;
  /**
   * Answers event batches sent with `answer` (oldest first), or with 'all' lets the actor go on without
   * answers from now on. Only on handles of actors started with `traceWindowBytes`.
   */
  credit?(batches: number | 'all'): void;
  /** Ends the actor at once (its whole process group, for processes, even after the actor exited). Idempotent; resolves once it is gone. */
  kill(): Promise<void>;
  readonly exited: Promise<ActorExit>;
}

export interface ActorHostOptions {
  readonly memoryMb: number;
}

export interface ActorHost {
  /** What really runs the actor, shown on the run (e.g. "worker_threads.Worker"). */
  readonly mechanism: string;
  /** This host stands in for Electron's utilityProcess (outside the app): a run with utility actors records the substitution. */
  readonly standsIn?: boolean;
  start(init: ActorInit, onMessage: (message: ActorToRunner) => void, options: ActorHostOptions): ActorHandle;
}

export type ActorHosts = Readonly<Record<Exclude<ActorKind, 'task' | 'main'>, ActorHost>>;

export const threadHost: ActorHost = {
  mechanism: 'worker_threads.Worker',
  start(init, onMessage, options) {
    const memory = init.memory ? new Int32Array(init.memory) : null;
    const outWord = init.batchesOutWord ?? -1;
    // Not counted down, its batches out would stop the thread at its eighth batch.
    if (memory && outWord < 0) throw new Error('a thread given the shared memory needs its batchesOutWord');
    // The ring in which the thread keeps its events until they are encoded (see trace/event-columns.ts).
    const traceRing = new SharedArrayBuffer(ringBytes(BATCH_EVENTS));
    const worker = new Worker(entryPath('actor-thread'), {
      workerData: { ...init, traceRing } satisfies ActorInit,
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb },
      stdout: true,
      stderr: false,
    });
    let hostError: string | null = null;
    // Each batch the thread sent in columns and got encoded frees its slot of the ring (see RING_SLOTS).
    const relay = new ColumnRelay(traceRing, onMessage, () => {
      if (!memory) return;
      Atomics.sub(memory, outWord, 1);
      Atomics.notify(memory, outWord);
    });
    worker.on('message', (message: ThreadToHost) => relay.receive(message));
    worker.on('error', (error: Error & { code?: string }) => {
      hostError = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the thread exceeded its memory limit (${options.memoryMb} MB)` : error.message;
    });
    // Gone once its last message is delivered: batches still being encoded come first.
    const exited = new Promise<ActorExit>((resolve) => worker.once('exit', (code) => void relay.drained().then(() => resolve({ code, signal: null, error: hostError }))));
    let killing: Promise<void> | null = null;
    return {
      pid: process.pid,
      post: (message) => worker.postMessage(message),
      kill: () => {
        killing ??= worker.terminate().then(() => undefined);
        return killing;
      },
      exited,
    };
  },
};

/** Extra V8 flags for every forked actor: stable CPU timings (see ANCHORS: concurrent OSR). */
export const PROCESS_EXEC_ARGV = ['--no-concurrent-osr'];

export function forkHost(mechanism = 'child_process.fork'): ActorHost {
  return {
    mechanism,
    start(init, onMessage, options) {
      const child: ChildProcess = fork(entryPath('actor-process'), [], {
        execArgv: [...PROCESS_EXEC_ARGV, `--max-old-space-size=${options.memoryMb}`],
        // Its own process group: the actor's own children go with it when the group is killed, by the
        // trial's teardown or, if the runner dies, by the group watchdog. (Windows has no groups: there
        // `detached` opens a console and only the actor's own parent checks remain.)
        detached: true,
        serialization: 'json',
        // fd 4, when the runner answers the actor's batches: the credit pipe the actor reads without its loop.
        stdio: init.traceWindowBytes !== undefined ? ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'] : ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      const creditPipe = init.traceWindowBytes !== undefined ? (child.stdio[4] as Writable | null | undefined) ?? null : null;
      creditPipe?.on('error', () => undefined); // the actor is gone; its exit is reported on its own
      // Registered before the actor gets its program: should the runner die from here on, the watchdog
      // kills the group even if the actor is blocked (Atomics.wait) and cannot notice by itself.
      if (child.pid) groupWatchdog.watch(child.pid);
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-2_000);
      });
      child.on('message', (message) => onMessage(message as ActorToRunner));
      let spawnError: string | null = null;
      child.on('error', (error) => {
        spawnError = error.message;
      });
      const exited = new Promise<ActorExit>((resolve) => {
        child.once('exit', (code, signal) => {
          const oom = /heap out of memory/i.test(stderr) ? `the process exceeded its memory limit (${options.memoryMb} MB)` : null;
          const exit = { code, signal, error: spawnError ?? oom ?? (code ? stderr.trim().split('\n').slice(-3).join(' ') || null : null) };
          // 'exit' can come before the last IPC messages have been read (the child's final "done"):
          // the channel's 'disconnect' comes after them, so wait for it (bounded) before reporting.
          if (!child.connected) return resolve(exit);
          const timer = setTimeout(() => resolve(exit), 1_000);
          child.once('disconnect', () => {
            clearTimeout(timer);
            resolve(exit);
          });
        });
      });
      child.send({ type: 'init', init } satisfies RunnerToActor);
      let gone = false;
      void exited.then(() => {
        gone = true;
      });
      let allCredited = false;
      return {
        pid: child.pid ?? null,
        post: (message) => {
          if (child.connected) child.send(message);
        },
        ...(creditPipe
          ? {
              credit: (batches: number | 'all') => {
                if (allCredited || gone || creditPipe.destroyed) return;
                // One byte per answered batch (1), or 0: answers are no longer needed.
                if (batches === 'all') allCredited = true;
                const bytes = batches === 'all' ? Buffer.from([0]) : Buffer.alloc(batches, 1);
                if (bytes.length > 0) creditPipe.write(bytes);
              },
            }
          : {}),
        kill: () => {
          // The group may outlive its leader (an actor's own children, an orphaned grandchild): kill it
          // even when the actor itself has already exited.
          if (child.pid) {
            try {
              process.kill(-child.pid, 'SIGKILL');
            } catch {
              if (!gone) child.kill('SIGKILL'); // no group (a platform without groups)
            }
            groupWatchdog.forget(child.pid);
          }
          return exited.then(() => undefined);
        },
        exited,
      };
    },
  };
}

export const processHost = forkHost();

/** Hosts used outside Electron: utility actors run as forked children (a recorded substitution). */
export const nodeHosts: ActorHosts = {
  thread: threadHost,
  process: processHost,
  utility: { ...forkHost('child_process.fork (standing in for Electron utilityProcess)'), standsIn: true },
};

export const UTILITY_SUBSTITUTION_REASON = runMessage('utility-substitution');

interface RelayedActor {
  readonly onMessage: (message: ActorToRunner) => void;
  readonly exit: (exit: ActorExit) => void;
  killed: (() => void) | null;
  pid: number | null;
  exited: boolean;
}

/**
 * Actors started by another process on the runner's behalf (the Electron main process owns
 * utilityProcess): `start` asks over `send`, and whatever that process answers comes in through
 * `receive`. The handle behaves like any host's: `pid` once known (the actor's own 'started' message
 * names it too), messages both ways in order, `exited` once after the actor's last message, `kill`
 * idempotent and resolved once the other side has ended the actor and what it started, even after
 * its exit. Should that process go away, the runner ends at once (runner-entry's 'disconnect'), so no
 * wait here needs a timeout of its own.
 */
export class RelayedHost implements ActorHost {
  private readonly actors = new Map<number, RelayedActor>();
  private nextId = 1;

  constructor(
    readonly mechanism: string,
    private readonly send: (message: RelayToActor) => void,
  ) {}

  start(init: ActorInit, onMessage: (message: ActorToRunner) => void, options: ActorHostOptions): ActorHandle {
    const id = this.nextId++;
    let resolveExit!: (exit: ActorExit) => void;
    const exited = new Promise<ActorExit>((resolve) => (resolveExit = resolve));
    const actor: RelayedActor = { onMessage, exit: resolveExit, killed: null, pid: null, exited: false };
    let killing: Promise<void> | null = null;
    const handle: ActorHandle = {
      get pid() {
        return actor.pid;
      },
      post: (message) => {
        if (!actor.exited) this.send({ type: 'actor-post', id, message });
      },
      kill: () => {
        killing ??= new Promise<void>((resolve) => {
          actor.killed = resolve;
          this.send({ type: 'actor-kill', id });
        }).then(() => exited.then(() => undefined));
        return killing;
      },
      exited,
    };
    this.actors.set(id, actor);
    this.send({ type: 'actor-start', id, init, options: { memoryMb: options.memoryMb } });
    return handle;
  }

  /** A message from the process that owns the actors. Messages for an actor already forgotten are dropped. */
  receive(message: RelayFromActor): void {
    const actor = this.actors.get(message.id);
    if (!actor) return;
    switch (message.type) {
      case 'actor-pid':
        actor.pid = message.pid;
        return;
      case 'actor-message':
        if (!actor.exited) actor.onMessage(message.message);
        return;
      case 'actor-exit':
        actor.exited = true;
        actor.exit(message.exit);
        return;
      case 'actor-killed':
        // Killed means gone: an exit still in flight cannot come after this answer (the owner sends it first).
        this.actors.delete(message.id);
        actor.killed?.();
        return;
      default:
        assertNever(message, 'relayed actor message');
    }
  }
}
