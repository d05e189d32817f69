import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, freemem, loadavg } from 'node:os';
import { delimiter, join } from 'node:path';
import type { ServerModel } from '../../model/server-config';
import { totalMs } from '../../net/cpu-time';
import { messageOf } from '../../net/errors';
import { checkDescriptorBudget } from '../../net/load/descriptors';
import { runLoad, type LoadReport } from '../../net/load/load-generator';
import type { LoadConfig } from '../../net/load/load-config';
import { startBareEchoProcess, startServerProcess, type ProcessServer } from '../../net/server-process';
import { makeFigure, targetText, type BenchOptions, type Figure, type FigureGroup, type Target } from '../figure';
import { median } from '../sampling';

/**
 * The network lab under load, every server in a process of its own and the load from K worker
 * threads of the bench's process (so neither shares the other's CPU clock or descriptors):
 *
 * - closed loop: 64-byte echo, 1 / 100 / 1,000 connections, each model beside a bare Node `net`
 *   echo server under the same load in the same run. Target: the event-loop model ≥ 0.9× the bare
 *   server's requests per second at every connection count. The generator's own CPU is reported:
 *   one Node thread saturates near 40–55k req/s here (ANCHORS.md), so at high rates the ranking may
 *   be the generator's, not the servers'.
 * - the generator against wrk: the lab's load generator and wrk (the C load tool, Debian's package)
 *   in turn against the same event-loop HTTP server (hello, GET), with the same connections, threads
 *   and duration, in the same run. Target: the lab's req/s ≥ 0.9× wrk's, so that the generator is
 *   not what limits the figures above. Each side's CPU is given beside the server's.
 * - capacity, open loop: 10,000 connections held open to the event-loop model, each sending one
 *   request per second on a schedule; latency from the scheduled time. Target: p99 < 50 ms, no
 *   errors, all 10,000 connected, provided the open-file limit allows it.
 */

const MESSAGE_BYTES = 64;
const LOAD_THREADS = 2;
const CONNECTION_COUNTS = [1, 100, 1_000] as const;
const FULL_MODELS: readonly ServerModel[] = ['event-loop', 'worker-pool', 'thread-per-connection', 'process-per-connection', 'cluster', 'scanning', 'blocking-serial'];
const QUICK_MODELS: readonly ServerModel[] = ['event-loop', 'worker-pool', 'cluster', 'scanning'];
const CAPACITY_CONNECTIONS = 10_000;
const ONE_IN_FLIGHT_NOTE =
  'one request in flight: the rate is the inverse of one loopback round trip, which swings between ≈ 17 µs and ≈ 80 µs here with how the kernel places and wakes the two processes; read this ratio over several runs';
const EVENT_LOOP_TARGET: Target = { of: 'ratio', op: '>=', limit: 0.9 };
const CAPACITY_P99_TARGET: Target = { of: 'value', op: '<=', limit: 50 };

const THREAD_PER_CONNECTION_FREE_BYTES = 12 * 2 ** 30;

/** Why a model is not measured at a connection count, or null when it is. */
function skipReason(model: ServerModel, connections: number): string | null {
  if (model === 'blocking-serial' && connections > 1) {
    return `serves one connection at a time: under a closed loop the first of ${connections} persistent connections never leaves, so the others would only time out; measured at 1 connection`;
  }
  // A thousand worker threads take ≈ 8 GB and ≈ 40 s to start here (measured): only where the memory is free.
  if (model === 'thread-per-connection' && connections > 100 && freemem() < THREAD_PER_CONNECTION_FREE_BYTES) {
    return `${connections.toLocaleString('en-US')} worker threads need ≈ 8 GB; ${(freemem() / 2 ** 30).toFixed(1)} GB free (at least ${THREAD_PER_CONNECTION_FREE_BYTES / 2 ** 30} GB wanted); measured up to 100`;
  }
  if (model === 'process-per-connection' && connections > 100) {
    return `${connections.toLocaleString('en-US')} forked processes (≈ 70–120 ms and ≈ 40 MB each here, ≈ 40 GB in all) is beyond this machine; measured up to 100`;
  }
  return null;
}

interface Sample {
  readonly report: LoadReport;
  /** The server's CPU over the measured load, ms. */
  readonly serverCpuMs: number;
  /** The machine's 1-minute load average right after: other jobs on a shared machine take CPU from both sides. */
  readonly loadAverage: number;
}

const PER_CONNECTION_MODELS: readonly ServerModel[] = ['thread-per-connection', 'process-per-connection'];

