import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RunEnvironment, RunRecord } from '../../model/run-model';
import { currentEnvironment } from '../../engine/runner/environment';
import { runExperiment } from '../../engine/runner/experiment';
import { DEFAULT_LIMIT_CAPS } from '../../model/limit-caps';
import { validateSpec, type ValidatedSpec } from '../../engine/spec/validate';
import { decodeBatch, type EventBatch } from '../../model/trace-event';
import { WARM_FROM_EVENTS, WARM_ROUNDS } from '../../engine/trace/trace-warmup';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';
import { writeRawEntries } from '../fixtures/raw-entries';
import { interleave, median } from '../sampling';

/**
 * 100 thread actors through one contended mutex: each does K times [acquire m, add n 1, release m];
 * acquisitions per second beside 100 raw Workers running a hand-written futex lock loop (the same
 * three-state algorithm) for the same 100·K increments.
 *
 * The timed window on both sides runs from the moment the last thread arrived at a start barrier
 * (every thread may then start counting; the earliest 'go' stamp, the last arrival's own) to the
 * last thread's end. Without the barrier, the
 * window from the first start to the last end mostly measures spawning 100 threads on few cores
 * (≈ 24 ms each, ANCHORS.md) while the earliest threads count uncontended; that wider window is
 * still reported in the notes, for both sides.
 *
 * A contended lock's throughput depends on how long the loop body takes, not only on the lock: when
 * a thread releases and re-acquires within a few nanoseconds it keeps the lock, when it needs a
 * microsecond a woken waiter takes it and every acquisition becomes a hand-off between threads
 * (a lock convoy). So beside the bare raw loop, a raw loop padded with plain integer work to the
 * runner's own uncontended time per iteration is measured too: it separates what the interpreter's
 * per-step cost does to contention from what the engine's lock itself costs.
 */

const THREADS = 100;
/** Integer-work iterations of the calibration run, per lock iteration. */
const PAD_PROBE = 2_000;

interface ContentionSample {
  /** Acquisitions per second from the barrier to the last end. */
  readonly perS: number;
  /** Acquisitions per second from the first thread's start to the last end (spawning included). */
  readonly perSFromStart: number;
  readonly failures: readonly string[];
}

interface Size {
  readonly threads: number;
  readonly iterations: number;
}

