import { spawn, type ChildProcess } from 'node:child_process';
import { readProcStat } from '../procfs';

/**
 * Plain OS processes started by a process actor (for the zombie and orphan lessons), and a reader
 * of their state in /proc. They stay in the actor's process group (never `detached`, and neither sh
 * nor sleep leaves it), which the trial's teardown kills with the actor and which the runner's group
 * watchdog kills should the runner die: none outlives the run, even one whose actor is blocked.
 */

const children = new Set<ChildProcess>();

/**
 * Starts a shell that exits after `ms` (mode exit: soon, so that the parent has time to start
 * blocking first — an exit during an await would be reaped at once) or a long sleeper (mode sleep).
 * Returns its pid. It is never waited for here.
 */
export function startOsChild(mode: 'exit' | 'sleep', ms: number): number {
  const seconds = Math.max(0, ms) / 1000;
  const script = mode === 'exit' ? `sleep ${seconds}; exit 0` : `sleep ${seconds}`;
  // Not detached: it must stay in the actor's group (see above).
  const child = spawn('sh', ['-c', script], { stdio: 'ignore', detached: false });
  // Keep a reference: libuv reaps the child when it exits, but only while this loop runs — a
  // blocked loop (a `block` step) leaves an exited child a zombie, which is what the lesson shows.
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.unref();
  if (child.pid === undefined) throw new Error('could not start sh');
  return child.pid;
}

export interface ProcState {
  readonly state: string;
  readonly ppid: number;
}

/** The state letter (R, S, Z, …) and parent pid of a process from /proc, or null when it is gone or /proc is absent. */
export function readProcState(pid: number): ProcState | null {
  const stat = readProcStat(pid);
  return stat && { state: stat.state, ppid: stat.ppid };
}