function loadConfig(port: number, connections: number, durationMs: number, model: ServerModel | 'bare'): LoadConfig {
  // Priming a per-connection model starts every thread or process first (a process ≈ 0.1 s of CPU,
  // a few at a time): on a loaded machine that takes a while, and priming is not what is measured.
  const timeoutMs = model !== 'bare' && PER_CONNECTION_MODELS.includes(model) ? 120_000 : 30_000;
  return { port, connections, durationMs, messageBytes: MESSAGE_BYTES, threads: LOAD_THREADS, connectTimeoutMs: 30_000, timeoutMs };
}

async function measure(model: ServerModel | 'bare', connections: number, durationMs: number, warmupMs: number): Promise<Sample> {
  const server = model === 'bare' ? await startBareEchoProcess() : await startModel(model, connections);
  try {
    // JIT warm-up of both sides; its connections close before the measured load opens its own.
    // (None for 0: a model that starts a fresh thread or process per connection keeps no warmth.)
    if (warmupMs > 0) await runLoad(loadConfig(server.address.port, connections, warmupMs, model));
    const before = await server.metrics();
    const report = await runLoad(loadConfig(server.address.port, connections, durationMs, model));
    const after = await server.metrics();
    return { report, serverCpuMs: totalMs(after.cpu) - totalMs(before.cpu), loadAverage: loadavg()[0] ?? 0 };
  } finally {
    await server.stop({ graceMs: 2_000 });
  }
}

function startModel(model: ServerModel, connections: number): Promise<ProcessServer> {
  return startServerProcess({
      protocol: 'tcp',
      model,
      handler: { kind: 'echo' },
      backlog: 4_096,
      // Room for the connections of a load that is just closing beside those of the next one.
      ...(model === 'thread-per-connection' ? { maxThreads: 2 * connections + 8 } : {}),
      ...(model === 'process-per-connection' ? { maxProcesses: 2 * connections + 8 } : {}),
  });
}

const cpuCount = (): number => availableParallelism();
const fmt = (value: number, digits = 2): string => value.toLocaleString('en-US', { maximumSignificantDigits: Math.max(digits, 3) });

function sampleNotes(sample: Sample, startsPerConnection = false): string[] {
  const { report } = sample;
  const latency = report.latencyMs;
  const notes = [
    latency ? `latency p50 ${fmt(latency.p50)} ms, p90 ${fmt(latency.p90)} ms, p99 ${fmt(latency.p99)} ms, max ${fmt(latency.max)} ms` : 'no answers',
    `sent ${report.sent} = answered ${report.answered} + errors ${report.errors}${report.connections.failed ? `; ${report.connections.failed} connections failed` : ''}`,
    report.durationS > 0
      ? `server CPU ${fmt(sample.serverCpuMs / 1_000 / report.durationS)} cores${startsPerConnection ? ' (counting the start of a thread or process per connection while the load primed its connections, spread over the measured seconds)' : ''}; generator CPU ${report.generatorCpu ? `${fmt(report.generatorCpu.utilisation * 100)}% of ${report.threads} threads` : 'unknown'}`
      : 'no measured phase',
    `machine load average ${fmt(sample.loadAverage)} on ${cpuCount()} cores`,
  ];
  return notes;
}

function exactnessFailures(sample: Sample): string[] {
  const { report } = sample;
  const failures: string[] = [];
  if (report.sent !== report.answered + report.errors) failures.push(`sent ${report.sent} ≠ answered ${report.answered} + errors ${report.errors}`);
  if (report.errors > 0) failures.push(`${report.errors} errors (${Object.entries(report.errorsByKind).filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`).join(', ')})`);
  if (report.connections.failed > 0) {
    const kinds = Object.entries(report.connections.failures)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${kind}${report.connections.examples[kind as keyof typeof report.connections.examples] ? ` (${report.connections.examples[kind as keyof typeof report.connections.examples]})` : ''}`);
    failures.push(`${report.connections.failed} of ${report.connections.requested} connections failed: ${kinds.join(', ')}`);
  }
  return failures;
}

/** A figure that could not be measured here: the target is shown, meets is null, the reason is in the notes. */
function notMeasured(name: string, unit: string, target: Target | null, reason: string): Figure {
  return { ...makeFigure({ name, value: 0, unit, samples: 0, notes: [`NOT MEASURED: ${reason}`] }), target: target ? targetText(target) : null, meets: null };
}

