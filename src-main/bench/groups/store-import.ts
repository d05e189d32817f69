import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ActorRecord, RunRecord } from '../../model/run-model';
import type { EventBatch } from '../../model/trace-event';
import { buildRunLog, serializeRunLog } from '../../export/run-log';
import { LabService } from '../../service/lab-service';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';
import { median } from '../sampling';

/**
 * store.import-responsive: while a 100 MB run log is imported through LabService (read, parsed in
 * its reader worker, handed to the store-writer worker in parts and stored there), the thread that
 * called the import keeps answering history requests. 100 `listRuns` requests are issued on a fixed
 * schedule (one every REQUEST_INTERVAL_MS) from the moment the import starts; each one's latency runs
 * from when it was due to when its answer was back (a request delayed by a blocked thread counts the
 * whole delay). The figure is their p99, beside the same schedule with no import running.
 */

const REQUESTS = 100;
const REQUEST_INTERVAL_MS = 10;
const EVENTS_PER_BATCH = 500;
const LOG_BYTES = 100 * 1024 * 1024;
const SEED_RUNS = 50;

function actorRecord(name: string, events: number): ActorRecord {
  return {
    name,
    group: 'marker',
    kind: 'thread',
    daemon: false,
    pid: 1,
    threadId: 1,
    ppid: 0,
    requestedNs: 0,
    startedNs: 1_000_000,
    endedNs: 2_000_000_000,
    spawnLatencyMs: 1,
    exit: 'completed',
    error: null,
    eventsEmitted: events,
    eventsReceived: events,
    eventsDropped: 0,
  };
}

/**
 * A finished run of `actors` thread actors that marked many times, with its event batches, sized so its
 * run log is about `targetBytes` long. Deterministic: the same arguments give the same log.
 */
export function syntheticRun(id: string, targetBytes: number, actors = 4): { run: RunRecord; events: EventBatch[] } {
  const events: EventBatch[] = [];
  const perActor = new Map<string, number>();
  let bytes = 0;
  let t = 0;
  for (let b = 0; bytes < targetBytes; b++) {
    const actor = `marker-${(b % actors) + 1}`;
    const firstSeq = perActor.get(actor) ?? 0;
    const rows: unknown[] = [];
    for (let i = 0; i < EVENTS_PER_BATCH; i++) rows.push([firstSeq + i, (t += 137), 'm', 'I', { n: firstSeq + i }]);
    const payload = JSON.stringify(rows);
    events.push({ trial: 0, actor, firstSeq, count: EVENTS_PER_BATCH, tFirst: t - 137 * (EVENTS_PER_BATCH - 1), tLast: t, payload });
    perActor.set(actor, firstSeq + EVENTS_PER_BATCH);
    // In the log the payload is a JSON string: every quote is escaped.
    bytes += payload.length * 1.1 + 80;
  }
  const total = events.length * EVENTS_PER_BATCH;
  const run: RunRecord = {
    id,
    lessonId: null,
    experimentId: null,
    title: 'Many marks',
    status: 'ok',
    startedAt: '2026-01-01T10:00:00.000Z',
    endedAt: '2026-01-01T10:00:02.000Z',
    wallMs: 2000,
    spec: { version: 1, actors: [{ name: 'marker', kind: 'thread', count: actors }] },
    params: {},
    repeat: 1,
    warmup: 0,
    environment: { os: 'linux', cpuModel: 'bench', cpuCount: 2, totalMemoryMb: 4096, node: process.version, electron: null, appVersion: '0.0.0', hasProcfs: true },
    substitutions: [],
    trials: [
      {
        index: 0,
        warmup: false,
        status: 'ok',
        startedAt: '2026-01-01T10:00:00.000Z',
        wallMs: 2000,
        metrics: { wallMs: 2000 },
        actors: [...perActor].map(([name, count]) => actorRecord(name, count)),
        records: {},
        finalShared: {},
        deadlock: null,
        error: null,
        eventCount: total,
        eventsLost: 0,
        eventsDropped: 0,
      },
    ],
    stats: [],
    claims: [],
    warnings: [],
    error: null,
    tags: ['bench'],
    notes: [],
  };
  return { run, events };
}

