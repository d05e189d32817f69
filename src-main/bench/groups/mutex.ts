import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RunEnvironment, RunRecord } from '../../engine/run-model';
import { currentEnvironment } from '../../engine/runner/environment';
import { runExperiment } from '../../engine/runner/experiment';
import { DEFAULT_LIMIT_CAPS } from '../../engine/spec/limits';
import { validateSpec, type ValidatedSpec } from '../../engine/spec/validate';
import { decodeBatch, type EventBatch } from '../../engine/trace/trace-event';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';
import { writeRawEntries } from '../fixtures/raw-entries';
import { interleave, median } from '../sampling';

/**
 * 100 thread actors through one contended mutex: each does K times [acquire m, add n 1, release m];
 * acquisitions per second beside 100 raw Workers running a hand-written futex lock loop (the same
 * three-state algorithm) for the same 100·K increments.
 *
 * The timed window on both sides runs from the moment the last thread arrived at a start barrier
 * (every thread then starts counting together) to the last thread's end. Without the barrier the
 * window from the first start to the last end would mostly measure spawning 100 threads on few cores
 * (≈ 24 ms each, ANCHORS.md), and the earliest threads would count uncontended; that wider window is
 * still reported in the notes, for both sides.
 */

const THREADS = 100;

interface ContentionSample {
  /** Acquisitions per second from the barrier to the last end. */
  readonly perS: number;
  /** Acquisitions per second from the first thread's start to the last end (spawning included). */
  readonly perSFromStart: number;
  readonly failures: readonly string[];
}

function contentionSpec(iterations: number, trace: 'summary' | 'each'): ValidatedSpec {
  const events = THREADS * (iterations * 4 + 16);
  const maxEvents = Math.max(DEFAULT_LIMIT_CAPS.maxEvents, events * 2);
  return validateSpec(
    {
      version: 1,
      limits: { maxEvents },
      shared: { n: { scope: 'shared', initial: 0 } },
      primitives: { m: { type: 'mutex' }, go: { type: 'barrier', parties: THREADS } },
      actors: [
        {
          name: 'worker',
          kind: 'thread',
          count: THREADS,
          program: [
            { op: 'wait', prim: 'go' },
            { op: 'mark', name: 'go' },
            {
              op: 'repeat',
              times: iterations,
              trace,
              steps: [
                { op: 'acquire', prim: 'm' },
                { op: 'add', var: 'n', delta: 1 },
                { op: 'release', prim: 'm' },
              ],
            },
            { op: 'mark', name: 'end' },
          ],
        },
      ],
    },
    { caps: { ...DEFAULT_LIMIT_CAPS, maxEvents } },
  );
}

/** Times of the 'go' and 'end' marks, in nanoseconds since the run's start. */
function markTimes(batches: readonly EventBatch[]): { go: number[]; end: number[] } {
  const go: number[] = [];
  const end: number[] = [];
  for (const batch of batches) {
    if (!batch.payload.includes('"mark"')) continue;
    for (const event of decodeBatch(batch)) {
      if (event.op !== 'mark') continue;
      if (event.data?.['name'] === 'go') go.push(event.t);
      else if (event.data?.['name'] === 'end') end.push(event.t);
    }
  }
  return { go, end };
}

function runnerSampler(iterations: number, trace: 'summary' | 'each', workRoot: string, environment: RunEnvironment): () => Promise<ContentionSample> {
  const validated = contentionSpec(iterations, trace);
  const total = THREADS * iterations;
  return async () => {
    const { run, batches } = await runExperiment({ spec: validated.spec, validated, workRoot, environment });
    const failures = runFailures(run, total);
    const { go, end } = markTimes(batches);
    if (go.length !== THREADS || end.length !== THREADS) failures.push(`found ${go.length} 'go' and ${end.length} 'end' marks, expected ${THREADS} each`);
    const actors = run.trials[0]?.actors ?? [];
    const firstStart = Math.min(...actors.map((a) => a.startedNs ?? Infinity));
    const lastEnd = Math.max(...actors.map((a) => a.endedNs ?? -Infinity));
    return {
      perS: (total / (Math.max(...end) - Math.max(...go))) * 1e9,
      perSFromStart: (total / (lastEnd - firstStart)) * 1e9,
      failures,
    };
  };
}

