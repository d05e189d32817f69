import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isLiveProcess, procPids, readProcStat } from '../engine/procfs';

/**
 * Ending a process together with every process it started, for children that cannot have a process
 * group of their own (Electron's utilityProcess.fork has no `detached`, so a utility actor shares the
 * app's group and `process.kill(-pid)` is not available as it is to the fork host).
 *
 * Guarantee: on Linux and macOS, every process that descends from the root when killProcessTree runs,
 * and every remembered descendant that is still the same process (same start time), is gone when it
 * returns or is already reaped by the kernel's SIGKILL. The walk stops (SIGSTOP) each process before
 * reading its children, so none can fork a new one behind the walk. On Windows, `taskkill /T /F` ends
 * the tree as Windows knows it. Not guaranteed: a descendant that daemonised itself out of the tree
 * before a walk saw it, if it was never remembered.
 */

export interface TrackedProcess {
  readonly pid: number;
  /** When the process started (Linux: clock ticks after boot), to tell it from a later process given the same pid. */
  readonly start: string | null;
}

const isLinux = process.platform === 'linux';

/** Start time of a process, or null when it is gone (or the platform has no /proc). */
export function processStartTime(pid: number): string | null {
  return isLinux ? (readProcStat(pid)?.startTicks ?? null) : null;
}

/** True while a process exists and is not a zombie waiting to be reaped. */
export function isProcessRunning(pid: number): boolean {
  if (isLinux) return isLiveProcess(pid);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parentTable(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  const add = (pid: number, ppid: number): void => {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  };
  if (isLinux) {
    for (const pid of procPids()) {
      const stat = readProcStat(pid);
      if (stat) add(pid, stat.ppid); // else gone since the directory was listed
    }
    return children;
  }
  const listing = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  for (const line of (listing.stdout ?? '').split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid !== undefined && !Number.isNaN(ppid)) add(pid, ppid);
  }
  return children;
}

/** Direct children of a process. Linux reads them from /proc/<pid>/task/<tid>/children, else scans the whole table. */
export function childrenOf(pid: number, table?: Map<number, number[]>): number[] {
  if (isLinux && !table) {
    try {
      const found: number[] = [];
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (child) found.push(Number(child));
      }
      return found;
    } catch {
      // the process is gone, or the kernel has no children files: the table scan answers both
    }
  }
  return (table ?? parentTable()).get(pid) ?? [];
}

/** Every process descending from root now, with its start time (root excluded). */
export function descendantsOf(root: number): TrackedProcess[] {
  const found: TrackedProcess[] = [];
  const queue = [root];
  const seen = new Set(queue);
  while (queue.length > 0) {
    for (const child of childrenOf(queue.shift()!)) {
      if (seen.has(child)) continue;
      seen.add(child);
      found.push({ pid: child, start: processStartTime(child) });
      queue.push(child);
    }
  }
  return found;
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills root and all its descendants (see the guarantee above), plus the remembered processes that are
 * still the ones remembered (an actor's children outlive it when it exits first: they are re-parented
 * and no walk from the actor finds them). Returns the pids signalled.
 */
export function killProcessTree(root: number | null, remembered: readonly TrackedProcess[] = []): number[] {
  if (process.platform === 'win32') {
    if (root !== null) spawnSync('taskkill', ['/PID', String(root), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    for (const tracked of remembered) spawnSync('taskkill', ['/PID', String(tracked.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    return [...(root === null ? [] : [root]), ...remembered.map((tracked) => tracked.pid)];
  }
  const stopped: number[] = [];
  const seen = new Set<number>();
  const queue: number[] = [];
  const stop = (pid: number): void => {
    if (seen.has(pid)) return;
    seen.add(pid);
    // Stopped first, children read after: a stopped process cannot fork, so its list is final.
    if (signal(pid, 'SIGSTOP')) {
      stopped.push(pid);
      queue.push(pid);
    }
  };
  if (root !== null) stop(root);
  for (const tracked of remembered) {
    if (tracked.start === null || processStartTime(tracked.pid) === tracked.start) stop(tracked.pid);
  }
  while (queue.length > 0) for (const child of childrenOf(queue.shift()!)) stop(child);
  for (const pid of stopped) signal(pid, 'SIGKILL');
  return stopped;
}
