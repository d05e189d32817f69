import { existsSync, readFileSync } from 'node:fs';
import { isLiveProcess, procPids, readProcStat, type ProcStat } from '../procfs';

/**
 * Ending a whole process tree at once, from outside it (the parent of a runner) or from inside (the
 * runner's guard). Linux: the tree is found in /proc, through parent links and an inherited
 * environment marker (which still finds processes whose parent already died and that were adopted by
 * init). Elsewhere only the process groups named are killed.
 *
 * Guarantees: never signals the calling process; signals only processes that are descendants of the
 * root, carry the marker, or are named; a process that is gone is skipped silently.
 */

type ProcEntry = ProcStat;

/** Alive as a person would see it: present and not a zombie waiting to be reaped. */
export const isProcessRunning = isLiveProcess;

function hasMarker(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
  } catch {
    return false; // gone, or someone else's
  }
}

/** Live processes (the caller excluded) whose environment holds `marker` ("NAME=value"). */
export function markedProcesses(marker: string): number[] {
  return procPids().filter((pid) => pid !== process.pid && hasMarker(pid, marker) && isProcessRunning(pid));
}

/** Live processes below `rootPid` (not the root), plus those whose environment holds `marker` ("NAME=value"). */
export function treeMembers(rootPid: number, marker?: string): number[] {
  const entries = procPids().map(readProcStat).filter((e): e is ProcEntry => e !== null && e.state !== 'Z' && e.state !== 'X');
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const list = children.get(entry.ppid) ?? [];
    list.push(entry.pid);
    children.set(entry.ppid, list);
  }
  const found = new Set<number>();
  const stack = [rootPid];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        stack.push(child);
      }
    }
  }
  if (marker) for (const entry of entries) if (entry.pid !== rootPid && hasMarker(entry.pid, marker)) found.add(entry.pid);
  found.delete(process.pid);
  return [...found];
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // gone already, or (for a negative target) not a group leader
  }
}

export interface KillTreeOptions {
  /** "NAME=value" inherited by every process of the tree. */
  readonly marker?: string;
  /** Process-group leaders started in the tree (actors), killed even when /proc cannot show them. */
  readonly groups?: Iterable<number>;
  /** Whether the root itself is killed (false when the root is the calling process). */
  readonly includeRoot?: boolean;
}

/**
 * SIGKILLs the root's process group and every process of its tree, each with its own group. The root's
 * group is stopped first so that nothing in it can start another process while the tree is listed.
 * Returns the pids signalled (the root excluded).
 */
export function killProcessTree(rootPid: number, options: KillTreeOptions = {}): number[] {
  const includeRoot = (options.includeRoot ?? true) && rootPid !== process.pid;
  if (includeRoot) signal(-rootPid, 'SIGSTOP');
  const members = new Set(treeMembers(rootPid, options.marker));
  const procfs = existsSync('/proc/self/stat');
  for (const pid of options.groups ?? []) {
    // A named group leader no longer in the tree may be a reused pid: only one carrying the marker counts.
    // Without /proc nothing can be checked, and the groups named are all there is to go on.
    if (!procfs || members.has(pid) || (options.marker && hasMarker(pid, options.marker))) members.add(pid);
  }
  members.delete(process.pid);
  for (const pid of members) {
    signal(-pid, 'SIGKILL');
    signal(pid, 'SIGKILL');
  }
  if (includeRoot) {
    signal(-rootPid, 'SIGKILL');
    signal(rootPid, 'SIGKILL');
  }
  return [...members];
}

/**
 * SIGKILLs every process carrying `marker` and the named group leaders that still carry it, each with
 * its group: the sweep after a tree's root is gone (its pid may already belong to someone else, so
 * neither the root nor parent links are trusted any more).
 */
export function killMarkedProcesses(marker: string, groups: Iterable<number> = []): number[] {
  const members = new Set(markedProcesses(marker));
  for (const pid of groups) if (hasMarker(pid, marker)) members.add(pid);
  members.delete(process.pid);
  for (const pid of members) {
    signal(-pid, 'SIGKILL');
    signal(pid, 'SIGKILL');
  }
  return [...members];
}
