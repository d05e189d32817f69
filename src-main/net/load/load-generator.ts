import { Worker } from 'node:worker_threads';
import { build, decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { netEntryPath } from '../bundle-paths';
import { addCpu, totalMs, type CpuTime } from '../cpu-time';
import { errorFromData, messageOf, NetError } from '../errors';
import { assertNever } from '../../model/assert-never';
import { within } from '../models/model';
import { checkDescriptorBudget } from './descriptors';
import { resolveLoadConfig, type LoadConfig, type ResolvedLoadConfig } from './load-config';
import {
  CONNECT_FAILURE_KINDS,
  emptyTally,
  REQUEST_ERROR_KINDS,
  type ConnectFailureKind,
  type LoadWorkerData,
  type LoadWorkerToMain,
  type MainToLoadWorker,
  type RequestErrorKind,
  type Tally,
  type WorkerCounts,
  type WorkerReport,
} from './load-protocol';

/**
 * The load generator: C connections spread over K worker threads, request/response of S bytes for
 * D ms or R requests, closed or open loop. One Node thread saturates near 40–55k requests/s on
 * these machines (ANCHORS.md), so the load comes from several; the report gives the threads' own
 * CPU so that a reader can tell a saturated generator from a saturated server.
 *
 * Guarantee: sent = answered + errors, exactly. Every request sent in the measured phase ends once,
 * answered or as one error (timeout, reset, closed, protocol, status, cancelled). Priming requests
 * and connections that never opened are reported apart.
 */

/** How the run ended: its plan completed, it was stopped, or a thread failed (or no connection opened). */
export type LoadExitReason = 'completed' | 'stopped' | 'failed';

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly count: number;
}

export interface LoadReport {
  readonly exit: LoadExitReason;
  readonly error: string | null;
  readonly protocol: ResolvedLoadConfig['protocol'];
  readonly mode: ResolvedLoadConfig['mode'];
  readonly messageBytes: number;
  readonly threads: number;
  readonly connections: {
    readonly requested: number;
    readonly opened: number;
    readonly failed: number;
    readonly failures: Tally<ConnectFailureKind>;
    /** One message per failure kind, as the system said it. */
    readonly examples: Partial<Record<ConnectFailureKind, string>>;
  };
  readonly primed: number;
  readonly sent: number;
  readonly answered: number;
  readonly errors: number;
  readonly errorsByKind: Tally<RequestErrorKind>;
  readonly notSent: number;
  readonly bytesOut: number;
  readonly bytesIn: number;
  /** The measured phase: from 'go' to the last answer or error (the slowest thread's). */
  readonly durationS: number;
  readonly requestsPerS: number;
  /** Bytes both ways per second. */
  readonly bytesPerS: number;
  /** Milliseconds; null when nothing was answered. Closed loop: from the send; open loop: from the scheduled time (as latencyFromScheduleMs). */
  readonly latencyMs: LatencySummary | null;
  /** Closed loop: from the actual send. Open loop: from the scheduled send time. */
  readonly latencyFrom: 'send' | 'schedule';
  /**
   * Side by side, as wrk2 and autocannon report them: from the time each request was due (corrected
   * for coordinated omission: a stalled server is charged for every request it held up), and from the
   * moment it was actually sent. In a closed loop a request is sent when due, and the two are equal.
   */
  readonly latencyFromScheduleMs: LatencySummary | null;
  readonly latencyFromSendMs: LatencySummary | null;
  /** Whether the connections were primed before the measured phase (then `setup` describes the priming). */
  readonly primedConnections: boolean;
  /** Connection set-up, per connection: connect call → connected, connect call → first answer; and until every connection had answered once. */
  readonly setup: {
    readonly connectMs: LatencySummary | null;
    readonly firstAnswerMs: LatencySummary | null;
    /** From the first connect call to the last connection's first answer (the slowest thread's), ms. */
    readonly allAnsweredAfterMs: number | null;
  };
  readonly generatorCpu: {
    readonly totalMs: number;
    readonly perThreadMs: readonly number[];
    /** CPU ÷ (duration × threads): near 1, the generator itself was the bottleneck. */
    readonly utilisation: number;
  } | null;
}

export type LoadPhase = 'connecting' | 'running' | 'done';

export interface LoadProgress extends WorkerCounts {
  readonly phase: LoadPhase;
  readonly elapsedMs: number;
  readonly connected: number;
}

export interface LoadOptions {
  /** Called every progressIntervalMs while the load runs, and once at the end. */
  readonly onProgress?: (progress: LoadProgress) => void;
}

/** A load in progress: its report when done, and the one way to end it early. */
export interface LoadRun {
  readonly done: Promise<LoadReport>;
  /** Stops sending; what is in flight gets up to a second, then counts as cancelled. Idempotent. */
  stop(): Promise<LoadReport>;
}