/** The run log file of syntheticRun, as an export writes it. Returns its size in bytes. */
export function writeSyntheticLog(file: string, id: string, targetBytes: number): number {
  const { run, events } = syntheticRun(id, targetBytes);
  const data = serializeRunLog(buildRunLog(run, events, '0.0.0'));
  writeFileSync(file, data);
  return data.length;
}

function p99(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
}

/** Issues REQUESTS listRuns on a fixed schedule; each latency from when it was due to its answer. */
async function scheduledReads(service: LabService, expectRuns: number, failures: string[], busy: () => boolean): Promise<{ latencies: number[]; duringBusy: number }> {
  const latencies: number[] = [];
  let duringBusy = 0;
  const start = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const due = start + i * REQUEST_INTERVAL_MS;
    const wait = due - performance.now();
    if (wait > 0) await delay(wait);
    if (busy()) duringBusy++;
    const runs = service.listRuns({ limit: 100 });
    if (runs.length < expectRuns) failures.push(`listRuns answered ${runs.length} runs, expected at least ${expectRuns}`);
    latencies.push(performance.now() - due);
  }
  return { latencies, duringBusy };
}

async function measure(options: BenchOptions, index: number, logFile: string): Promise<{ loaded: number; idle: number; duringImport: number; importMs: number; failures: string[] }> {
  const failures: string[] = [];
  const service = LabService.open({ dbPath: join(options.scratchDir, `import-${index}.sqlite`) });
  try {
    for (let i = 0; i < SEED_RUNS; i++) {
      const { run, events } = syntheticRun(`seed-${index}-${String(i).padStart(3, '0')}`, 2_000, 1);
      await service.importRunLog(serializeRunLog(buildRunLog(run, events, '0.0.0')));
    }
    const idle = await scheduledReads(service, SEED_RUNS, failures, () => false);
    let importing = true;
    const started = performance.now();
    const imported = service.importRunLogFile(logFile).finally(() => (importing = false));
    imported.catch(() => undefined);
    const loaded = await scheduledReads(service, SEED_RUNS, failures, () => importing);
    const result = await imported;
    const importMs = performance.now() - started;
    if (result.result !== 'inserted') failures.push(`the import answered ${result.result}, expected inserted`);
    if (service.listRuns({ limit: 1000 }).length !== SEED_RUNS + 1) failures.push('the imported run is not listed');
    return { loaded: p99(loaded.latencies), idle: p99(idle.latencies), duringImport: loaded.duringBusy, importMs, failures };
  } finally {
    await service.close();
  }
}

async function runGroup(options: BenchOptions): Promise<Figure[]> {
  const logFile = join(options.scratchDir, 'big.runlog.json');
  const bytes = writeSyntheticLog(logFile, 'big-import-run', LOG_BYTES);
  options.log(`store: a run log of ${(bytes / 1024 / 1024).toFixed(1)} MB written`);
  const repetitions = options.quick ? 1 : 5;
  const results = [];
  for (let i = 0; i < repetitions; i++) {
    const result = await measure(options, i, logFile);
    options.log(
      `store: import ${i + 1}/${repetitions}: p99 ${result.loaded.toFixed(1)} ms during the import (${result.duringImport} of ${REQUESTS} requests issued while it ran, import ${(result.importMs / 1000).toFixed(2)} s), ${result.idle.toFixed(1)} ms idle`,
    );
    results.push(result);
  }
  return [
    makeFigure({
      name: 'store.import-responsive',
      value: median(results.map((r) => r.loaded)),
      unit: 'ms',
      samples: results.length,
      baseline: { value: median(results.map((r) => r.idle)), label: 'same requests, no import' },
      target: { of: 'value', op: '<=', limit: 50 },
      failures: results.flatMap((r) => r.failures),
      notes: [
        `p99 of ${REQUESTS} listRuns requests, one due every ${REQUEST_INTERVAL_MS} ms from the import's start, latency from when each was due`,
        `run log ${(bytes / 1024 / 1024).toFixed(1)} MB; import took ${median(results.map((r) => r.importMs)).toFixed(0)} ms (median); ${Math.min(...results.map((r) => r.duringImport))} or more of the requests were issued while it ran`,
      ],
    }),
  ];
}

export const storeGroup: FigureGroup = {
  name: 'store',
  description: 'history reads answered while a 100 MB run log is imported',
  run: runGroup,
};
