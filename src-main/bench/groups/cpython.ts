import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunRecord } from '../../model/run-model';
import { currentEnvironment } from '../../engine/runner/environment';
import { runExperiment } from '../../engine/runner/experiment';
import { CPYTHON_STEPS } from '../../engine/runtimes/cpython-support';
import { discoverPython, noPythonMessage } from '../../engine/runtimes/python-discovery';
import { DEFAULT_LIMIT_CAPS } from '../../model/limit-caps';
import { validateSpec } from '../../engine/spec/validate';
import { decodeBatch, type EventBatch } from '../../model/trace-event';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';
import { CPYTHON_BASELINES_PY } from '../fixtures/cpython-baselines';
import { interleave, median } from '../sampling';
import { traceRepetition } from './trace-store';

/**
 * The CPython runtime beside hand-written CPython programs doing the same work, both measured in the
 * same bench run with the same interpreter: thread start, 4 CPU tasks on threads and on processes, 100
 * threads through one contended lock, 1,000,000 generator switches. Each figure is the runtime's time
 * over the hand-written program's (target ≤ 1.25). Then trace events stored per second from two CPython
 * threads into SQLite, none lost (target ≥ 200,000/s), beside the raw insert of the same batches.
 *
 * The runtime's time is taken from its own records on the trial's clock: from the moment the trial
 * asked for the first worker (its start time less its spawn latency) to the last worker's end, or a
 * step's begin and end events; the hand-written programs time the same stretch on `time.monotonic_ns()`.
 */

const run = promisify(execFile);
const TARGET = { of: 'ratio', op: '<=', limit: 1.25 } as const;

interface Sample {
  readonly ms: number;
  readonly failures: readonly string[];
}