const START_DELAY_MS = 20;
const EXIT_WAIT_MS = 3_000;

function summarize(histogramsBase64: readonly string[]): LatencySummary | null {
  const total = build({ numberOfSignificantValueDigits: 3 });
  for (const encoded of histogramsBase64) {
    const part = decodeFromCompressedBase64(encoded);
    total.add(part);
    part.destroy();
  }
  if (total.totalCount === 0) return null;
  const ms = (percentile: number): number => total.getValueAtPercentile(percentile) / 1_000;
  const summary = { p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: total.maxValue / 1_000, count: total.totalCount };
  total.destroy();
  return summary;
}

function plan(config: ResolvedLoadConfig): LoadWorkerData[] {
  const parts: LoadWorkerData[] = [];
  const total = config.plan.kind === 'requests' ? config.plan.total : 0;
  for (let thread = 0; thread < config.threads; thread++) {
    const indexes: number[] = [];
    for (let i = thread; i < config.connections; i += config.threads) indexes.push(i);
    const quotas =
      config.plan.kind === 'requests'
        ? indexes.map((i) => Math.floor(total / config.connections) + (i < total % config.connections ? 1 : 0))
        : null;
    parts.push({ config, indexes, quotas });
  }
  return parts;
}

/**
 * Starts a load. Throws at once (nothing started) for a config that cannot run: LoadConfigError
 * naming the field, or NetError 'descriptor-limit' when C connections do not fit under the
 * process's open-file limit, with the limit and the `ulimit -n` to fix it.
 */
