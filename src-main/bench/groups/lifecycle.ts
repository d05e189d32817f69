import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { PROCESS_EXEC_ARGV } from '../../engine/actors/hosts';
import { isLiveProcess, readProcStat } from '../../engine/procfs';
import { currentEnvironment } from '../../engine/runner/environment';
import { runExperiment } from '../../engine/runner/experiment';
import type { AuthoredSpec, Step } from '../../model/spec-schema';
import { validateSpec } from '../../engine/spec/validate';
import { decodeBatch, type EventBatch } from '../../model/trace-event';
import { isProcessRunning, markedProcesses } from '../../engine/runner/process-tree';
import { RUN_MARKER_ENV } from '../../engine/runner/runner-protocol';
import { LabService } from '../../service/lab-service';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';
import { interleave, median } from '../sampling';

/**
 * How fast a run lets go, the two figures the engine promises: cancel ends the whole tree within
 * 500 ms, and a deadlock is detected within 1 s of the cycle forming.
 *
 * Cancel: a run of 4 process actors asleep, 4 thread actors blocked in their thread and a task, all
 * of them inside their long step; the clock runs from abort() until the run has resolved *and* no
 * process of it is left in /proc (a zombie counts as gone). Baseline, in the same rounds: as many
 * forked children and Workers started by hand and killed by hand (SIGKILL to the process group,
 * worker.terminate()), timed until every 'exit' has arrived.
 *
 * Deadlock: two actors take two mutexes in opposite order (a barrier makes both hold their first),
 * for threads and for processes; the figure is the trial's deadlockLatencyMs: from the later of the
 * two blocking acquires to the detector's verdict. The detector samples the wait-for graph every
 * 200 ms and wants the same cycle twice, so ≈ 200–400 ms is its design.
 *
 * Under CPU: a run of 8 task actors each in a long synchronous compute (the runner's loop is taken for
 * as long as a step lasts), run through LabService, so in a runner process of its own.
 * - responsive-under-cpu: 100 requests to the service (listRuns), one every 10 ms, each timed from
 *   when it was due until answered (a late timer counts), while the runner computes; baseline: the
 *   same requests with no run. Target p99 ≤ 50 ms.
 * - cancel-under-cpu: the same tasks plus 2 process actors computing; cancel() → the run resolved and
 *   no process of the tree left (the runner cannot answer: the tree is killed after 200 ms without a
 *   confirmation). Baseline: as many processes (runner + actors) forked by hand, computing, killed by
 *   hand (SIGKILL to each group) and timed until every 'exit'.
 */

const PROCESSES = 4;
const THREADS = 4;

const RAW_SLEEPER_CHILD = `process.send('up');
setInterval(() => {}, 60_000);
`;

const RAW_BLOCKED_WORKER = `import { parentPort } from 'node:worker_threads';
parentPort.postMessage('up');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
`;

const longSleepers: AuthoredSpec = {
  version: 1,
  actors: [
    { name: 'p', kind: 'process', count: PROCESSES, program: [{ op: 'sleep', ms: 60_000 }] },
    { name: 't', kind: 'thread', count: THREADS, program: [{ op: 'block', ms: 60_000 }] },
    { name: 'k', kind: 'task', program: [{ op: 'sleep', ms: 60_000 }] },
  ],
};

function lockOrder(kind: 'thread' | 'process'): AuthoredSpec {
  const takeBoth = (first: string, second: string): Step[] => [
    { op: 'acquire', prim: first },
    { op: 'wait', prim: 'bothHoldOne' },
    { op: 'acquire', prim: second },
    { op: 'release', prim: second },
    { op: 'release', prim: first },
  ];
  return {
    version: 1,
    limits: { wallTimeMs: 20_000 },
    primitives: { m1: { type: 'mutex' }, m2: { type: 'mutex' }, bothHoldOne: { type: 'barrier', parties: 2 } },
    actors: [
      { name: 'A', kind, program: takeBoth('m1', 'm2') },
      { name: 'B', kind, program: takeBoth('m2', 'm1') },
    ],
  };
}

/** Alive as far as a user can tell: present in /proc and not a zombie. */
const isAlive = isLiveProcess;

async function untilGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (performance.now() > deadline) return false;
    await sleep(1);
  }
  return true;
}

interface CancelSample {
  readonly ms: number;
  readonly resolvedMs: number;
  readonly failure: string | null;
}