async function closedLoop(options: BenchOptions): Promise<Figure[]> {
  const durationMs = options.quick ? 1_000 : 5_000;
  const warmupMs = options.quick ? 300 : 1_000;
  // The machines are shared: five alternating rounds for the pair the target compares.
  const rounds = options.quick ? 1 : 5;
  const models = options.quick ? QUICK_MODELS : FULL_MODELS;
  const figures: Figure[] = [];
  for (const connections of CONNECTION_COUNTS) {
    // The target's two sides alternate, round after round, so drift of a shared machine touches both.
    const bare: Sample[] = [];
    const eventLoop: Sample[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['bare', 'event-loop'] as const) : (['event-loop', 'bare'] as const);
      for (const side of order) {
        options.log(`network: closed loop, ${side}, ${connections} connections, round ${round + 1}/${rounds}`);
        if (side === 'bare') bare.push(await measure('bare', connections, durationMs, warmupMs));
        else eventLoop.push(await measure('event-loop', connections, durationMs, warmupMs));
      }
    }
    const bareRate = median(bare.map((sample) => sample.report.requestsPerS));
    const bareMiddle = bare.find((sample) => sample.report.requestsPerS === bareRate) ?? bare[0]!;
    figures.push(
      makeFigure({
        name: `network.closed.bare.c${connections}`,
        value: bareRate,
        unit: 'req/s',
        samples: bare.length,
        failures: bare.flatMap(exactnessFailures),
        notes: ['bare Node net echo server (socket.on("data", d => socket.write(d))), its own process', ...sampleNotes(bareMiddle)],
      }),
    );
    for (const model of models) {
      const name = `network.closed.${model}.c${connections}`;
      const reason = skipReason(model, connections);
      if (reason) {
        figures.push(notMeasured(name, 'req/s', null, reason));
        continue;
      }
      let samples: Sample[];
      if (model === 'event-loop') samples = eventLoop;
      else {
        options.log(`network: closed loop, ${model}, ${connections} connections`);
        try {
          samples = [await measure(model, connections, durationMs, PER_CONNECTION_MODELS.includes(model) ? 0 : warmupMs)];
        } catch (error) {
          figures.push(notMeasured(name, 'req/s', null, `the run failed: ${messageOf(error)}`));
          continue;
        }
      }
      const rate = median(samples.map((sample) => sample.report.requestsPerS));
      const middle = samples.find((sample) => sample.report.requestsPerS === rate) ?? samples[0]!;
      figures.push(
        makeFigure({
          name,
          value: rate,
          unit: 'req/s',
          samples: samples.length,
          baseline: { value: bareRate, label: `bare Node net echo, ${connections} connections, same run` },
          ...(model === 'event-loop' ? { target: EVENT_LOOP_TARGET } : {}),
          failures: samples.flatMap(exactnessFailures),
          notes: [
            `${model} model, its own process; ${LOAD_THREADS} load threads, ${MESSAGE_BYTES}-byte echo, ${durationMs / 1_000} s`,
            ...(connections === 1 ? [ONE_IN_FLIGHT_NOTE] : []),
            ...sampleNotes(middle, PER_CONNECTION_MODELS.includes(model)),
          ],
        }),
      );
    }
  }
  return figures;
}

