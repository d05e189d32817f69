// Linux /proc inspection: which processes are still alive, and whose children they are.
import { readdirSync, readFileSync } from 'node:fs';
import { isLiveProcess, readProcStat } from '../../../src-main/engine/procfs';
import { setTimeout as sleep } from 'node:timers/promises';

interface ProcStat {
  readonly pid: number;
  /** One letter: R, S, D, Z (zombie), X (dead), T, ... */
  readonly state: string;
  readonly ppid: number;
}

/** Parses /proc/<pid>/stat; null once the process is gone. */
export function procStat(pid: number): ProcStat | null {
  const stat = readProcStat(pid);
  return stat && { pid, state: stat.state, ppid: stat.ppid };
}

/** Alive means it still runs: a zombie (Z) or dead (X) entry only waits to be reaped. */
export const isAlive = isLiveProcess;

/** Live processes whose parent is `ppid`. */
export function liveChildrenOf(ppid: number): ProcStat[] {
  const children: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.ppid === ppid && stat.state !== 'Z' && stat.state !== 'X') children.push(stat);
  }
  return children;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Polls `condition` every `intervalMs` until it holds or `timeoutMs` passed; returns whether it held. */
export async function pollUntil(condition: () => boolean, timeoutMs: number, intervalMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