async function baseline(python: string, script: string, args: readonly (string | number)[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(python, [script, ...args.map(String)], { timeout: 120_000, maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

async function runtimeRun(spec: unknown, workRoot: string, onBatch?: (batch: EventBatch) => void): Promise<RunRecord> {
  const maxEvents = DEFAULT_LIMIT_CAPS.maxEvents;
  const validated = validateSpec(spec, { caps: { ...DEFAULT_LIMIT_CAPS, maxEvents } });
  const { run: record } = await runExperiment({ spec: validated.spec, validated, runtime: 'cpython', workRoot, environment: currentEnvironment(), ...(onBatch ? { onBatch } : {}) });
  return record;
}

function statusFailures(record: RunRecord): string[] {
  return record.status === 'ok' ? [] : [`the run ended ${record.status}${record.error ? `: ${record.error}` : ''}`];
}

/** From the trial's request for the first worker of `group` to the last one's end, in ms. */
function workersSpanMs(record: RunRecord, group: string): number {
  const workers = (record.trials[0]?.actors ?? []).filter((actor) => actor.group === group);
  const asked = Math.min(...workers.map((a) => (a.startedNs ?? Infinity) - (a.spawnLatencyMs ?? 0) * 1e6));
  const ended = Math.max(...workers.map((a) => a.endedNs ?? -Infinity));
  return (ended - asked) / 1e6;
}

function cpuSpec(kind: 'thread' | 'process', tasks: number, iterations: number): unknown {
  return { version: 1, actors: [{ name: 'worker', kind, count: tasks, program: [{ op: 'compute', iterations }] }] };
}

function threadStartSpec(count: number): unknown {
  return {
    version: 1,
    actors: [
      { name: 'main', kind: 'main', program: [
        { op: 'let', name: 'i', value: 0 },
        { op: 'repeat', times: count, steps: [
          { op: 'spawn', actor: 'worker', index: { ref: 'i' } },
          { op: 'join', actor: 'worker', index: { ref: 'i' } },
          { op: 'let', name: 'i', value: { add: [{ ref: 'i' }, 1] } },
        ] },
      ] },
      { name: 'worker', kind: 'thread', count, autostart: false, program: [] },
    ],
  };
}

function contendedSpec(threads: number, iterations: number): unknown {
  return {
    version: 1,
    shared: { n: { scope: 'shared', initial: 0 } },
    primitives: { m: { type: 'mutex' } },
    actors: [{ name: 'worker', kind: 'thread', count: threads, program: [
      { op: 'repeat', times: iterations, trace: 'summary', steps: [{ op: 'acquire', prim: 'm' }, { op: 'add', var: 'n', delta: 1 }, { op: 'release', prim: 'm' }] },
    ] }],
  };
}

function generatorSpec(switches: number): unknown {
  return { version: 1, actors: [{ name: 'main', kind: 'main', program: [{ op: 'generator_pingpong', switches }] }] };
}

/** The span of the first `op` step of the run, from its B to its E event, in ms. */
function stepSpanMs(batches: readonly EventBatch[], op: string): number | null {
  let begin: number | null = null;
  for (const batch of batches) {
    for (const event of decodeBatch(batch)) {
      if (event.op !== op) continue;
      if (event.ph === 'B' && begin === null) begin = event.t;
      else if (event.ph === 'E' && begin !== null) return (event.t - begin) / 1e6;
    }
  }
  return null;
}

function ratioFigure(name: string, unit: string, runtime: readonly Sample[], hand: readonly Sample[], label: string, notes: readonly string[]): Figure {
  return makeFigure({
    name,
    value: median(runtime.map((s) => s.ms)),
    unit,
    samples: runtime.length,
    baseline: { value: median(hand.map((s) => s.ms)), label },
    target: TARGET,
    failures: [...runtime, ...hand].flatMap((s) => s.failures),
    notes,
  });
}

async function figures(options: BenchOptions): Promise<Figure[]> {
  const python = discoverPython().found;
  if (!python) throw new Error(noPythonMessage(discoverPython()));
  const script = join(options.scratchDir, 'cpython_baselines.py');
  writeFileSync(script, CPYTHON_BASELINES_PY);
  const workRoot = join(options.scratchDir, 'cpython-runs');
  const rounds = options.quick ? 2 : 7;
  const warmupRounds = 1;
  const out: Figure[] = [];
  const progress = (what: string) => (round: number, of: number) => options.log(`cpython: ${what} ${round}/${of}`);

  // Thread start: 20 threads, one at a time, each joined before the next.
  const starts = 20;
  const startSamples = await interleave(
    {
      runtime: async (): Promise<Sample> => {
        const record = await runtimeRun(threadStartSpec(starts), workRoot);
        const latencies = (record.trials[0]?.actors ?? []).filter((a) => a.group === 'worker').map((a) => a.spawnLatencyMs ?? NaN);
        const failures = statusFailures(record);
        if (latencies.length !== starts || latencies.some((l) => !Number.isFinite(l))) failures.push(`${latencies.length} worker start latencies, expected ${starts}`);
        return { ms: median(latencies.filter(Number.isFinite).concat(latencies.length ? [] : [NaN])), failures };
      },
      hand: async (): Promise<Sample> => {
        const result = await baseline(python.path, script, ['thread-start', starts]);
        return { ms: median(result['latenciesMs'] as number[]), failures: [] };
      },
    },
    { warmupRounds, rounds, onRound: progress('thread start') },
  );
  out.push(ratioFigure('cpython.thread-start', 'ms', startSamples.runtime, startSamples.hand, 'threading.Thread(target) made and started until its target runs, by hand', [
    `median over ${starts} threads started one at a time, each joined before the next; runtime: the trial's request to the actor's first event`,
  ]));

  // 4 CPU tasks on threads and on processes.
  const tasks = 4;
  const iterations = options.quick ? 300_000 : 1_000_000;
  for (const [kind, word] of [['thread', 'threads'], ['process', 'processes']] as const) {
    const samples = await interleave(
      {
        runtime: async (): Promise<Sample> => {
          const record = await runtimeRun(cpuSpec(kind, tasks, iterations), workRoot);
          return { ms: workersSpanMs(record, 'worker'), failures: statusFailures(record) };
        },
        hand: async (): Promise<Sample> => ({ ms: (await baseline(python.path, script, [word, tasks, iterations]))['ms'] as number, failures: [] }),
      },
      { warmupRounds, rounds, onRound: progress(`4 CPU tasks on ${word}`) },
    );
    out.push(ratioFigure(`cpython.cpu-${word}`, 'ms', samples.runtime, samples.hand, `4 ${kind === 'thread' ? 'threading.Thread' : 'multiprocessing (fork) Process'}es running the same loop, by hand`, [
      `${tasks} ${word} × ${iterations.toLocaleString('en-US')} iterations of the compute loop; from the first start request to the last end`,
    ]));
  }

  // 100 threads through one contended lock.
  const threads = 100;
  const perThread = options.quick ? 200 : 1_000;
  const total = threads * perThread;
  const lockSamples = await interleave(
    {
      runtime: async (): Promise<Sample> => {
        const record = await runtimeRun(contendedSpec(threads, perThread), workRoot);
        const failures = statusFailures(record);
        const n = record.trials[0]?.finalShared['n'];
        if (n !== total) failures.push(`final n = ${String(n)}, expected ${total}`);
        return { ms: workersSpanMs(record, 'worker'), failures };
      },
      hand: async (): Promise<Sample> => {
        const result = await baseline(python.path, script, ['contended', threads, perThread]);
        return { ms: result['ms'] as number, failures: result['counter'] === total ? [] : [`hand-written counter ${String(result['counter'])}, expected ${total}`] };
      },
    },
    { warmupRounds, rounds, onRound: progress('contended lock') },
  );
  out.push(ratioFigure('cpython.contended-lock', 'ms', lockSamples.runtime, lockSamples.hand, '100 threads × `with lock: n += 1`, by hand', [
    `${threads} threads × ${perThread.toLocaleString('en-US')} rounds of acquire, add, release (trace: summary); final count checked on both sides`,
  ]));

  // 1,000,000 generator switches.
  const switches = 1_000_000;
  if (!CPYTHON_STEPS.has('generator_pingpong')) {
    out.push(makeFigure({ name: 'cpython.generator-switches', value: NaN, unit: 'ms', samples: 0, target: TARGET, failures: ['generator_pingpong is not supported on cpython'] }));
  } else {
    const genSamples = await interleave(
      {
        runtime: async (): Promise<Sample> => {
          const batches: EventBatch[] = [];
          const record = await runtimeRun(generatorSpec(switches), workRoot, (batch) => batches.push(batch));
          const failures = statusFailures(record);
          const ms = stepSpanMs(batches, 'generator_pingpong');
          if (ms === null) failures.push('no generator_pingpong span in the trace');
          return { ms: ms ?? NaN, failures };
        },
        hand: async (): Promise<Sample> => ({ ms: (await baseline(python.path, script, ['generator', switches]))['ms'] as number, failures: [] }),
      },
      { warmupRounds, rounds, onRound: progress('generator switches') },
    );
    out.push(ratioFigure('cpython.generator-switches', 'ms', genSamples.runtime, genSamples.hand, 'two generators switching by send(), by hand', [
      `${switches.toLocaleString('en-US')} switches (a send into the generator and its yield back count two); runtime: the step's begin to end events`,
    ]));
  }

  // Trace events stored per second from two CPython threads.
  const marks = options.quick ? 50_000 : 200_000;
  const repetitions = options.quick ? 2 : 5;
  const stored = [];
  for (let index = 0; index < repetitions; index++) {
    const result = await traceRepetition(index, marks, options, 'cpython');
    options.log(`cpython: trace run ${index + 1}/${repetitions}: ${Math.round(result.eventsPerS).toLocaleString('en-US')} events/s committed`);
    stored.push(result);
  }
  out.push(makeFigure({
    name: 'cpython.trace-events',
    value: median(stored.map((r) => r.eventsPerS)),
    unit: 'events/s',
    samples: stored.length,
    baseline: { value: median(stored.map((r) => r.rawInsertPerS)), label: 'the same batches inserted by hand with better-sqlite3 (one row per batch, one transaction)' },
    target: { of: 'value', op: '>=', limit: 200_000 },
    failures: stored.flatMap((r, i) => r.failures.map((f) => `run ${i + 1}: ${f}`)),
    notes: [
      `2 CPython thread actors × ${marks.toLocaleString('en-US')} marks (trace 'each'); from run start until the writer's flush() resolved; emitted = received = stored checked`,
      `the threads' own emit rate (first start to last end): ${Math.round(median(stored.map((r) => r.actorEmitPerS))).toLocaleString('en-US')}/s`,
    ],
  }));
  return out;
}

export const cpythonGroup: FigureGroup = {
  name: 'cpython',
  description: 'the CPython runtime beside hand-written CPython programs doing the same work; trace events stored per second',
  run: figures,
};