async function capacity(options: BenchOptions): Promise<Figure[]> {
  const names = { p99: 'network.capacity.p99', connected: 'network.capacity.connected', errors: 'network.capacity.errors' };
  // The generator's process holds 10,000 sockets and so does the server's (a child with the same limit).
  const budget = checkDescriptorBudget(CAPACITY_CONNECTIONS, `${CAPACITY_CONNECTIONS.toLocaleString('en-US')} connections`);
  if (!budget.ok) {
    return [
      notMeasured(names.p99, 'ms', CAPACITY_P99_TARGET, budget.reason),
      notMeasured(names.connected, 'connections', { of: 'value', op: '>=', limit: CAPACITY_CONNECTIONS }, budget.reason),
      notMeasured(names.errors, 'errors', { of: 'value', op: '<=', limit: 0 }, budget.reason),
    ];
  }
  const durationMs = options.quick ? 5_000 : 15_000;
  options.log(`network: capacity, ${CAPACITY_CONNECTIONS} connections × 1 req/s for ${durationMs / 1_000} s (open-file limit ${budget.limit.soft})`);
  const server = await startServerProcess({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' }, backlog: 4_096 });
  let report: LoadReport;
  let serverCpuMs: number;
  try {
    const before = await server.metrics();
    report = await runLoad(
      {
        port: server.address.port,
        connections: CAPACITY_CONNECTIONS,
        durationMs,
        messageBytes: MESSAGE_BYTES,
        mode: { kind: 'open', ratePerConnection: 1 },
        threads: LOAD_THREADS,
        connectTimeoutMs: 30_000,
        timeoutMs: 5_000,
        progressIntervalMs: 1_000,
      },
      { onProgress: (p) => options.log(`  ${p.phase}: ${p.connected} connected, ${p.sent} sent, ${p.answered} answered, ${p.errors} errors`) },
    );
    const after = await server.metrics();
    serverCpuMs = totalMs(after.cpu) - totalMs(before.cpu);
  } finally {
    await server.stop({ graceMs: 3_000 });
  }
  const sample: Sample = { report, serverCpuMs, loadAverage: loadavg()[0] ?? 0 };
  const notes = [
    `open loop: ${CAPACITY_CONNECTIONS.toLocaleString('en-US')} connections × 1 request/s (${CAPACITY_CONNECTIONS.toLocaleString('en-US')} req/s scheduled), ${durationMs / 1_000} s; latency from the scheduled send time`,
    `open-file limit ${budget.limit.soft} (hard ${budget.limit.hard})`,
    ...sampleNotes(sample),
  ];
  const failures = exactnessFailures(sample);
  return [
    makeFigure({ name: names.p99, value: report.latencyMs?.p99 ?? Number.NaN, unit: 'ms', samples: 1, target: CAPACITY_P99_TARGET, failures, notes }),
    makeFigure({ name: names.connected, value: report.connections.opened, unit: 'connections', samples: 1, target: { of: 'value', op: '>=', limit: CAPACITY_CONNECTIONS } }),
    makeFigure({ name: names.errors, value: report.errors, unit: 'errors', samples: 1, target: { of: 'value', op: '<=', limit: 0 }, notes: [`${report.sent} sent, ${report.answered} answered`] }),
  ];
}

const WRK_CONNECTIONS = 50;
const WRK_TARGET: Target = { of: 'ratio', op: '>=', limit: 0.9 };

/** wrk on PATH (or Debian's /usr/bin/wrk), or null. */
export function findWrk(): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    const path = join(dir, 'wrk');
    if (existsSync(path)) return path;
  }
  return null;
}

interface WrkResult {
  readonly requestsPerS: number;
  readonly requests: number;
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** wrk's own CPU, ms (null where it cannot be read). */
  readonly cpuMs: number | null;
}

/**
 * CPU of this process's reaped children (cutime + cstime of /proc/self/stat), ms; null off Linux. wrk
 * is the only child reaped while it runs (the server's process lives on), so the growth is wrk's CPU.
 */
function reapedChildrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}

const unitMs: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1_000, m: 60_000 };

/** Runs wrk and reads its report: req/s, requests, socket errors and non-2xx answers, latency percentiles. */
export function runWrk(wrk: string, url: string, connections: number, threads: number, durationS: number): Promise<WrkResult> {
  const before = reapedChildrenCpuMs();
  return new Promise((resolve, reject) => {
    execFile(wrk, [`-t${threads}`, `-c${connections}`, `-d${durationS}s`, '--latency', url], { timeout: (durationS + 30) * 1_000 }, (error, stdout) => {
      if (error) {
        reject(new Error(`wrk failed: ${error.message}`));
        return;
      }
      const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      const total = /(\d+) requests in/.exec(stdout);
      if (!rate || !total) {
        reject(new Error(`wrk's report was not understood: ${JSON.stringify(stdout.slice(0, 300))}`));
        return;
      }
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
      const percentile = (p: string): number | null => {
        const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(stdout);
        return match ? Number(match[1]) * (unitMs[match[2]!] ?? 1) : null;
      };
      const after = reapedChildrenCpuMs();
      resolve({
        requestsPerS: Number(rate[1]),
        requests: Number(total[1]),
        errors: (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0),
        p50Ms: percentile('50'),
        p99Ms: percentile('99'),
        cpuMs: before !== null && after !== null ? after - before : null,
      });
    });
  });
}

