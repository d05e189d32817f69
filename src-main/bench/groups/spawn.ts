import { fork, type ForkOptions } from 'node:child_process';
import { once, type EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { processHost, PROCESS_EXEC_ARGV, threadHost, type ActorHost } from '../../engine/actors/hosts';
import type { ActorInit, ActorToRunner } from '../../engine/actors/protocol';
import { entryPath } from '../../engine/entry-paths';
import type { RunEnvironment } from '../../model/run-model';
import { currentEnvironment } from '../../engine/runner/environment';
import { runExperiment } from '../../engine/runner/experiment';
import { DEFAULT_LIMIT_CAPS } from '../../model/limit-caps';
import { validateSpec, type ValidatedSpec } from '../../engine/spec/validate';
import { buildLayout, createSharedMemory } from '../../engine/sync/shared-layout';
import { tracedLoopEvents, WARM_FROM_EVENTS, WARM_ROUNDS } from '../../engine/trace/trace-warmup';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';
import { writeRawEntries } from '../fixtures/raw-entries';
import { interleave, median, msBetween } from '../sampling';

/**
 * Spawn cost per actor kind: the runner starting one actor with an empty program, beside a Worker or
 * a forked child started by hand from a minimal file. One actor at a time; raw and runner samples
 * alternate within each round.
 *
 * Both sides are timed to the same moment: from the spawn request to the child's own clock reading
 * when it posts its first message (an actor's 'started', which is what spawnLatencyMs records). The
 * time until the parent *receives* that message is measured too and shown in the notes.
 *
 * The "parts" figures start the minimal file with one of the host's options added, or start the
 * actor bundle by hand, so that a ratio above target can be traced to its cause.
 */

interface SpawnSample {
  /** Request → the child's clock when it posted its first message. */
  readonly stampMs: number;
  /** Request → the parent received that message. */
  readonly receivedMs: number;
}

const MEMORY_MB = DEFAULT_LIMIT_CAPS.memoryMbPerActor;

/** Times one child from `requested` to its first message, then waits until it is gone. */
async function firstMessage(requested: bigint, child: EventEmitter, stampOf: (message: unknown) => bigint): Promise<SpawnSample> {
  const exited = once(child, 'exit');
  exited.catch(() => undefined); // an 'error' rejects both; the message wait reports it
  const [message] = await once(child, 'message');
  const received = process.hrtime.bigint();
  await exited;
  return { stampMs: msBetween(requested, stampOf(message)), receivedMs: msBetween(requested, received) };
}

const stampFromText = (message: unknown): bigint => BigInt(message as string);

function rawWorker(file: string, options?: WorkerOptions): () => Promise<SpawnSample> {
  return () => {
    const requested = process.hrtime.bigint();
    return firstMessage(requested, new Worker(file, options), stampFromText);
  };
}

function rawFork(file: string, options: ForkOptions): () => Promise<SpawnSample> {
  return () => {
    const requested = process.hrtime.bigint();
    return firstMessage(requested, fork(file, [], options), stampFromText);
  };
}

function emptyActorSpec(kind: 'thread' | 'process' | 'task'): ValidatedSpec {
  return validateSpec({ version: 1, actors: [{ name: 'a', kind, program: [] }] });
}

/** Rounds of [acquire, add, release] in a traced loop: just enough traced events for the thread's trace to be warmed first. */
const WARMED_ROUNDS = Math.ceil(WARM_FROM_EVENTS / 3);

/** A thread whose program traces a loop of lock rounds, enough of them for its trace to be warmed before it starts. */
function warmedThreadSpec(): ValidatedSpec {
  return validateSpec({
    version: 1,
    shared: { n: { scope: 'shared', initial: 0 } },
    primitives: { m: { type: 'mutex' } },
    actors: [
      {
        name: 'a',
        kind: 'thread',
        program: [
          {
            op: 'repeat',
            times: WARMED_ROUNDS,
            trace: 'each',
            steps: [
              { op: 'acquire', prim: 'm' },
              { op: 'add', var: 'n', delta: 1 },
              { op: 'release', prim: 'm' },
            ],
          },
        ],
      },
    ],
  });
}

/** An ActorInit as the runner builds one, for starting the actor bundle by hand. */
function handInit(validated: ValidatedSpec, kind: 'thread' | 'process', runStartNs: bigint, workDir: string): ActorInit {
  const layout = buildLayout(validated.spec, 1);
  const memory = createSharedMemory(validated.spec, layout);
  return {
    runId: 'bench-spawn',
    trial: 0,
    runStartNs: runStartNs.toString(),
    spec: validated.spec,
    actor: { id: 0, name: 'a', group: 'a', index: 0, kind, daemon: false },
    actorCount: 1,
    workDir,
    eventBudget: 1_000,
    byteLimits: DEFAULT_LIMIT_CAPS,
    runnerPid: process.pid,
    ...(kind === 'thread' ? { memory: memory.buffer as SharedArrayBuffer } : { privateWords: Array.from(memory.subarray(0, layout.actorTableOffset)) }),
  };
}

/** 'started' carries nanoseconds since init.runStartNs, which the hand starter set to its request time. */
function stampOfStarted(requested: bigint): (message: unknown) => bigint {
  return (message) => {
    const started = message as ActorToRunner;
    if (started.type !== 'started') throw new Error(`the actor's first message was ${started.type}, not started`);
    return requested + BigInt(Math.round(started.t));
  };
}

function bundleThread(validated: ValidatedSpec, workDir: string): () => Promise<SpawnSample> {
  return () => {
    const requested = process.hrtime.bigint();
    const worker = new Worker(entryPath('actor-thread'), { workerData: handInit(validated, 'thread', requested, workDir) });
    return firstMessage(requested, worker, stampOfStarted(requested));
  };
}

function bundleProcess(validated: ValidatedSpec, workDir: string): () => Promise<SpawnSample> {
  return () => {
    const requested = process.hrtime.bigint();
    const child = fork(entryPath('actor-process'), [], { execArgv: PROCESS_EXEC_ARGV });
    child.send({ type: 'init', init: handInit(validated, 'process', requested, workDir) });
    return firstMessage(requested, child, stampOfStarted(requested));
  };
}

/** Wraps a host to note when the runner asked it to start and when 'started' reached the runner. */
function observedHost(host: ActorHost, seen: { requested: bigint | null; received: bigint | null }): ActorHost {
  return {
    mechanism: host.mechanism,
    start(init, onMessage, options) {
      seen.requested = process.hrtime.bigint();
      return host.start(
        init,
        (message) => {
          if (message.type === 'started') seen.received ??= process.hrtime.bigint();
          onMessage(message);
        },
        options,
      );
    },
  };
}

function runnerSpawn(kind: 'thread' | 'process' | 'task', workRoot: string, environment: RunEnvironment, validated = emptyActorSpec(kind)): () => Promise<SpawnSample> {
  return async () => {
    const seen = { requested: null as bigint | null, received: null as bigint | null };
    const hosts = kind === 'thread' ? { thread: observedHost(threadHost, seen) } : kind === 'process' ? { process: observedHost(processHost, seen) } : {};
    const { run } = await runExperiment({ spec: validated.spec, validated, hosts, workRoot, environment });
    const actor = run.trials[0]?.actors[0];
    if (run.status !== 'ok' || !actor || actor.spawnLatencyMs === null) {
      throw new Error(`the ${kind} spawn run ended ${run.status}${run.error ? `: ${run.error}` : ''}`);
    }
    const receivedMs = seen.requested !== null && seen.received !== null ? msBetween(seen.requested, seen.received) : actor.spawnLatencyMs;
    return { stampMs: actor.spawnLatencyMs, receivedMs };
  };
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

function receivedNote(runner: readonly SpawnSample[], raw: readonly SpawnSample[]): string {
  const r = median(runner.map((s) => s.receivedMs));
  const b = median(raw.map((s) => s.receivedMs));
  return `until the parent received the first message: runner ${fmt(r)} vs raw ${fmt(b)} (ratio ${(r / b).toFixed(2)})`;
}

/** Where the runner's excess over the raw start goes: how much of it the bundle started by hand already shows. */
function excessNote(runner: readonly SpawnSample[], bundle: readonly SpawnSample[], raw: readonly SpawnSample[]): string {
  const rawMs = median(raw.map((s) => s.stampMs));
  const excess = median(runner.map((s) => s.stampMs)) - rawMs;
  const bundleExcess = median(bundle.map((s) => s.stampMs)) - rawMs;
  return `runner − raw = ${fmt(excess)}; the actor bundle started by hand (no runner, no host options) already costs ${fmt(bundleExcess)} over raw`;
}

function partFigure(name: string, label: string, samples: readonly SpawnSample[], raw: readonly SpawnSample[], baselineLabel: string): Figure {
  return makeFigure({
    name,
    value: median(samples.map((s) => s.stampMs)),
    unit: 'ms',
    samples: samples.length,
    baseline: { value: median(raw.map((s) => s.stampMs)), label: baselineLabel },
    notes: [label],
  });
}

async function run(options: BenchOptions): Promise<Figure[]> {
  const entries = writeRawEntries(options.scratchDir);
  const workRoot = join(options.scratchDir, 'spawn-runs');
  const environment = currentEnvironment();
  // A thread start is short (≈ 30–40 ms) and noisy on a shared machine, and a round of them is cheap:
  // threads get more rounds than processes.
  const threadRounds = options.quick ? 5 : 25;
  const rounds = options.quick ? 5 : 15;
  const warmupRounds = options.quick ? 1 : 2;
  const target = { of: 'ratio', op: '<=', limit: 1.15 } as const;
  const rawWorkerLabel = 'new Worker(minimal .mjs)';
  const rawForkLabel = 'fork(minimal .mjs)';

  options.log(`spawn: threads and tasks, ${threadRounds} rounds (+${warmupRounds} warm-up)`);
  const threadSpec = emptyActorSpec('thread');
  const threads = await interleave(
    {
      raw: rawWorker(entries.firstMessageWorker),
      rawCjs: rawWorker(entries.firstMessageWorkerCjs),
      rawResourceLimits: rawWorker(entries.firstMessageWorker, { resourceLimits: { maxOldGenerationSizeMb: MEMORY_MB } }),
      rawStdout: rawWorker(entries.firstMessageWorker, { stdout: true, stderr: false }),
      rawInit: rawWorker(entries.firstMessageWorker, { workerData: handInit(threadSpec, 'thread', process.hrtime.bigint(), options.scratchDir) }),
      bundle: bundleThread(threadSpec, options.scratchDir),
      runner: runnerSpawn('thread', workRoot, environment),
      runnerWarmed: runnerSpawn('thread', workRoot, environment, warmedThreadSpec()),
      task: runnerSpawn('task', workRoot, environment),
    },
    { rounds: threadRounds, warmupRounds, onRound: (round, total) => options.log(`  thread round ${round}/${total}`) },
  );

  options.log(`spawn: processes, ${rounds} rounds (+${warmupRounds} warm-up)`);
  const processSpec = emptyActorSpec('process');
  const execArgv = [...PROCESS_EXEC_ARGV];
  const processes = await interleave(
    {
      raw: rawFork(entries.firstMessageChild, { execArgv }),
      rawDetached: rawFork(entries.firstMessageChild, { execArgv, detached: true }),
      rawPipes: rawFork(entries.firstMessageChild, { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }),
      rawHeapCap: rawFork(entries.firstMessageChild, { execArgv: [...execArgv, `--max-old-space-size=${MEMORY_MB}`] }),
      bundle: bundleProcess(processSpec, options.scratchDir),
      runner: runnerSpawn('process', workRoot, environment),
    },
    { rounds, warmupRounds, onRound: (round, total) => options.log(`  process round ${round}/${total}`) },
  );

  return [
    makeFigure({
      name: 'spawn.thread',
      value: median(threads.runner.map((s) => s.stampMs)),
      unit: 'ms',
      samples: threads.runner.length,
      baseline: { value: median(threads.raw.map((s) => s.stampMs)), label: rawWorkerLabel },
      target,
      notes: ['runner: spawnLatencyMs of a thread actor with an empty program', receivedNote(threads.runner, threads.raw), excessNote(threads.runner, threads.bundle, threads.raw)],
    }),
    makeFigure({
      name: 'spawn.thread.trace-warmed',
      value: median(threads.runnerWarmed.map((s) => s.stampMs)),
      unit: 'ms',
      samples: threads.runnerWarmed.length,
      baseline: { value: median(threads.runner.map((s) => s.stampMs)), label: 'the runner starting a thread actor with an empty program (spawn.thread)' },
      notes: [
        `runner: spawnLatencyMs of a thread actor whose program traces ${WARMED_ROUNDS} lock rounds (${tracedLoopEvents(warmedThreadSpec().spec.actors[0]!.program).toLocaleString('en-US')} events by the estimate, from ${WARM_FROM_EVENTS.toLocaleString('en-US')} a thread is warmed): its trace's methods run ${WARM_ROUNDS.toLocaleString('en-US')} rounds before it reports itself started`,
        'what the warm-up spares a traced loop is in mutex.contended.traced',
      ],
    }),
    makeFigure({
      name: 'spawn.process',
      value: median(processes.runner.map((s) => s.stampMs)),
      unit: 'ms',
      samples: processes.runner.length,
      baseline: { value: median(processes.raw.map((s) => s.stampMs)), label: `${rawForkLabel}, --no-concurrent-osr` },
      target,
      notes: ['runner: spawnLatencyMs of a process actor with an empty program', receivedNote(processes.runner, processes.raw), excessNote(processes.runner, processes.bundle, processes.raw)],
    }),
    makeFigure({
      name: 'spawn.task',
      value: median(threads.task.map((s) => s.stampMs)),
      unit: 'ms',
      samples: threads.task.length,
      notes: ['a task runs inside the runner: nothing is started, only scheduled'],
    }),
    partFigure('spawn.thread.part.commonjs', 'the minimal file as CommonJS (.cjs): no ESM loader in the new thread; the actor bundles are ESM', threads.rawCjs, threads.raw, rawWorkerLabel),
    partFigure('spawn.thread.part.resource-limits', `minimal Worker + resourceLimits {maxOldGenerationSizeMb: ${MEMORY_MB}} (threadHost passes it)`, threads.rawResourceLimits, threads.raw, rawWorkerLabel),
    partFigure('spawn.thread.part.stdout-pipe', 'minimal Worker + {stdout: true, stderr: false} (threadHost passes it)', threads.rawStdout, threads.raw, rawWorkerLabel),
    partFigure('spawn.thread.part.init-data', "minimal Worker + an actor's init (spec, identity, shared memory) as workerData", threads.rawInit, threads.raw, rawWorkerLabel),
    partFigure('spawn.thread.part.actor-bundle', 'the actor-thread bundle started by hand: plain new Worker(bundle, {workerData: init})', threads.bundle, threads.raw, rawWorkerLabel),
    partFigure('spawn.process.part.detached', 'minimal fork + detached: true (a process group, as forkHost asks)', processes.rawDetached, processes.raw, rawForkLabel),
    partFigure('spawn.process.part.stdio-pipes', "minimal fork + stdio ['ignore','ignore','pipe','ipc'] (forkHost's)", processes.rawPipes, processes.raw, rawForkLabel),
    partFigure('spawn.process.part.heap-cap', `minimal fork + --max-old-space-size=${MEMORY_MB}`, processes.rawHeapCap, processes.raw, rawForkLabel),
    partFigure('spawn.process.part.actor-bundle', 'the actor-process bundle started by hand: plain fork + init message', processes.bundle, processes.raw, rawForkLabel),
  ];
}

export const spawnGroup: FigureGroup = {
  name: 'spawn',
  description: 'spawn cost per actor kind through the runner vs a raw Worker / fork started by hand',
  run,
};
