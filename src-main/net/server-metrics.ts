import { addCpu, type CpuMeter, type CpuTime, ZERO_CPU } from './cpu-time';

/** What a server counts while it runs; every model fills the same record. */
export interface ServerMetrics {
  readonly connectionsAccepted: number;
  /** Connections refused because a per-connection model reached its thread or process cap. */
  readonly connectionsRefused: number;
  readonly currentConnections: number;
  readonly maxConcurrentConnections: number;
  /** Requests answered, as the server's framing sees them (framing none: one read is one request; UDP: one datagram). */
  readonly requests: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /**
   * file-receive: uploads refused at their header, with an error answer and nothing saved (a name that
   * is not a bare file name, a header that is not name|size, or no regular file can be opened under it).
   */
  readonly filesRefused: number;
  /**
   * CPU of every thread and process that served: the server's own thread (through /proc/thread-self
   * on Linux; where that is missing, its whole process), plus each worker thread and child process.
   */
  readonly cpu: CpuTime;
  /**
   * server-threads: the server's own thread plus its worker threads and child processes, each
   * measured on its own. hosting-process: the whole process the server ran in (every thread of it,
   * the garbage collector's included), plus its child processes.
   */
  readonly cpuScope: 'server-threads' | 'hosting-process';
  readonly cpuParts: CpuParts;
  /** Threads that ran sessions, over the server's life (1 for the single-threaded models). */
  readonly threadsUsed: number;
  readonly maxConcurrentThreads: number;
  /** Processes that ran sessions, over the server's life (1 when everything ran in the server's process). */
  readonly processesUsed: number;
  readonly maxConcurrentProcesses: number;
}

export interface CpuParts {
  /** The thread that accepts (and, for the single-threaded models, serves). */
  readonly serverThread: CpuTime;
  /** Worker threads that ran sessions (thread-per-connection, worker-pool). */
  readonly workerThreads: CpuTime;
  /** Child processes that ran sessions (process-per-connection, cluster). */
  readonly childProcesses: CpuTime;
}

/** The mutable counters behind ServerMetrics; a model increments, a snapshot copies. */
export class ServerCounters {
  connectionsAccepted = 0;
  connectionsRefused = 0;
  currentConnections = 0;
  maxConcurrentConnections = 0;
  requests = 0;
  bytesIn = 0;
  bytesOut = 0;
  filesRefused = 0;
  threadsUsed = 1;
  currentThreads = 1;
  maxConcurrentThreads = 1;
  processesUsed = 1;
  currentProcesses = 1;
  maxConcurrentProcesses = 1;
  /** CPU reported by worker threads that have ended. */
  endedThreadsCpu: CpuTime = ZERO_CPU;
  /** CPU reported by child processes that have ended. */
  endedProcessesCpu: CpuTime = ZERO_CPU;

  accepted(): void {
    this.connectionsAccepted++;
    this.currentConnections++;
    if (this.currentConnections > this.maxConcurrentConnections) this.maxConcurrentConnections = this.currentConnections;
  }

  closed(): void {
    this.currentConnections--;
  }

  threadStarted(): void {
    this.threadsUsed++;
    this.currentThreads++;
    if (this.currentThreads > this.maxConcurrentThreads) this.maxConcurrentThreads = this.currentThreads;
  }

  threadEnded(cpu: CpuTime | null): void {
    this.currentThreads--;
    if (cpu) this.endedThreadsCpu = addCpu(this.endedThreadsCpu, cpu);
  }

  processStarted(): void {
    this.processesUsed++;
    this.currentProcesses++;
    if (this.currentProcesses > this.maxConcurrentProcesses) this.maxConcurrentProcesses = this.currentProcesses;
  }

  processEnded(cpu: CpuTime | null): void {
    this.currentProcesses--;
    if (cpu) this.endedProcessesCpu = addCpu(this.endedProcessesCpu, cpu);
  }

  /**
   * The metrics now. `liveThreads` and `liveProcesses` are the CPU of helpers still running, as they
   * last reported it; ended helpers are already in the counters.
   */
  snapshot(meter: CpuMeter, liveThreads: CpuTime = ZERO_CPU, liveProcesses: CpuTime = ZERO_CPU): ServerMetrics {
    const cpuParts: CpuParts = {
      serverThread: meter.elapsed(),
      workerThreads: addCpu(this.endedThreadsCpu, liveThreads),
      childProcesses: addCpu(this.endedProcessesCpu, liveProcesses),
    };
    // Without a per-thread clock the server's share is its whole process, worker threads included.
    const threadScoped = meter.scope === 'thread';
    const cpu = addCpu(threadScoped ? addCpu(cpuParts.serverThread, cpuParts.workerThreads) : cpuParts.serverThread, cpuParts.childProcesses);
    return {
      connectionsAccepted: this.connectionsAccepted,
      connectionsRefused: this.connectionsRefused,
      currentConnections: this.currentConnections,
      maxConcurrentConnections: this.maxConcurrentConnections,
      requests: this.requests,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      filesRefused: this.filesRefused,
      cpu,
      cpuScope: threadScoped ? 'server-threads' : 'hosting-process',
      cpuParts,
      threadsUsed: this.threadsUsed,
      maxConcurrentThreads: this.maxConcurrentThreads,
      processesUsed: this.processesUsed,
      maxConcurrentProcesses: this.maxConcurrentProcesses,
    };
  }
}
