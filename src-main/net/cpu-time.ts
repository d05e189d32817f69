import { readFileSync } from 'node:fs';

/**
 * CPU time of the calling thread or process. Node 20 has no per-thread CPU clock of its own
 * (process.threadCpuUsage arrived in Node 23.9), so on Linux the calling thread's utime and stime are
 * read from /proc/thread-self/stat; they count in clock ticks of 10 ms (USER_HZ is 100 on every
 * mainstream Linux architecture). Elsewhere the answer is null and callers fall back to the process.
 */

export interface CpuTime {
  readonly userMs: number;
  readonly systemMs: number;
}

export const ZERO_CPU: CpuTime = { userMs: 0, systemMs: 0 };
const MS_PER_TICK = 10;

export function threadCpu(): CpuTime | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
    return { userMs: utime * MS_PER_TICK, systemMs: stime * MS_PER_TICK };
  } catch {
    return null;
  }
}

export function processCpu(): CpuTime {
  const usage = process.cpuUsage();
  return { userMs: usage.user / 1_000, systemMs: usage.system / 1_000 };
}

export function addCpu(a: CpuTime, b: CpuTime): CpuTime {
  return { userMs: a.userMs + b.userMs, systemMs: a.systemMs + b.systemMs };
}

export function subCpu(a: CpuTime, b: CpuTime): CpuTime {
  return { userMs: a.userMs - b.userMs, systemMs: a.systemMs - b.systemMs };
}

export function totalMs(cpu: CpuTime): number {
  return cpu.userMs + cpu.systemMs;
}

/** Measures CPU from now on: the thread's where it can, otherwise the whole process's (see `scope`). */
export class CpuMeter {
  readonly scope: 'thread' | 'process';
  private readonly start: CpuTime;

  constructor() {
    const thread = threadCpu();
    this.scope = thread ? 'thread' : 'process';
    this.start = thread ?? processCpu();
  }

  elapsed(): CpuTime {
    const now = this.scope === 'thread' ? (threadCpu() ?? this.start) : processCpu();
    return subCpu(now, this.start);
  }
}