function runnerCancel(workRoot: string): () => Promise<CancelSample> {
  const validated = validateSpec(longSleepers);
  const environment = currentEnvironment();
  const expected = PROCESSES + THREADS + 1;
  return async () => {
    const controller = new AbortController();
    const inside = new Set<string>();
    let allInside!: () => void;
    const ready = new Promise<void>((resolve) => (allInside = resolve));
    const onBatch = (batch: EventBatch): void => {
      for (const event of decodeBatch(batch)) if ((event.op === 'sleep' || event.op === 'block') && event.ph === 'B') inside.add(event.actor);
      if (inside.size === expected) allInside();
    };
    const running = runExperiment({ spec: validated.spec, validated, signal: controller.signal, onBatch, workRoot, environment });
    await ready;
    const aborted = performance.now();
    controller.abort();
    const { run } = await running;
    const resolvedMs = performance.now() - aborted;
    const pids = run.trials[0]!.actors.filter((actor) => actor.kind === 'process' && actor.pid !== null).map((actor) => actor.pid!);
    const gone = await untilGone(pids, 5_000);
    const ms = performance.now() - aborted;
    let failure: string | null = null;
    if (run.status !== 'cancelled') failure = `the run ended ${run.status}, not cancelled`;
    else if (pids.length !== PROCESSES) failure = `${pids.length} process pids recorded, expected ${PROCESSES}`;
    else if (!gone) failure = `process actors still alive 5 s after cancel: ${pids.filter(isAlive).join(', ')}`;
    return { ms, resolvedMs, failure };
  };
}

function rawKill(childFile: string, workerFile: string): () => Promise<CancelSample> {
  return async () => {
    const children: ChildProcess[] = [];
    const workers: Worker[] = [];
    const ups: Promise<unknown>[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      const child = fork(childFile, [], { execArgv: [...PROCESS_EXEC_ARGV], detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      children.push(child);
      ups.push(once(child, 'message'));
    }
    for (let i = 0; i < THREADS; i++) {
      const worker = new Worker(workerFile);
      workers.push(worker);
      ups.push(once(worker, 'message'));
    }
    await Promise.all(ups);
    const exits = [...children.map((child) => once(child, 'exit')), ...workers.map((worker) => once(worker, 'exit'))];
    const killed = performance.now();
    for (const child of children) process.kill(-child.pid!, 'SIGKILL');
    for (const worker of workers) void worker.terminate();
    await Promise.all(exits);
    const ms = performance.now() - killed;
    return { ms, resolvedMs: ms, failure: null };
  };
}

const CPU_TASKS = 8;
const CPU_PROCESSES = 2;
const REQUESTS = 100;
const REQUEST_EVERY_MS = 10;
const FOREVER_ITERATIONS = 1e11;

const RAW_COMPUTING_CHILD = `process.send('up');
for (;;) {}
`;

function cpuSpec(processes: number): AuthoredSpec {
  const compute: Step[] = [{ op: 'compute', iterations: FOREVER_ITERATIONS }];
  return {
    version: 1,
    actors: [
      // Actors start in spec order: the processes are forked before the tasks take the runner's loop.
      ...(processes > 0 ? [{ name: 'p', kind: 'process' as const, count: processes, program: compute }] : []),
      { name: 'k', kind: 'task', count: CPU_TASKS, program: compute },
    ],
  };
}

/** CPU time (user + system) of a process in ms, from /proc (clock ticks of 10 ms); null once gone. */
function cpuMsOf(pid: number): number | null {
  return readProcStat(pid)?.cpuMs ?? null;
}

/** Starts a CPU-bound run and waits until its runner computes and `processes` actors are up; returns the tree. */
async function busyRun(service: LabService, processes: number): Promise<{ runId: string; done: Promise<unknown>; tree: number[]; failure: string | null }> {
  const { runId, done } = await service.startRun({ spec: cpuSpec(processes) });
  const marker = `${RUN_MARKER_ENV}=${runId}`;
  const deadline = performance.now() + 30_000;
  for (;;) {
    const tree = markedProcesses(marker);
    const runner = tree.find((pid) => (cpuMsOf(pid) ?? 0) >= 300);
    if (runner !== undefined && tree.length >= 1 + processes) return { runId, done, tree, failure: null };
    if (performance.now() > deadline) return { runId, done, tree, failure: `the run's tree was not busy within 30 s (${tree.length} processes)` };
    await sleep(20);
  }
}

interface ResponsiveSample {
  readonly latencies: readonly number[];
  readonly failure: string | null;
}

/** 100 requests, one due every 10 ms; each latency runs from when it was due to when it was answered. */
async function timedRequests(service: LabService): Promise<number[]> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const due = start + i * REQUEST_EVERY_MS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    service.listRuns({ limit: 20 });
    latencies.push(performance.now() - due);
  }
  return latencies;
}

function responsive(service: LabService, loaded: boolean): () => Promise<ResponsiveSample> {
  return async () => {
    if (!loaded) return { latencies: await timedRequests(service), failure: null };
    const run = await busyRun(service, 0);
    const latencies = await timedRequests(service);
    const still = service.activeRuns().includes(run.runId);
    service.cancel(run.runId);
    await run.done;
    return { latencies, failure: run.failure ?? (still ? null : 'the CPU-bound run ended before the requests did') };
  };
}