async function loadVsWrk(options: BenchOptions): Promise<Figure[]> {
  const name = 'network.load-vs-wrk';
  const wrk = findWrk();
  if (!wrk) return [notMeasured(name, 'req/s', WRK_TARGET, 'wrk is not installed (Debian: apt-get install wrk; .ci/run installs it)')];
  const durationS = options.quick ? 2 : 5;
  const rounds = options.quick ? 1 : 3;
  const server = await startServerProcess({ protocol: 'http', model: 'event-loop', handler: { kind: 'hello' }, backlog: 4_096 });
  const url = `http://127.0.0.1:${server.address.port}/`;
  const ours: Sample[] = [];
  const theirs: { result: WrkResult; serverCpuMs: number }[] = [];
  try {
    const lab = (ms: number): Promise<LoadReport> =>
      runLoad({ protocol: 'http', port: server.address.port, connections: WRK_CONNECTIONS, durationMs: ms, messageBytes: 0, httpMethod: 'GET', threads: LOAD_THREADS, timeoutMs: 30_000 });
    // JIT warm-up of the server and of the generator's code, then the two in turn, round after round.
    await lab(options.quick ? 300 : 1_000);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['lab', 'wrk'] as const) : (['wrk', 'lab'] as const);
      for (const side of order) {
        options.log(`network: load generator vs wrk, ${side}, ${WRK_CONNECTIONS} connections, round ${round + 1}/${rounds}`);
        const before = await server.metrics();
        if (side === 'lab') {
          const report = await lab(durationS * 1_000);
          const after = await server.metrics();
          ours.push({ report, serverCpuMs: totalMs(after.cpu) - totalMs(before.cpu), loadAverage: loadavg()[0] ?? 0 });
        } else {
          const result = await runWrk(wrk, url, WRK_CONNECTIONS, LOAD_THREADS, durationS);
          const after = await server.metrics();
          theirs.push({ result, serverCpuMs: totalMs(after.cpu) - totalMs(before.cpu) });
        }
      }
    }
  } catch (error) {
    return [notMeasured(name, 'req/s', WRK_TARGET, `the run failed: ${messageOf(error)}`)];
  } finally {
    await server.stop({ graceMs: 2_000 });
  }
  const labRate = median(ours.map((sample) => sample.report.requestsPerS));
  const wrkRate = median(theirs.map((sample) => sample.result.requestsPerS));
  const middle = ours.find((sample) => sample.report.requestsPerS === labRate) ?? ours[0]!;
  const wrkMiddle = theirs.find((sample) => sample.result.requestsPerS === wrkRate) ?? theirs[0]!;
  const wrkFailures = theirs.flatMap((sample) => (sample.result.errors > 0 ? [`wrk saw ${sample.result.errors} socket errors or non-2xx answers`] : []));
  return [
    makeFigure({
      name,
      value: labRate,
      unit: 'req/s',
      samples: ours.length,
      baseline: { value: wrkRate, label: `wrk -t${LOAD_THREADS} -c${WRK_CONNECTIONS} -d${durationS}s, same server, same run` },
      target: WRK_TARGET,
      failures: [...ours.flatMap(exactnessFailures), ...wrkFailures],
      notes: [
        `HTTP GET of the hello handler on the event-loop model (its own process); ${WRK_CONNECTIONS} connections over ${LOAD_THREADS} threads on both sides, ${durationS} s, ${rounds} alternating round${rounds === 1 ? '' : 's'}`,
        `lab generator: ${sampleNotes(middle).join('; ')}`,
        `wrk: latency p50 ${wrkMiddle.result.p50Ms ?? '?'} ms, p99 ${wrkMiddle.result.p99Ms ?? '?'} ms; server CPU ${fmt(wrkMiddle.serverCpuMs / 1_000 / durationS)} cores; wrk's CPU ${wrkMiddle.result.cpuMs !== null ? `${fmt((wrkMiddle.result.cpuMs / (durationS * 1_000 * LOAD_THREADS)) * 100)}% of ${LOAD_THREADS} threads` : 'unknown'}`,
      ],
    }),
  ];
}

async function run(options: BenchOptions): Promise<Figure[]> {
  // CONLAB_BENCH_NETWORK=load-vs-wrk measures that figure alone (a quick check after changing the generator).
  if (process.env['CONLAB_BENCH_NETWORK'] === 'load-vs-wrk') return loadVsWrk(options);
  return [...(await loadVsWrk(options)), ...(await closedLoop(options)), ...(await capacity(options))];
}

export const networkGroup: FigureGroup = {
  name: 'network',
  description: 'the load generator against wrk (HTTP); echo req/s per server model beside a bare Node net server; 10,000-connection open-loop capacity',
  run,
};