function runFailures(run: RunRecord, total: number): string[] {
  const trial = run.trials[0];
  if (run.status !== 'ok' || !trial) return [`the run ended ${run.status}${run.error ? `: ${run.error}` : ''}`];
  const n = trial.finalShared['n'];
  return n === total ? [] : [`final n = ${String(n)}, expected ${total}`];
}

interface RawTimes {
  readonly started: string;
  readonly go: string;
  readonly end: string;
}

function rawSampler(file: string, iterations: number): () => Promise<ContentionSample> {
  const total = THREADS * iterations;
  return async () => {
    const memory = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
    const workers = Array.from({ length: THREADS }, () => new Worker(file, { workerData: { memory, iterations, parties: THREADS } }));
    const times = await Promise.all(
      workers.map(async (worker) => {
        const exited = once(worker, 'exit');
        exited.catch(() => undefined);
        const [message] = (await once(worker, 'message')) as [RawTimes];
        await exited;
        return { started: BigInt(message.started), go: BigInt(message.go), end: BigInt(message.end) };
      }),
    );
    const maxOf = (values: bigint[]): bigint => values.reduce((a, b) => (b > a ? b : a));
    const minOf = (values: bigint[]): bigint => values.reduce((a, b) => (b < a ? b : a));
    const lastEnd = maxOf(times.map((t) => t.end));
    const counter = new Int32Array(memory)[1];
    return {
      perS: (total / Number(lastEnd - maxOf(times.map((t) => t.go)))) * 1e9,
      perSFromStart: (total / Number(lastEnd - minOf(times.map((t) => t.started)))) * 1e9,
      failures: counter === total ? [] : [`raw counter = ${counter}, expected ${total}`],
    };
  };
}

const fmtRate = (perS: number): string => `${Math.round(perS).toLocaleString('en-US')}/s`;

function contentionFigure(name: string, runner: readonly ContentionSample[], raw: readonly ContentionSample[], iterations: number, trace: string): Figure {
  return makeFigure({
    name,
    value: median(runner.map((s) => s.perS)),
    unit: 'acq/s',
    samples: runner.length,
    baseline: { value: median(raw.map((s) => s.perS)), label: `${THREADS} raw Workers, hand-written futex mutex (Drepper's 3-state), same increments` },
    failures: [...runner, ...raw].flatMap((s) => s.failures),
    notes: [
      `${THREADS} thread actors × ${iterations.toLocaleString('en-US')} [acquire m, add n 1, release m], trace '${trace}'; window: start barrier passed → last thread's end; final n checked = ${(THREADS * iterations).toLocaleString('en-US')}`,
      `window from the first thread's start instead (spawning included): runner ${fmtRate(median(runner.map((s) => s.perSFromStart)))} vs raw ${fmtRate(median(raw.map((s) => s.perSFromStart)))}`,
    ],
  });
}

async function run(options: BenchOptions): Promise<Figure[]> {
  const entries = writeRawEntries(options.scratchDir);
  const workRoot = join(options.scratchDir, 'mutex-runs');
  const environment = currentEnvironment();
  const iterations = options.quick ? 2_000 : 20_000;
  const iterationsTraced = options.quick ? 200 : 1_000;
  const rounds = options.quick ? 1 : 5;
  const warmupRounds = 0;

  options.log(`mutex: ${THREADS} threads × ${iterations} (trace summary) and × ${iterationsTraced} (trace each), ${rounds} rounds`);
  const samples = await interleave(
    {
      runner: runnerSampler(iterations, 'summary', workRoot, environment),
      raw: rawSampler(entries.futexLockWorker, iterations),
      runnerTraced: runnerSampler(iterationsTraced, 'each', workRoot, environment),
      rawTraced: rawSampler(entries.futexLockWorker, iterationsTraced),
    },
    { rounds, warmupRounds, onRound: (round, total) => options.log(`  mutex round ${round}/${total}`) },
  );
  return [
    contentionFigure('mutex.contended', samples.runner, samples.raw, iterations, 'summary'),
    contentionFigure('mutex.contended.traced', samples.runnerTraced, samples.rawTraced, iterationsTraced, 'each'),
  ];
}

export const mutexGroup: FigureGroup = {
  name: 'mutex',
  description: `${THREADS} thread actors through one contended mutex: acquisitions per second beside a raw Atomics lock loop`,
  run,
};