function cancelUnderCpu(service: LabService): () => Promise<CancelSample> {
  return async () => {
    const run = await busyRun(service, CPU_PROCESSES);
    if (run.failure) {
      service.cancel(run.runId);
      await run.done;
      return { ms: Number.NaN, resolvedMs: Number.NaN, failure: run.failure };
    }
    const marker = `${RUN_MARKER_ENV}=${run.runId}`;
    const cancelled = performance.now();
    service.cancel(run.runId);
    const record = (await run.done) as { status: string };
    const resolvedMs = performance.now() - cancelled;
    const left = (): number[] => [...new Set([...run.tree.filter(isProcessRunning), ...markedProcesses(marker)])];
    while (left().length > 0 && performance.now() - cancelled < 5_000) await sleep(1);
    const ms = performance.now() - cancelled;
    const failure = record.status !== 'cancelled' ? `the run ended ${record.status}, not cancelled` : left().length ? `still alive 5 s after cancel: ${left().join(', ')}` : null;
    return { ms, resolvedMs, failure };
  };
}

function rawKillComputing(childFile: string, count: number): () => Promise<CancelSample> {
  return async () => {
    const children: ChildProcess[] = [];
    for (let i = 0; i < count; i++) {
      children.push(fork(childFile, [], { execArgv: [...PROCESS_EXEC_ARGV], detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }));
    }
    await Promise.all(children.map((child) => once(child, 'message')));
    const exits = children.map((child) => once(child, 'exit'));
    const killed = performance.now();
    for (const child of children) process.kill(-child.pid!, 'SIGKILL');
    await Promise.all(exits);
    const ms = performance.now() - killed;
    return { ms, resolvedMs: ms, failure: null };
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface DeadlockSample {
  readonly latencyMs: number | null;
  readonly failure: string | null;
}

function deadlockRun(kind: 'thread' | 'process', workRoot: string): () => Promise<DeadlockSample> {
  const validated = validateSpec(lockOrder(kind));
  const environment = currentEnvironment();
  return async () => {
    const { run } = await runExperiment({ spec: validated.spec, validated, workRoot, environment });
    const latency = run.trials[0]?.metrics['deadlockLatencyMs'];
    if (run.status !== 'deadlocked') return { latencyMs: null, failure: `the ${kind} lock-order run ended ${run.status}, not deadlocked` };
    if (latency === undefined) return { latencyMs: null, failure: `the ${kind} run has no deadlockLatencyMs` };
    return { latencyMs: latency, failure: null };
  };
}

const spread = (values: readonly number[]): string => `min ${Math.min(...values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;

async function run(options: BenchOptions): Promise<Figure[]> {
  const childFile = join(options.scratchDir, 'raw-sleeper-child.mjs');
  const workerFile = join(options.scratchDir, 'raw-blocked-worker.mjs');
  writeFileSync(childFile, RAW_SLEEPER_CHILD);
  writeFileSync(workerFile, RAW_BLOCKED_WORKER);
  const workRoot = join(options.scratchDir, 'lifecycle-runs');
  const rounds = options.quick ? 3 : 11;
  const warmupRounds = 1;

  options.log(`lifecycle: cancel, ${rounds} rounds (+${warmupRounds} warm-up)`);
  const cancel = await interleave(
    { runner: runnerCancel(workRoot), raw: rawKill(childFile, workerFile) },
    { rounds, warmupRounds, onRound: (round, total) => options.log(`  cancel round ${round}/${total}`) },
  );
  options.log(`lifecycle: deadlock detection, ${rounds} rounds (+${warmupRounds} warm-up)`);
  const deadlock = await interleave(
    { thread: deadlockRun('thread', workRoot), process: deadlockRun('process', workRoot) },
    { rounds, warmupRounds, onRound: (round, total) => options.log(`  deadlock round ${round}/${total}`) },
  );

  const cancelMs = cancel.runner.map((sample) => sample.ms);
  const figures: Figure[] = [
    makeFigure({
      name: 'lifecycle.cancel',
      value: median(cancelMs),
      unit: 'ms',
      samples: cancelMs.length,
      baseline: { value: median(cancel.raw.map((sample) => sample.ms)), label: `${PROCESSES} forks + ${THREADS} Workers killed by hand` },
      target: { of: 'value', op: '<=', limit: 500 },
      failures: cancel.runner.flatMap((sample) => (sample.failure ? [sample.failure] : [])),
      notes: [
        `abort() → run resolved and no process left: ${PROCESSES} process actors asleep, ${THREADS} thread actors blocked, 1 task; ${spread(cancelMs)}`,
        `abort() → run resolved: median ${median(cancel.runner.map((sample) => sample.resolvedMs)).toFixed(1)} ms`,
      ],
    }),
  ];
  for (const kind of ['thread', 'process'] as const) {
    const samples = deadlock[kind];
    const latencies = samples.flatMap((sample) => (sample.latencyMs === null ? [] : [sample.latencyMs]));
    figures.push(
      makeFigure({
        name: `lifecycle.deadlock.${kind}`,
        value: latencies.length ? median(latencies) : Number.NaN,
        unit: 'ms',
        samples: latencies.length,
        target: { of: 'value', op: '<=', limit: 1_000 },
        failures: samples.flatMap((sample) => (sample.failure ? [sample.failure] : [])),
        notes: [`two ${kind} actors, two mutexes in opposite order: cycle formed → detected; ${latencies.length ? spread(latencies) : 'no sample'}; sampled every 200 ms, confirmed on a second sample`],
      }),
    );
  }

  // Under CPU: a service in this process, its runs in runner processes.
  const service = LabService.open({ dbPath: join(options.scratchDir, 'lifecycle-cpu.db'), workRoot });
  try {
    const computingFile = join(options.scratchDir, 'raw-computing-child.mjs');
    writeFileSync(computingFile, RAW_COMPUTING_CHILD);
    const cpuRounds = options.quick ? 2 : 5;
    options.log(`lifecycle: requests while ${CPU_TASKS} tasks compute, ${cpuRounds} rounds (+${warmupRounds} warm-up)`);
    const requests = await interleave(
      { loaded: responsive(service, true), idle: responsive(service, false) },
      { rounds: cpuRounds, warmupRounds, onRound: (round, total) => options.log(`  requests round ${round}/${total}`) },
    );
    const loaded = requests.loaded.flatMap((sample) => sample.latencies);
    const idle = requests.idle.flatMap((sample) => sample.latencies);
    figures.push(
      makeFigure({
        name: 'lifecycle.responsive-under-cpu',
        value: percentile(loaded, 99),
        unit: 'ms',
        samples: loaded.length,
        baseline: { value: percentile(idle, 99), label: 'the same requests, no run' },
        target: { of: 'value', op: '<=', limit: 50 },
        failures: requests.loaded.flatMap((sample) => (sample.failure ? [sample.failure] : [])),
        notes: [
          `p99 of ${REQUESTS} LabService.listRuns requests per round, one due every ${REQUEST_EVERY_MS} ms, timed from when due to answered, while ${CPU_TASKS} task actors compute in the runner process; median ${median(loaded).toFixed(2)} ms, max ${Math.max(...loaded).toFixed(1)} ms`,
        ],
      }),
    );

    options.log(`lifecycle: cancel while ${CPU_TASKS} tasks and ${CPU_PROCESSES} processes compute, ${rounds} rounds (+${warmupRounds} warm-up)`);
    const cpuCancel = await interleave(
      { runner: cancelUnderCpu(service), raw: rawKillComputing(computingFile, 1 + CPU_PROCESSES) },
      { rounds, warmupRounds, onRound: (round, total) => options.log(`  cancel-under-cpu round ${round}/${total}`) },
    );
    const cpuCancelMs = cpuCancel.runner.flatMap((sample) => (Number.isNaN(sample.ms) ? [] : [sample.ms]));
    figures.push(
      makeFigure({
        name: 'lifecycle.cancel-under-cpu',
        value: cpuCancelMs.length ? median(cpuCancelMs) : Number.NaN,
        unit: 'ms',
        samples: cpuCancelMs.length,
        baseline: { value: median(cpuCancel.raw.map((sample) => sample.ms)), label: `${1 + CPU_PROCESSES} computing forks killed by hand` },
        target: { of: 'value', op: '<=', limit: 500 },
        failures: cpuCancel.runner.flatMap((sample) => (sample.failure ? [sample.failure] : [])),
        notes: [
          `cancel() → run resolved and no process of the tree left: ${CPU_TASKS} tasks in a synchronous compute (the runner cannot answer; its tree is killed after 200 ms), ${CPU_PROCESSES} process actors computing; ${cpuCancelMs.length ? spread(cpuCancelMs) : 'no sample'}`,
          `cancel() → run resolved: ${cpuCancelMs.length ? `median ${median(cpuCancel.runner.flatMap((sample) => (Number.isNaN(sample.resolvedMs) ? [] : [sample.resolvedMs]))).toFixed(1)} ms` : 'no sample'}`,
        ],
      }),
    );
  } finally {
    await service.close();
  }
  return figures;
}

export const lifecycleGroup: FigureGroup = {
  name: 'lifecycle',
  description:
    'cancel of a whole run (abort → no process left) vs killing as many by hand; deadlock detection latency; requests answered and cancel while the runner computes',
  run,
};
