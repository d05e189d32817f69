import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { engineDir } from '../../engine/entry-paths';
import type { RunRecord } from '../../model/run-model';
import { DEFAULT_LIMIT_CAPS, type LimitCaps } from '../../model/limit-caps';
import { LabService } from '../../service/lab-service';
import { RunStore } from '../../store/run-store';
import { TOKEN_PARAM, WS_PATH } from '../../contract/messages';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';

/**
 * Memory of a long traced run: the runner keeps what claims need, not the events, and the browser-mode
 * server relays a live view without holding the run either.
 *
 * - memory.runner-rss: the runner process's peak RSS (its own maxRSS at the trial's end, the trial
 *   metric runnerPeakRssMb; thread actors and the store writer are threads of that process) during a run
 *   of 2 thread actors × 5,000,000 `mark` steps traced one by one (10,000,000 events), run through
 *   LabService so in a runner process of its own. Baseline: the same run with 2 × 5,000. Target ≤ 300 MB.
 *   Checked: every event is in the store.
 * - memory.runner-rss-process: the same with 2 process actors (forked; their batches cross the IPC channel and
 *   are answered by the runner, which holds its answers while the store is behind). Target ≤ 300 MB.
 * - memory.server-rss: the peak RSS (VmHWM in /proc) of a `conlab serve` process while a WebSocket client
 *   starts that run and reads its live view to the end. Baseline: the same server idle, with the client
 *   connected, before the run. Target ≤ 200 MB. Checked: the live view carried every event.
 *
 * Quick mode runs 2 × 500,000 marks instead.
 */

const ACTORS = 2;
/** Per actor: 'actor' B and E around the program, 'repeat' B and E around the marks. */
const FRAME_EVENTS = 4;
const MB = 1024 * 1024;

function marksSpec(marksPerActor: number, kind: 'thread' | 'process' = 'thread'): unknown {
  return {
    version: 1,
    actors: [{ name: 'marker', kind, count: ACTORS, program: [{ op: 'repeat', times: marksPerActor, trace: 'each', steps: [{ op: 'mark', name: 'm' }] }] }],
  };
}

function capsFor(marksPerActor: number): Partial<LimitCaps> {
  const events = ACTORS * (marksPerActor + FRAME_EVENTS);
  // A mark is about 40 bytes of JSON; the default caps (5,000,000 events, 128 MB) are below such a run.
  return { maxEvents: Math.max(DEFAULT_LIMIT_CAPS.maxEvents, events + 1_000), maxEventBytes: Math.max(DEFAULT_LIMIT_CAPS.maxEventBytes, events * 64), wallTimeMs: 30 * 60_000 };
}

function expectedEvents(marksPerActor: number): number {
  return ACTORS * (marksPerActor + FRAME_EVENTS);
}

function runChecks(run: RunRecord, expected: number, stored: number): string[] {
  const trial = run.trials[0];
  if (run.status !== 'ok' || !trial) return [`the run ended ${run.status}${run.error ? `: ${run.error}` : ''}`];
  const failures: string[] = [];
  if (trial.eventCount !== expected) failures.push(`the runner received ${trial.eventCount} events, expected ${expected}`);
  if (stored !== expected) failures.push(`the store holds ${stored} events, expected ${expected}`);
  return failures;
}

async function runnerPeak(dir: string, marksPerActor: number, kind: 'thread' | 'process' = 'thread'): Promise<{ rssMb: number; failures: string[]; wallMs: number }> {
  mkdirSync(dir, { recursive: true });
  const dbPath = join(dir, 'runs.db');
  const service = LabService.open({ dbPath, caps: capsFor(marksPerActor), workRoot: join(dir, 'work') });
  let run: RunRecord;
  try {
    run = await service.run({ spec: marksSpec(marksPerActor, kind) });
  } finally {
    await service.close();
  }
  const store = RunStore.open(dbPath, { recoverInterrupted: false });
  let stored: number;
  try {
    stored = store.countEvents(run.id);
  } finally {
    store.close();
  }
  const peak = run.trials[0]?.metrics['runnerPeakRssMb'];
  return { rssMb: typeof peak === 'number' ? peak : Number.NaN, failures: runChecks(run, expectedEvents(marksPerActor), stored), wallMs: run.wallMs ?? Number.NaN };
}

/** Peak and current resident memory of a process, in MB, from /proc/<pid>/status. */
function residentMb(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  return { peak: field('VmHWM'), now: field('VmRSS') };
}

function conlabBin(): string {
  // out/engine → the package root → bin/conlab.mjs
  return join(dirname(dirname(engineDir())), 'bin', 'conlab.mjs');
}

interface Served {
  readonly child: ChildProcess;
  readonly url: URL;
}

