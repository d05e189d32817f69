import { app, utilityProcess } from 'electron';
import { entryPath } from '../engine/entry-paths';
import { PROCESS_EXEC_ARGV, type ActorExit, type ActorHost } from '../engine/actors/hosts';
import type { ActorToRunner, RunnerToActor } from '../engine/actors/protocol';
import { descendantsOf, isProcessRunning, killProcessTree, processStartTime, type TrackedProcess } from './process-tree';
import { memoryExceededReason, procResidentBytes, ResidentMemoryCap } from './resident-memory';

/** How long after a utility process's exit notice its last messages may still arrive. */
const EXIT_GRACE_MS = 50;
/** How often a utility actor's resident memory is sampled. */
const MEMORY_SAMPLE_MS = 100;
/** Every how many samples its children are looked up and remembered (a walk reads a file per thread). */
const REMEMBER_EVERY_SAMPLES = 5;

let appMetrics: { readonly at: number; readonly residentByPid: ReadonlyMap<number, number> } | null = null;

/**
 * Resident bytes of one of the app's processes: /proc on Linux, Electron's process metrics elsewhere
 * (reported in KB). The metrics cover every process at once, so one reading serves all actors sampled
 * within the same tick instead of one call per actor on the main process.
 */
function residentBytes(pid: number): number | null {
  if (process.platform === 'linux') return procResidentBytes(pid);
  const now = Date.now();
  if (!appMetrics || now - appMetrics.at > MEMORY_SAMPLE_MS / 2) {
    appMetrics = { at: now, residentByPid: new Map(app.getAppMetrics().map((entry) => [entry.pid, entry.memory.workingSetSize * 1024])) };
  }
  return appMetrics.residentByPid.get(pid) ?? null;
}

/**
 * Utility actors on Electron's utilityProcess: a Chromium-managed child process that speaks to the
 * runner through `process.parentPort`. It does not exit on an empty event loop, so the actor entry
 * exits explicitly once its last message is handed over (see engine/actors/process-entry.ts).
 * utilityProcess.fork may only be called after the app's 'ready' event.
 *
 * Two things the fork host gets from Node that a utility process does not: a heap cap
 * (--max-old-space-size is dropped from a utility process's execArgv) and a process group of its own
 * (there is no `detached`). So the memory limit is enforced by sampling the resident set
 * (ResidentMemoryCap; the reason is recorded on the run as the actor's error), and kill ends the whole
 * tree by walking it (killProcessTree), including the children the actor started that outlived it.
 */
export const electronUtilityHost: ActorHost = {
  mechanism: 'electron.utilityProcess',
  start(init, onMessage, options) {
    const child = utilityProcess.fork(entryPath('actor-process'), [], {
      serviceName: `conlab ${init.actor.name}`,
      execArgv: [...PROCESS_EXEC_ARGV],
      stdio: 'ignore',
    });
    let gone = false;
    let memoryError: string | null = null;
    // Descendants seen while the actor lived: once it exits they are re-parented and no walk finds them.
    const remembered = new Map<number, TrackedProcess>();
    const remember = (): void => {
      if (child.pid === undefined || gone) return;
      // Children that ended are forgotten, so an actor that starts many short-lived ones keeps a short list.
      for (const [pid, tracked] of remembered) {
        const ended = tracked.start === null ? !isProcessRunning(pid) : processStartTime(pid) !== tracked.start;
        if (ended) remembered.delete(pid);
      }
      for (const tracked of descendantsOf(child.pid)) remembered.set(tracked.pid, tracked);
    };
    let cap: ResidentMemoryCap | null = null;
    let samples = 0;
    const endTree = (): void => {
      cap?.stop();
      remember();
      killProcessTree(gone ? null : (child.pid ?? null), [...remembered.values()]);
    };
    child.once('spawn', () => {
      if (child.pid === undefined) return;
      cap = new ResidentMemoryCap({
        pid: child.pid,
        limitMb: options.memoryMb,
        intervalMs: MEMORY_SAMPLE_MS,
        read: residentBytes,
        onSample: () => {
          if (++samples % REMEMBER_EVERY_SAMPLES === 0) remember();
        },
        onExceeded: (exceeded) => {
          memoryError = memoryExceededReason('the utility process', exceeded);
          endTree();
        },
      });
    });
    let armed = false;
    child.on('message', (message: unknown) => {
      // The first message comes from the loaded actor runtime, before its program: the memory baseline.
      if (!armed) {
        armed = true;
        cap?.arm();
      }
      onMessage(message as ActorToRunner);
    });
    const exited = new Promise<ActorExit>((resolve) => {
      child.once('exit', (code: number) => {
        gone = true;
        cap?.stop();
        // The exit notice and the child's last messages travel on different channels; a grace period
        // lets messages already in flight be handled first, so a clean exit is not judged as an actor
        // that ended before finishing its program (fork hosts wait for IPC 'disconnect' instead).
        setTimeout(() => resolve({ code, signal: null, error: memoryError ?? (code ? `the utility process exited with code ${code}` : null) }), EXIT_GRACE_MS);
      });
    });
    child.postMessage({ type: 'init', init } satisfies RunnerToActor);
    return {
      get pid() {
        return child.pid ?? null;
      },
      post: (message) => {
        if (!gone) child.postMessage(message);
      },
      kill: () => {
        // Like the fork host's group kill: the actor's own children too, even after the actor exited.
        endTree();
        if (!gone) child.kill();
        return exited.then(() => undefined);
      },
      exited,
    };
  },
};