function contentionSpec({ threads, iterations }: Size, trace: 'summary' | 'each'): ValidatedSpec {
  const events = threads * (iterations * 4 + 16);
  const maxEvents = Math.max(DEFAULT_LIMIT_CAPS.maxEvents, events * 2);
  return validateSpec(
    {
      version: 1,
      limits: { maxEvents },
      shared: { n: { scope: 'shared', initial: 0 } },
      primitives: { m: { type: 'mutex' }, go: { type: 'barrier', parties: threads } },
      actors: [
        {
          name: 'worker',
          kind: 'thread',
          count: threads,
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

function runFailures(run: RunRecord, total: number): string[] {
  const trial = run.trials[0];
  if (run.status !== 'ok' || !trial) return [`the run ended ${run.status}${run.error ? `: ${run.error}` : ''}`];
  const n = trial.finalShared['n'];
  return n === total ? [] : [`final n = ${String(n)}, expected ${total}`];
}

function runnerSampler(size: Size, trace: 'summary' | 'each', workRoot: string, environment: RunEnvironment): () => Promise<ContentionSample> {
  const validated = contentionSpec(size, trace);
  const total = size.threads * size.iterations;
  return async () => {
    const batches: EventBatch[] = [];
    const { run } = await runExperiment({ spec: validated.spec, validated, workRoot, environment, onBatch: (batch) => batches.push(batch) });
    const failures = runFailures(run, total);
    const { go, end } = markTimes(batches);
    if (go.length !== size.threads || end.length !== size.threads) {
      failures.push(`found ${go.length} 'go' and ${end.length} 'end' marks, expected ${size.threads} each`);
    }
    const actors = run.trials[0]?.actors ?? [];
    const firstStart = Math.min(...actors.map((a) => a.startedNs ?? Infinity));
    const lastEnd = Math.max(...actors.map((a) => a.endedNs ?? -Infinity));
    return {
      perS: (total / (Math.max(...end) - Math.min(...go))) * 1e9,
      perSFromStart: (total / (lastEnd - firstStart)) * 1e9,
      failures,
    };
  };
}

interface RawTimes {
  readonly started: string;
  readonly go: string;
  readonly end: string;
}

interface Padding {
  readonly padInside: number;
  readonly padOutside: number;
}

const NO_PADDING: Padding = { padInside: 0, padOutside: 0 };

function rawSampler(file: string, size: Size, padding: () => Padding): () => Promise<ContentionSample> {
  const total = size.threads * size.iterations;
  return async () => {
    const memory = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
    const workerData = { memory, iterations: size.iterations, parties: size.threads, ...padding() };
    const workers = Array.from({ length: size.threads }, () => new Worker(file, { workerData }));
    const times = await Promise.all(
      workers.map(async (worker) => {
        const exited = once(worker, 'exit');
        exited.catch(() => undefined); // an 'error' rejects both; the message wait reports it
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
      perS: (total / Number(lastEnd - minOf(times.map((t) => t.go)))) * 1e9,
      perSFromStart: (total / Number(lastEnd - minOf(times.map((t) => t.started)))) * 1e9,
      failures: counter === total ? [] : [`raw counter = ${counter}, expected ${total}`],
    };
  };
}

const fmtRate = (perS: number): string => `${Math.round(perS).toLocaleString('en-US')}/s`;
const rateOf = (samples: readonly ContentionSample[]): number => median(samples.map((s) => s.perS));
const checks = (...sets: (readonly ContentionSample[])[]): string[] => sets.flatMap((set) => set.flatMap((s) => s.failures));

function loopText(size: Size, trace: string): string {
  return `${size.threads} thread actor${size.threads === 1 ? '' : 's'} × ${size.iterations.toLocaleString('en-US')} [acquire m, add n 1, release m], trace '${trace}'; final n checked = ${(size.threads * size.iterations).toLocaleString('en-US')}`;
}

function fromStartNote(runner: readonly ContentionSample[], raw: readonly ContentionSample[]): string {
  return `window from the first thread's start instead (spawning included): runner ${fmtRate(median(runner.map((s) => s.perSFromStart)))} vs raw ${fmtRate(median(raw.map((s) => s.perSFromStart)))}`;
}

/** What the padded comparison says, in words, from its measured ratio. */
function paddedVerdict(ratio: number): string {
  if (ratio >= 0.8) return 'ratio near 1: under contention the runner gets what any loop body of its length gets from this lock; the lock path adds little of its own';
  return `ratio ${ratio.toFixed(2)}: under contention the runner loses more than its uncontended per-iteration time explains; the lock hand-offs cost it more than they cost a plain loop of the same length`;
}

/** What one thread alone through the same traced rounds says about the contended figure, in words, from the two rates. */
function tracedAloneNote(alone: number, contended: number, iterations: number): string {
  const measured = `one thread alone through the same ${iterations.toLocaleString('en-US')} traced rounds, no contention: ${fmtRate(alone)}`;
  if (contended >= 0.8 * alone) {
    return `${measured}, and ${THREADS} contending threads get ${(contended / alone).toFixed(2)} of that: the figure is bounded by a new thread's traced rounds (its own steps still run in V8's interpreter), not by the lock`;
  }
  return `${measured}; ${THREADS} contending threads get ${(contended / alone).toFixed(2)} of that: contention costs the traced loop more than its rounds alone`;
}

async function run(options: BenchOptions): Promise<Figure[]> {
  const entries = writeRawEntries(options.scratchDir);
  const workRoot = join(options.scratchDir, 'mutex-runs');
  const environment = currentEnvironment();
  const solo: Size = { threads: 1, iterations: options.quick ? 100_000 : 300_000 };
  const probe: Size = { threads: 1, iterations: 20_000 };
  const contended: Size = { threads: THREADS, iterations: options.quick ? 1_000 : 2_000 };
  const longer: Size = { threads: THREADS, iterations: contended.iterations * 10 };
  const traced: Size = { threads: THREADS, iterations: options.quick ? 200 : 1_000 };
  /** One thread alone through the same traced rounds: what a new thread's rounds cost without any contention. */
  const tracedAlone: Size = { threads: 1, iterations: traced.iterations };
  const soloRounds = options.quick ? 3 : 5;
  const rounds = options.quick ? 1 : 5;
  const explainRounds = options.quick ? 1 : 3;
  const rawLabel = `${THREADS} raw Workers, hand-written futex mutex (Drepper's 3-state), same increments`;

  options.log(`mutex: one thread, uncontended, and the padding calibration, ${soloRounds} rounds`);
  const soloSamples = await interleave(
    {
      runner: runnerSampler(solo, 'summary', workRoot, environment),
      raw: rawSampler(entries.futexLockWorker, solo, () => NO_PADDING),
      probe: rawSampler(entries.futexLockWorker, probe, () => ({ padInside: 0, padOutside: PAD_PROBE })),
    },
    { rounds: soloRounds, warmupRounds: 1 },
  );
  const runnerIterationNs = 1e9 / rateOf(soloSamples.runner);
  const rawIterationNs = 1e9 / rateOf(soloSamples.raw);
  const padNs = (1e9 / rateOf(soloSamples.probe) - rawIterationNs) / PAD_PROBE;
  const padTotal = Math.max(0, Math.round((runnerIterationNs - rawIterationNs) / padNs));
  // Roughly half of the runner's iteration lies between the CAS that takes the lock and the release:
  // the end of the acquire step, the add step and the start of the release step.
  const padding: Padding = { padInside: Math.round(padTotal / 2), padOutside: padTotal - Math.round(padTotal / 2) };
  options.log(`  runner ${runnerIterationNs.toFixed(0)} ns per uncontended iteration, raw ${rawIterationNs.toFixed(0)} ns; padding the raw loop with ${padTotal} work iterations (${padNs.toFixed(2)} ns each)`);

  options.log(`mutex: ${THREADS} threads × ${contended.iterations}, runner and raw, ${rounds} rounds`);
  const samples = await interleave(
    {
      runner: runnerSampler(contended, 'summary', workRoot, environment),
      raw: rawSampler(entries.futexLockWorker, contended, () => NO_PADDING),
    },
    { rounds, warmupRounds: 0, onRound: (round, total) => options.log(`  mutex round ${round}/${total}`) },
  );
  // The comparisons that explain the main figure (and the traced variant) get fewer rounds: each
  // sample spawns 100 threads, and the whole bench must stay within a few minutes on 2 cores.
  // One thread alone through the traced rounds first: its time per round sets the padding of a raw loop that
  // takes as long, measured under the same contention beside the traced figure. The padding is calibrated on
  // threads as new as the traced ones (1,000 rounds each): there the work loop runs slower than when warm.
  options.log(`mutex: one thread alone through ${traced.iterations} traced rounds and the raw loop's calibration, ${explainRounds + 2} rounds`);
  const alone = await interleave(
    {
      runnerTracedAlone: runnerSampler(tracedAlone, 'each', workRoot, environment),
      rawAlone: rawSampler(entries.futexLockWorker, tracedAlone, () => NO_PADDING),
      rawProbeAlone: rawSampler(entries.futexLockWorker, tracedAlone, () => ({ padInside: 0, padOutside: PAD_PROBE / 2 })),
    },
    { rounds: explainRounds + 2, warmupRounds: 1 },
  );
  const tracedIterationNs = 1e9 / rateOf(alone.runnerTracedAlone);
  const rawAloneNs = 1e9 / rateOf(alone.rawAlone);
  const coldPadNs = Math.max(1e-3, (1e9 / rateOf(alone.rawProbeAlone) - rawAloneNs) / (PAD_PROBE / 2));
  const tracedPadTotal = Math.max(0, Math.round((tracedIterationNs - rawAloneNs) / coldPadNs));
  // About a third of a traced round lies inside the lock: the acquire's end, the add and its event.
  const tracedPadding: Padding = { padInside: Math.round(tracedPadTotal / 3), padOutside: tracedPadTotal - Math.round(tracedPadTotal / 3) };

  options.log(`mutex: explanations (raw ×10 longer, raw padded, trace 'each' × ${traced.iterations}), ${explainRounds} rounds`);
  const explain = await interleave(
    {
      rawLonger: rawSampler(entries.futexLockWorker, longer, () => NO_PADDING),
      rawPadded: rawSampler(entries.futexLockWorker, contended, () => padding),
      rawPaddedSolo: rawSampler(entries.futexLockWorker, solo, () => padding),
      runnerTraced: runnerSampler(traced, 'each', workRoot, environment),
      rawTraced: rawSampler(entries.futexLockWorker, traced, () => NO_PADDING),
      rawTracedPadded: rawSampler(entries.futexLockWorker, traced, () => tracedPadding),
      rawTracedPaddedAlone: rawSampler(entries.futexLockWorker, tracedAlone, () => tracedPadding),
    },
    { rounds: explainRounds, warmupRounds: 0, onRound: (round, total) => options.log(`  explanation round ${round}/${total}`) },
  );
  const runnerTracedAlone = alone.runnerTracedAlone;

  return [
    makeFigure({
      name: 'mutex.contended',
      value: rateOf(samples.runner),
      unit: 'acq/s',
      samples: samples.runner.length,
      baseline: { value: rateOf(samples.raw), label: rawLabel },
      target: { of: 'ratio', op: '>=', limit: 0.5 },
      failures: checks(samples.runner, samples.raw, explain.rawLonger),
      notes: [
        `${loopText(contended, 'summary')}; window: start barrier passed → last thread's end`,
        fromStartNote(samples.runner, samples.raw),
        `the raw rate grows with the run's length (an unfair lock lets the running thread keep it for long streaks): ${fmtRate(rateOf(explain.rawLonger))} at ${longer.iterations.toLocaleString('en-US')} per thread; compare ratios at equal sizes only`,
      ],
    }),
    makeFigure({
      name: 'mutex.contended.traced',
      value: rateOf(explain.runnerTraced),
      unit: 'acq/s',
      samples: explain.runnerTraced.length,
      baseline: { value: rateOf(explain.rawTraced), label: rawLabel },
      target: { of: 'ratio', op: '>=', limit: 0.25 },
      failures: checks(explain.runnerTraced, explain.rawTraced, runnerTracedAlone),
      notes: [
        `${loopText(traced, 'each')} (4 events per iteration); window: start barrier passed → last thread's end`,
        fromStartNote(explain.runnerTraced, explain.rawTraced),
        `each thread's trace is warmed before it reports itself started (${WARM_ROUNDS.toLocaleString('en-US')} rounds of its recording methods, as for any thread tracing ${WARM_FROM_EVENTS.toLocaleString('en-US')} events or more in loops; its cost is figure spawn.thread.trace-warmed): part of the spawning in the wider window just above, not of the barrier's window`,
        tracedAloneNote(rateOf(runnerTracedAlone), rateOf(explain.runnerTraced), traced.iterations),
        `the raw loop padded to the traced round's time alone (${tracedIterationNs.toFixed(0)} ns a round, ${tracedPadTotal} work iterations, a third inside the lock; alone it ran ${Math.round(1e9 / rateOf(explain.rawTracedPaddedAlone))} ns a round): ${fmtRate(rateOf(explain.rawTracedPadded))} under the same contention, the runner ${(rateOf(explain.runnerTraced) / rateOf(explain.rawTracedPadded)).toFixed(2)} of that (figure mutex.contended.traced.vs-padded-raw)`,
      ],
    }),
    makeFigure({
      name: 'mutex.contended.traced.vs-padded-raw',
      value: rateOf(explain.runnerTraced),
      unit: 'acq/s',
      samples: explain.runnerTraced.length,
      baseline: {
        value: rateOf(explain.rawTracedPadded),
        label: `${THREADS} raw Workers, the same futex loop padded with ${tracedPadTotal} integer-work iterations to the traced round's time alone`,
      },
      failures: checks(explain.rawTracedPadded, explain.rawTracedPaddedAlone, alone.rawAlone, alone.rawProbeAlone),
      notes: [paddedVerdict(rateOf(explain.runnerTraced) / rateOf(explain.rawTracedPadded))],
    }),
    makeFigure({
      name: 'mutex.contended.vs-padded-raw',
      value: rateOf(samples.runner),
      unit: 'acq/s',
      samples: samples.runner.length,
      baseline: {
        value: rateOf(explain.rawPadded),
        label: `the raw loop padded with ${padTotal} integer-work iterations (half inside the lock) to the runner's uncontended time per iteration`,
      },
      failures: checks(explain.rawPadded, explain.rawPaddedSolo),
      notes: [
        `padded raw loop alone on one thread: ${Math.round(1e9 / rateOf(explain.rawPaddedSolo))} ns per iteration vs the runner's ${runnerIterationNs.toFixed(0)} ns (calibration check)`,
        paddedVerdict(rateOf(samples.runner) / rateOf(explain.rawPadded)),
      ],
    }),
    makeFigure({
      name: 'mutex.uncontended',
      value: rateOf(soloSamples.runner),
      unit: 'acq/s',
      samples: soloSamples.runner.length,
      baseline: { value: rateOf(soloSamples.raw), label: '1 raw Worker, the same futex loop' },
      target: { of: 'ratio', op: '>=', limit: 0.5 },
      failures: checks(soloSamples.runner, soloSamples.raw, soloSamples.probe),
      notes: [`${loopText(solo, 'summary')}; the interpreter's cost per iteration: ${runnerIterationNs.toFixed(0)} ns vs ${rawIterationNs.toFixed(0)} ns raw`],
    }),
  ];
}

export const mutexGroup: FigureGroup = {
  name: 'mutex',
  description: `${THREADS} thread actors through one contended mutex: acquisitions per second beside a raw Atomics lock loop`,
  run,
};
