import { readFileSync } from 'node:fs';

/**
 * The memory cap of a utility actor, measured from outside. Electron drops V8 flags such as
 * --max-old-space-size from utilityProcess.fork's execArgv (they are honoured only in run-as-node
 * children), so the cap cannot be set inside the process: its resident set is sampled instead, and the
 * owner stops the process once it is over.
 *
 * What the cap counts: resident memory above what the process used when its program started (the
 * baseline, taken at arm()), so a cap of N MB means N MB for the program itself, as the heap cap of
 * thread and process actors does — not the runtime's own tens of megabytes. It counts everything
 * resident (heap, buffers, native memory), not the heap alone. It is checked every intervalMs, so a
 * fast allocation can go past it for up to one interval before the process is stopped.
 */

const MIB = 1024 * 1024;

/** Resident bytes of a process from /proc/<pid>/status (Linux), null when unknown or gone. */
export function procResidentBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface MemoryExceeded {
  readonly residentMb: number;
  readonly baselineMb: number;
  /** Rounded up: always more than limitMb when the cap was passed. */
  readonly aboveBaselineMb: number;
  readonly limitMb: number;
}

/** The run's one-line reason for a stopped actor. */
export function memoryExceededReason(what: string, exceeded: MemoryExceeded): string {
  return `${what} exceeded its memory limit (${exceeded.limitMb} MB): ${exceeded.residentMb} MB resident, ${exceeded.aboveBaselineMb} MB above the ${exceeded.baselineMb} MB it used when its program started; it was stopped`;
}

export interface ResidentMemoryCapOptions {
  readonly pid: number;
  readonly limitMb: number;
  readonly intervalMs?: number;
  /** How resident memory is read (procResidentBytes on Linux; Electron's process metrics elsewhere). */
  readonly read: (pid: number) => number | null;
  /** Called once, on the first sample over the cap; sampling stops. */
  readonly onExceeded: (exceeded: MemoryExceeded) => void;
  /** Called on every sample, e.g. to remember the process's children while it lives. */
  readonly onSample?: () => void;
}

/** Samples a process's resident memory; after arm(), reports the first sample more than limitMb above the baseline. */
export class ResidentMemoryCap {
  private baselineBytes: number | null = null;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: ResidentMemoryCapOptions) {
    this.timer = setInterval(() => this.sample(), options.intervalMs ?? 100);
    // A cap must never be what keeps the owner's event loop alive.
    this.timer.unref();
  }

  /** Takes the baseline now: the runtime is loaded and the program is about to run. */
  arm(): void {
    if (this.stopped || this.baselineBytes !== null) return;
    this.baselineBytes = this.options.read(this.options.pid);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private sample(): void {
    if (this.stopped) return;
    this.options.onSample?.();
    if (this.baselineBytes === null) return;
    const resident = this.options.read(this.options.pid);
    if (resident === null) return;
    if (resident - this.baselineBytes <= this.options.limitMb * MIB) return;
    this.stop();
    this.options.onExceeded({
      residentMb: Math.round(resident / MIB),
      baselineMb: Math.round(this.baselineBytes / MIB),
      aboveBaselineMb: Math.ceil((resident - this.baselineBytes) / MIB),
      limitMb: this.options.limitMb,
    });
  }
}