export function startLoad(input: LoadConfig, options: LoadOptions = {}): LoadRun {
  const config = resolveLoadConfig(input);
  const budget = checkDescriptorBudget(
    config.connections + config.extraDescriptors,
    `${config.connections} connections${config.extraDescriptors ? ` (plus ${config.extraDescriptors} for others in this process)` : ''}`,
  );
  if (!budget.ok) throw new NetError('descriptor-limit', budget.reason);
  const entry = netEntryPath('load-worker');

  const started = performance.now();
  const parts = plan(config);
  const workers = parts.map((workerData) => new Worker(entry, { workerData, stdout: false, stderr: false }));
  const exited = Promise.all(workers.map((worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve()))));
  const latest: WorkerCounts[] = workers.map(() => ({ sent: 0, answered: 0, errors: 0 }));
  const connected: (number | null)[] = workers.map(() => null);
  const reports: (WorkerReport | null)[] = workers.map(() => null);
  let phase: LoadPhase = 'connecting';
  let stopRequested = false;
  let failure: string | null = null;

  const post = (message: MainToLoadWorker): void => {
    for (const worker of workers) worker.postMessage(message);
  };
  const progress = (): LoadProgress => ({
    phase,
    elapsedMs: performance.now() - started,
    connected: connected.reduce<number>((sum, n) => sum + (n ?? 0), 0),
    sent: latest.reduce((sum, c) => sum + c.sent, 0),
    answered: latest.reduce((sum, c) => sum + c.answered, 0),
    errors: latest.reduce((sum, c) => sum + c.errors, 0),
  });
  const ticker = options.onProgress ? setInterval(() => options.onProgress!(progress()), config.progressIntervalMs) : null;

  // Every thread either reports or ends; one that ends without a report (a crash) must not hold the run.
  let resolveAll!: () => void;
  const allReported = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  const settled = new Set<number>();
  const settle = (i: number): void => {
    settled.add(i);
    if (settled.size === workers.length) resolveAll();
  };

  workers.forEach((worker, i) => {
    worker.on('message', (message: LoadWorkerToMain) => {
      switch (message.type) {
        case 'connected': {
          connected[i] = message.opened;
          if (connected.every((n) => n !== null)) {
            if (stopRequested) {
              post({ type: 'stop' });
            } else if (connected.every((n) => n === 0)) {
              failure ??= 'no connection could be opened';
              post({ type: 'stop' });
            } else {
              phase = 'running';
              post({ type: 'go', atEpochMs: performance.timeOrigin + performance.now() + START_DELAY_MS });
            }
          }
          break;
        }
        case 'progress':
          latest[i] = message.counts;
          break;
        case 'done':
          reports[i] = message.report;
          latest[i] = { sent: message.report.sent, answered: message.report.answered, errors: message.report.errors };
          settle(i);
          break;
        case 'failed':
          failure ??= `[load thread ${worker.threadId}] ${errorFromData(message.error).message}`;
          post({ type: 'stop' });
          break;
        default:
          assertNever(message, 'load worker message');
      }
    });
    worker.on('error', (error) => {
      failure ??= `[load thread ${worker.threadId}] ${messageOf(error)}`;
      post({ type: 'stop' });
    });
    const threadId = worker.threadId;
    worker.once('exit', () => {
      if (reports[i] === null) {
        failure ??= `[load thread ${threadId}] ended without a report`;
        post({ type: 'stop' });
      }
      settle(i);
    });
  });

  const done = (async (): Promise<LoadReport> => {
    await allReported;
    if (!(await within(exited, EXIT_WAIT_MS))) await Promise.all(workers.map((worker) => worker.terminate()));
    await exited;
    if (ticker) clearInterval(ticker);
    phase = 'done';
    const finished = reports.filter((report): report is WorkerReport => report !== null);
    const sum = (pick: (report: WorkerReport) => number): number => finished.reduce((total, report) => total + pick(report), 0);
    const failures = emptyTally(CONNECT_FAILURE_KINDS);
    const examples: Partial<Record<ConnectFailureKind, string>> = {};
    const errorsByKind = emptyTally(REQUEST_ERROR_KINDS);
    for (const report of finished) {
      for (const kind of CONNECT_FAILURE_KINDS) {
        failures[kind] += report.connectFailures[kind];
        examples[kind] ??= report.connectFailureExamples[kind];
      }
      for (const kind of REQUEST_ERROR_KINDS) errorsByKind[kind] += report.errorsByKind[kind];
    }
    for (const kind of CONNECT_FAILURE_KINDS) if (examples[kind] === undefined) delete examples[kind];
    const durationS = Math.max(0, ...finished.map((report) => report.activeMs)) / 1_000;
    const answered = sum((report) => report.answered);
    const bytes = sum((report) => report.bytesIn) + sum((report) => report.bytesOut);
    const cpus = finished.map((report) => report.cpu);
    const generatorCpu =
      finished.length > 0 && cpus.every((cpu): cpu is CpuTime => cpu !== null)
        ? {
            totalMs: totalMs(cpus.reduce(addCpu)),
            perThreadMs: cpus.map(totalMs),
            utilisation: durationS > 0 ? totalMs(cpus.reduce(addCpu)) / (durationS * 1_000 * config.threads) : 0,
          }
        : null;
    const opened = sum((report) => report.opened);
    const scheduled = summarize(finished.map((report) => report.histogram));
    const fromSend = config.mode.kind === 'open' ? summarize(finished.flatMap((report) => (report.sendHistogram ? [report.sendHistogram] : []))) : scheduled;
    const firstAnswers = finished.flatMap((report) => (report.allFirstAnswersMs !== null ? [report.allFirstAnswersMs] : []));
    if (failure === null && opened === 0 && !stopRequested) failure = 'no connection could be opened';
    const report: LoadReport = {
      exit: failure !== null ? 'failed' : stopRequested ? 'stopped' : 'completed',
      error:
        failure === null
          ? null
          : `${failure}${Object.keys(examples).length ? ` (${Object.entries(examples).map(([kind, text]) => `${failures[kind as ConnectFailureKind]} ${kind}: ${text}`).join('; ')})` : ''}`,
      protocol: config.protocol,
      mode: config.mode,
      messageBytes: config.messageBytes,
      threads: config.threads,
      connections: { requested: config.connections, opened, failed: config.connections - opened, failures, examples },
      primed: sum((report) => report.primed),
      sent: sum((report) => report.sent),
      answered,
      errors: sum((report) => report.errors),
      errorsByKind,
      notSent: sum((report) => report.notSent),
      bytesOut: sum((report) => report.bytesOut),
      bytesIn: sum((report) => report.bytesIn),
      durationS,
      requestsPerS: durationS > 0 ? answered / durationS : 0,
      bytesPerS: durationS > 0 ? bytes / durationS : 0,
      latencyMs: scheduled,
      latencyFrom: config.mode.kind === 'open' ? 'schedule' : 'send',
      latencyFromScheduleMs: scheduled,
      latencyFromSendMs: fromSend,
      primedConnections: config.prime,
      setup: {
        connectMs: summarize(finished.map((report) => report.connectHistogram)),
        firstAnswerMs: summarize(finished.map((report) => report.firstAnswerHistogram)),
        allAnsweredAfterMs: firstAnswers.length > 0 ? Math.max(...firstAnswers) : null,
      },
      generatorCpu,
    };
    options.onProgress?.(progress());
    return report;
  })();

  return {
    done,
    stop() {
      if (!stopRequested) {
        stopRequested = true;
        post({ type: 'stop' });
      }
      return done;
    },
  };
}

/** Runs a load to its end (see startLoad). */
export function runLoad(config: LoadConfig, options: LoadOptions = {}): Promise<LoadReport> {
  return startLoad(config, options).done;
}
