import { readdirSync, readFileSync } from 'node:fs';

/**
 * The one reader of Linux's /proc/<pid>/stat for the engine, the app, the store, the bench and the
 * tests. Every answer is null (or empty) where there is no /proc (macOS, Windows) or the process is
 * gone. The command name (field 2) sits in parentheses and may itself hold spaces and parentheses, so
 * fields are counted from the last ')'.
 */

export interface ProcStat {
  readonly pid: number;
  /** One letter: R, S, D, Z (zombie), X (dead), T, … */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  /** CPU time in user and kernel mode, in ms (clock ticks of 10 ms: USER_HZ is 100 on Linux). */
  readonly cpuMs: number;
  /** Field 22: when the process started, in clock ticks since boot (kept as the exact decimal text). */
  readonly startTicks: string;
}

const MS_PER_TICK = 10;

export function readProcStat(pid: number): ProcStat | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // fields[0] is field 3 of the line (state), so field N is fields[N - 3].
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = fields[19];
  if (fields.length < 20 || startTicks === undefined || !/^\d+$/.test(startTicks)) return null;
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    cpuMs: (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK,
    startTicks,
  };
}

/** A process that still runs: a zombie (Z) or dead (X) entry only waits to be reaped. False where there is no /proc. */
export function isLiveProcess(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

/** Every pid /proc lists; empty where there is no /proc. */
export function procPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** Whether this platform has a /proc to read (Linux). */
export function hasProcfs(): boolean {
  return readProcStat(process.pid) !== null;
}
