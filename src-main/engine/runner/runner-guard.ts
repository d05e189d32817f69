import { parentPort, workerData } from 'node:worker_threads';
import { RUN_MARKER_ENV } from './runner-protocol';
import { killProcessTree } from './process-tree';

/**
 * The runner's guard: a worker thread inside the runner process that ends the whole runner tree when
 * the process that started the runner dies. It lives on a thread of its own because the runner's main
 * loop may be stuck in a task's synchronous compute for as long as the step lasts, and then neither
 * IPC 'disconnect' nor a timer on that loop can run.
 *
 * Death of the parent shows as a changed parent pid (the runner was adopted by init or a subreaper);
 * process.ppid asks the kernel on every read.
 */

export interface GuardData {
  readonly parentPid: number;
  readonly runId: string;
  readonly pollMs: number;
}

/** Messages from the runner's main thread: process-group leaders of actors, to kill with the tree. */
export interface GuardMessage {
  readonly type: 'actor-group';
  readonly pid: number;
}

const { parentPid, runId, pollMs } = workerData as GuardData;
const groups = new Set<number>();

parentPort?.on('message', (message: GuardMessage) => {
  if (message.type === 'actor-group') groups.add(message.pid);
  else throw new Error(`runner guard: unknown message ${String((message as { type?: unknown }).type)}`);
});

const timer = setInterval(() => {
  if (process.ppid === parentPid) return;
  clearInterval(timer);
  killProcessTree(process.pid, { marker: `${RUN_MARKER_ENV}=${runId}`, groups, includeRoot: false });
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // not a group leader (a platform without groups): the process itself below
  }
  process.kill(process.pid, 'SIGKILL');
}, pollMs);