async function startServer(dir: string, marksPerActor: number): Promise<Served> {
  mkdirSync(join(dir, 'renderer'), { recursive: true });
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>bench</title>');
  const db = join(dir, 'serve.db');
  writeFileSync(`${db}.settings.json`, JSON.stringify({ limits: { ...DEFAULT_LIMIT_CAPS, ...capsFor(marksPerActor) } }));
  const child = spawn(process.execPath, [conlabBin(), 'serve', '--no-open', '--port', '0'], {
    env: { ...process.env, CONLAB_DB: db, CONLAB_RENDERER_DIR: join(dir, 'renderer') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`conlab serve printed no URL in 30 s: ${err.slice(-500)}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /open (http:\/\/\S+)/.exec(out);
      if (found) {
        clearTimeout(timer);
        resolve(new URL(found[1]!));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`conlab serve exited (code ${code}): ${err.slice(-500)}`));
    });
  });
  return { child, url };
}

interface LiveOutcome {
  readonly idleMb: number;
  readonly peakMb: number;
  readonly liveEvents: number;
  readonly messages: number;
  readonly status: string | null;
}

/** A client that starts the run over the WebSocket and reads every live message until run-ended. */
async function followRun(served: Served, marksPerActor: number, log: (line: string) => void): Promise<LiveOutcome> {
  const { url, child } = served;
  const socketUrl = `ws://${url.host}${WS_PATH}?${TOKEN_PARAM}=${url.searchParams.get(TOKEN_PARAM) ?? ''}`;
  const socket = new WebSocket(socketUrl, { origin: `http://${url.host}`, maxPayload: 1024 * MB });
  let liveEvents = 0;
  let messages = 0;
  let hello!: () => void;
  const greeted = new Promise<void>((resolve) => (hello = resolve));
  let ended!: (status: string | null) => void;
  const finished = new Promise<string | null>((resolve) => (ended = resolve));
  let failed!: (error: Error) => void;
  const broken = new Promise<never>((_, reject) => (failed = reject));
  socket.on('message', (data: WebSocket.RawData) => {
    const message = JSON.parse(data.toString()) as {
      type: string;
      ok?: boolean;
      error?: { message: string };
      event?: { type: string; batches?: { count: number }[]; status?: string | null };
    };
    if (message.type === 'hello') hello();
    else if (message.type === 'response' && message.ok === false) failed(new Error(`runs.start refused: ${message.error?.message ?? '?'}`));
    else if (message.type === 'event' && message.event) {
      messages++;
      if (message.event.type === 'run-live') for (const batch of message.event.batches ?? []) liveEvents += batch.count;
      else if (message.event.type === 'run-ended') ended(message.event.status ?? null);
    }
  });
  socket.once('error', (error) => failed(error));
  socket.once('close', () => failed(new Error('the WebSocket closed before the run ended')));
  await Promise.race([greeted, broken]);
  // The idle server: started, a client connected, nothing running.
  await sleep(1_000);
  const idleMb = residentMb(child.pid!).peak;
  log(`memory: server idle at ${idleMb.toFixed(0)} MB; starting ${ACTORS} × ${marksPerActor} marks with a live view`);
  socket.send(JSON.stringify({ type: 'request', id: 1, method: 'runs.start', params: { spec: marksSpec(marksPerActor) } }));
  const status = await Promise.race([finished, broken]);
  const peakMb = residentMb(child.pid!).peak;
  socket.removeAllListeners('close');
  socket.close();
  return { idleMb, peakMb, liveEvents, messages, status };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}

export const memoryGroup: FigureGroup = {
  name: 'memory',
  description: 'peak RSS of the runner (thread and process actors) and of a browser-mode server with a live view during a 10,000,000-event run',
  async run(options: BenchOptions): Promise<Figure[]> {
    const marks = options.quick ? 500_000 : 5_000_000;
    const small = 5_000;
    const dir = join(options.scratchDir, 'memory');
    options.log(`memory: runner baseline, ${ACTORS} × ${small} marks`);
    const baseline = await runnerPeak(join(dir, 'small'), small);
    options.log(`memory: runner, ${ACTORS} × ${marks} marks`);
    const large = await runnerPeak(join(dir, 'large'), marks);
    const runnerFigure = makeFigure({
      name: 'memory.runner-rss',
      value: large.rssMb,
      unit: 'MB',
      samples: 1,
      baseline: { value: baseline.rssMb, label: `the runner, ${(expectedEvents(small) / 1e3).toFixed(0)}k events` },
      target: { of: 'value', op: '<=', limit: 300 },
      failures: [...baseline.failures.map((f) => `baseline run: ${f}`), ...large.failures],
      notes: [`memory.runner-rss: ${expectedEvents(marks).toLocaleString('en')} traced events (2 thread actors marking), trial ${(large.wallMs / 1e3).toFixed(1)} s; the runner's own peak RSS (maxRSS) at the trial's end`],
    });

    options.log(`memory: runner, ${ACTORS} process actors × ${marks} marks`);
    const forked = await runnerPeak(join(dir, 'process'), marks, 'process');
    const processFigure = makeFigure({
      name: 'memory.runner-rss-process',
      value: forked.rssMb,
      unit: 'MB',
      samples: 1,
      baseline: { value: baseline.rssMb, label: `the runner, ${(expectedEvents(small) / 1e3).toFixed(0)}k events (threads)` },
      target: { of: 'value', op: '<=', limit: 300 },
      failures: forked.failures,
      notes: [`memory.runner-rss-process: ${expectedEvents(marks).toLocaleString('en')} traced events (2 process actors marking), trial ${(forked.wallMs / 1e3).toFixed(1)} s; the runner's own peak RSS (maxRSS) at the trial's end`],
    });

    options.log('memory: browser-mode server with a live view');
    const served = await startServer(join(dir, 'serve'), marks);
    let live: LiveOutcome;
    try {
      live = await followRun(served, marks, options.log);
    } finally {
      await stopServer(served.child);
    }
    const expected = expectedEvents(marks);
    const failures: string[] = [];
    if (live.status !== 'ok') failures.push(`the run ended ${String(live.status)}`);
    if (live.liveEvents !== expected) failures.push(`the live view carried ${live.liveEvents} events, expected ${expected}`);
    const serverFigure = makeFigure({
      name: 'memory.server-rss',
      value: live.peakMb,
      unit: 'MB',
      samples: 1,
      baseline: { value: live.idleMb, label: 'the same server idle' },
      target: { of: 'value', op: '<=', limit: 200 },
      failures,
      notes: [`memory.server-rss: \`conlab serve\` peak (VmHWM) while one WebSocket client followed the run live (${live.messages} live messages)`],
    });
    return [runnerFigure, processFigure, serverFigure];
  },
};
