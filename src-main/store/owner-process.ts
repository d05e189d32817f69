import { readFileSync } from 'node:fs';
import os from 'node:os';
import { hasProcfs, isLiveProcess, readProcStat } from '../engine/procfs';

/**
 * Who owns a run that is still 'running': the process that began it, named so that a later reader can
 * tell "that process is still at work" from "it died and its pid was reused" or "the machine rebooted".
 *
 * Guarantee: `judgeOwner` answers `alive: false` only when it has positive evidence that the owner is
 * gone (no such pid, a different start time under that pid, a different boot). A run recorded on
 * another machine (a shared folder) is never judged: its owner's pids mean nothing here.
 */

/** What beginRun stores next to owner_pid. */
export interface OwnerIdentity {
  readonly pid: number;
  readonly host: string;
  /** `<boot id>/<start time in clock ticks>` (Linux /proc), or null where the platform has no such facts. */
  readonly started: string | null;
}

export type OwnerVerdict = { readonly alive: true } | { readonly alive: false; readonly why: string };

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. Parsed after the
 * last ')' because field 2, the command name, may itself hold spaces and parentheses.
 */
export function processStartTicks(pid: number): string | null {
  return readProcStat(pid)?.startTicks ?? null;
}

/** The start token of a process (see OwnerIdentity.started), or null when it cannot be read. */
export function processStartToken(pid: number): string | null {
  const boot = readBootId();
  const ticks = processStartTicks(pid);
  return boot !== null && ticks !== null ? `${boot}/${ticks}` : null;
}

export function currentOwner(): OwnerIdentity {
  return { pid: process.pid, host: os.hostname(), started: processStartToken(process.pid) };
}

/** True when a process with this id exists (EPERM means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie has ended: a runner killed after its parent died waits as one until init reaps it.
  // Without /proc, kill(pid, 0) has answered.
  return hasProcfs() ? isLiveProcess(pid) : true;
}

/** Decides whether the recorded owner of a running run is gone, and says how we know. */
export function judgeOwner(owner: { pid: number | null; host: string | null; started: string | null }): OwnerVerdict {
  if (owner.pid === null) return { alive: false, why: 'no owner process was recorded' };
  if (owner.host !== null && owner.host !== os.hostname()) return { alive: true };
  const pid = owner.pid;
  if (owner.started !== null) {
    const [recordedBoot] = owner.started.split('/');
    const boot = readBootId();
    if (boot !== null && recordedBoot !== boot) return { alive: false, why: `the machine restarted after its process (pid ${pid}) began it` };
  }
  if (!isProcessAlive(pid)) return { alive: false, why: `its process (pid ${pid}) ended first` };
  if (owner.started !== null) {
    const now = processStartToken(pid);
    if (now !== null && now !== owner.started) {
      return { alive: false, why: `its process (pid ${pid}) ended first; that pid now belongs to another process` };
    }
  }
  return { alive: true };
}
